import Foundation
import Recurrent

/// Where an experiment validates.
enum Validation {
    /// The last fraction of the training data (Keras's `validation_split`).
    case split(Double)
    /// The test set (`validation_data=(X_test, y_test)`), as the lecture's Reuters and IMDB
    /// notebooks do: the best epoch is then chosen on the test set.
    case testSet
}

extension Validation: CustomStringConvertible {
    var description: String {
        switch self {
        case let .split(fraction): "the last \(percent(fraction)) of the training data"
        case .testSet: "the test set, as the lecture (the best epoch is chosen on it)"
        }
    }
}

/// `model.evaluate`, or `["loss": .nan]` when its weights are not finite (a layer then refuses
/// the activations of the one before with `nonFinite`), for `requireFinite` to report.
func evaluateOrNaN(_ model: Sequential, x: Tensor, y: Tensor, batchSize: Int = 32) throws -> [String: Double] {
    do { return try model.evaluate(x: x, y: y, batchSize: batchSize) } catch RecurrentError.nonFinite { return ["loss": .nan] }
}

/// Stops a run whose final model has a non-finite loss, before it publishes anything.
/// - Throws: `invalidValue` naming the experiment, the loss, the first epoch that logged a
///   non-finite value (or why training stopped) and the run folder, which is left as it was.
func requireFinite(_ loss: Double, of name: String, history: History, output: URL) throws {
    guard !loss.isFinite else { return }
    // The first epoch that logged a non-finite value (loss, val_loss, …).
    let diverged = history.history.compactMap { key, values in values.firstIndex { !$0.isFinite }.map { ($0, key, values[$0]) } }
        .min { ($0.0, $0.1) < ($1.0, $1.1) }
        .map { "\($0.1) became \($0.2) in epoch \($0.0 + 1)" }
    throw RecurrentError.invalidValue(
        where: "\(name) training", expected: "a model with a finite loss",
        found: "\(loss) (\(diverged ?? history.stopReason ?? "the weights are not finite")); nothing was written to \(output.path). A smaller learning rate or --clipnorm 1 may help")
}

/// Wall-clock seconds of `body`.
func timed<R>(_ body: () throws -> R) rethrows -> (R, Double) {
    let start = Date()
    let r = try body()
    return (r, Date().timeIntervalSince(start))
}

/// `value` formatted as a percentage with two decimals.
func percent(_ value: Double) -> String { String(format: "%.2f%%", 100 * value) }

/// Refuses `samples` sequences of `maxlen` steps whose float tensor would take more than a
/// quarter of `usableMemoryBytes()`: an `invalidConfiguration` error naming `maxlen (--maxlen)`,
/// since an allocation that fails is a crash, not an error. A coarse guard against sizes that
/// cannot work; a size that passes may still need more memory than there is once training
/// adds its activations.
func checkInputSize(samples: Int, maxlen: Int) throws {
    let bytes = 4 * Double(samples) * Double(maxlen)
    let memory = usableMemoryBytes()
    if bytes > memory / 4 {
        throw RecurrentError.invalidConfiguration(
            where: "maxlen (--maxlen)",
            message: "\(samples) sequences of \(maxlen) steps take \(gibibytes(bytes)) as floats, more than a quarter of the \(gibibytes(memory)) of memory; found maxlen \(maxlen)")
    }
}

/// `padSequences` for an experiment's inputs, after `checkInputSize`.
/// - Returns: `(sequences.count, maxlen)`, pre-padded and pre-truncated as Keras's defaults.
func paddedInputs(_ sequences: [[Int]], maxlen: Int) throws -> Tensor {
    try checkInputSize(samples: sequences.count, maxlen: maxlen)
    return try padSequences(sequences, maxlen: maxlen)
}
