#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keras 3 `ExponentialDecay` (keras/src/optimizers/schedules/learning_rate_schedule.py):
///
///     p = step / decaySteps            (staircase: ⌊step / decaySteps⌋)
///     lr(step) = initialLearningRate · decayRateᵖ
///
/// computed in float32 as Keras (step, decay steps and rate cast to float32, `powf`). An
/// optimizer evaluates it at its `iterations` before each step, so the first update uses
/// `initialLearningRate`.
public struct ExponentialDecay: LearningRateSchedule, Equatable {
    public let initialLearningRate: Float
    /// > 0.
    public let decaySteps: Int
    public let decayRate: Float
    public let staircase: Bool
    /// Keras `name` (only reported in the config).
    public let name: String

    /// - Throws: `invalidConfiguration` when `decaySteps` ≤ 0 (as Keras) or the rate or the
    ///   initial learning rate is not finite.
    public init(initialLearningRate: Float, decaySteps: Int, decayRate: Float, staircase: Bool = false,
                name: String = "ExponentialDecay") throws {
        guard decaySteps > 0, initialLearningRate.isFinite, decayRate.isFinite else {
            throw RecurrentError.invalidConfiguration(
                where: "ExponentialDecay", message: "expected decaySteps > 0 and a finite initial learning rate and decay "
                    + "rate, found decaySteps \(decaySteps), initialLearningRate \(initialLearningRate), decayRate \(decayRate)")
        }
        self.initialLearningRate = initialLearningRate
        self.decaySteps = decaySteps
        self.decayRate = decayRate
        self.staircase = staircase
        self.name = name
    }

    /// Rebuilds one from Keras's `get_config()` (`initial_learning_rate`, `decay_steps`,
    /// `decay_rate`, `staircase`, `name`).
    /// - Throws: `invalidConfiguration` for a missing, mistyped or unknown key, or a bad value.
    public init(config: [String: JSONValue]) throws {
        var r = OptimizerConfigReader(config, owner: "ExponentialDecay")
        let lr = try r.float("initial_learning_rate")
        let steps = try r.int("decay_steps")
        let rate = try r.float("decay_rate")
        let staircase = try r.bool("staircase", ifMissing: false)
        let name = try r.string("name", ifMissing: "ExponentialDecay") ?? "ExponentialDecay"
        try r.finish()
        try self.init(initialLearningRate: lr, decaySteps: steps, decayRate: rate, staircase: staircase, name: name)
    }

    public var typeName: String { "ExponentialDecay" }

    public func learningRate(atStep step: Int) -> Float {
        var p = Float(step) / Float(decaySteps)
        if staircase { p.round(.down) }
        return initialLearningRate * powf(decayRate, p)
    }

    public var config: [String: JSONValue]? {
        ["initial_learning_rate": KerasNumber.json(initialLearningRate), "decay_steps": .number(Double(decaySteps)),
         "decay_rate": KerasNumber.json(decayRate), "staircase": .bool(staircase), "name": .string(name)]
    }
}
