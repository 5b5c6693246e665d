import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

/// Training: `Sequential.trainOnBatch` learns a tiny sequence task; `Adam` follows the Keras 3
/// update; `Loss.evaluate` matches hand computations and Keras's clipping.
@Suite("Training")
struct TrainingTests {
    // MARK: - (a) A learnable problem

    /// Sequences of token ids in 2..<vocab; label 1 when token 1 appears somewhere (about half of
    /// the samples, at a random position, sometimes twice).
    static func makeData(count: Int, steps: Int, vocab: Int, rng: inout RandomGenerator) -> (x: Tensor, y: Tensor) {
        var x = Tensor(shape: [count, steps]), y = Tensor(shape: [count, 1])
        for n in 0..<count {
            for t in 0..<steps { x[n, t] = Float(2 + Int(rng.uniform() * Float(vocab - 2))) }
            if rng.uniform() < 0.5 {
                y[n, 0] = 1
                x[n, Int(rng.uniform() * Float(steps))] = 1
                if rng.uniform() < 0.3 { x[n, Int(rng.uniform() * Float(steps))] = 1 }
            }
        }
        return (x, y)
    }

    static func slice(_ t: Tensor, _ range: Range<Int>) -> Tensor {
        let per = t.count / t.shape[0]
        return Tensor(uncheckedShape: [range.count] + t.shape.dropFirst(),
                      data: Array(t.data[(range.lowerBound * per)..<(range.upperBound * per)]))
    }

    @Test(.timeLimit(.minutes(1)))
    func lstmLearnsWhetherATokenAppears() throws {
        let vocab = 10, steps = 6, batch = 32
        var rng = RandomGenerator(seed: 2024)
        let train = Self.makeData(count: 256, steps: steps, vocab: vocab, rng: &rng)
        let test = Self.makeData(count: 200, steps: steps, vocab: vocab, rng: &rng)
        let model = Sequential {
            Embedding(inputDim: vocab, outputDim: 8)
            LSTM(8)
            Dense(1, activation: .sigmoid)
        }
        try model.build(inputShape: [steps], seed: 3)
        let adam = Adam(learningRate: 0.01)
        let initialLoss = try model.evaluateLoss(test.x, test.y, loss: .binaryCrossentropy).loss

        var losses: [Float] = []
        for step in 0..<100 {
            let start = (step * batch) % 256
            let xb = Self.slice(train.x, start..<(start + batch)), yb = Self.slice(train.y, start..<(start + batch))
            let loss = try model.trainOnBatch(xb, yb, loss: .binaryCrossentropy, optimizer: adam)
            #expect(loss.isFinite)
            losses.append(loss)
        }
        #expect(adam.iterations == 100)
        let first = losses.prefix(8).reduce(0, +) / 8, last = losses.suffix(8).reduce(0, +) / 8
        #expect(first > 0.6, "an untrained model should be near log 2, got \(first)")
        #expect(last < 0.5 * first, "training loss did not fall: first 8 steps \(first), last 8 \(last)")

        let (testLoss, output) = try model.evaluateLoss(test.x, test.y, loss: .binaryCrossentropy)
        #expect(testLoss < 0.5 * initialLoss, "held-out loss \(initialLoss) → \(testLoss)")
        let predicted = try model.predict(test.x, batchSize: 64)
        if PackedMatrix.usesPackedKernel {
            // The packed kernel sums each element in one fixed order, whatever the batch split.
            #expect(predicted == output, "predict in batches differs from one forward")
        } else {
            // A CBLAS GEMM may block 64 rows and 200 rows differently (another summation order
            // of the per-step 8-term dot products): equal within float32 rounding, a few ulps of
            // the probabilities (ulp(1) = 1.2e-7).
            #expect(predicted.shape == output.shape)
            let worst = zip(predicted.data, output.data).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-6, "predict in batches differs from one forward by \(worst)")
        }
        let correct = (0..<200).filter { (predicted.data[$0] > 0.5) == (test.y.data[$0] == 1) }.count
        #expect(Double(correct) / 200 > 0.9, "held-out accuracy \(correct)/200")
    }

    // MARK: - (b) Adam

    /// The Keras 3 update in Double: t += 1; α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ); m += (g−m)(1−β₁);
    /// v += (g²−v)(1−β₂); w −= α·m/(√v + ε).
    static func adamByHand(w0: [Double], g: [Double], steps: Int, lr: Double,
                           b1: Double = 0.9, b2: Double = 0.999, eps: Double = 1e-7) -> [[Double]] {
        var w = w0, m = [Double](repeating: 0, count: w0.count), v = m
        var history: [[Double]] = []
        for t in 1...steps {
            let alpha = lr * (1 - pow(b2, Double(t))).squareRoot() / (1 - pow(b1, Double(t)))
            for i in w.indices {
                m[i] += (g[i] - m[i]) * (1 - b1)
                v[i] += (g[i] * g[i] - v[i]) * (1 - b2)
                w[i] -= alpha * m[i] / (v[i].squareRoot() + eps)
            }
            history.append(w)
        }
        return history
    }

    @Test(arguments: [1, 3, 37])
    func adamMatchesTheKerasFormula(_ n: Int) throws {
        // Gradients of every scale, including ones where ε matters (|g| ~ 1e-7).
        let gs: [Float] = [0.3, -2.0, 1e-6, 0, 5e-8, 123.0, -0.01]
        var w0 = Tensor(shape: [n]), g = Tensor(shape: [n])
        for i in 0..<n {
            w0.data[i] = Float(i % 5) * 0.75 - 1.25 + (i == 0 ? 1.75 : 0)
            g.data[i] = gs[i % gs.count]
        }
        let p = Parameter(name: "w", value: w0)
        let frozen = Parameter(name: "frozen", value: w0, trainable: false)
        let adam = Adam(learningRate: 0.01)
        #expect(adam.beta1 == 0.9 && adam.beta2 == 0.999 && adam.epsilon == 1e-7)
        let expected = Self.adamByHand(w0: w0.data.map(Double.init), g: g.data.map(Double.init), steps: 2, lr: 0.01)
        for step in 0..<2 {
            p.gradient = g
            frozen.gradient = g
            try adam.step([p, frozen])
            expectClose(p.value.data, expected[step], rtol: 1e-6, atol: 2e-7, "n=\(n) step \(step + 1)")
        }
        #expect(adam.iterations == 2)
        #expect(frozen.value == w0, "a non-trainable parameter was updated")
    }

    /// The same two steps through Keras 3 itself (TensorFlow backend, float32):
    /// `Adam(learning_rate=0.01).apply_gradients` on w = [0.5, −1.25, 2], g = [0.3, −2, 1e-6].
    @Test func adamMatchesKerasValues() throws {
        let p = Parameter(name: "w", value: Tensor(uncheckedShape: [3], data: [0.5, -1.25, 2.0]))
        let adam = Adam(learningRate: 0.01)
        let keras: [[Double]] = [[0.4900001585483551, -1.2400001287460327, 1.9975974559783936],
                                 [0.4800003468990326, -1.2300002574920654, 1.994507908821106]]
        for step in 0..<2 {
            p.gradient = Tensor(uncheckedShape: [3], data: [0.3, -2.0, 1e-6])
            try adam.step([p])
            expectClose(p.value.data, keras[step], rtol: 0, atol: 3e-7, "Keras step \(step + 1)")
        }
    }

    // MARK: - (c) Losses

    @Test func binaryCrossentropyLogitsAgreeWithProbabilities() throws {
        let z: [Float] = [-2, -0.5, 0.3, 1.7, 4, -6]
        let y: [Float] = [0, 1, 1, 0, 1, 0.3]
        let logits = Tensor(uncheckedShape: [3, 2], data: z)
        let probs = Tensor(uncheckedShape: [3, 2], data: z.map { 1 / (1 + exp(-$0)) })
        let target = Tensor(uncheckedShape: [3, 2], data: y)
        let fromLogits = try Loss.binaryCrossentropy.evaluate(logits, target: target, fromLogits: true)
        let fromProbs = try Loss.binaryCrossentropy.evaluate(probs, target: target, fromLogits: false)

        var hand = 0.0
        for i in 0..<6 {
            let p = 1 / (1 + exp(-Double(z[i]))), t = Double(y[i])
            hand -= t * log(p) + (1 - t) * log(1 - p)
        }
        hand /= 6
        #expect(abs(Double(fromLogits.loss) - hand) <= 1e-6 * hand, "from logits \(fromLogits.loss), by hand \(hand)")
        #expect(abs(Double(fromProbs.loss) - hand) <= 1e-5 * hand, "from probabilities \(fromProbs.loss), by hand \(hand)")
        // Gradients: dL/dz = (σ(z) − y)/N, and dL/dp · p(1 − p) is the same thing.
        for i in 0..<6 {
            let p = Double(probs.data[i])
            let expected = (1 / (1 + exp(-Double(z[i]))) - Double(y[i])) / 6
            #expect(abs(Double(fromLogits.gradient.data[i]) - expected) <= 1e-6, "d logit \(i)")
            let viaProbs = Double(fromProbs.gradient.data[i]) * p * (1 - p)
            #expect(abs(viaProbs - expected) <= 1e-5, "d probability \(i): \(viaProbs) vs \(expected)")
        }
        // Large logits stay finite and exact from logits.
        let big = try Loss.binaryCrossentropy.evaluate(Tensor(uncheckedShape: [2, 1], data: [100, -100]),
                                                       target: Tensor(uncheckedShape: [2, 1], data: [0, 0]), fromLogits: true)
        #expect(abs(big.loss - 50) < 1e-4, "from logits: (100 + 0) / 2, got \(big.loss)")
    }

    @Test func binaryCrossentropyClipsAsKeras() throws {
        func bce(_ p: Float, _ y: Float) throws -> (Float, Float) {
            let r = try Loss.binaryCrossentropy.evaluate(Tensor(uncheckedShape: [1, 1], data: [p]),
                                                         target: Tensor(uncheckedShape: [1, 1], data: [y]), fromLogits: false)
            return (r.loss, r.gradient.data[0])
        }
        #expect(Loss.epsilon == 1e-7)
        // Values from keras.losses.BinaryCrossentropy() (float32, TensorFlow backend).
        let wrongAtZero = try bce(0, 1)
        #expect(abs(Double(wrongAtZero.0) - -log(1e-7)) < 1e-4, "p = 0, y = 1: \(wrongAtZero.0), expected ≈ 16.118")
        #expect(abs(Double(wrongAtZero.0) - 16.11809539794922) < 1e-4)
        let wrongAtOne = try bce(1, 0)
        #expect(abs(Double(wrongAtOne.0) - 15.942384719848633) < 1e-4, "p = 1, y = 0: \(wrongAtOne.0) (1 − ε rounds in float32)")
        let rightAtOne = try bce(1, 1)
        #expect(abs(Double(rightAtOne.0) - 1.1920928955078125e-07) < 1e-9, "p = 1, y = 1: \(rightAtOne.0)")
        // clip_by_value passes no gradient outside [ε, 1 − ε].
        #expect(wrongAtZero.1 == 0 && wrongAtOne.1 == 0)
        // Mean over a batch with one clipped entry.
        let mixed = try Loss.binaryCrossentropy.evaluate(Tensor(uncheckedShape: [2, 1], data: [0, 0.5]),
                                                         target: Tensor(uncheckedShape: [2, 1], data: [1, 1]), fromLogits: false)
        #expect(abs(Double(mixed.loss) - (16.11809539794922 + log(2)) / 2) < 1e-4)
    }

    @Test func sparseCategoricalCrossentropyFromLogits() throws {
        let z: [Float] = [1, 2, 3, 0.5, -1, 2, 10, 0, -10]
        let ids: [Float] = [2, 0, 1]
        let r = try Loss.sparseCategoricalCrossentropy.evaluate(Tensor(uncheckedShape: [3, 3], data: z),
                                                                target: Tensor(uncheckedShape: [3], data: ids), fromLogits: true)
        var hand = 0.0
        var grad = [Double](repeating: 0, count: 9)
        for b in 0..<3 {
            let row = (0..<3).map { Double(z[b * 3 + $0]) }
            let lse = log(row.map { exp($0) }.reduce(0, +))
            hand += lse - row[Int(ids[b])]
            for j in 0..<3 { grad[b * 3 + j] = (exp(row[j] - lse) - (j == Int(ids[b]) ? 1 : 0)) / 3 }
        }
        hand /= 3
        #expect(abs(Double(r.loss) - hand) <= 1e-5 * hand, "loss \(r.loss), by hand \(hand)")
        expectClose(r.gradient.data, grad, rtol: 1e-5, atol: 1e-7, "sparse categorical gradient")
        // Targets as (batch, 1) work too.
        let r2 = try Loss.sparseCategoricalCrossentropy.evaluate(Tensor(uncheckedShape: [3, 3], data: z),
                                                                 target: Tensor(uncheckedShape: [3, 1], data: ids), fromLogits: true)
        #expect(r2.loss == r.loss)
        // From probabilities: −log p_y of the softmax, the same value.
        var probs = [Float](repeating: 0, count: 9)
        for b in 0..<3 {
            let row = (0..<3).map { Double(z[b * 3 + $0]) }
            let s = row.map { exp($0) }.reduce(0, +)
            for j in 0..<3 { probs[b * 3 + j] = Float(exp(row[j]) / s) }
        }
        let r3 = try Loss.sparseCategoricalCrossentropy.evaluate(Tensor(uncheckedShape: [3, 3], data: probs),
                                                                 target: Tensor(uncheckedShape: [3], data: ids), fromLogits: false)
        #expect(abs(Double(r3.loss) - hand) <= 1e-4 * hand, "from probabilities \(r3.loss), by hand \(hand)")
    }

    @Test func badTargetsThrow() {
        let out = Tensor(uncheckedShape: [2, 3], data: [0.1, 0.2, 0.7, 0.3, 0.3, 0.4])
        for bad: Float in [3, -1, 1.5, .nan] {
            for logits in [true, false] {
                do {
                    _ = try Loss.sparseCategoricalCrossentropy.evaluate(out, target: Tensor(uncheckedShape: [2], data: [0, bad]),
                                                                        fromLogits: logits)
                    Issue.record("class id \(bad) did not throw")
                } catch let e as RecurrentError {
                    if bad.isNaN, case let .nonFinite(w, index, _) = e {
                        // NaN targets are rejected before any class check.
                        #expect(w.hasPrefix("sparse_categorical_crossentropy") && index == 1, "\(e)")
                        continue
                    }
                    guard case let .invalidValue(w, expected, found) = e else {
                        Issue.record("class id \(bad): expected invalidValue, got \(e)"); continue
                    }
                    #expect(w == "sparse_categorical_crossentropy")
                    #expect(expected.contains("[0, 3)") && found.contains("sample 1"), "\(e)")
                } catch {
                    Issue.record("unexpected error \(error)")
                }
            }
        }
        #expect(throws: RecurrentError.self) {
            _ = try Loss.sparseCategoricalCrossentropy.evaluate(out, target: Tensor(uncheckedShape: [3], data: [0, 1, 2]), fromLogits: true)
        }
        #expect(throws: RecurrentError.self) {
            _ = try Loss.binaryCrossentropy.evaluate(out, target: Tensor(uncheckedShape: [2, 1], data: [0, 1]), fromLogits: true)
        }
        #expect(throws: RecurrentError.self) {
            _ = try Loss.binaryCrossentropy.evaluate(Tensor(uncheckedShape: [6], data: out.data),
                                                     target: Tensor(uncheckedShape: [6], data: out.data), fromLogits: false)
        }
    }
}
