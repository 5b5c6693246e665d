import Testing
@testable import RecurrentTestSupport
import Recurrent
@testable import RecurrentNN

/// `predict` streams the input projection step by step (nothing kept for backward); it must give
/// the outputs of the recording forward pass.
struct InferenceTests {
    static let cells = ["simple", "lstm", "gru", "gru_before", "bidirectional"]

    static func recurrent(_ cell: String, returnSequences: Bool, goBackwards: Bool) -> any Layer {
        switch cell {
        case "simple": return SimpleRNN(6, returnSequences: returnSequences, goBackwards: goBackwards)
        case "lstm": return LSTM(6, returnSequences: returnSequences, goBackwards: goBackwards)
        case "gru": return GRU(6, returnSequences: returnSequences, goBackwards: goBackwards)
        case "gru_before": return GRU(6, resetAfter: false, returnSequences: returnSequences, goBackwards: goBackwards)
        default: return Bidirectional(LSTM(6, returnSequences: returnSequences, goBackwards: goBackwards))
        }
    }

    @Test(arguments: cells, [false, true])
    func predictEqualsRecordingForward(_ cell: String, _ goBackwards: Bool) throws {
        let T = 9
        let model = Sequential([
            Embedding(inputDim: 30, outputDim: 5, maskZero: true),
            Self.recurrent(cell, returnSequences: true, goBackwards: goBackwards),
            Self.recurrent(cell, returnSequences: false, goBackwards: false),
            Dense(3, activation: .softmax),
        ])
        try model.build(inputShape: [T], seed: 11)
        var rng = RandomGenerator(seed: 4)
        var x = Tensor(shape: [20, T])
        for b in 0..<20 {
            let pad = b % 4
            for t in pad..<T { x[b, t] = Float(1 + Int(rng.next() % 29)) }
        }
        let recorded = try model.forward(x, training: false)
        let streamed = try model.predict(x, batchSize: 20)
        #expect(streamed.shape == recorded.shape)
        let worst = zip(recorded.data, streamed.data).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-6, "max |forward − predict| = \(worst)")
        // Batches of another size give the same rows.
        let small = try model.predict(x, batchSize: 7)
        let worstSmall = zip(recorded.data, small.data).map { abs($0 - $1) }.max() ?? 0
        #expect(worstSmall <= 1e-6)
        // After predict the layers record again: backward works.
        _ = try model.forward(x, training: false)
        _ = try model.backward(Tensor(shape: recorded.shape, repeating: 0.1))
    }

    /// `predict` through an Embedding into a recurrent layer keeps the projected token rows
    /// (`E[id]·K`) between calls; a change of either weight must be seen by the next call.
    @Test(arguments: ["lstm", "gru", "simple"])
    func projectedTokensFollowWeightChanges(_ cell: String) throws {
        let T = 7
        let model = Sequential([
            Embedding(inputDim: 40, outputDim: 4),
            Self.recurrent(cell, returnSequences: false, goBackwards: false),
            Dense(1, activation: .sigmoid),
        ])
        try model.build(inputShape: [T], seed: 3)
        var rng = RandomGenerator(seed: 9)
        var x = Tensor(shape: [12, T])
        for i in 0..<x.count { x.data[i] = Float(rng.next() % 40) }
        func worstDifference() throws -> Float {
            let recorded = try model.forward(x, training: false)
            let predicted = try model.predict(x, batchSize: 5)
            return zip(recorded.data, predicted.data).map { abs($0 - $1) }.max() ?? 0
        }
        #expect(try worstDifference() <= 1e-6)
        // predict took the projected-token path.
        let recurrent = try #require(model.layers[1] as? RecurrentLayer)
        #expect(recurrent.tokenProjection != nil)
        // A training step changes the embedding rows and the kernel.
        try model.compile(optimizer: Adam(learningRate: 0.05), loss: .binaryCrossentropy)
        let y = try Tensor(shape: [12, 1], data: (0..<12).map { Float($0 % 2) })
        let before = try model.predict(x, batchSize: 12)
        _ = try model.fit(x: x, y: y, batchSize: 12, epochs: 1, verbose: .silent)
        let after = try model.predict(x, batchSize: 12)
        #expect(zip(before.data, after.data).contains { $0 != $1 })
        #expect(try worstDifference() <= 1e-6)
        // So does assigning a weight directly.
        let table = model.layers[0].parameters[0]
        try table.assign(Tensor(shape: table.shape, repeating: 0.01), layer: "embedding")
        #expect(try worstDifference() <= 1e-6)
        let kernel = model.layers[1].parameters[0]
        try kernel.assign(Tensor(shape: kernel.shape, repeating: -0.02), layer: model.layers[1].name)
        #expect(try worstDifference() <= 1e-6)
    }

    /// A bad token id still names the Embedding when `predict` takes the projected-token path.
    @Test func badTokenThroughPredictNamesTheEmbedding() throws {
        let model = Sequential([Embedding(inputDim: 10, outputDim: 4, name: "words"), LSTM(3), Dense(1)])
        try model.build(inputShape: [5], seed: 1)
        let x = try Tensor(shape: [2, 5], data: [1, 2, 3, 4, 5, 6, 7, 12, 1, 1])
        #expect {
            _ = try model.predict(x)
        } throws: { error in
            "\(error)".contains("words") && "\(error)".contains("12")
        }
    }

    /// Building the model again gives new weight objects; predict must not reuse the old table.
    @Test func projectedTokensFollowARebuild() throws {
        let model = Sequential([Embedding(inputDim: 30, outputDim: 6), LSTM(5), Dense(1)])
        try model.build(inputShape: [7], seed: 1)
        var rng = RandomGenerator(seed: 5)
        var x = Tensor(shape: [4, 7])
        for i in 0..<x.count { x.data[i] = Float(rng.next() % 30) }
        _ = try model.predict(x)
        try model.build(inputShape: [7], seed: 2)
        let predicted = try model.predict(x)
        let recorded = try model.forward(x, training: false)
        let worst = zip(recorded.data, predicted.data).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-6, "max |forward − predict| after a rebuild = \(worst)")
    }

    /// A gradient written from outside (a penalty added by hand) is dense from then on: Adam
    /// uses its square, not the stale per-occurrence squares, and the next backward rewrites it.
    @Test func embeddingGradientEditedByHand() throws {
        let model = Sequential([Embedding(inputDim: 40, outputDim: 4), LSTM(3), Dense(1)])
        try model.build(inputShape: [5], seed: 1)
        let x = try Tensor(shape: [2, 5], data: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])  // never row 39
        let y = try model.forward(x, training: true)
        try model.backward(Tensor(shape: y.shape, repeating: 0.1))
        let table = model.layers[0].parameters[0]
        table.gradient.data[39 * 4] += 0.5
        let before = table.value.data[39 * 4]
        try Adam(learningRate: 0.01).step(model.parameters)
        // Adam's first step moves a weight by about the learning rate, whatever the gradient.
        #expect(abs(table.value.data[39 * 4] - before) <= 0.0101)
        let y2 = try model.forward(x, training: true)
        try model.backward(Tensor(shape: y2.shape, repeating: 0.1))
        #expect(table.gradient.data[39 * 4] == 0, "backward must overwrite the whole gradient")
    }
}
