@_exported import RecurrentTensor

/// A trainable weight of a layer, with its gradient.
///
/// `name` is the Keras weight name (`kernel`, `recurrent_kernel`, `bias`, `embeddings`); the
/// value has the Keras shape, so weights can be copied to and from a Keras model one to one.
public final class Parameter: @unchecked Sendable {
    /// Keras weight name within its layer, e.g. `recurrent_kernel`.
    public let name: String
    /// The weight itself. Its shape is fixed at creation: assigning a tensor of another shape
    /// traps (use `assign(_:layer:)` for a checked, throwing assignment).
    public var value: Tensor {
        get {
            if deferred != nil { applyDeferredUpdates() }
            return storedValue
        }
        _modify {
            if deferred != nil { applyDeferredUpdates() }
            version &+= 1
            yield &storedValue
            precondition(storedValue.shape == shape, "Parameter \(name): shape \(storedValue.shape), expected \(shape)")
        }
    }
    private var storedValue: Tensor
    /// Updates an optimizer has deferred (see `DeferredRowUpdates`); any read or write of
    /// `value` applies them first, so no one outside the optimizer and the layer that owns the
    /// weight ever sees a weight that lags.
    var deferred: DeferredRowUpdates?
    /// The number of weights, without applying deferred updates.
    var count: Int { storedValue.count }
    /// Changes whenever `value` may have been written (an optimizer step, `assign`, a load), so
    /// that a cache derived from the weight (see `RecurrentLayer`'s token projection) knows it
    /// is stale.
    public private(set) var version = 0
    /// The Keras shape of the weight.
    public let shape: [Int]
    /// dLoss/dValue from the last `backward`, the same shape as `value` (another shape traps).
    public var gradient: Tensor {
        get { storedGradient }
        _modify {
            // A write the owning layer does not describe: the gradient is dense from now on,
            // and the per-occurrence squares no longer describe it.
            rowIsTouched = nil
            gradientSquares = nil
            yield &storedGradient
            precondition(storedGradient.shape == shape, "Parameter \(name): gradient shape \(storedGradient.shape), expected \(shape)")
        }
    }
    private var storedGradient: Tensor
    /// Whether optimizers update it (counted as trainable in a summary).
    public var trainable: Bool
    /// For a weight whose gradient Keras's TensorFlow backend keeps as `IndexedSlices` (the
    /// `Embedding` table): the sum, over the occurrences of each row in the batch, of each
    /// occurrence's squared gradient; nil for weights with dense gradients.
    ///
    /// Keras 3 optimizers compute `ops.square(gradient)` on the slices before they are summed
    /// into a dense tensor (keras/src/backend/tensorflow/sparse.py `elementwise_unary`, then
    /// `elementwise_binary_union` densifies), so Adam's and RMSprop's second moments see
    /// Σ g_occ² where a dense gradient gives (Σ g_occ)². Optimizers use this in place of the
    /// square of `gradient` to give Keras's numbers.
    public internal(set) var gradientSquares: Tensor?
    /// For a gradient that is sparse by rows (the `Embedding` table): one flag per row of the
    /// first axis, true for the rows the last `backward` wrote. Every other row of `gradient`
    /// and of `gradientSquares` is zero, so an optimizer need not read it (Keras still decays
    /// the slots of those rows and moves their weights; so does Recurrent). nil means dense.
    /// Any other write to `gradient` resets it and `gradientSquares` to nil (the optimizers
    /// then use g², as for a dense gradient), and the next `backward` rewrites every row.
    public internal(set) var rowIsTouched: [Bool]?

    public init(name: String, value: Tensor, trainable: Bool = true) {
        self.name = name
        self.shape = value.shape
        self.storedValue = value
        self.storedGradient = Tensor(shape: value.shape)
        self.trainable = trainable
    }

    /// Applies every deferred update (the weight and its optimizer slots become current).
    func applyDeferredUpdates() {
        guard let d = deferred else { return }
        deferred = nil
        d.apply(nil)
    }

    /// Brings the given rows up to date (a layer about to read only these rows).
    func applyDeferredUpdates(rows: UnsafeBufferPointer<Int32>) {
        deferred?.apply(rows)
    }

    /// The storage of `value` for writing, without applying deferred updates: for the optimizer
    /// that deferred them. Counts as a write for `version`.
    func withStorage<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        version &+= 1
        return try storedValue.withUnsafeMutableBufferPointer { try body($0) }
    }

    /// The storage of `value` for reading, without applying deferred updates: for a layer that
    /// brought the rows it reads up to date (`applyDeferredUpdates(rows:)`).
    func withStorageForReading<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try storedValue.withUnsafeBufferPointer(body)
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

/// Updates of some rows of a weight that an optimizer has put off (Adam on an Embedding table:
/// the rows a batch did not use), with the means to apply them: `apply(nil)` brings every row
/// up to date, `apply(rows)` only those. Applying them gives bit for bit the weights and slots
/// that updating every row at every step gives.
///
/// The optimizer is held weakly; it applies what is still pending when it is deinitialised,
/// and `fit` applies everything when it ends. Reading a weight with updates pending writes it,
/// so such reads must not run on several threads at once (after `fit`, nothing is pending).
final class DeferredRowUpdates {
    /// The optimizer that deferred the updates (weak: it applies what is pending when it goes).
    weak var owner: AnyObject?
    let apply: (_ rows: UnsafeBufferPointer<Int32>?) -> Void

    init(owner: AnyObject, apply: @escaping (_ rows: UnsafeBufferPointer<Int32>?) -> Void) {
        self.owner = owner
        self.apply = apply
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
