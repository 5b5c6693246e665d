import Testing
import Recurrent

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
}
