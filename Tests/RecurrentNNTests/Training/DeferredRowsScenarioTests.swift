import Foundation
import Testing
@testable import RecurrentTestSupport
@testable import Recurrent
@testable import RecurrentNN

/// More scenarios for Adam's deferred Embedding rows, written by a second fresh-user review: each
/// runs once deferring and once updating every row, and weights, slots and predictions must
/// agree bit for bit.
@Suite("Deferred Embedding rows under optimizer options, sharing, checkpoints and recompiles (a review's scenarios)")
struct DeferredRowsScenarioTests {
    typealias D = DeferredRowsTests
    static func model(_ deferring: Bool, _ adam: Adam, bidi: Bool = false, maskZero: Bool = false) throws -> Sequential {
        let m: Sequential
        if bidi {
            m = Sequential { Embedding(inputDim: D.vocab, outputDim: 6, maskZero: maskZero); Bidirectional(LSTM(5)); Dense(1, activation: .sigmoid) }
        } else {
            m = Sequential { Embedding(inputDim: D.vocab, outputDim: 6, maskZero: maskZero); GRU(5); Dense(1, activation: .sigmoid) }
        }
        try m.build(inputShape: [5], seed: 21)
        adam.defersUntouchedRows = deferring
        try m.compile(optimizer: adam, loss: .binaryCrossentropy, metrics: ["accuracy"])
        return m
    }
    static func st(_ m: Sequential, _ o: Adam) -> [[Float]] { D.state(m, o) }
    static func batch(_ i: Int) -> (Tensor, Tensor) { let (x, y) = D.data(); return (x.rows((i * 8)..<(i * 8 + 8)), y.rows((i * 8)..<(i * 8 + 8))) }

    @Test("Clipping, schedules, other betas, masks and Bidirectional defer exactly as the eager update", arguments: 0..<6)
    func options(_ k: Int) throws {
        let (x, y) = D.data()
        var out: [[[Float]]] = []
        var preds: [Tensor] = []
        for deferring in [false, true] {
            let adam: Adam
            switch k {
            case 0: adam = Adam(learningRate: 0.02, clipnorm: 0.01)
            case 1: adam = Adam(learningRate: 0.02, clipvalue: 0.001)
            case 2: adam = Adam(learningRate: 0.02, globalClipnorm: 0.05)
            case 3: adam = Adam(learningRate: 0.02); adam.schedule = try ExponentialDecay(initialLearningRate: 0.05, decaySteps: 3, decayRate: 0.5)
            case 4: adam = Adam(learningRate: 0.02, beta1: 0, beta2: 0.5)
            default: adam = Adam(learningRate: 0.02)
            }
            let m = try Self.model(deferring, adam, bidi: k == 5 || k == 2, maskZero: k >= 4)
            try m.fit(x: x, y: y, batchSize: 8, epochs: 2, verbose: .silent)
            for i in 0..<3 { let (bx, by) = Self.batch(i); _ = try m.trainOnBatch(bx, by, loss: .binaryCrossentropy, optimizer: adam) }
            preds.append(try m.predict(x))
            for i in 3..<5 { let (bx, by) = Self.batch(i); _ = try m.trainOnBatch(bx, by, loss: .binaryCrossentropy, optimizer: adam) }
            preds.append(try m.predict(x))
            out.append(Self.st(m, adam))
        }
        #expect(out[0] == out[1], "case \(k)")
        #expect(preds[0] == preds[2] && preds[1] == preds[3], "case \(k)")
    }

    @Test("two Adams alternate on the same model; duplicate parameter in step; restore mid-way; recompile")
    func sharing() throws {
        var out: [[Float]] = []
        for deferring in [false, true] {
            let a = Adam(learningRate: 0.02), b = Adam(learningRate: 0.05, beta1: 0.5)
            let m = try Self.model(deferring, a)
            b.defersUntouchedRows = deferring
            let table = (m.layers[0] as! Embedding).embeddings!
            for i in 0..<6 { let (bx, by) = Self.batch(i); _ = try m.trainOnBatch(bx, by, loss: .binaryCrossentropy, optimizer: i % 3 == 2 ? b : a) }
            // duplicate in the parameter list
            let (bx, by) = Self.batch(6)
            let o = try m.forward(bx, training: true)
            let (logits, fl, dense) = m.lossInputs(o, loss: .binaryCrossentropy)
            try m.backward(try Loss.binaryCrossentropy.evaluate(logits, target: by, fromLogits: fl).gradient, fromLogits: dense)
            try a.step(m.parameters + [table])
            // restore a with its own (rolled-back) earlier state mid-way while pending
            let snap = m.parameters.map { ($0, [String: Tensor]()) }
            _ = snap
            for i in 7..<9 { let (bx, by) = Self.batch(i); _ = try m.trainOnBatch(bx, by, loss: .binaryCrossentropy, optimizer: a) }
            try a.restore(iterations: 3, slots: [(table, ["momentum": Tensor(shape: table.shape), "velocity": Tensor(shape: table.shape)])])
            for i in 9..<11 { let (bx, by) = Self.batch(i); _ = try m.trainOnBatch(bx, by, loss: .binaryCrossentropy, optimizer: a) }
            // recompile with a new Adam while pending; old freed
            try {
                let c = Adam(learningRate: 0.03); c.defersUntouchedRows = deferring
                try m.compile(optimizer: c, loss: .binaryCrossentropy)
                for i in 0..<2 { let (bx, by) = Self.batch(i); _ = try m.trainOnBatch(bx, by, loss: .binaryCrossentropy, optimizer: c) }
            }()
            let c2 = Adam(learningRate: 0.01); c2.defersUntouchedRows = deferring
            try m.compile(optimizer: c2, loss: .binaryCrossentropy)
            for i in 2..<4 { let (bx, by) = Self.batch(i); _ = try m.trainOnBatch(bx, by, loss: .binaryCrossentropy, optimizer: c2) }
            out.append(Self.st(m, a).flatMap { $0 } + Self.st(m, b).flatMap { $0 } + Self.st(m, c2).flatMap { $0 })
        }
        #expect(out[0] == out[1])
    }

    @Test("callbacks: EarlyStopping restore + ModelCheckpoint + load + assign")
    func callbacks() throws {
        let (x, y) = D.data()
        var out: [[Float]] = []
        for deferring in [false, true] {
            let adam = Adam(learningRate: 0.05)
            let m = try Self.model(deferring, adam)
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("rv-\(UUID().uuidString).rnn")
            defer { try? FileManager.default.removeItem(at: url) }
            let es = EarlyStopping(monitor: "loss", minDelta: 10, patience: 1, restoreBestWeights: true)
            let ck = ModelCheckpoint(url, monitor: "loss")
            try m.fit(x: x, y: y, batchSize: 8, epochs: 5, callbacks: [es, ck], verbose: .silent)
            for i in 0..<3 { let (bx, by) = Self.batch(i); _ = try m.trainOnBatch(bx, by, loss: .binaryCrossentropy, optimizer: adam) }
            // assign an old value while pending
            let table = (m.layers[0] as! Embedding).embeddings!
            let loaded = try Sequential.load(from: url)
            try table.assign((loaded.layers[0] as! Embedding).embeddings!.value, layer: "e")
            for i in 3..<5 { let (bx, by) = Self.batch(i); _ = try m.trainOnBatch(bx, by, loss: .binaryCrossentropy, optimizer: adam) }
            let la = loaded.compiled!.optimizer as! Adam
            la.defersUntouchedRows = deferring
            try loaded.fit(x: x, y: y, batchSize: 8, epochs: 7, verbose: .silent, initialEpoch: 5)
            for i in 0..<3 { let (bx, by) = Self.batch(i); _ = try loaded.trainOnBatch(bx, by, loss: .binaryCrossentropy, optimizer: la) }
            out.append(Self.st(m, adam).flatMap { $0 } + Self.st(loaded, la).flatMap { $0 })
        }
        #expect(out[0] == out[1])
    }
}

extension DeferredRowsScenarioTests {
    @Test("big batch (>=512 ids, parity split) after pending; deferral really happens; old optimizer freed")
    func bigBatch() throws {
        let (x, y) = D.data()
        let bigX = try Tensor(shape: [192, 5], data: x.data + x.data), bigY = try Tensor(shape: [192, 1], data: y.data + y.data)
        var out: [[Float]] = []
        for deferring in [false, true] {
            weak var weakAdam: Adam?
            let keep = Adam(learningRate: 0.01); keep.defersUntouchedRows = deferring
            let m = try Self.model(deferring, keep)
            try {
                let adam = Adam(learningRate: 0.02); adam.defersUntouchedRows = deferring
                weakAdam = adam
                try m.compile(optimizer: adam, loss: .binaryCrossentropy)
                let table = (m.layers[0] as! Embedding).embeddings!
                try m.training(with: adam) {
                    for i in 0..<4 { let (bx, by) = Self.batch(i); _ = try m.trainStep(bx, by, loss: .binaryCrossentropy, optimizer: adam) }
                    #expect((adam.pendingSteps(of: table) > 0) == deferring)
                }
                _ = try m.trainOnBatch(bigX, bigY, loss: .binaryCrossentropy, optimizer: adam)
                for i in 4..<7 { let (bx, by) = Self.batch(i); _ = try m.trainOnBatch(bx, by, loss: .binaryCrossentropy, optimizer: adam) }
                _ = try m.forward(bigX, training: true)
                for i in 7..<9 { let (bx, by) = Self.batch(i); _ = try m.trainOnBatch(bx, by, loss: .binaryCrossentropy, optimizer: adam) }
                try m.compile(optimizer: keep, loss: .binaryCrossentropy)
            }()
            #expect(weakAdam == nil)
            for i in 0..<3 { let (bx, by) = Self.batch(i); _ = try m.trainOnBatch(bx, by, loss: .binaryCrossentropy, optimizer: keep) }
            out.append(Self.st(m, keep).flatMap { $0 })
        }
        #expect(out[0] == out[1])
    }
}
