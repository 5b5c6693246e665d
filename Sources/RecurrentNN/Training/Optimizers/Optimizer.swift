/// A gradient-descent optimizer with Keras 3's semantics (keras/src/optimizers/base_optimizer.py).
///
/// `step` applies one update to every trainable parameter from its `gradient`, in this order
/// (as Keras's `apply`): clip the gradients (`clipnorm`, `clipvalue` or `globalClipnorm`; at
/// most one may be set), apply weight decay (AdamW), then the optimizer's own update with the
/// learning rate of this step (`currentLearningRate`, read before `iterations` is incremented).
public protocol Optimizer: AnyObject {
    /// The Keras class name: `SGD`, `RMSprop`, `Adam`, `AdamW`.
    var typeName: String { get }
    /// The learning rate used when `schedule` is nil (`ReduceLROnPlateau` changes it).
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
    /// Applies one update; see the type's documentation.
    /// - Throws: `invalidConfiguration` for a bad hyper-parameter, before changing anything.
    func step(_ parameters: [Parameter]) throws
    /// The configuration, with Keras's `get_config` keys (`learning_rate`, `beta_1`, …).
    var config: [String: JSONValue] { get }
    /// The optimizer's per-parameter state (Keras slot variables, e.g. `momentum` and `velocity`
    /// for Adam), each the shape of the parameter; empty before the first step on it.
    func slots(of parameter: Parameter) -> [String: Tensor]
    /// Restores `iterations` and the per-parameter state saved by `slots(of:)`.
    /// - Throws: `shapeMismatch` or `invalidValue` when a slot does not fit its parameter.
    func restore(iterations: Int, slots: [(parameter: Parameter, slots: [String: Tensor])]) throws
}

extension Optimizer {
    /// The learning rate the next `step` uses: the schedule at `iterations`, else `learningRate`.
    public var currentLearningRate: Float { schedule.map { $0.learningRate(atStep: iterations) } ?? learningRate }
}

/// A learning rate that depends on the step (Keras `LearningRateSchedule`).
public protocol LearningRateSchedule: Sendable {
    /// The learning rate at `step` (0 for the first update).
    func learningRate(atStep step: Int) -> Float
    /// The Keras configuration, nil for a schedule that cannot be saved (a closure).
    var config: [String: JSONValue]? { get }
}
