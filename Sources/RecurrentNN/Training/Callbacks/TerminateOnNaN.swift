/// Keras `TerminateOnNaN` (keras/src/callbacks/terminate_on_nan.py): stops training after a
/// batch whose loss is NaN or infinite, printing "Batch N: Invalid loss, terminating training".
///
/// `fit` already stops on a non-finite loss by itself (and says at which epoch and step); this
/// callback is kept for Keras code that names it, and with `raiseError` makes `fit` throw.
public final class TerminateOnNaN: Callback {
    /// Its batch hooks read no weights.
    public var readsWeightsEachBatch: Bool { false }
    public let raiseError: Bool
    private let output: @Sendable (String) -> Void

    public init(raiseError: Bool = false, output: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.raiseError = raiseError
        self.output = output
    }

    public func onTrainBatchEnd(model: Sequential, batch: Int, logs: Logs) throws {
        guard let loss = logs["loss"], !loss.isFinite else { return }
        if raiseError {
            throw RecurrentError.invalidValue(where: "TerminateOnNaN", expected: "a finite loss",
                                              found: "\(loss) at batch \(batch)")
        }
        output("Batch \(batch): Invalid loss, terminating training")
        model.stopTraining = true
    }
}
