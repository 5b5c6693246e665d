import Foundation
import Testing
@testable import RecurrentTestSupport
@testable import Recurrent

/// Saving during fit and resuming: an interrupted and resumed run equals an uninterrupted one.
@Suite("Checkpoints and resuming")
struct CheckpointTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("recurrent-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("Resuming from a checkpoint gives the losses and weights of an uninterrupted run, bit for bit",
          arguments: ["adam", "rmsprop", "sgd"])
    func resumeIsExact(_ optimizer: String) throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (x, y) = FitBehaviourTests.data()
        func fresh() throws -> Sequential {
            let m = try FitBehaviourTests.model(seed: 21)  // with input, recurrent and layer dropout
            let opt: any Optimizer = switch optimizer {
            case "rmsprop": RMSprop(learningRate: 0.01, momentum: 0.5)
            case "sgd": SGD(learningRate: 0.1, momentum: 0.9, nesterov: true)
            default: Adam(learningRate: 0.01, amsgrad: true)
            }
            try m.compile(optimizer: opt, loss: .binaryCrossentropy, metrics: ["accuracy", "precision"])
            return m
        }
        let whole = try fresh()
        let full = try whole.fit(x: x, y: y, batchSize: 8, epochs: 5, validationSplit: 0.25, verbose: .silent)

        let first = try fresh()
        let path = dir.appendingPathComponent("ckpt-{epoch:02d}.rnn").path
        let checkpoint = ModelCheckpoint(path)
        let h = try first.fit(x: x, y: y, batchSize: 8, epochs: 2, validationSplit: 0.25, callbacks: [checkpoint], verbose: .silent)
        #expect(h.stopReason == nil, "\(h.stopReason ?? "")")
        #expect(checkpoint.saved.map(\.lastPathComponent) == ["ckpt-01.rnn", "ckpt-02.rnn"])

        let resumed = try Sequential.load(from: dir.appendingPathComponent("ckpt-02.rnn"))
        #expect(resumed.completedEpochs == 2)
        #expect(resumed.compiled?.optimizer.iterations == first.compiled?.optimizer.iterations)
        let rest = try resumed.fit(x: x, y: y, batchSize: 8, epochs: 5, validationSplit: 0.25,
                                   verbose: .silent, initialEpoch: resumed.completedEpochs)
        #expect(rest.epochs == [2, 3, 4])
        for key in full.history.keys {
            #expect(Array(full.history[key]!.suffix(3)) == rest.history[key], "\(optimizer) \(key)")
        }
        #expect(resumed.parameters.map(\.value.data) == whole.parameters.map(\.value.data))
    }

    @Test("A checkpoint keeps the model's attachments and compile configuration")
    func attachmentsAndCompile() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = try FitBehaviourTests.model()
        m.attachments["tokenizer"] = #"{"class_name": "Tokenizer"}"#
        let url = dir.appendingPathComponent("m.rnn")
        try m.save(to: url)
        let back = try Sequential.load(from: url)
        #expect(back.attachments == m.attachments)
        #expect(back.compiled?.loss == .binaryCrossentropy)
        #expect(back.compiled?.metrics == ["accuracy"])
        #expect(back.compiled?.optimizer.typeName == "Adam")
        #expect(back.compiled?.optimizer.learningRate == 0.01)
        let (x, _) = FitBehaviourTests.data(samples: 5)
        #expect(try back.predict(x).data == m.predict(x).data)
    }

    @Test("saveBestOnly writes only improving epochs; a diverged epoch never overwrites the last good file")
    func bestOnlyAndNaN() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (x, y) = FitBehaviourTests.data()
        let m = try FitBehaviourTests.model(dropout: false)
        let url = dir.appendingPathComponent("best.rnn")
        let best = ModelCheckpoint(url, monitor: "val_loss", saveBestOnly: true)
        let h = try m.fit(x: x, y: y, batchSize: 8, epochs: 4, validationSplit: 0.25, callbacks: [best], verbose: .silent)
        let val = h.history["val_loss"]!
        let improving = val.indices.filter { i in val[..<i].allSatisfy { val[i] < $0 } }
        #expect(best.saved.count == improving.count)
        let saved = try Data(contentsOf: url)

        // Training on, with the weights poisoned in the second epoch: the file stays as it was.
        let poisoned = try m.fit(x: x, y: y, batchSize: 8, epochs: 3, validationSplit: 0.25,
                                 callbacks: [FitBehaviourTests.Poison(epoch: 1, batch: 0), best], verbose: .silent)
        #expect(poisoned.stopReason != nil)
        let after = try Sequential.load(from: url)
        #expect(after.parameters.allSatisfy { $0.value.firstNonFinite() == nil })
        if best.saved.count == improving.count { #expect(try Data(contentsOf: url) == saved) }
    }
}
