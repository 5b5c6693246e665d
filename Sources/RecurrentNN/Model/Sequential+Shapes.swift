extension Sequential {
    /// Builds every layer for samples of shape `inputShape`, where `nil` is an axis of unknown
    /// length (Keras's `None`): `[nil]` for token ids of any length (`Input(shape=(None,))`, what
    /// every saved Keras text model declares), `[nil, 8]` for any number of steps of 8 features.
    /// Without a `nil` it is `build(inputShape:seed:)` with `[Int]`.
    ///
    /// Only the first axis, the timesteps, may be unknown: the layers need their feature axes to
    /// create weights (Keras raises for an undefined last axis too), and no weight depends on the
    /// number of timesteps, so the same seed gives exactly the weights of a model built with a
    /// fixed length (`[nil]` and `[30]` alike). `predict`, `evaluate` and `fit` then take batches
    /// of any length T ≥ 1 (one length per batch).
    ///
    /// The layers' shape functions take fixed lengths, so `None` is propagated as Keras's
    /// `compute_output_shape` does (keras/src/layers/rnn/rnn.py, keras/src/models/sequential.py)
    /// by asking each layer for its output shape at two stand-in lengths (the layer is built
    /// with the first): an output axis that differs between them follows the input's length and
    /// is unknown (`nil` in `outputShapes`, `None` in `summary()`), as after an `Embedding`, a
    /// `Conv1D` or a recurrent layer with `returnSequences`; one that does not, as after a
    /// global pooling or a recurrent layer returning its last output, is fixed.
    /// - Throws: `shapeMismatch` naming the model for an unknown axis other than the first;
    ///   `shapeMismatch` naming the layer, with the shape it was given (`None` for the unknown
    ///   axis), for a layer that cannot take an unknown length (one whose weights would depend
    ///   on it, such as a `Dense` or a recurrent layer reading token ids without an
    ///   `Embedding`); any other layer error, as with `[Int]`.
    public func build(inputShape: [Int?], seed: UInt64 = 0) throws {
        if inputShape.dropFirst().contains(nil) {
            throw RecurrentError.shapeMismatch(
                where: name, expected: "a sample shape whose only unknown (nil) axis is the first, the timesteps: [nil] or [nil, features]",
                found: Self.describe(inputShape))
        }
        var rng = RandomGenerator(seed: seed)
        uniquifyNames()
        var shape = inputShape
        outputShapes = []
        for layer in layers {
            shape = try Self.build(layer, inputShape: shape, rng: &rng)
            outputShapes.append(shape)
        }
        trainingGenerator = rng.fork()
        self.inputShape = inputShape
    }

    /// The lengths that stand for an unknown axis while building: long enough for any window
    /// or pooling of a real model, far enough apart that every strided length still differs.
    static let standInLengths = (build: 4096, other: 8192)

    /// Builds `layer` for `inputShape` and returns its output shape, with `nil` where it follows
    /// an unknown input axis.
    private static func build(_ layer: any Layer, inputShape: [Int?], rng: inout RandomGenerator) throws -> [Int?] {
        let fixed = inputShape.map { $0 ?? standInLengths.build }
        guard inputShape.contains(nil) else {
            try layer.build(inputShape: fixed, rng: &rng)
            return try layer.outputShape(inputShape: fixed)
        }
        let found = "input shape \(kerasShapeString(inputShape))"
        let first: [Int]
        do {
            try layer.build(inputShape: fixed, rng: &rng)
            first = try layer.outputShape(inputShape: fixed)
        } catch let RecurrentError.shapeMismatch(place, expected, _) where place == layer.name {
            // The layer's own message, with the shape as the user gave it, not the stand-in.
            throw RecurrentError.shapeMismatch(where: place, expected: expected, found: found)
        }
        // A layer whose weights were sized by the stand-in length rejects the other one.
        let second = try? layer.outputShape(inputShape: inputShape.map { $0 ?? standInLengths.other })
        guard let second, first.count == second.count else {
            throw RecurrentError.shapeMismatch(
                where: layer.name,
                expected: "an input whose axes a \(layer.typeName) reads are fixed (an axis of unknown length (None) there would set the size of its weights)",
                found: found)
        }
        return zip(first, second).map { $0 == $1 ? $0 : nil }
    }

    /// Whether a batch whose samples have shape `sample` fits `inputShape`: the same rank, each
    /// fixed axis equal, each unknown axis at least 1.
    static func sample(_ sample: [Int], fits inputShape: [Int?]) -> Bool {
        sample.count == inputShape.count && zip(sample, inputShape).allSatisfy { found, expected in
            expected.map { $0 == found } ?? (found >= 1)
        }
    }

    /// The output shape (without the batch axis) for samples of shape `sample`, from each
    /// layer's `outputShape` at that length: for a model built with an unknown length, this is
    /// where a length too short for a layer (a `valid` `Conv1D` window or a pooling longer than
    /// the sequence) is found, before any batch runs.
    /// - Throws: `notBuilt` before `build`; `shapeMismatch` naming the model when `sample` does
    ///   not fit `inputShape`; the first layer error, which names the layer, the steps it needs
    ///   and the steps it was given.
    public func outputShape(forSample sample: [Int]) throws -> [Int] {
        guard let inputShape else { throw RecurrentError.notBuilt(layer: name) }
        guard Self.sample(sample, fits: inputShape) else {
            throw RecurrentError.shapeMismatch(where: name, expected: "samples of shape \(Self.describe(inputShape))",
                                               found: Self.describe(sample))
        }
        var shape = sample
        for layer in layers { shape = try layer.outputShape(inputShape: shape) }
        return shape
    }

    /// `[30]`, `[nil, 8]`: a sample shape as Swift writes the array given to `build`.
    static func describe(_ shape: [Int?]) -> String {
        "[" + shape.map { $0.map(String.init) ?? "nil" }.joined(separator: ", ") + "]"
    }
}

/// `(None, None, 8)`: a shape without the batch axis as Keras prints it, `None` for the batch and
/// for each unknown axis (the `[Int]` form is `kerasShapeString` in RecurrentTensor).
func kerasShapeString(_ shapeWithoutBatch: [Int?]) -> String {
    let parts = ["None"] + shapeWithoutBatch.map { $0.map(String.init) ?? "None" }
    return "(" + parts.joined(separator: ", ") + (parts.count == 1 ? ",)" : ")")
}
