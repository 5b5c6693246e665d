/// A gradient-descent optimizer with Keras 3's semantics (keras/src/optimizers/base_optimizer.py).
///
/// `step` applies one update to every trainable parameter from its `gradient`, in this order
/// (as Keras's `apply`): clip the gradients (`clipnorm`, `clipvalue` or `globalClipnorm`; at
/// most one may be set), apply weight decay (`w -= w · weightDecay · lr`, AdamW and any
/// optimizer given a `weightDecay`), then the optimizer's own update with the learning rate of
/// this step (`currentLearningRate`, read before `iterations` is incremented). Parameters'
/// gradients (`Parameter.typedGradient`: dense, or by rows for an Embedding table) are read,
/// never changed.
///
/// An optimizer may hold back the update of the rows a row gradient leaves at zero (Adam, see
/// its documentation): only in `step(_:synchronizing: false)`, which training loops call
/// between synchronizations; `synchronize(_:)` then applies it. `step(_:)`, `fit` and
/// `trainOnBatch` leave nothing pending, so reading `Parameter.value` is always current after them. `BaseOptimizer` implements all of this for `SGD`,
/// `RMSprop`, `Adam` and `AdamW`; `makeOptimizer` builds one from a Keras name or config.
public protocol Optimizer: AnyObject {
    /// The Keras class name: `SGD`, `RMSprop`, `Adam`, `AdamW`.
    var typeName: String { get }
    /// The learning rate used when `schedule` is nil (`ReduceLROnPlateau` changes it). Keras
    /// keeps it in a float32 variable, so a `Float` is exact.
    var learningRate: Float { get set }
    /// A learning-rate schedule, evaluated at `iterations` before each step.
    var schedule: (any LearningRateSchedule)? { get set }
    /// Number of steps taken (Keras `iterations`).
    var iterations: Int { get }
    /// Clip each gradient to this L2 norm (Keras `clipnorm`).
    var clipnorm: Float? { get set }
    /// Clip each gradient element to [−v, v] (Keras `clipvalue`).
    var clipvalue: Float? { get set }
    /// Clip all gradients together to this global L2 norm (Keras `global_clipnorm`).
    var globalClipnorm: Float? { get set }
    /// Keras `weight_decay`: before each update, `w ← w − w · weightDecay · lr` for every
    /// trainable weight, every row of an Embedding table included (decoupled weight decay,
    /// Loshchilov & Hutter 2019). Nil: none; `AdamW` requires one.
    var weightDecay: Float? { get set }
    /// Checks the hyper-parameters without changing anything (`compile` calls it, so a bad
    /// value is an error before training starts).
    /// - Throws: `invalidConfiguration` naming the optimizer and the value.
    func validate() throws
    /// Applies one update to the trainable parameters in `parameters` (the others are skipped);
    /// see the type's documentation. With no trainable parameter it does nothing and leaves
    /// `iterations` unchanged (Keras `apply` with no gradients).
    /// - Throws: `invalidConfiguration` for a bad hyper-parameter, more than one clipping option,
    ///   or a learning rate (of the schedule at this step) that is negative or not finite,
    ///   before changing anything.
    func step(_ parameters: [Parameter]) throws
    /// `step(_:)`; with `synchronizing` false the optimizer may hold back updates of rows that a
    /// row gradient leaves at zero until `synchronize` (a training loop's step: `fit`, between
    /// the synchronizations it makes before anything reads the weights).
    /// - Throws: as `step(_:)`.
    func step(_ parameters: [Parameter], synchronizing: Bool) throws
    /// Applies every update held back for `parameters` (their values and slots become current).
    func synchronize(_ parameters: [Parameter])
    /// Applies the updates held back for `rows` of `parameter` (a `RowReadingLayer` about to
    /// read only those rows); ids must be in `0..<parameter.shape[0]`.
    func synchronize(_ parameter: Parameter, rows: UnsafeBufferPointer<Int32>)
    /// The configuration, with Keras's `get_config` keys (`learning_rate`, `beta_1`, …).
    var config: [String: JSONValue] { get }
    /// The optimizer's per-parameter state (Keras slot variables, e.g. `momentum` and `velocity`
    /// for Adam), each the shape of the parameter; empty before the first step on it.
    func slots(of parameter: Parameter) -> [String: Tensor]
    /// Restores `iterations` and the per-parameter state saved by `slots(of:)` (an empty
    /// dictionary: no state yet for that parameter). State of parameters not listed is dropped.
    /// - Throws: `shapeMismatch` or `invalidValue` when a slot does not fit its parameter (a
    ///   missing or unknown slot name, a wrong shape) or `iterations` is negative, before
    ///   changing anything.
    func restore(iterations: Int, slots: [(parameter: Parameter, slots: [String: Tensor])]) throws
}

extension Optimizer {
    /// An optimizer that holds nothing back: `step(_:)`.
    public func step(_ parameters: [Parameter], synchronizing: Bool) throws { try step(parameters) }
    public func synchronize(_ parameters: [Parameter]) {}
    public func synchronize(_ parameter: Parameter, rows: UnsafeBufferPointer<Int32>) {}

    /// The learning rate the next `step` uses: the schedule at `iterations`, else `learningRate`.
    public var currentLearningRate: Float { schedule.map { $0.learningRate(atStep: iterations) } ?? learningRate }
}

/// A learning rate that depends on the step (Keras `LearningRateSchedule`).
public protocol LearningRateSchedule: Sendable {
    /// The Keras class name, e.g. `ExponentialDecay` (default: the Swift type's name).
    var typeName: String { get }
    /// The learning rate at `step` (0 for the first update).
    func learningRate(atStep step: Int) -> Float
    /// The Keras `get_config()`, nil for a schedule that cannot be saved (a closure). An
    /// optimizer's config holds it serialized as Keras does: `{"module":
    /// "keras.optimizers.schedules", "class_name": typeName, "config": config,
    /// "registered_name": null}` (see `makeLearningRateSchedule`).
    var config: [String: JSONValue]? { get }
}

extension LearningRateSchedule {
    public var typeName: String { String(describing: Self.self) }
}
