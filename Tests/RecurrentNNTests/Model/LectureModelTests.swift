import Testing
@testable import RecurrentTestSupport
import Recurrent

/// The lecture's models built with `Sequential`: per-layer parameter counts (Keras
/// `count_params`), totals, output shapes, Keras-style unique names and seeded initialisation.
@Suite("Lecture models")
struct LectureModelTests {
    struct Expected: Sendable {
        var inputShape: [Int]
        var counts: [Int]
        var shapes: [[Int]]
    }

    /// Builds `model`, then checks every layer's count, the total and the output shapes.
    static func check(_ model: Sequential, _ e: Expected, _ what: String,
                      sourceLocation: SourceLocation = #_sourceLocation) throws {
        try model.build(inputShape: e.inputShape, seed: 0)
        let counts = model.layers.map(\.parameterCount)
        #expect(counts == e.counts, "\(what): per-layer counts", sourceLocation: sourceLocation)
        #expect(model.parameterCount == e.counts.reduce(0, +), "\(what): total", sourceLocation: sourceLocation)
        #expect(model.outputShapes == e.shapes, "\(what): output shapes", sourceLocation: sourceLocation)
        // count_params is the sum of the weight sizes, which every layer reports in Keras order.
        for layer in model.layers {
            #expect(layer.parameterCount == layer.parameters.reduce(0) { $0 + $1.value.count }, sourceLocation: sourceLocation)
        }
    }

    @Test func simpleRNNOnASeries() throws {
        // 10·(features + 10 + 1) + 11: 120 + 11 = 131 needs one feature per step (Keras gives
        // 140 for SimpleRNN(10) on 3 features: kernel 30, recurrent 100, bias 10).
        try Self.check(Sequential { SimpleRNN(10); Dense(1) },
                       Expected(inputShape: [4, 1], counts: [120, 11], shapes: [[10], [1]]), "SimpleRNN(10) on (4, 1)")
        try Self.check(Sequential { SimpleRNN(10); Dense(1) },
                       Expected(inputShape: [4, 3], counts: [140, 11], shapes: [[10], [1]]), "SimpleRNN(10) on (4, 3)")
    }

    @Test func imdbSimpleRNN() throws {
        try Self.check(Sequential {
            Embedding(inputDim: 8921, outputDim: 32)
            SimpleRNN(32)
            Dense(1, activation: .sigmoid)
        }, Expected(inputShape: [100], counts: [285_472, 2_080, 33], shapes: [[100, 32], [32], [1]]),
        "Embedding(8921, 32) + SimpleRNN(32) + Dense(1)")
    }

    @Test func reutersLSTM() throws {
        try Self.check(Sequential {
            Embedding(inputDim: 1000, outputDim: 120)
            LSTM(120)
            Dense(46, activation: .softmax)
        }, Expected(inputShape: [100], counts: [120_000, 115_680, 5_566], shapes: [[100, 120], [120], [46]]),
        "Embedding(1000, 120) + LSTM(120) + Dense(46)")
    }

    @Test func imdbLSTM() throws {
        try Self.check(Sequential {
            Embedding(inputDim: 5000, outputDim: 120)
            LSTM(120)
            Dense(1, activation: .sigmoid)
        }, Expected(inputShape: [500], counts: [600_000, 115_680, 121], shapes: [[500, 120], [120], [1]]),
        "Embedding(5000, 120) + LSTM(120) + Dense(1)")
    }

    @Test func imdbConvLSTM() throws {
        try Self.check(Sequential {
            Embedding(inputDim: 5000, outputDim: 120)
            Dropout(rate: 0.5)
            Conv1D(filters: 64, kernelSize: 5, padding: .valid, activation: .relu)
            MaxPooling1D(poolSize: 4)
            LSTM(55)
            Dense(1, activation: .sigmoid)
        }, Expected(inputShape: [500], counts: [600_000, 0, 38_464, 0, 26_400, 56],
                    shapes: [[500, 120], [500, 120], [496, 64], [124, 64], [55], [1]]),
        "Embedding + Dropout + Conv1D + MaxPooling1D + LSTM(55) + Dense(1)")
    }

    @Test func largeVocabularyLSTM() throws {
        try Self.check(Sequential {
            Embedding(inputDim: 35_000, outputDim: 100)
            LSTM(128)
            Dense(1, activation: .sigmoid)
        }, Expected(inputShape: [80], counts: [3_500_000, 117_248, 129], shapes: [[80, 100], [128], [1]]),
        "Embedding(35000, 100) + LSTM(128) + Dense(1)")
    }

    @Test func gruCounts() throws {
        try Self.check(Sequential { GRU(128) }, Expected(inputShape: [20, 100], counts: [88_320], shapes: [[128]]),
                       "GRU(128) resetAfter")
        try Self.check(Sequential { GRU(128, resetAfter: false) },
                       Expected(inputShape: [20, 100], counts: [87_936], shapes: [[128]]), "GRU(128) resetBefore")
        try Self.check(Sequential { GRU(128, returnSequences: true) },
                       Expected(inputShape: [20, 100], counts: [88_320], shapes: [[20, 128]]), "GRU(128) sequences")
        // Weight shapes as Keras: bias (2, 384) with reset_after, (384) without.
        let after = GRU(128), before = GRU(128, resetAfter: false)
        var rng = RandomGenerator(seed: 0)
        try after.build(inputShape: [20, 100], rng: &rng)
        try before.build(inputShape: [20, 100], rng: &rng)
        #expect(after.parameters.map(\.name) == ["kernel", "recurrent_kernel", "bias"])
        #expect(after.parameters.map(\.value.shape) == [[100, 384], [128, 384], [2, 384]])
        #expect(before.parameters.map(\.value.shape) == [[100, 384], [128, 384], [384]])
    }

    @Test func bidirectionalDoublesTheCount() throws {
        let single = Sequential { LSTM(8) }
        try single.build(inputShape: [6, 5])
        #expect(single.parameterCount == 4 * 8 * (5 + 8 + 1))
        try Self.check(Sequential { Bidirectional(LSTM(8)); Dense(1) },
                       Expected(inputShape: [6, 5], counts: [2 * 448, 17], shapes: [[16], [1]]), "Bidirectional(LSTM(8))")
        try Self.check(Sequential { Bidirectional(LSTM(8, returnSequences: true), mergeMode: .sum); Dense(1) },
                       Expected(inputShape: [6, 5], counts: [2 * 448, 9], shapes: [[6, 8], [6, 1]]), "Bidirectional sum")
    }

    @Test func uniqueNamesAsKeras() throws {
        let model = Sequential {
            Embedding(inputDim: 50, outputDim: 8)
            LSTM(8, returnSequences: true)
            LSTM(8, returnSequences: true)
            LSTM(8)
            Dense(4)
            Dense(1)
        }
        try model.build(inputShape: [7])
        #expect(model.layers.map(\.name) == ["embedding", "lstm", "lstm_1", "lstm_2", "dense", "dense_1"])
        #expect(model.outputShapes == [[7, 8], [7, 8], [7, 8], [8], [4], [1]])
        #expect(model.parameterCount == 400 + 3 * 4 * 8 * 17 + 36 + 5)
        let model2 = Sequential { SimpleRNN(4, returnSequences: true); GRU(4, returnSequences: true); SimpleRNN(4) }
        try model2.build(inputShape: [3, 2])
        #expect(model2.layers.map(\.name) == ["simple_rnn", "gru", "simple_rnn_1"])
    }

    @Test func seededWeightsAreReproducible() throws {
        func make(seed: UInt64) throws -> Sequential {
            let model = Sequential {
                Embedding(inputDim: 100, outputDim: 16)
                Conv1D(filters: 8, kernelSize: 3, activation: .relu)
                LSTM(12, returnSequences: true)
                GRU(6)
                Dense(3, activation: .softmax)
            }
            try model.build(inputShape: [20], seed: seed)
            return model
        }
        let a = try make(seed: 7), b = try make(seed: 7), c = try make(seed: 8)
        #expect(a.parameters.count == b.parameters.count)
        for (p, q) in zip(a.parameters, b.parameters) {
            // Bit-identical, not merely equal (0 and -0 differ here).
            #expect(p.value.shape == q.value.shape && p.value.data.map(\.bitPattern) == q.value.data.map(\.bitPattern),
                    "\(p.name) differs between two builds with the same seed")
        }
        // Every randomly initialised weight differs under another seed (biases start at zero;
        // the LSTM forget bias starts at one).
        for (p, q) in zip(a.parameters, c.parameters) where p.name != "bias" {
            #expect(p.value != q.value, "\(p.name) is the same under seeds 7 and 8")
        }
        // And the same seed gives the same outputs.
        var rng = RandomGenerator(seed: 1)
        var x = Tensor(shape: [4, 20])
        for i in 0..<x.count { x.data[i] = Float(Int(rng.uniform() * 100)) }
        #expect(try a.forward(x) == b.forward(x))
        #expect(try a.forward(x) != c.forward(x))
    }
}
