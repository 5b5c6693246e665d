import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent
@testable import RecurrentNN

/// A model built with an unknown number of timesteps (`build(inputShape: [nil])`, Keras's
/// `Input(shape=(None,))`) has the weights of one built with a fixed length and the same seed,
/// and gives, on batches of any length, exactly what a model built for that length gives.
@Suite("Variable length")
struct VariableLengthTests {
    static let lengths = [5, 30, 80]

    /// The architectures under test: token ids through masking, bidirectional and stacked
    /// recurrent layers; a convolution and a pooling that shorten the sequence; steps of
    /// features with a sequence output.
    static let architectures = ["masked_stack", "conv_pool", "features_sequences"]

    static func model(_ architecture: String) -> Sequential {
        switch architecture {
        case "masked_stack":
            return Sequential {
                Embedding(inputDim: 40, outputDim: 6, maskZero: true)
                Bidirectional(LSTM(5, returnSequences: true))
                GRU(4)
                Dense(3, activation: .softmax)
            }
        case "conv_pool":
            return Sequential {
                Embedding(inputDim: 40, outputDim: 6)
                Conv1D(filters: 4, kernelSize: 3, activation: .relu)
                MaxPooling1D(poolSize: 2)
                SimpleRNN(5)
                Dense(1, activation: .sigmoid)
            }
        default:
            return Sequential { LSTM(4, returnSequences: true); Dense(2) }
        }
    }

    /// The sample shape of `architecture` with `length` timesteps (nil: unknown).
    static func sampleShape(_ architecture: String, _ length: Int?) -> [Int?] {
        architecture == "features_sequences" ? [length, 3] : [length]
    }

    /// `samples` inputs of `length` steps: token ids in 1..<40 after a few leading zeros (padding,
    /// masked where the Embedding masks), or features in [-1, 1).
    static func input(_ architecture: String, samples: Int, length: Int, seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        if architecture == "features_sequences" {
            return Tensor(uncheckedShape: [samples, length, 3], data: (0..<(samples * length * 3)).map { _ in rng.uniform(-1, 1) })
        }
        var x = Tensor(shape: [samples, length])
        for b in 0..<samples {
            for t in min(b % 3, length - 1)..<length { x[b, t] = Float(1 + Int(rng.next() % 39)) }
        }
        return x
    }

    static func built(_ architecture: String, length: Int?, seed: UInt64 = 7) throws -> Sequential {
        let m = model(architecture)
        try m.build(inputShape: sampleShape(architecture, length), seed: seed)
        return m
    }

    @Test("The weights do not depend on the length", arguments: architectures)
    func weightsEqualFixedLength(_ architecture: String) throws {
        let unknown = try Self.built(architecture, length: nil)
        let fixed = try Self.built(architecture, length: 30)
        #expect(unknown.inputShape == Self.sampleShape(architecture, nil))
        #expect(unknown.parameters.count == fixed.parameters.count)
        for (a, b) in zip(unknown.namedParameters, fixed.namedParameters) {
            #expect(a.name == b.name)
            #expect(a.parameter.value == b.parameter.value, "\(a.name)")
        }
        // The shuffling generator, forked after the weights, is the same too.
        var g1 = unknown.trainingGenerator, g2 = fixed.trainingGenerator
        #expect(g1.next() == g2.next())
    }

    @Test("Output shapes have nil where Keras has None")
    func outputShapesFollowTheUnknownAxis() throws {
        #expect(try Self.built("masked_stack", length: nil).outputShapes == [[nil, 6], [nil, 10], [4], [3]])
        #expect(try Self.built("conv_pool", length: nil).outputShapes == [[nil, 6], [nil, 4], [nil, 4], [5], [1]])
        #expect(try Self.built("features_sequences", length: nil).outputShapes == [[nil, 4], [nil, 2]])
        let fixed = try Self.built("conv_pool", length: 30)
        #expect(fixed.outputShapes == [[30, 6], [28, 4], [14, 4], [5], [1]])
        #expect(try fixed.outputShape(forSample: [30]) == [1])
        let sequences = try Self.built("features_sequences", length: nil)
        #expect(try sequences.outputShape(forSample: [17, 3]) == [17, 2])
    }

    @Test("predict on any length equals the model built for that length", arguments: architectures)
    func predictEqualsFixedLength(_ architecture: String) throws {
        let unknown = try Self.built(architecture, length: nil)
        for length in Self.lengths {
            let fixed = try Self.built(architecture, length: length)
            let x = Self.input(architecture, samples: 11, length: length, seed: UInt64(length))
            let expected = try fixed.predict(x, batchSize: 4)
            let found = try unknown.predict(x, batchSize: 4)
            #expect(found == expected, "length \(length)")
        }
        // The fixed-length model still takes only its length, with the message it always gave.
        let fixed = try Self.built(architecture, length: 30)
        let x = Self.input(architecture, samples: 2, length: 5, seed: 1)
        let shape = architecture == "features_sequences" ? "[30, 3]" : "[30]"
        #expect(throws: RecurrentError.shapeMismatch(where: "predict", expected: "a non-empty batch of samples of shape \(shape)",
                                                     found: "shape \(x.shape)")) { try fixed.predict(x) }
    }

    /// The architectures whose output is one vector per sample, as the losses require.
    static let trainable = ["masked_stack", "conv_pool"]

    /// A trainable architecture, built and compiled with Adam (embedding rows deferred) and its loss.
    static func compiled(_ architecture: String, length: Int?) throws -> Sequential {
        let m = try built(architecture, length: length)
        let loss: Loss = architecture == "masked_stack" ? .sparseCategoricalCrossentropy : .binaryCrossentropy
        try m.compile(optimizer: Adam(learningRate: 0.01), loss: loss, metrics: ["accuracy"])
        return m
    }

    /// Class ids in 0..<3 `(samples)` for the softmax stack, 0/1 `(samples, 1)` for the sigmoid one.
    static func targets(_ architecture: String, samples: Int, seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        if architecture == "masked_stack" {
            return Tensor(uncheckedShape: [samples], data: (0..<samples).map { _ in Float(rng.next() % 3) })
        }
        return Tensor(uncheckedShape: [samples, 1], data: (0..<samples).map { _ in Float(rng.next() % 2) })
    }

    @Test("evaluate on any length equals the model built for that length", arguments: trainable)
    func evaluateEqualsFixedLength(_ architecture: String) throws {
        let unknown = try Self.compiled(architecture, length: nil)
        for length in Self.lengths {
            let fixed = try Self.compiled(architecture, length: length)
            let x = Self.input(architecture, samples: 13, length: length, seed: UInt64(length) + 100)
            let y = Self.targets(architecture, samples: 13, seed: UInt64(length))
            let expected = try fixed.evaluate(x: x, y: y, batchSize: 5)
            #expect(try unknown.evaluate(x: x, y: y, batchSize: 5) == expected, "length \(length)")
        }
    }

    @Test("fit on a length equals fit of the model built for it", arguments: trainable, [5, 30])
    func fitEqualsFixedLength(_ architecture: String, _ length: Int) throws {
        let unknown = try Self.compiled(architecture, length: nil)
        let fixed = try Self.compiled(architecture, length: length)
        let x = Self.input(architecture, samples: 24, length: length, seed: 5)
        let y = Self.targets(architecture, samples: 24, seed: 6)
        let a = try unknown.fit(x: x, y: y, batchSize: 5, epochs: 3, validationSplit: 0.25, verbose: .silent)
        let b = try fixed.fit(x: x, y: y, batchSize: 5, epochs: 3, validationSplit: 0.25, verbose: .silent)
        #expect(a.history == b.history)
        #expect(a.history["val_loss"]?.count == 3)
        for (p, q) in zip(unknown.parameters, fixed.parameters) { #expect(p.value == q.value) }
    }

    /// One model trains on batches of several lengths: its run equals a model built for the first
    /// length, saved, and rebuilt from its checkpoint for the second (the same weights and
    /// optimizer state), and validation data may have a length of their own.
    @Test("fit continues on another length", arguments: trainable)
    func fitOnSeveralLengths(_ architecture: String) throws {
        let unknown = try Self.compiled(architecture, length: nil)
        let fixed = try Self.compiled(architecture, length: 8)
        let (x8, y8) = (Self.input(architecture, samples: 12, length: 8, seed: 1), Self.targets(architecture, samples: 12, seed: 2))
        let (x20, y20) = (Self.input(architecture, samples: 12, length: 20, seed: 3), Self.targets(architecture, samples: 12, seed: 4))
        let validation = (Self.input(architecture, samples: 6, length: 13, seed: 5), Self.targets(architecture, samples: 6, seed: 6))
        let first = try unknown.fit(x: x8, y: y8, batchSize: 4, epochs: 2, validationData: validation, verbose: .silent)
        try fixed.fit(x: x8, y: y8, batchSize: 4, epochs: 2, verbose: .silent)
        // The validation logs are those of evaluate on the 13-step samples after the last epoch.
        let evaluated = try unknown.evaluate(x: validation.0, y: validation.1, batchSize: 4)
        #expect(first.history["val_loss"]?.last == evaluated["loss"])
        #expect(first.history["val_accuracy"]?.last == evaluated["accuracy"])

        var file = try fixed.checkpointFile()
        file.architecture = Self.replacingInputShape(of: file.architecture, with: [20])
        let continued = try Sequential.make(from: file)
        try continued.restoreCheckpoint(file, location: "test")
        #expect(continued.inputShape == [20])
        let second = try unknown.fit(x: x20, y: y20, batchSize: 4, epochs: 4, verbose: .silent, initialEpoch: 2)
        let reference = try continued.fit(x: x20, y: y20, batchSize: 4, epochs: 4, verbose: .silent, initialEpoch: 2)
        #expect(second.history == reference.history)
        for (p, q) in zip(unknown.parameters, continued.parameters) { #expect(p.value == q.value) }
    }

    static func replacingInputShape(of architecture: JSONValue, with shape: [Int]) -> JSONValue {
        guard var top = architecture.objectValue, var config = top["config"]?.objectValue else { return architecture }
        config["input_shape"] = .array(shape.map { .number(Double($0)) })
        top["config"] = .object(config)
        return .object(top)
    }

    @Test("The fixed axes are still checked")
    func fixedAxesAreChecked() throws {
        let m = try Self.built("features_sequences", length: nil)
        let wrongFeatures = Tensor(shape: [2, 5, 4])
        #expect(throws: RecurrentError.shapeMismatch(where: "predict", expected: "a non-empty batch of samples of shape [nil, 3]",
                                                     found: "shape [2, 5, 4]")) { try m.predict(wrongFeatures) }
        let noSteps = Tensor(shape: [2, 0, 3])
        #expect(throws: RecurrentError.shapeMismatch(where: "predict", expected: "a non-empty batch of samples of shape [nil, 3]",
                                                     found: "shape [2, 0, 3]")) { try m.predict(noSteps) }
        let c = try Self.compiled("conv_pool", length: nil)
        let y = Self.targets("conv_pool", samples: 2, seed: 1)
        #expect(throws: RecurrentError.shapeMismatch(where: "fit", expected: "x of shape (samples, None)", found: "shape [2, 5, 1]")) {
            try c.fit(x: Tensor(shape: [2, 5, 1], repeating: 1), y: y, verbose: .silent)
        }
        #expect(throws: RecurrentError.shapeMismatch(where: "evaluate", expected: "x of shape (samples, None)", found: "shape [2]")) {
            try c.evaluate(x: Tensor(shape: [2], repeating: 1), y: y)
        }
    }

    @Test("A length too short for a layer names the layer, the steps it needs and those it got")
    func tooShortForAConvolution() throws {
        let m = try Self.compiled("conv_pool", length: nil)
        let before = m.parameters.map(\.value)
        let short = Self.input("conv_pool", samples: 3, length: 2, seed: 1)
        let y = Self.targets("conv_pool", samples: 3, seed: 1)
        let conv = RecurrentError.shapeMismatch(
            where: "conv1d", expected: "at least 3 steps for kernelSize 3 with 'valid' padding", found: "2 steps")
        #expect(throws: conv) { try m.predict(short) }
        #expect(throws: conv) { try m.evaluate(x: short, y: y) }
        #expect(throws: conv) { try m.fit(x: short, y: y, verbose: .silent) }
        #expect(m.parameters.map(\.value) == before, "nothing was trained")
        // Three steps convolve to one, too few for the pooling window of 2.
        let pool = RecurrentError.shapeMismatch(
            where: "max_pooling1d", expected: "at least 2 steps for poolSize 2 with 'valid' padding", found: "1 steps")
        #expect(throws: pool) { try m.predict(Self.input("conv_pool", samples: 3, length: 3, seed: 1)) }
        // Validation data too short are found before training too.
        let x = Self.input("conv_pool", samples: 3, length: 9, seed: 1)
        #expect(throws: conv) { try m.fit(x: x, y: y, validationData: (short, y), verbose: .silent) }
        #expect(m.parameters.map(\.value) == before)
    }

    @Test("A layer that cannot take an unknown length is named at build")
    func buildErrors() throws {
        let m = Sequential { Embedding(inputDim: 5, outputDim: 2); LSTM(3) }
        #expect(throws: RecurrentError.shapeMismatch(
            where: "sequential", expected: "a sample shape whose only unknown (nil) axis is the first, the timesteps: [nil] or [nil, features]",
            found: "[4, nil]")) { try m.build(inputShape: [4, nil]) }
        // A Dense over token ids: its kernel would be as wide as the unknown length.
        let dense = Sequential { Dense(4) }
        #expect(throws: RecurrentError.shapeMismatch(
            where: "dense", expected: "an input whose axes a Dense reads are fixed (an axis of unknown length (None) there would set the size of its weights)",
            found: "input shape (None, None)")) { try dense.build(inputShape: [nil]) }
        // A recurrent layer over token ids without an Embedding: its own message, with None.
        let lstm = Sequential { LSTM(3) }
        #expect(throws: RecurrentError.shapeMismatch(
            where: "lstm", expected: "an input shape (timesteps, features) with 1...1048576 features",
            found: "input shape (None, None)")) { try lstm.build(inputShape: [nil]) }
        #expect(lstm.inputShape == nil)
    }

    @Test("The model file keeps the unknown axis", arguments: architectures)
    func modelFileRoundTrip(_ architecture: String) throws {
        let m = try Self.built(architecture, length: nil)
        #expect(m.architecture?["config"]?["input_shape"] == .array(architecture == "features_sequences" ? [.null, 3] : [.null]))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("varlen-\(architecture)-\(UUID().uuidString).rnn")
        defer { try? FileManager.default.removeItem(at: url) }
        try m.save(to: url)
        let loaded = try Sequential.load(from: url)
        #expect(loaded.inputShape == Self.sampleShape(architecture, nil))
        #expect(loaded.outputShapes == m.outputShapes)
        #expect(loaded.summary() == m.summary())
        for length in [4, 45] {
            let x = Self.input(architecture, samples: 3, length: length, seed: 9)
            #expect(try loaded.predict(x) == m.predict(x))
        }
    }

    @Test("A file whose input_shape has null elsewhere than the timesteps is rejected")
    func modelFileRejectsAnUnknownFeatureAxis() throws {
        var file = try Self.built("features_sequences", length: nil).modelFile()
        guard var top = file.architecture.objectValue, var config = top["config"]?.objectValue else {
            Issue.record("no config"); return
        }
        config["input_shape"] = [3, .null]
        top["config"] = .object(config)
        file.architecture = .object(top)
        #expect(throws: RecurrentError.self) { try Sequential.make(from: file) }
        config["input_shape"] = [.null, 0]
        top["config"] = .object(config)
        file.architecture = .object(top)
        #expect(throws: RecurrentError.self) { try Sequential.make(from: file) }
    }
}
