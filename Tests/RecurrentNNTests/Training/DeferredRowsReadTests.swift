import Foundation
import Testing
@testable import RecurrentTestSupport
@testable import Recurrent
@testable import RecurrentNN

/// Reads of the weights in the middle of a training loop see exactly the eager (non-deferred)
/// Adam update: `predict`/`evaluate` between `trainOnBatches` batches and in `fit`'s batch hooks
/// (through the Embedding → recurrent token-projection shortcut too), `save` while another
/// optimizer than the compiled one trains, and a `trainOnBatch` with a second optimizer nested in
/// a `fit`. Found by a review of issue 15's typed gradients; each failed before its fix.
@Suite("Weight reads inside training loops", .serialized)
struct DeferredRowsReadTests {
    typealias D = DeferredRowsTests

    static func batch(_ i: Int) -> (Tensor, Tensor) {
        let (x, y) = D.data()
        return (x.rows((i * 8)..<(i * 8 + 8)), y.rows((i * 8)..<(i * 8 + 8)))
    }

    final class PredictEachBatch: Callback {
        let x: Tensor
        var preds: [Tensor] = []
        var weights: [[Float]] = []
        let reads: Bool
        var readsWeightsEachBatch: Bool { reads }
        init(_ x: Tensor, reads: Bool) { self.x = x; self.reads = reads }
        func onTrainBatchEnd(model: Sequential, batch: Int, logs: Logs) throws {
            preds.append(try model.predict(x))
        }
        func onEpochEnd(model: Sequential, epoch: Int, logs: inout Logs) throws {
            weights.append(model.parameters[0].value.data)
        }
    }

    @Test(arguments: [false, true])
    func predictInBatchHook(_ reads: Bool) throws {
        let (x, y) = D.data()
        var runs: [PredictEachBatch] = []
        for deferring in [false, true] {
            let (m, _) = try D.model(deferring: deferring)
            let cb = PredictEachBatch(x, reads: reads)
            try m.fit(x: x, y: y, batchSize: 8, epochs: 2, callbacks: [cb], verbose: .silent)
            runs.append(cb)
        }
        #expect(runs[0].weights == runs[1].weights, "onEpochEnd weights")
        var worst: Float = 0, first = -1
        for k in runs[0].preds.indices {
            let d = zip(runs[0].preds[k].data, runs[1].preds[k].data).map { abs($0 - $1) }.max()!
            if d > 0 && first < 0 { first = k }
            worst = max(worst, d)
        }
        #expect(worst == 0, "readsWeightsEachBatch \(reads): predict in onTrainBatchEnd differs from eager by up to \(worst), first at batch \(first)")
    }


    final class Nested: Callback {
        let other: Adam
        let reads: Bool
        var readsWeightsEachBatch: Bool { reads }
        init(_ other: Adam, reads: Bool) { self.other = other; self.reads = reads }
        func onTrainBatchEnd(model: Sequential, batch: Int, logs: Logs) throws {
            if batch % 3 == 1 {
                let (bx, by) = DeferredRowsReadTests.batch(batch)
                try model.trainOnBatch(bx, by, loss: .binaryCrossentropy, optimizer: other)
            }
        }
    }

    @Test(arguments: [false, true])
    func nestedTrainOnBatchWithAnotherAdam(_ reads: Bool) throws {
        let (x, y) = D.data()
        var out: [[[Float]]] = []
        for deferring in [false, true] {
            let (m, adam) = try D.model(deferring: deferring)
            let other = Adam(learningRate: 0.05)
            other.defersUntouchedRows = deferring
            try m.fit(x: x, y: y, batchSize: 8, epochs: 2, callbacks: [Nested(other, reads: reads)], verbose: .silent)
            out.append(D.state(m, adam))
        }
        let d = zip(out[0].joined(), out[1].joined()).map { abs($0 - $1) }.max()!
        #expect(d == 0, "reads \(reads): max difference \(d)")
    }

    /// SGD / RMSprop / Adam on an Embedding: row gradient vs the same gradient made dense, with

    @Test(arguments: [false, true])
    func predictInsideTrainOnBatchesNoFusion(_ fused: Bool) throws {
        let (x, y) = D.data()
        var preds: [[Tensor]] = []
        var evals: [[Double]] = []
        for deferring in [false, true] {
            let m = fused
                ? Sequential { Embedding(inputDim: D.vocab, outputDim: 6); LSTM(5); Dense(1, activation: .sigmoid) }
                : Sequential { Embedding(inputDim: D.vocab, outputDim: 6); Dropout(rate: 0); LSTM(5); Dense(1, activation: .sigmoid) }
            try m.build(inputShape: [5], seed: 21)
            let adam = Adam(learningRate: 0.02)
            adam.defersUntouchedRows = deferring
            try m.compile(optimizer: adam, loss: .binaryCrossentropy)
            var seen: [Tensor] = []
            var ev: [Double] = []
            let seq = (0..<6).lazy.map { i -> (Tensor, Tensor) in
                if i >= 3 { seen.append(try! m.predict(x)); ev.append(try! m.evaluate(x: x, y: y)["loss"]!) }
                return Self.batch(i)
            }
            try m.trainOnBatches(seq, loss: .binaryCrossentropy, optimizer: adam)
            preds.append(seen); evals.append(ev)
        }
        for k in preds[0].indices {
            let diff = zip(preds[0][k].data, preds[1][k].data).map { abs($0 - $1) }.max()!
            #expect(diff == 0, "fused \(fused): predict #\(k) eager vs deferred differ by \(diff)")
        }
        #expect(evals[0] == evals[1], "fused \(fused): evaluate \(evals)")
    }

    /// `save` between the batches of `trainOnBatches` on a model that was never compiled, or was
    /// compiled with another optimizer than the loop's: the file holds the eager weights.
    @Test(arguments: [false, true])
    func saveInsideTrainOnBatches(_ compileOther: Bool) throws {
        var saved: [[Float]] = []
        for deferring in [false, true] {
            let m = Sequential { Embedding(inputDim: D.vocab, outputDim: 6); LSTM(5); Dense(1, activation: .sigmoid) }
            try m.build(inputShape: [5], seed: 21)
            if compileOther { try m.compile(optimizer: SGD(), loss: .binaryCrossentropy) }
            let adam = Adam(learningRate: 0.02)
            adam.defersUntouchedRows = deferring
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("recurrent-deferred-save-\(UUID()).rnn")
            defer { try? FileManager.default.removeItem(at: url) }
            let seq = (0..<6).lazy.map { i -> (Tensor, Tensor) in
                if i == 4 { try! m.save(to: url) }
                return Self.batch(i)
            }
            try m.trainOnBatches(seq, loss: .binaryCrossentropy, optimizer: adam)
            saved.append(try Sequential.load(from: url).parameters[0].value.data)
        }
        let d = zip(saved[0], saved[1]).map { abs($0 - $1) }.max()!
        #expect(d == 0, "compiled with another optimizer \(compileOther): saved embedding differs from eager by \(d)")
    }
}
