/// A linear stack of layers (Keras `Sequential`): each layer's output, and its mask, feed the next.
///
/// `build(inputShape:seed:)` takes the shape of one sample (without the batch axis), builds every
/// layer in order from one seeded `RandomGenerator` (the same seed gives the same weights), and
/// makes the layer names unique as Keras does (`lstm`, `lstm_1`, …).
public final class Sequential {
    /// The model's name (Keras `Model.name`, default `sequential`), shown by `summary()` and
    /// saved in model files.
    public var name: String
    public private(set) var layers: [any Layer]
    /// The sample shape given to `build`, nil before it; a nil axis has an unknown length
    /// (Keras's `None`, see `build(inputShape:seed:)` with `[Int?]`).
    public internal(set) var inputShape: [Int?]?
    /// Output shape of each layer (without batch), filled by `build`; nil for an axis whose
    /// length follows an unknown input length.
    public internal(set) var outputShapes: [[Int?]] = []

    // Training state (see Training/Compile.swift and Training/Fit.swift).
    /// What `compile` set: the optimizer, the loss and the metric identifiers; nil before.
    public internal(set) var compiled: CompileConfiguration?
    /// Named texts saved with the model and restored by `load`, e.g. `"tokenizer"` → the
    /// tokenizer's JSON, so that a saved model can turn raw text into its inputs again.
    public var attachments: [String: String] = [:]
    /// Set by a callback to end `fit` after the current batch or epoch (Keras `stop_training`).
    public var stopTraining = false
    /// Number of epochs completed by `fit` (the `initialEpoch` of a resumed run).
    public internal(set) var completedEpochs = 0
    /// The generator for shuffling in `fit`, forked from the build seed after the weights.
    public internal(set) var trainingGenerator = RandomGenerator(seed: 0)

    /// A stack of `layers`, applied in order; call `build(inputShape:seed:)` before use.
    public init(_ layers: [any Layer], name: String = "sequential") {
        self.layers = layers
        self.name = name
        uniquifyNames()
    }

    /// Makes the layer names unique as Keras does at construction: the second `lstm` becomes
    /// `lstm_1`, and so on (a name already taken is skipped).
    func uniquifyNames() {
        var seen: [String: Int] = [:]
        for layer in layers {
            let base = layer.name
            if let k = seen[base] {
                var i = k
                var candidate = "\(base)_\(i)"
                while seen[candidate] != nil { i += 1; candidate = "\(base)_\(i)" }
                seen[base] = i + 1
                layer.name = candidate
                seen[candidate] = 1
            } else {
                seen[base] = 1
            }
        }
    }

    public convenience init(name: String = "sequential", @LayerBuilder _ content: () -> [any Layer]) {
        self.init(content(), name: name)
    }

    /// Builds every layer for samples of shape `inputShape` (every axis fixed; see the `[Int?]`
    /// overload in Sequential+Shapes.swift for an unknown number of timesteps).
    /// - Throws: the first layer error, e.g. a shape that does not fit.
    public func build(inputShape: [Int], seed: UInt64 = 0) throws {
        try build(inputShape: inputShape as [Int?], seed: seed)
    }

    /// Every weight, layer by layer in Keras order.
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// Total number of weights (Keras `count_params`).
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Runs the stack on a batch `(batch, …sample shape)` and returns the last layer's output.
    /// - Throws: `notBuilt`, or the first layer error (which names the layer).
    public func forward(_ x: Tensor, training: Bool = false) throws -> Tensor {
        guard inputShape != nil else { throw RecurrentError.notBuilt(layer: "sequential") }
        var current = x
        var mask: Tensor? = nil
        var i = 0
        while i < layers.count {
            let layer = layers[i]
            // Inference through a pair the next layer fuses (an Embedding into a recurrent layer:
            // projected token rows, see `TokenProjection`) in place of the two forwards.
            if !training, i + 1 < layers.count, let next = layers[i + 1] as? any FusesPreviousLayer {
                let layerMask = layer.outputMask(input: current, mask: mask)
                if let y = try next.forward(input: current, through: layer, mask: layerMask, training: training) {
                    mask = next.outputMask(input: current, mask: layerMask)
                    current = y
                    i += 2
                    continue
                }
            }
            let y = try layer.forward(current, mask: mask, training: training)
            mask = layer.outputMask(input: current, mask: mask)
            current = y
            i += 1
        }
        return current
    }

    /// Backpropagates dLoss/dOutput through every layer, filling each parameter's gradient.
    /// With `fromLogits`, `gradOutput` is dLoss/dLogits of a final `LogitsProducingLayer` (a
    /// `Dense` with sigmoid or softmax).
    /// Returns dLoss/dInput when `needsInputGradient` (nil for token-id inputs).
    @discardableResult
    public func backward(_ gradOutput: Tensor, fromLogits: Bool = false, needsInputGradient: Bool = false) throws -> Tensor? {
        var grad: Tensor? = gradOutput
        for (i, layer) in layers.enumerated().reversed() {
            guard let g = grad else { break }
            let needs = i > 0 || needsInputGradient
            if fromLogits && i == layers.count - 1, let head = layer as? any LogitsProducingLayer {
                grad = try head.backward(fromPreActivation: g, needsInputGradient: needs)
            } else {
                grad = try layer.backward(g, needsInputGradient: needs)
            }
        }
        return grad
    }

    /// Runs `body` with every layer that can (`RecordsForBackward`: the recurrent layers and
    /// `Bidirectional`) told not to keep what backward needs (faster inference), restoring the
    /// setting afterwards.
    public func withoutBackward<R>(_ body: () throws -> R) rethrows -> R {
        let recording = layers.compactMap { $0 as? any RecordsForBackward }
        let saved = recording.map(\.recordsForBackward)
        recording.forEach { $0.recordsForBackward = false }
        defer { for (r, v) in zip(recording, saved) { r.recordsForBackward = v } }
        return try body()
    }

    /// Runs inference in batches of `batchSize` samples and concatenates the outputs.
    /// `x` is `(samples, …sample shape given to build)`, any length T ≥ 1 on an axis built as
    /// unknown (nil); the result is `(samples, …output shape)`.
    /// Recurrent layers stream their input projection (nothing is kept for backward).
    /// - Throws: `notBuilt`; `invalidValue` for a batch size ≤ 0; `shapeMismatch` for an empty
    ///   batch or another sample shape; any layer error (which names the layer), such as a
    ///   length too short for a `Conv1D` window.
    public func predict(_ x: Tensor, batchSize: Int = 32) throws -> Tensor {
        guard batchSize > 0 else {
            throw RecurrentError.invalidValue(where: "predict", expected: "a batch size > 0", found: "\(batchSize)")
        }
        if self.inputShape == nil, x.rank >= 2 { try build(inputShape: Array(x.shape.dropFirst())) }  // as Keras, on the first input
        guard let inputShape else { throw RecurrentError.notBuilt(layer: name) }
        guard let n = x.shape.first, n > 0, Self.sample(Array(x.shape.dropFirst()), fits: inputShape) else {
            throw RecurrentError.shapeMismatch(
                where: "predict", expected: "a non-empty batch of samples of shape \(Self.describe(inputShape))",
                found: "shape \(x.shape)")
        }
        let sample = x.count / n
        var outputs: [Float] = []
        var outShape: [Int] = []
        var start = 0
        while start < n {
            let end = min(n, start + batchSize)
            let batch = Tensor(uncheckedShape: [end - start] + x.shape.dropFirst(),
                               data: Array(x.data[(start * sample)..<(end * sample)]))
            let y = try withoutBackward { try forward(batch, training: false) }
            outputs.append(contentsOf: y.data)
            outShape = Array(y.shape.dropFirst())
            start = end
        }
        return Tensor(uncheckedShape: [n] + outShape, data: outputs)
    }
}

/// Builds a layer list: `Sequential { Embedding(…); LSTM(…); Dense(…) }`.
@resultBuilder
public enum LayerBuilder {
    public static func buildExpression(_ layer: any Layer) -> [any Layer] { [layer] }
    public static func buildBlock(_ parts: [any Layer]...) -> [any Layer] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [any Layer]?) -> [any Layer] { part ?? [] }
    public static func buildEither(first: [any Layer]) -> [any Layer] { first }
    public static func buildEither(second: [any Layer]) -> [any Layer] { second }
    public static func buildArray(_ parts: [[any Layer]]) -> [any Layer] { parts.flatMap { $0 } }
}
