/// The record of `fit` (Keras `History`): for every logged name, one value per epoch.
public final class History: Callback {
    /// Its batch hooks read no weights.
    public var readsWeightsEachBatch: Bool { false }
    /// The epochs run (0-based, as Keras's `history.epoch`).
    public private(set) var epochs: [Int] = []
    /// `loss`, the metrics and their `val_` versions, one value per epoch in `epochs`.
    public private(set) var history: [String: [Double]] = [:]
    /// Why training ended before its last epoch (a non-finite loss, a callback), nil otherwise.
    public internal(set) var stopReason: String?

    public init() {}

    public func onEpochEnd(model: Sequential, epoch: Int, logs: inout Logs) throws {
        epochs.append(epoch)
        for (k, v) in logs { history[k, default: []].append(v) }
    }

    /// Continues a resumed run's record.
    public func prepend(epochs previous: [Int], history previousHistory: [String: [Double]]) {
        epochs = previous + epochs
        for (k, v) in previousHistory { history[k] = v + (history[k] ?? []) }
    }
}
