/// A learning-rate schedule given by a closure of the step (0 for the first update), like a
/// Keras callable learning rate (which Keras calls without arguments; here it gets the step).
///
/// It cannot be saved: `config` is nil, an optimizer's config then has `learning_rate: null`,
/// and `makeOptimizer(typeName:config:)` rebuilds the optimizer with its default learning
/// rate; set `schedule` again after loading.
public struct LearningRateClosure: LearningRateSchedule {
    public let body: @Sendable (Int) -> Float

    public init(_ body: @escaping @Sendable (Int) -> Float) {
        self.body = body
    }

    public var typeName: String { "LearningRateClosure" }

    public func learningRate(atStep step: Int) -> Float { body(step) }

    public var config: [String: JSONValue]? { nil }
}
