/// Keras `EarlyStopping` (keras/src/callbacks/early_stopping.py): stops training when the
/// monitored value has not improved for `patience` epochs.
///
/// At each epoch end (from `startFromEpoch` on): `wait += 1`; an improvement (by more than
/// `minDelta`) records the best value, epoch and, with `restoreBestWeights`, the weights, and
/// resets `wait` unless a `baseline` is set and not beaten; otherwise, when `wait ≥ patience`
/// and the epoch is not the first, training stops. At the end of training the best weights are
/// restored when `restoreBestWeights` is set (Keras 3 restores them even when training ran to
/// its last epoch).
public final class EarlyStopping: Callback {
    /// Its batch hooks read no weights.
    public var readsWeightsEachBatch: Bool { false }
    public let monitor: String
    public let minDelta: Double
    public let patience: Int
    public let mode: MonitorMode
    public let baseline: Double?
    public let restoreBestWeights: Bool
    public let startFromEpoch: Int
    /// Prints "Epoch N: early stopping" and the restore message, as Keras with verbose 1.
    public let verbose: Bool

    /// The epoch (0-based) at which training was stopped, nil if it was not.
    public private(set) var stoppedEpoch: Int?
    /// The best monitored value and its epoch.
    public private(set) var best: Double?
    public private(set) var bestEpoch = 0
    private var wait = 0
    private var bestWeights: [Tensor]?
    private var monitorState: Monitor?
    private let output: @Sendable (String) -> Void

    /// Keras defaults: monitor `val_loss`, minDelta 0, patience 0, mode auto, no baseline, no
    /// restore, start from epoch 0.
    public init(monitor: String = "val_loss", minDelta: Double = 0, patience: Int = 0, mode: MonitorMode = .auto,
                baseline: Double? = nil, restoreBestWeights: Bool = false, startFromEpoch: Int = 0,
                verbose: Bool = false, output: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.monitor = monitor
        self.minDelta = minDelta
        self.patience = patience
        self.mode = mode
        self.baseline = baseline
        self.restoreBestWeights = restoreBestWeights
        self.startFromEpoch = startFromEpoch
        self.verbose = verbose
        self.output = output
    }

    public func onTrainBegin(model: Sequential) throws {
        wait = 0
        stoppedEpoch = nil
        best = nil
        bestWeights = nil
        bestEpoch = 0
        monitorState = try Monitor(name: monitor, mode: mode, minDelta: minDelta, metrics: model.compiled?.metrics ?? [])
    }

    public func onEpochEnd(model: Sequential, epoch: Int, logs: inout Logs) throws {
        guard let monitorState else { return }
        guard let current = logs[monitor] else {
            output("Early stopping conditioned on metric `\(monitor)` which is not available. Available metrics are: \(logs.keys.sorted().joined(separator: ","))")
            return
        }
        guard epoch >= startFromEpoch else { return }
        if restoreBestWeights && bestWeights == nil {
            bestWeights = model.parameters.map(\.value)
            bestEpoch = epoch
        }
        wait += 1
        if monitorState.isImprovement(current, over: best) {
            best = current
            bestEpoch = epoch
            if restoreBestWeights { bestWeights = model.parameters.map(\.value) }
            if baseline == nil || monitorState.isImprovement(current, over: baseline) { wait = 0 }
            return
        }
        if wait >= patience && epoch > 0 {
            stoppedEpoch = epoch
            model.stopTraining = true
        }
    }

    public func onTrainEnd(model: Sequential, logs: Logs) throws {
        if let stoppedEpoch, stoppedEpoch > 0, verbose { output("Epoch \(stoppedEpoch + 1): early stopping") }
        if restoreBestWeights, let bestWeights {
            if verbose { output("Restoring model weights from the end of the best epoch: \(bestEpoch + 1).") }
            for (p, w) in zip(model.parameters, bestWeights) { p.value = w }
        }
    }
}
