import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

/// `Sequential.summary(lineLength:)` against the text Keras 3 prints for the same model
/// (`Fixtures/summary/<case>.txt`, written by `fixtures/summary.py`), byte for byte.
@Suite("Summary")
struct SummaryTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let inputShape: [Int?]?
        let lineLength: Int
        let make: @Sendable () -> Sequential
        var testDescription: String { name }
    }

    static func convLSTM() -> Sequential {
        Sequential {
            Embedding(inputDim: 5000, outputDim: 120)
            Dropout(rate: 0.5)
            Conv1D(filters: 64, kernelSize: 5, activation: .relu)
            MaxPooling1D(poolSize: 4)
            LSTM(55)
            Dense(1, activation: .sigmoid)
        }
    }

    /// One training step, as in fixtures/summary.py: the summary then shows the optimizer's variables.
    static func fitted(_ optimizer: any Optimizer) throws -> Sequential {
        let m = Sequential { Embedding(inputDim: 50, outputDim: 8); LSTM(4); Dense(1, activation: .sigmoid) }
        try m.build(inputShape: [6])
        try m.compile(optimizer: optimizer, loss: .binaryCrossentropy)
        try m.fit(x: Tensor(shape: [4, 6], repeating: 1), y: Tensor(shape: [4, 1], repeating: 1), epochs: 1, verbose: .silent)
        return m
    }

    static let cases: [Case] = [
        // The lecture's seven models.
        Case(name: "series_simple_rnn", inputShape: [3, 1], lineLength: 76) { Sequential { SimpleRNN(10); Dense(1) } },
        Case(name: "spam_simple_rnn", inputShape: [189], lineLength: 76) {
            Sequential { Embedding(inputDim: 8921, outputDim: 32); SimpleRNN(32); Dense(1, activation: .sigmoid) }
        },
        Case(name: "reuters_lstm", inputShape: [100], lineLength: 76) {
            Sequential { Embedding(inputDim: 1000, outputDim: 120); LSTM(120); Dense(46, activation: .softmax) }
        },
        Case(name: "imdb_lstm", inputShape: [500], lineLength: 76) {
            Sequential { Embedding(inputDim: 5000, outputDim: 120); LSTM(120); Dense(1, activation: .sigmoid) }
        },
        Case(name: "imdb_gru", inputShape: [500], lineLength: 76) {
            Sequential { Embedding(inputDim: 5000, outputDim: 120); GRU(120); Dense(1, activation: .sigmoid) }
        },
        Case(name: "imdb_conv_lstm", inputShape: [500], lineLength: 76, make: convLSTM),
        Case(name: "nsmc_lstm", inputShape: [30], lineLength: 76) {
            Sequential { Embedding(inputDim: 35_000, outputDim: 100); LSTM(128); Dense(1, activation: .sigmoid) }
        },
        Case(name: "bidirectional", inputShape: [40], lineLength: 76) {
            Sequential {
                Embedding(inputDim: 2000, outputDim: 64)
                Bidirectional(LSTM(32, returnSequences: true))
                Bidirectional(GRU(16), mergeMode: .sum)
                Dense(1, activation: .sigmoid)
            }
        },
        Case(name: "frozen_embedding", inputShape: [20], lineLength: 76) {
            Sequential { Embedding(inputDim: 300, outputDim: 16); GlobalAveragePooling1D(); Dense(3, activation: .softmax) }
        },
        Case(name: "named_model", inputShape: [12, 4], lineLength: 76) {
            Sequential(name: "my_classifier") { GRU(8, returnSequences: true); GlobalMaxPooling1D(); Dense(2) }
        },
        Case(name: "unbuilt", inputShape: nil, lineLength: 76) { Sequential { LSTM(3); Dense(1) } },
        // An unknown number of timesteps (Keras `Input(shape=(None,))`).
        Case(name: "nsmc_lstm_none", inputShape: [nil], lineLength: 76) {
            Sequential { Embedding(inputDim: 35_000, outputDim: 100); LSTM(128); Dense(1, activation: .sigmoid) }
        },
        Case(name: "conv_bidirectional_none", inputShape: [nil], lineLength: 76) {
            Sequential {
                Embedding(inputDim: 5000, outputDim: 120)
                Dropout(rate: 0.5)
                Conv1D(filters: 64, kernelSize: 5, activation: .relu)
                MaxPooling1D(poolSize: 4)
                Bidirectional(GRU(16, returnSequences: true))
                GlobalMaxPooling1D()
                Dense(1, activation: .sigmoid)
            }
        },
        Case(name: "sequences_none", inputShape: [nil, 8], lineLength: 76) {
            Sequential { LSTM(4, returnSequences: true); Dense(2) }
        },
        Case(name: "after_fit_adam", inputShape: nil, lineLength: 76) { try! fitted(Adam()) },
        Case(name: "after_fit_sgd", inputShape: nil, lineLength: 76) { try! fitted(SGD()) },
        Case(name: "imdb_conv_lstm_88", inputShape: [500], lineLength: 88, make: convLSTM),
        Case(name: "imdb_conv_lstm_120", inputShape: [500], lineLength: 120, make: convLSTM),
        Case(name: "imdb_conv_lstm_50", inputShape: [500], lineLength: 50, make: convLSTM),
        Case(name: "imdb_conv_lstm_40", inputShape: [500], lineLength: 40, make: convLSTM),
        Case(name: "long_names_60", inputShape: [25], lineLength: 60) {
            Sequential {
                Embedding(inputDim: 1000, outputDim: 8, name: "a_rather_long_embedding_layer_name")
                Bidirectional(LSTM(4, returnSequences: true), name: "bidirectional_sequence_encoder_with_a_long_name")
                Dense(1, name: "out")
            }
        },
    ]

    @Test(arguments: cases)
    func matchesKeras(_ c: Case) throws {
        let url = Fixture.directory.appendingPathComponent("summary/\(c.name).txt")
        let expected = try String(contentsOf: url, encoding: .utf8)
        let model = c.make()
        if let shape = c.inputShape { try model.build(inputShape: shape) }
        if c.name == "frozen_embedding" { model.layers[0].parameters.forEach { $0.trainable = false } }
        let text = model.summary(lineLength: c.lineLength)
        #expect(text == expected, "\(c.name):\n\(text)\nexpected:\n\(expected)")
    }

    /// Every case in the fixture folder is covered by a Swift model above.
    @Test func everyFixtureIsTested() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixture.directory.appendingPathComponent("summary").path)
        let names = Set(files.filter { $0.hasSuffix(".txt") }.map { String($0.dropLast(4)) })
        #expect(names == Set(Self.cases.map(\.name)))
    }
}
