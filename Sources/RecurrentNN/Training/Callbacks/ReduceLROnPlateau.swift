/// Keras `ReduceLROnPlateau` (keras/src/callbacks/reduce_lr_on_plateau.py): multiplies the
/// optimizer's learning rate by `factor` (not below `minLearningRate`) when the monitored value
/// has not improved by more than `minDelta` for `patience` epochs, then waits `cooldown` epochs.
/// It logs the learning rate as `learning_rate`, as Keras does.
public final class ReduceLROnPlateau: Callback {
    /// Its batch hooks read no weights.
    public var readsWeightsEachBatch: Bool { false }
    public let monitor: String
    public let factor: Double
    public let patience: Int
    public let mode: MonitorMode
    public let minDelta: Double
    public let cooldown: Int
    public let minLearningRate: Double
    public let verbose: Bool

    private var best: Double?
    private var wait = 0
    private var cooldownCounter = 0
    private var monitorState: Monitor?
    private let output: @Sendable (String) -> Void

    /// Keras defaults: monitor `val_loss`, factor 0.1, patience 10, mode auto, minDelta 1e-4,
    /// cooldown 0, minimum learning rate 0.
    /// - Throws: `invalidConfiguration` for `factor ≥ 1` (as Keras).
    public init(monitor: String = "val_loss", factor: Double = 0.1, patience: Int = 10, mode: MonitorMode = .auto,
                minDelta: Double = 1e-4, cooldown: Int = 0, minLearningRate: Double = 0, verbose: Bool = false,
                output: @escaping @Sendable (String) -> Void = { print($0) }) throws {
        guard factor < 1 else {
            throw RecurrentError.invalidConfiguration(
                where: "ReduceLROnPlateau", message: "the factor must be < 1, found \(factor)")
        }
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.mode = mode
        self.minDelta = minDelta
        self.cooldown = cooldown
        self.minLearningRate = minLearningRate
        self.verbose = verbose
        self.output = output
    }

    public func onTrainBegin(model: Sequential) throws {
        best = nil
        wait = 0
        cooldownCounter = 0
        monitorState = try Monitor(name: monitor, mode: mode, minDelta: minDelta, metrics: model.compiled?.metrics ?? [])
        if let optimizer = model.compiled?.optimizer, optimizer.schedule != nil {
            // Keras raises a TypeError: a schedule's learning rate is not settable.
            throw RecurrentError.invalidConfiguration(
                where: "ReduceLROnPlateau", message: "the optimizer's learning rate comes from a schedule and cannot be reduced; remove the schedule or the callback")
        }
    }

    public func onEpochEnd(model: Sequential, epoch: Int, logs: inout Logs) throws {
        guard let optimizer = model.compiled?.optimizer, let monitorState else { return }
        logs["learning_rate"] = Double(optimizer.learningRate)
        guard let current = logs[monitor] else {
            output("Learning rate reduction is conditioned on metric `\(monitor)` which is not available. Available metrics are: \(logs.keys.sorted().joined(separator: ",")).")
            return
        }
        if cooldownCounter > 0 {
            cooldownCounter -= 1
            wait = 0
        }
        if monitorState.isImprovement(current, over: best) {
            best = current
            wait = 0
        } else if cooldownCounter == 0 {
            wait += 1
            if wait >= patience {
                let old = Double(optimizer.learningRate)
                if old > Double(Float(minLearningRate)) {
                    let new = max(old * factor, minLearningRate)
                    optimizer.learningRate = Float(new)
                    if verbose { output("\nEpoch \(epoch + 1): ReduceLROnPlateau reducing learning rate to \(new).") }
                    cooldownCounter = cooldown
                    wait = 0
                }
            }
        }
    }
}
