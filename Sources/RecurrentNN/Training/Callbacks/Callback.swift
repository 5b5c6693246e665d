/// The values logged during training: `loss`, each metric by its name, and `val_…` for the
/// validation data (Keras `logs`), as Double.
public typealias Logs = [String: Double]

/// Hooks into `fit` (Keras `keras.callbacks.Callback`). Every method has an empty default, so
/// a callback implements only what it needs; a callback ends training by setting
/// `model.stopTraining = true`. Epoch and batch numbers start at 0, as in Keras.
///
/// Order of calls in `fit`: `onTrainBegin`; per epoch `onEpochBegin`, per batch
/// `onTrainBatchBegin` / `onTrainBatchEnd` (logs: the running means of the epoch so far), then
/// `onEpochEnd` (logs: the epoch's means, and `val_…` after validation); `onTrainEnd`. Callbacks
/// run in the order given, after the progress display and before the `History`.
/// A thrown error ends `fit` and is rethrown to its caller.
///
/// The weights a callback reads are current (see `Optimizer.synchronize`) in every hook but
/// the batch hooks of a callback whose `readsWeightsEachBatch` is false.
public protocol Callback: AnyObject {
    /// Whether `onTrainBatchBegin` / `onTrainBatchEnd` read the model's weights or optimizer
    /// state: `fit` then brings them up to date before each batch hook, which costs the work
    /// Adam saves by deferring Embedding rows (see `Adam`). Default true; the built-in
    /// callbacks, which do not read them there, say false.
    var readsWeightsEachBatch: Bool { get }
    func onTrainBegin(model: Sequential) throws
    func onTrainEnd(model: Sequential, logs: Logs) throws
    func onEpochBegin(model: Sequential, epoch: Int) throws
    func onEpochEnd(model: Sequential, epoch: Int, logs: inout Logs) throws
    func onTrainBatchBegin(model: Sequential, batch: Int) throws
    func onTrainBatchEnd(model: Sequential, batch: Int, logs: Logs) throws
}

extension Callback {
    public var readsWeightsEachBatch: Bool { true }
    public func onTrainBegin(model: Sequential) throws {}
    public func onTrainEnd(model: Sequential, logs: Logs) throws {}
    public func onEpochBegin(model: Sequential, epoch: Int) throws {}
    public func onEpochEnd(model: Sequential, epoch: Int, logs: inout Logs) throws {}
    public func onTrainBatchBegin(model: Sequential, batch: Int) throws {}
    public func onTrainBatchEnd(model: Sequential, batch: Int, logs: Logs) throws {}
}

/// Whether a monitored value should go down or up (Keras `mode`).
public enum MonitorMode: String, Sendable {
    /// `min` for losses, `max` for accuracy, precision and recall (Keras resolves `auto` from
    /// the metric's direction).
    case auto, min, max
}

/// Keras `MonitorCallback` (keras/src/callbacks/monitor_callback.py): compares a monitored
/// value with the best so far, with `minDelta` as the smallest change that counts.
struct Monitor: Sendable {
    let name: String
    let minDelta: Double
    let increasing: Bool

    /// - Throws: `invalidConfiguration` when `mode` is `auto` and the direction of `name`
    ///   cannot be told (Keras raises a ValueError then).
    init(name: String, mode: MonitorMode, minDelta: Double, metrics: [String]) throws {
        self.name = name
        self.minDelta = abs(minDelta)
        switch mode {
        case .min: increasing = false
        case .max: increasing = true
        case .auto:
            let base = name.hasPrefix("val_") ? String(name.dropFirst(4)) : name
            if base == "loss" { increasing = false }
            else if metrics.contains(base) || ["accuracy", "acc", "precision", "recall"].contains(base)
                        || base.hasSuffix("accuracy") {
                increasing = true
            } else {
                throw RecurrentError.invalidConfiguration(
                    where: "monitor \(name)",
                    message: "cannot tell whether \(name) should go up or down; pass mode .min or .max")
            }
        }
    }

    /// Keras `_is_improvement`: `current − minDelta < best` (min) or `current + minDelta > best` (max).
    func isImprovement(_ current: Double, over best: Double?) -> Bool {
        guard let best else { return true }
        return increasing ? current - minDelta > best : current + minDelta < best
    }
}
