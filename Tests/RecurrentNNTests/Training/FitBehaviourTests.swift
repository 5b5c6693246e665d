import Foundation
import Testing
@testable import RecurrentTestSupport
@testable import Recurrent

/// fit's contract beyond the Keras numbers: determinism, errors before training, NaN handling,
/// machine-readable progress.
@Suite("fit behaviour")
struct FitBehaviourTests {
    /// The shared small task (see `SmallTask`).
    static func data(samples: Int = 64, timesteps: Int = 6, vocab: Int = 10, seed: UInt64 = 3) -> (Tensor, Tensor) {
        SmallTask.data(samples: samples, timesteps: timesteps, vocab: vocab, seed: seed)
    }

    static func model(seed: UInt64 = 11, dropout: Bool = true) throws -> Sequential {
        try SmallTask.model(seed: seed, dropout: dropout)
    }

    @Test("The same seed gives the same trained weights and history, bit for bit")
    func sameSeedSameWeights() throws {
        let (x, y) = Self.data()
        var runs: [([[Float]], [String: [Double]])] = []
        for _ in 0..<2 {
            let m = try Self.model()
            let h = try m.fit(x: x, y: y, batchSize: 8, epochs: 3, validationSplit: 0.25, shuffle: true, verbose: .silent)
            runs.append((m.parameters.map(\.value.data), h.history))
        }
        #expect(runs[0].0 == runs[1].0)
        #expect(runs[0].1 == runs[1].1)
        // And another seed trains differently (the seed is really used).
        let other = try Self.model(seed: 12)
        try other.fit(x: x, y: y, batchSize: 8, epochs: 3, validationSplit: 0.25, verbose: .silent)
        #expect(other.parameters.map(\.value.data) != runs[0].0)
    }

    @Test("fit learns the task: the loss falls and accuracy beats chance")
    func learns() throws {
        let (x, y) = Self.data(samples: 128)
        let m = try Self.model(dropout: false)
        let h = try m.fit(x: x, y: y, batchSize: 16, epochs: 12, verbose: .silent)
        let loss = try #require(h.history["loss"])
        #expect(loss.last! < loss.first! * 0.7)
        #expect(try #require(h.history["accuracy"]).last! > 0.8)
        #expect(h.epochs == Array(0..<12))
        #expect(m.completedEpochs == 12)
    }

    @Test("Bad input throws before any weight changes", arguments: 0..<7)
    func badInput(_ which: Int) throws {
        let (x, y) = Self.data()
        let m = try Self.model()
        let before = m.parameters.map(\.value.data)
        let short = try Tensor(shape: [63, 1], data: Array(y.data.prefix(63)))
        let empty = try Tensor(shape: [0, 6], data: [])
        let wrongWidth = try Tensor(shape: [64, 5], data: Array(repeating: 1, count: 320))
        #expect(throws: RecurrentError.self) {
            switch which {
            case 0: try m.fit(x: x, y: short, verbose: .silent)
            case 1: try m.fit(x: empty, y: try Tensor(shape: [0, 1], data: []), verbose: .silent)
            case 2: try m.fit(x: x, y: y, batchSize: 0, verbose: .silent)
            case 3: try m.fit(x: x, y: y, epochs: 0, verbose: .silent)
            case 4: try m.fit(x: x, y: y, validationSplit: 1, verbose: .silent)
            case 5: try m.fit(x: wrongWidth, y: y, verbose: .silent)
            default:  // one sample: a split of 0.5 leaves none for training (Keras: floor(1 · 0.5) = 0)
                try m.fit(x: try Tensor(shape: [1, 6], data: Array(x.data.prefix(6))), y: try Tensor(shape: [1, 1], data: [1]),
                          validationSplit: 0.5, verbose: .silent)
            }
        }
        #expect(m.parameters.map(\.value.data) == before)
    }

    @Test("fit and evaluate before compile say so")
    func notCompiled() throws {
        let m = Sequential { Dense(1) }
        try m.build(inputShape: [2])
        let x = Tensor(shape: [4, 2]), y = Tensor(shape: [4, 1])
        #expect(throws: RecurrentError.self) { try m.fit(x: x, y: y, verbose: .silent) }
        #expect(throws: RecurrentError.self) { try m.evaluate(x: x, y: y) }
    }

    /// Sets every weight (or the last layer's only, so that the loss itself is NaN) to NaN before
    /// batch `batch` of epoch `epoch`.
    final class Poison: Callback {
        let epoch: Int, batch: Int, lastLayerOnly: Bool
        var current = 0
        init(epoch: Int, batch: Int, lastLayerOnly: Bool = false) {
            self.epoch = epoch; self.batch = batch; self.lastLayerOnly = lastLayerOnly
        }
        func onEpochBegin(model: Sequential, epoch: Int) throws { current = epoch }
        func onTrainBatchBegin(model: Sequential, batch: Int) throws {
            guard current == epoch, batch == self.batch else { return }
            for p in lastLayerOnly ? model.layers.last!.parameters : model.parameters {
                p.value = Tensor(shape: p.shape, repeating: .nan)
            }
        }
    }

    @Test("A NaN loss, or a NaN inside the network, stops training and names the epoch and step", arguments: [false, true])
    func nanStops(lastLayerOnly: Bool) throws {
        let (x, y) = Self.data()
        let m = try Self.model(dropout: false)
        let h = try m.fit(x: x, y: y, batchSize: 8, epochs: 5,
                          callbacks: [Poison(epoch: 1, batch: 2, lastLayerOnly: lastLayerOnly)], verbose: .silent)
        let reason = try #require(h.stopReason)
        #expect(reason.contains("Epoch 2, step 3/8"), "\(reason)")
        #expect(reason.contains(lastLayerOnly ? "the loss is nan" : "diverged"), "\(reason)")
        #expect(h.epochs == [0])  // epoch 1 never ended
    }

    @Test("TerminateOnNaN with raiseError makes fit throw")
    func terminateOnNaNRaises() throws {
        let (x, y) = Self.data()
        let m = try Self.model(dropout: false)
        #expect(throws: RecurrentError.self) {
            try m.fit(x: x, y: y, batchSize: 8, epochs: 2,
                      callbacks: [Poison(epoch: 0, batch: 1, lastLayerOnly: true), TerminateOnNaN(raiseError: true, output: { _ in })], verbose: .silent)
        }
    }

    @Test("EarlyStopping inside fit ends the run and restores the best weights")
    func earlyStoppingInFit() throws {
        let (x, y) = Self.data()
        let m = try Self.model(dropout: false)
        // patience 0 on a loss that cannot improve: the learning rate is 0.
        m.compiled!.optimizer.learningRate = 0
        let es = EarlyStopping(monitor: "loss", patience: 0, restoreBestWeights: true)
        let h = try m.fit(x: x, y: y, batchSize: 8, epochs: 10, shuffle: false, callbacks: [es], verbose: .silent)
        #expect(h.epochs == [0, 1])
        #expect(es.stoppedEpoch == 1)
        #expect(h.stopReason != nil)
    }

    @Test("jsonl progress writes one parseable object per epoch")
    func jsonLines() throws {
        let (x, y) = Self.data()
        let m = try Self.model(dropout: false)
        final class Box: @unchecked Sendable { var lines: [String] = [] }
        let box = Box()
        let logger = ProgressLogger(.jsonLines, output: { box.lines.append($0) })
        try m.fit(x: x, y: y, batchSize: 16, epochs: 2, validationSplit: 0.25, callbacks: [logger], verbose: .silent)
        #expect(box.lines.count == 2)
        for (i, line) in box.lines.enumerated() {
            #expect(line.hasSuffix("\n"))
            let v = try JSONValue.parse(Data(line.utf8), location: "jsonl line \(i + 1)")
            #expect(v["epoch"]?.intValue == i + 1)
            #expect(v["epochs"]?.intValue == 2)
            for key in ["loss", "accuracy", "val_loss", "val_accuracy", "seconds"] { #expect(v[key]?.doubleValue != nil, "\(key)") }
        }
    }

    /// `epochInputs` replaces the training part of x each epoch, and only that: a run whose
    /// epochs train on other inputs is the same, bit for bit, as fitting those inputs with the
    /// same validation samples.
    @Test("epochInputs replaces the training inputs of each epoch, not the validation ones")
    func epochInputsReplaceTrainingInputs() throws {
        let (x, y) = Self.data(samples: 64)
        let (other, _) = Self.data(samples: 64, seed: 9)
        let trainRows = 48  // validationSplit 0.25 of 64
        var calls: [Int] = []
        let m = try Self.model(dropout: false)
        let h = try m.fit(x: x, y: y, batchSize: 8, epochs: 3, validationSplit: 0.25, verbose: .silent) { epoch in
            calls.append(epoch)
            return epoch == 1 ? other.rows(0..<trainRows) : x.rows(0..<trainRows)
        }
        #expect(calls == [0, 1, 2])
        // The same epochs by hand: epoch 2 on the other inputs, with x's validation rows.
        let reference = try Self.model(dropout: false)
        var logs: [String: [Double]] = [:]
        for epoch in 0..<3 {
            let inputs = try Tensor(shape: x.shape, data: (epoch == 1 ? other : x).rows(0..<trainRows).data + x.rows(trainRows..<64).data)
            let e = try reference.fit(x: inputs, y: y, batchSize: 8, epochs: epoch + 1, validationSplit: 0.25, verbose: .silent, initialEpoch: epoch)
            for (k, v) in e.history { logs[k, default: []] += v }
        }
        #expect(h.history == logs)
        #expect(m.parameters.map(\.value.data) == reference.parameters.map(\.value.data))
        // And the other inputs did change the run.
        let plain = try Self.model(dropout: false)
        let p = try plain.fit(x: x, y: y, batchSize: 8, epochs: 3, validationSplit: 0.25, verbose: .silent)
        #expect(p.history != h.history)
    }

    @Test("epochInputs of the wrong shape, or with bad token ids, are errors naming the epoch")
    func epochInputsBadShape() throws {
        let (x, y) = Self.data(samples: 64)
        let m = try Self.model()
        #expect {
            try m.fit(x: x, y: y, batchSize: 8, epochs: 2, validationSplit: 0.25, verbose: .silent) { _ in x }
        } throws: { error in
            "\(error)".contains("fit epochInputs (epoch 1)") && "\(error)".contains("[48, 6]")
        }
        var bad = x.rows(0..<48).data
        bad[7] = 10
        let badInputs = try Tensor(shape: [48, 6], data: bad)
        #expect {
            try m.fit(x: x, y: y, batchSize: 8, epochs: 2, validationSplit: 0.25, verbose: .silent) { _ in badInputs }
        } throws: { error in
            "\(error)".contains("fit epochInputs (epoch 1)") && "\(error)".contains("sample 1 at position 1")
        }
    }
}

@Suite("compile")
struct CompileTests {
    @Test("Keras strings resolve to the same optimizer, loss and metrics as typed values")
    func strings() throws {
        let m = Sequential { Dense(3, activation: .softmax) }
        try m.build(inputShape: [2])
        try m.compile(optimizer: "rmsprop", loss: "sparse_categorical_crossentropy", metrics: ["accuracy", "Precision"])
        let c = try #require(m.compiled)
        #expect(c.optimizer.typeName == "RMSprop")
        #expect(c.optimizer.learningRate == 0.001)
        #expect(c.loss == .sparseCategoricalCrossentropy)
        #expect(c.metrics == ["accuracy", "Precision"])
        try m.compile(optimizer: "adam", loss: "mse")
        #expect(m.compiled?.loss == .meanSquaredError)
        #expect(m.compiled?.optimizer.typeName == "Adam")
    }

    @Test("Unknown names are errors that list the valid ones")
    func unknown() throws {
        let m = Sequential { Dense(1) }
        try m.build(inputShape: [2])
        for (opt, loss, metric) in [("adamx", "mse", "accuracy"), ("adam", "hinge2", "accuracy"), ("adam", "mse", "f1")] {
            do {
                try m.compile(optimizer: opt, loss: loss, metrics: [metric])
                Issue.record("compile(\(opt), \(loss), \(metric)) should throw")
            } catch let e as RecurrentError {
                #expect(String(describing: e).contains("adam") || String(describing: e).contains("accuracy")
                        || String(describing: e).contains("mean_squared_error"), "\(e)")
            }
        }
        #expect(m.compiled == nil)
    }

    @Test("A loss that does not fit the output is an error before training")
    func lossDoesNotFit() throws {
        let m = Sequential { Dense(1, activation: .sigmoid) }
        try m.build(inputShape: [2])
        try m.compile(optimizer: "adam", loss: "categorical_crossentropy")
        let before = m.parameters.map(\.value.data)
        #expect(throws: RecurrentError.self) {
            try m.fit(x: Tensor(shape: [4, 2]), y: Tensor(shape: [4, 1], repeating: 1), verbose: .silent)
        }
        let sparse = Sequential { Dense(3, activation: .softmax) }
        try sparse.build(inputShape: [2])
        try sparse.compile(optimizer: "adam", loss: "sparse_categorical_crossentropy")
        #expect(throws: RecurrentError.self) {  // class id 3 is outside [0, 3)
            try sparse.fit(x: Tensor(shape: [2, 2]), y: try Tensor(shape: [2], data: [0, 3]), verbose: .silent)
        }
        #expect(m.parameters.map(\.value.data) == before)
    }
}

/// Fixes from the fresh-eyes review of the training API.
@Suite("fit after review")
struct FitReviewTests {
    @Test("initialEpoch ≥ epochs runs nothing, as Keras")
    func initialEpochBeyondEpochs() throws {
        let (x, y) = FitBehaviourTests.data()
        let m = try FitBehaviourTests.model(dropout: false)
        let before = m.parameters.map(\.value.data)
        let h = try m.fit(x: x, y: y, epochs: 2, verbose: .silent, initialEpoch: 3)
        #expect(h.epochs.isEmpty)
        #expect(m.parameters.map(\.value.data) == before)
    }

    @Test("A linear head trains with fromLogits, as Keras's from_logits=True")
    func linearHeadFromLogits() throws {
        var rng = RandomGenerator(seed: 4)
        var x = Tensor(shape: [96, 4]), y = Tensor(shape: [96])
        for i in 0..<96 {
            for j in 0..<4 { x[i, j] = rng.uniform(-1, 1) }
            y[i] = x[i, 0] > x[i, 1] ? (x[i, 2] > 0 ? 2 : 1) : 0
        }
        let m = Sequential { Dense(16, activation: .relu); Dense(3) }
        try m.build(inputShape: [4], seed: 2)
        try m.compile(optimizer: Adam(learningRate: 0.02), loss: .sparseCategoricalCrossentropy, metrics: ["accuracy"], fromLogits: true)
        let h = try m.fit(x: x, y: y, batchSize: 16, epochs: 40, verbose: .silent)
        #expect(h.history["loss"]!.last! < 0.5 * h.history["loss"]!.first!)
        #expect(h.history["accuracy"]!.last! > 0.8)
    }

    @Test("ReduceLROnPlateau refuses an optimizer driven by a schedule")
    func reduceOnSchedule() throws {
        let (x, y) = FitBehaviourTests.data()
        let m = try FitBehaviourTests.model(dropout: false)
        m.compiled!.optimizer.schedule = try ExponentialDecay(initialLearningRate: 0.01, decaySteps: 10, decayRate: 0.9)
        #expect(throws: RecurrentError.self) {
            try m.fit(x: x, y: y, epochs: 2, callbacks: [try ReduceLROnPlateau(monitor: "loss")], verbose: .silent)
        }
    }

    @Test("The progress display runs last and shows what callbacks log")
    func progressShowsCallbackLogs() throws {
        let (x, y) = FitBehaviourTests.data()
        let m = try FitBehaviourTests.model(dropout: false)
        final class Box: @unchecked Sendable { var text = "" }
        let box = Box()
        let logger = ProgressLogger(.epochLines, output: { box.text += $0 })
        try m.fit(x: x, y: y, batchSize: 16, epochs: 2, callbacks: [logger, try ReduceLROnPlateau(monitor: "loss")], verbose: .progressBar)
        #expect(box.text.contains("learning_rate: 0.0100"))
        #expect(box.text.components(separatedBy: "Epoch 1/2").count == 2)  // the given logger replaced the default
    }

    @Test("Bad optimizer values and token ids are errors before training, naming the sample")
    func earlyErrors() throws {
        let m = try FitBehaviourTests.model(dropout: false)
        #expect(throws: RecurrentError.self) { try m.compile(optimizer: Adam(beta1: 1.5), loss: .binaryCrossentropy) }
        var (x, y) = FitBehaviourTests.data()
        x[39, 4] = 10  // the vocabulary is 10 tokens
        let before = m.parameters.map(\.value.data)
        do {
            try m.fit(x: x, y: y, batchSize: 8, verbose: .silent)
            Issue.record("expected an error")
        } catch let e as RecurrentError {
            #expect(e.localizedDescription.contains("sample 39"), "\(e.localizedDescription)")
        }
        #expect(m.parameters.map(\.value.data) == before)
    }

    @Test("Checkpoint paths take Python's format specs")
    func placeholders() throws {
        let logs: Logs = ["val_loss": 0.69314718]
        #expect(try ModelCheckpoint.format("m{epoch:03}-{val_loss:.3}", epoch: 5, logs: logs) == "m005-0.693")
        #expect(try ModelCheckpoint.format("{{epoch}}-{epoch}-{val_loss:.2e}", epoch: 5, logs: logs) == "{epoch}-5-6.93e-01")
        #expect(try ModelCheckpoint.format("{val_loss:.1}", epoch: 1, logs: ["val_loss": 1.0]) == "1e+00")
        // Python 3's format(v, ".p") for these values and precisions (printed by CPython 3.11).
        let values = [1.18, 123.0, 12.0, 0.5, 0.0001234, 0.00001234, 1.0, 100.0, 99.95, -2.5, 0.0, 1234.5678, 9.99]
        let python: [Int: [String]] = [
            1: ["1e+00", "1e+02", "1e+01", "0.5", "0.0001", "1e-05", "1e+00", "1e+02", "1e+02", "-2e+00", "0e+00", "1e+03", "1e+01"],
            2: ["1.2", "1.2e+02", "1.2e+01", "0.5", "0.00012", "1.2e-05", "1.0", "1e+02", "1e+02", "-2.5", "0.0", "1.2e+03", "1e+01"],
            3: ["1.18", "1.23e+02", "12.0", "0.5", "0.000123", "1.23e-05", "1.0", "1e+02", "1e+02", "-2.5", "0.0", "1.23e+03", "9.99"],
            5: ["1.18", "123.0", "12.0", "0.5", "0.0001234", "1.234e-05", "1.0", "100.0", "99.95", "-2.5", "0.0", "1234.6", "9.99"],
        ]
        for (precision, expected) in python {
            let got = try values.map { try ModelCheckpoint.format("{loss:.\(precision)}", epoch: 1, logs: ["loss": $0]) }
            #expect(got == expected, "precision \(precision)")
        }
        #expect(try ModelCheckpoint.format("{loss:.0}-{loss:.2}", epoch: 1, logs: ["loss": 1.5]) == "2e+00-1.5")
        #expect(try ModelCheckpoint.format("{loss:.2}", epoch: 1, logs: ["loss": .infinity]) == "inf")
        #expect(throws: RecurrentError.self) { try ModelCheckpoint.format("{val_loss:>8}", epoch: 1, logs: logs) }
    }

    @Test("An unbuilt model is built from the first input, as Keras")
    func buildsOnFirstInput() throws {
        let m = Sequential { Embedding(inputDim: 10, outputDim: 4); LSTM(6); Dense(1, activation: .sigmoid) }
        try m.compile(optimizer: "adam", loss: .binaryCrossentropy)
        let (x, y) = FitBehaviourTests.data()
        try m.fit(x: x, y: y, epochs: 1, verbose: .silent)
        #expect(m.inputShape == [6])
    }

}

/// Clipping an Embedding's gradient as Keras's TensorFlow backend does (IndexedSlices): the norm
/// is over the occurrences, a norm clip keeps the per-occurrence squares, a global clip densifies.
@Suite("Clipping an Embedding gradient")
struct EmbeddingClippingTests {
    /// One step of SGD (no momentum) on an Embedding whose two rows get gradients from several
    /// occurrences; the expected values are computed here from Keras's rule, by hand in Double.
    @Test("clipnorm uses the norm over occurrences")
    func clipnormOverOccurrences() throws {
        let m = Sequential { Embedding(inputDim: 3, outputDim: 2); GlobalAveragePooling1D(); Dense(1) }
        try m.build(inputShape: [4], seed: 1)
        let x = try Tensor(shape: [1, 4], data: [1, 1, 1, 2])  // token 1 three times, token 2 once
        _ = try m.forward(x, training: true)
        try m.backward(Tensor(shape: [1, 1], repeating: 1))
        let table = m.layers[0].parameters[0]
        guard case .rows(let rows) = table.typedGradient else { Issue.record("a row gradient"); return }
        let g = table.gradient.data, sq = rows.scattered(rows.squares).data
        // Occurrence gradients are equal here (average pooling): row 1 gets 3 copies of v.
        let occurrenceNorm = Double(sq.reduce(0, +)).squareRoot()
        let denseNorm = Double(g.reduce(0) { $0 + $1 * $1 }).squareRoot()
        #expect(occurrenceNorm < denseNorm)  // √3·|v| vs 3·|v| for row 1
        let before = table.value.data
        let sgd = SGD(learningRate: 1, clipnorm: Float(occurrenceNorm / 2))
        try sgd.step([table])
        for i in 0..<g.count {
            let expected = Double(before[i]) - Double(g[i]) * (occurrenceNorm / 2) / occurrenceNorm
            #expect(abs(Double(table.value.data[i]) - expected) < 1e-6, "element \(i)")
        }
    }
}
