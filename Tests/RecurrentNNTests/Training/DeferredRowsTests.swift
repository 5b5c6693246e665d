import Foundation
import Testing
@testable import RecurrentTestSupport
@testable import Recurrent
@testable import RecurrentNN

/// Inside a training loop (`fit`, `trainOnBatches`, `Sequential.training(with:)`), Adam defers the
/// update of the Embedding rows a batch did not use and replays the missed steps when the rows
/// are read through it (the Embedding's `pendingRowUpdates`) or the loop synchronizes. These tests
/// hold it to the eager update (every row at every step, Keras's semantics): the same weights,
/// slots and losses bit for bit, through validation, learning-rate changes, a checkpoint and
/// resume, and a change of optimizer; and nothing is pending when a public call returns.
@Suite("Deferred Embedding rows")
struct DeferredRowsTests {
    static let vocab = 40

    /// Batches whose ids come from a few rows at a time (rows 0–9 often, 10–39 rarely), so that
    /// most rows miss several steps in a row.
    static func data(samples: Int = 96, timesteps: Int = 5, seed: UInt64 = 4) -> (Tensor, Tensor) {
        var rng = RandomGenerator(seed: seed)
        var x = [Float](), y = [Float]()
        for _ in 0..<samples {
            let rare = rng.next() % 4 == 0
            let row = (0..<timesteps).map { _ in Float(rare ? 10 + Int(rng.next() % 30) : Int(rng.next() % 10)) }
            x += row
            y.append(row.reduce(0, +) > Float(timesteps) * (rare ? 25 : 4.5) ? 1 : 0)
        }
        return (try! Tensor(shape: [samples, timesteps], data: x), try! Tensor(shape: [samples, 1], data: y))
    }

    static func model(deferring: Bool, optimizer: Adam? = nil) throws -> (Sequential, Adam) {
        let m = Sequential {
            Embedding(inputDim: vocab, outputDim: 6)
            LSTM(5)
            Dense(1, activation: .sigmoid)
        }
        try m.build(inputShape: [5], seed: 21)
        let adam = optimizer ?? Adam(learningRate: 0.02)
        adam.defersUntouchedRows = deferring
        try m.compile(optimizer: adam, loss: .binaryCrossentropy, metrics: ["accuracy"])
        return (m, adam)
    }

    static func state(_ m: Sequential, _ adam: Adam) -> [[Float]] {
        m.parameters.flatMap { p in [p.value.data] + adam.slots(of: p).sorted { $0.key < $1.key }.map(\.value.data) }
    }

    @Test("fit with deferred rows equals fit updating every row, bit for bit, with validation and learning-rate changes")
    func fitMatchesEager() throws {
        let (x, y) = Self.data()
        var runs: [([[Float]], [String: [Double]])] = []
        for deferring in [false, true] {
            let (m, adam) = try Self.model(deferring: deferring)
            let plateau = try ReduceLROnPlateau(monitor: "loss", factor: 0.5, patience: 0, minDelta: 10)
            let h = try m.fit(x: x, y: y, batchSize: 8, epochs: 4, validationSplit: 0.25, callbacks: [plateau], verbose: .silent)
            #expect(m.parameters.allSatisfy { adam.pendingSteps(of: $0) == 0 }, "fit applies every deferred update when it ends")
            runs.append((Self.state(m, adam), h.history))
        }
        #expect(runs[0].1 == runs[1].1)
        #expect(runs[0].0 == runs[1].0)
        // The learning rate really changed during the run (so the replayed α differ by step).
        #expect(runs[1].1["learning_rate"].map { Set($0).count > 1 } ?? true)
    }

    @Test("Inside a loop rows wait and the Embedding pulls the rows it reads; after trainOnBatch every read equals the eager update")
    func readsAfterTrainingAreCurrent() throws {
        let (x, y) = Self.data()
        let (lazy, lazyAdam) = try Self.model(deferring: true)
        let (eager, eagerAdam) = try Self.model(deferring: false)
        let table = try #require((lazy.layers[0] as? Embedding)?.embeddings)
        let eagerTable = try #require((eager.layers[0] as? Embedding)?.embeddings)
        for step in 0..<6 {
            let rows = (step * 8)..<(step * 8 + 8)
            let lossLazy = try lazy.trainOnBatch(x.rows(rows), y.rows(rows), loss: .binaryCrossentropy, optimizer: lazyAdam)
            let lossEager = try eager.trainOnBatch(x.rows(rows), y.rows(rows), loss: .binaryCrossentropy, optimizer: eagerAdam)
            #expect(lossLazy == lossEager, "step \(step)")
            #expect(lazyAdam.pendingSteps(of: table) == 0, "trainOnBatch leaves nothing pending")
            switch step % 3 {
            case 0: #expect(try lazy.predict(x) == eager.predict(x))
            case 1: #expect(lazyAdam.slots(of: table) == eagerAdam.slots(of: eagerTable))
            default: #expect(table.value == eagerTable.value)
            }
        }
        try lazy.training(with: lazyAdam) {
            for step in 6..<10 {
                let rows = (step * 8)..<(step * 8 + 8)
                let lossLazy = try lazy.trainStep(x.rows(rows), y.rows(rows), loss: .binaryCrossentropy, optimizer: lazyAdam).loss
                let lossEager = try eager.trainOnBatch(x.rows(rows), y.rows(rows), loss: .binaryCrossentropy, optimizer: eagerAdam)
                #expect(lossLazy == lossEager, "step \(step): the forward pulled the rows it read")
                #expect(lazyAdam.pendingSteps(of: table) > 0, "rows the batch did not use wait")
            }
            // A forward reads only its batch's rows, brought up to date through the optimizer.
            #expect(try lazy.forward(x.rows(0..<8), training: true) == eager.forward(x.rows(0..<8), training: true))
        }
        #expect(lazyAdam.pendingSteps(of: table) == 0)
        #expect(table.value == eagerTable.value)
        #expect(Self.state(lazy, lazyAdam) == Self.state(eager, eagerAdam))
    }

    @Test("A checkpoint saved with rows deferred resumes to the eager run's weights")
    func checkpointAndResume() throws {
        let (x, y) = Self.data()
        let (eager, eagerAdam) = try Self.model(deferring: false)
        try eager.fit(x: x, y: y, batchSize: 8, epochs: 4, verbose: .silent)
        let (lazy, _) = try Self.model(deferring: true)
        try lazy.fit(x: x, y: y, batchSize: 8, epochs: 2, verbose: .silent)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("recurrent-deferred-\(UUID().uuidString).rnn")
        defer { try? FileManager.default.removeItem(at: url) }
        // Another step leaves rows deferred at the moment of saving.
        try lazy.trainOnBatch(x.rows(0..<8), y.rows(0..<8), loss: .binaryCrossentropy, optimizer: lazy.compiled!.optimizer)
        let (reference, referenceAdam) = try Self.model(deferring: false)
        try reference.fit(x: x, y: y, batchSize: 8, epochs: 2, verbose: .silent)
        try reference.trainOnBatch(x.rows(0..<8), y.rows(0..<8), loss: .binaryCrossentropy, optimizer: referenceAdam)
        try lazy.save(to: url)
        let loaded = try Sequential.load(from: url)
        let loadedAdam = try #require(loaded.compiled?.optimizer as? Adam)
        #expect(Self.state(loaded, loadedAdam) == Self.state(reference, referenceAdam))
        // Resuming (deferring again) stays with the eager run.
        try loaded.fit(x: x, y: y, batchSize: 8, epochs: 4, verbose: .silent, initialEpoch: 2)
        try reference.fit(x: x, y: y, batchSize: 8, epochs: 4, verbose: .silent, initialEpoch: 2)
        #expect(Self.state(loaded, loadedAdam) == Self.state(reference, referenceAdam))
        #expect(eagerAdam.iterations > 0)
    }

    @Test("Another optimizer, AdamW and amsgrad apply or never leave deferred rows")
    func otherOptimizers() throws {
        let (x, y) = Self.data()
        var results: [[Float]] = []
        for deferring in [false, true] {
            let (m, adam) = try Self.model(deferring: deferring)
            try m.fit(x: x, y: y, batchSize: 8, epochs: 1, shuffle: false, verbose: .silent)
            // Two more Adam steps leave rows deferred; an SGD step must see them applied.
            for rows in [0..<8, 8..<16] { try m.trainOnBatch(x.rows(rows), y.rows(rows), loss: .binaryCrossentropy, optimizer: adam) }
            try m.trainOnBatch(x.rows(16..<24), y.rows(16..<24), loss: .binaryCrossentropy, optimizer: SGD(learningRate: 0.1))
            results.append(m.parameters.map(\.value.data).flatMap { $0 })
        }
        #expect(results[0] == results[1])
        for adam in [AdamW(learningRate: 0.01), Adam(learningRate: 0.01, amsgrad: true)] {
            let (m, _) = try Self.model(deferring: true, optimizer: adam)
            adam.defersUntouchedRows = true
            let table = (m.layers[0] as! Embedding).embeddings!
            try m.training(with: adam) {
                _ = try m.trainStep(x.rows(0..<8), y.rows(0..<8), loss: .binaryCrossentropy, optimizer: adam)
                #expect(adam.pendingSteps(of: table) == 0, "\(adam.typeName) amsgrad \(adam.amsgrad)")
            }
        }
    }

    /// The review's cases: a frozen table, a table unfrozen again, weight decay switched on and
    /// off, a gradient written from outside, one optimizer shared by two models. Each scenario
    /// runs once deferring and once not; weights and slots must agree bit for bit.
    @Test("Deferring matches the eager update when a step skips or densely updates the table", arguments: 0..<5)
    func scenarios(_ scenario: Int) throws {
        let (x, y) = Self.data()
        func batch(_ i: Int) -> (Tensor, Tensor) { (x.rows((i * 8)..<(i * 8 + 8)), y.rows((i * 8)..<(i * 8 + 8))) }
        var outcomes: [[Float]] = []
        for deferring in [false, true] {
            let (m, adam) = try Self.model(deferring: deferring)
            let (other, _) = try Self.model(deferring: deferring, optimizer: adam)
            let table = (m.layers[0] as! Embedding).embeddings!
            // Steps of `m` inside one training loop (rows wait between them); the other model's
            // steps are trainOnBatch calls in the middle of it.
            func step(_ i: Int, _ model: Sequential? = nil) throws {
                let (bx, by) = batch(i)
                if let model { try model.trainOnBatch(bx, by, loss: .binaryCrossentropy, optimizer: adam); return }
                _ = try m.trainStep(bx, by, loss: .binaryCrossentropy, optimizer: adam)
            }
            try m.training(with: adam) {
            try step(0); try step(1)
            switch scenario {
            case 0:  // frozen: its pending steps stay, no new ones
                table.trainable = false
                try step(2); try step(3)
            case 1:  // frozen, then trained again
                table.trainable = false
                try step(2)
                table.trainable = true
                try step(3); try step(4)
            case 2:  // weight decay makes one step dense (every row moves by its decay)
                adam.weightDecay = 0.01
                try step(2)
                adam.weightDecay = nil
                try step(3); try step(4)
            case 3:  // a gradient written from outside is dense
                let (bx, by) = batch(2)
                let out = try m.forward(bx, training: true)
                let (logits, fromLogits, dense) = m.lossInputs(out, loss: .binaryCrossentropy)
                try m.backward(try Loss.binaryCrossentropy.evaluate(logits, target: by, fromLogits: fromLogits).gradient, fromLogits: dense)
                table.gradient = table.gradient
                try adam.step(m.parameters)
                try step(3)
            default:  // one optimizer, two models: the other model's steps are not this table's
                try step(2, other); try step(3, other)
                try step(4)
            }
            }
            outcomes.append(Self.state(m, adam).flatMap { $0 } + other.parameters.flatMap(\.value.data))
        }
        #expect(outcomes[0] == outcomes[1])
    }

    @Test("An optimizer with updates pending is not kept alive by the loop, which applies them when it ends")
    func noRetainCycle() throws {
        let (x, y) = Self.data()
        let (eager, eagerAdam) = try Self.model(deferring: false)
        try eager.trainOnBatch(x.rows(0..<8), y.rows(0..<8), loss: .binaryCrossentropy, optimizer: eagerAdam)
        try eager.trainOnBatch(x.rows(8..<16), y.rows(8..<16), loss: .binaryCrossentropy, optimizer: eagerAdam)
        weak var weakAdam: Adam?
        let (m, _) = try Self.model(deferring: false, optimizer: Adam(learningRate: 0))  // compiled with another optimizer
        let embedding = m.layers[0] as! Embedding
        try {
            let adam = Adam(learningRate: 0.02)
            weakAdam = adam
            try m.training(with: adam) {
                for rows in [0..<8, 8..<16] { _ = try m.trainStep(x.rows(rows), y.rows(rows), loss: .binaryCrossentropy, optimizer: adam) }
                #expect(adam.pendingSteps(of: embedding.embeddings!) > 0)
                #expect(embedding.pendingRowUpdates === adam)
            }
            #expect(embedding.pendingRowUpdates == nil, "the layer lets go of the optimizer when the loop ends")
        }()
        #expect(weakAdam == nil, "nothing keeps the optimizer alive after the loop")
        #expect(m.parameters.map(\.value) == eager.parameters.map(\.value), "its pending updates were applied as the loop ended")
    }
}

/// The public paths that train several steps: `trainOnBatches`, and `fit` with a callback that
/// reads the weights at every batch.
@Suite("Training loops leave current weights")
struct TrainingLoopSynchronizationTests {
    typealias D = DeferredRowsTests

    @Test("trainOnBatches equals trainOnBatch step by step, bit for bit, and leaves nothing pending")
    func trainOnBatchesMatchesSteps() throws {
        let (x, y) = D.data()
        let batches = (0..<6).map { (x.rows(($0 * 8)..<($0 * 8 + 8)), y.rows(($0 * 8)..<($0 * 8 + 8))) }
        let (looped, loopedAdam) = try D.model(deferring: true)
        let losses = try looped.trainOnBatches(batches, loss: .binaryCrossentropy, optimizer: loopedAdam)
        let (stepped, steppedAdam) = try D.model(deferring: false)
        let expected = try batches.map { try stepped.trainOnBatch($0.0, $0.1, loss: .binaryCrossentropy, optimizer: steppedAdam) }
        #expect(losses == expected)
        #expect(looped.parameters.allSatisfy { loopedAdam.pendingSteps(of: $0) == 0 })
        #expect(looped.parameters.map(\.value) == stepped.parameters.map(\.value))
        #expect(D.state(looped, loopedAdam) == D.state(stepped, steppedAdam))
    }

    @Test("An Adam dropped with rows still pending applies them as it goes")
    func droppedOptimizerApplies() throws {
        let (x, y) = D.data()
        let (eager, eagerAdam) = try D.model(deferring: false)
        try eager.trainOnBatch(x.rows(0..<8), y.rows(0..<8), loss: .binaryCrossentropy, optimizer: eagerAdam)
        let (m, _) = try D.model(deferring: false, optimizer: Adam(learningRate: 0))
        weak var weakAdam: Adam?
        try {
            let adam = Adam(learningRate: 0.02)
            weakAdam = adam
            _ = try m.trainStep(x.rows(0..<8), y.rows(0..<8), loss: .binaryCrossentropy, optimizer: adam)
            #expect(adam.pendingSteps(of: (m.layers[0] as! Embedding).embeddings!) > 0)
        }()
        #expect(weakAdam == nil)
        #expect(m.parameters.map(\.value) == eager.parameters.map(\.value))
    }

    /// Records the embedding table at every batch end.
    final class TableRecorder: Callback {
        var tables: [Tensor] = []
        func onTrainBatchEnd(model: Sequential, batch: Int, logs: Logs) throws {
            tables.append((model.layers[0] as! Embedding).embeddings!.value)
        }
    }

    @Test("A callback that reads weights at every batch sees the eager update's weights")
    func batchCallbacksSeeCurrentWeights() throws {
        let (x, y) = D.data()
        var recorded: [[Tensor]] = []
        for deferring in [false, true] {
            let (m, _) = try D.model(deferring: deferring)
            let recorder = TableRecorder()
            #expect(recorder.readsWeightsEachBatch, "a user's callback reads weights unless it says otherwise")
            try m.fit(x: x, y: y, batchSize: 8, epochs: 1, callbacks: [recorder], verbose: .silent)
            recorded.append(recorder.tables)
        }
        #expect(recorded[0].count == 12)
        #expect(recorded[0] == recorded[1])
    }
}
