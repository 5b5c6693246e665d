@_exported import RecurrentTensor

/// A trainable weight of a layer, with its gradient.
///
/// `name` is the Keras weight name (`kernel`, `recurrent_kernel`, `bias`, `embeddings`); the
/// value has the Keras shape, so weights can be copied to and from a Keras model one to one.
///
/// Reading `value` never writes anything: an optimizer that puts updates off (Adam's deferred
/// Embedding rows) applies them before any public call that trained the weight returns (see
/// `Optimizer.synchronize(_:)`), so `value` is always current outside such a call.
public final class Parameter: @unchecked Sendable {
    /// Keras weight name within its layer, e.g. `recurrent_kernel`.
    public let name: String
    /// The weight itself. Its shape is fixed at creation: assigning a tensor of another shape
    /// traps (use `assign(_:layer:)` for a checked, throwing assignment).
    public var value: Tensor {
        get { storedValue }
        _modify {
            version &+= 1
            yield &storedValue
            precondition(storedValue.shape == shape, "Parameter \(name): shape \(storedValue.shape), expected \(shape)")
        }
    }
    private var storedValue: Tensor
    /// The number of weights.
    var count: Int { storedValue.count }
    /// Changes whenever `value` may have been written (an optimizer step, `assign`, a load), so
    /// that a cache derived from the weight (see `RecurrentLayer`'s token projection) knows it
    /// is stale.
    public private(set) var version = 0
    /// The Keras shape of the weight.
    public let shape: [Int]
    /// dLoss/dValue from the last `backward` as that layer produced it: dense, or by rows for an
    /// `Embedding` table (`RowGradient`). Optimizers read this. Assigning one of another shape traps.
    public var typedGradient: Gradient {
        get { storedGradient }
        set {
            let s: [Int]
            switch newValue {
            case .dense(let t): s = t.shape
            case .rows(let r): s = r.shape
            }
            precondition(s == shape, "Parameter \(name): gradient shape \(s), expected \(shape)")
            storedGradient = newValue
        }
    }
    private var storedGradient: Gradient
    /// dLoss/dValue from the last `backward` as a dense tensor the shape of `value` (another
    /// shape traps). Reading a row gradient this way scatters it into a new tensor; writing makes
    /// the gradient dense (`.dense`). A dense gradient is written in place.
    public var gradient: Tensor {
        get { storedGradient.dense }
        _modify {
            var t: Tensor
            if case .dense(let d) = storedGradient { t = d } else { t = storedGradient.dense }
            storedGradient = .dense(Tensor(shape: [0]))  // `t` unique while it is written
            defer {
                precondition(t.shape == shape, "Parameter \(name): gradient shape \(t.shape), expected \(shape)")
                storedGradient = .dense(t)
            }
            yield &t
        }
    }
    /// Whether optimizers update it (counted as trainable in a summary).
    public var trainable: Bool

    public init(name: String, value: Tensor, trainable: Bool = true) {
        self.name = name
        self.shape = value.shape
        self.storedValue = value
        self.storedGradient = .dense(Tensor(shape: value.shape))
        self.trainable = trainable
    }

    /// Replaces the value, checking the shape.
    /// - Throws: `RecurrentError.shapeMismatch` naming `layer` and this weight.
    public func assign(_ newValue: Tensor, layer: String) throws {
        guard newValue.shape == value.shape else {
            throw RecurrentError.shapeMismatch(
                where: "\(layer).\(name)", expected: "shape \(value.shape)", found: "shape \(newValue.shape)")
        }
        value = newValue
    }
}

/// One layer of a network: a forward function that caches what it needs, and a hand-written
/// backward function (the llm.c pattern), over tensors laid out as Keras lays them out.
///
/// Shapes below omit nothing: `input` includes the batch axis, e.g. `(batch, timesteps, features)`.
/// `build(inputShape:)` takes the shape *without* the batch axis, like Keras's `build` minus `None`.
///
/// Contract:
/// - `forward` validates its input (shape, finiteness, token ranges) and throws a
///   `RecurrentError` naming the layer; it keeps what `backward` needs.
/// - `backward(gradOutput)` must follow the `forward` whose output it differentiates; it
///   **overwrites** each parameter's `gradient` and returns dLoss/dInput (nil when
///   `needsInputGradient` is false or the input is not differentiable, e.g. token ids).
public protocol Layer: AnyObject {
    /// The layer's name, unique in its model (`lstm`, `lstm_1`, …), as Keras names it.
    var name: String { get set }
    /// The Keras class name, e.g. `LSTM`.
    var typeName: String { get }
    /// The configuration with Keras's `get_config()` keys and values (`name`, `units`,
    /// `return_sequences`, …): `LayerRegistry.make(typeName:config:)` rebuilds an equal, unbuilt
    /// layer from it. Weights are not part of it.
    var config: [String: JSONValue] { get }
    /// The weights, in Keras's `layer.weights` order.
    var parameters: [Parameter] { get }
    /// Whether `build` has run.
    var isBuilt: Bool { get }
    /// Creates the weights for an input of shape `inputShape` (without the batch axis).
    func build(inputShape: [Int], rng: inout RandomGenerator) throws
    /// The output shape (without batch) for an input shape (without batch).
    func outputShape(inputShape: [Int]) throws -> [Int]
    /// Computes the output for `input`; `mask` is `(batch, timesteps)` with 1 for real steps.
    func forward(_ input: Tensor, mask: Tensor?, training: Bool) throws -> Tensor
    /// The mask for the next layer (Keras `compute_mask`); default: passes `mask` through.
    func outputMask(input: Tensor, mask: Tensor?) -> Tensor?
    /// Backpropagates `gradOutput` (the shape of the last output); see the contract above.
    func backward(_ gradOutput: Tensor, needsInputGradient: Bool) throws -> Tensor?
    /// The layer's own random generators (dropout masks), in a fixed order, so that a checkpoint
    /// can save them and a resumed run draw the same masks; empty for deterministic layers.
    /// Setting an array of another count is ignored.
    var randomGenerators: [RandomGenerator] { get set }
}

extension Layer {
    public func outputMask(input: Tensor, mask: Tensor?) -> Tensor? { mask }

    public var randomGenerators: [RandomGenerator] {
        get { [] }
        set {}
    }

    /// Total number of weights (Keras `count_params`).
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Backpropagates and returns dLoss/dInput.
    public func backward(_ gradOutput: Tensor) throws -> Tensor? {
        try backward(gradOutput, needsInputGradient: true)
    }

    /// Looks a weight up by its Keras name.
    public func parameter(named name: String) -> Parameter? {
        parameters.first { $0.name == name }
    }
}

/// Shape checks shared by the layers: they throw errors that name the layer.
public enum Check {
    /// Throws unless `tensor.rank == rank`.
    public static func rank(_ tensor: Tensor, _ rank: Int, layer: String, meaning: String) throws {
        guard tensor.rank == rank else {
            throw RecurrentError.shapeMismatch(
                where: layer, expected: "a rank-\(rank) input \(meaning)", found: "shape \(tensor.shape)")
        }
    }

    /// Throws unless the last axis of `tensor` is `features`.
    public static func lastAxis(_ tensor: Tensor, _ features: Int, layer: String) throws {
        guard tensor.shape.last == features else {
            throw RecurrentError.shapeMismatch(
                where: layer, expected: "\(features) features on the last axis", found: "shape \(tensor.shape)")
        }
    }

    /// Throws `RecurrentError.nonFinite` at the first NaN or Inf.
    public static func finite(_ tensor: Tensor, layer: String) throws {
        if let i = tensor.firstNonFinite() {
            throw RecurrentError.nonFinite(where: layer, index: i, value: tensor.data[i])
        }
    }

    /// Throws unless `mask` is nil or `(batch, timesteps)` of `input`.
    public static func mask(_ mask: Tensor?, for input: Tensor, layer: String) throws {
        guard let mask else { return }
        guard input.rank >= 2, mask.shape == [input.shape[0], input.shape[1]] else {
            throw RecurrentError.shapeMismatch(
                where: layer, expected: "a mask of shape \(Array(input.shape.prefix(2)))",
                found: "shape \(mask.shape)")
        }
    }

    /// Throws unless a weight of `shape` can be allocated (no overflow, at most 2^31 elements).
    public static func weightShape(_ shape: [Int], layer: String) throws {
        guard let n = Tensor.elementCount(shape), n <= 1 << 31 else {
            throw RecurrentError.invalidConfiguration(
                where: layer, message: "a weight of shape \(shape) is too large to allocate (limit 2^31 elements)")
        }
    }

    /// Throws unless `layer` has been built.
    public static func built(_ layer: some Layer) throws {
        guard layer.isBuilt else { throw RecurrentError.notBuilt(layer: layer.name) }
    }
}
