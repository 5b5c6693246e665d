import Foundation

/// A Keras 3 training metric named by its Keras identifier: the accuracies
/// (keras/src/metrics/accuracy_metrics.py) and precision and recall
/// (keras/src/metrics/confusion_metrics.py). `MetricAccumulator` computes it over an epoch.
public struct Metric: Sendable, Equatable {
    /// What the metric computes on predictions (probabilities) `p` and targets `y`.
    public enum Kind: Sendable, Equatable {
        /// Fraction of elements with `(p > threshold) == y` (`BinaryAccuracy`; a sample of width
        /// k counts as the mean of its k matches).
        case binaryAccuracy(threshold: Float)
        /// Fraction of samples with `argmax(p) == argmax(y)`, one-hot `y` (`CategoricalAccuracy`).
        case categoricalAccuracy
        /// Fraction of samples with `argmax(p) == y`, class ids `y` (`SparseCategoricalAccuracy`).
        case sparseCategoricalAccuracy
        /// TP / (TP + FP) over all elements, positive prediction `p > threshold`, positive label
        /// `y ≠ 0` (`Precision`).
        case precision(threshold: Float)
        /// TP / (TP + FN) over all elements, as `precision` (`Recall`).
        case recall(threshold: Float)
    }

    /// The log key, as Keras names a metric given as a string: the identifier exactly as the user
    /// wrote it (`"accuracy"`, `"acc"`, `"precision"`, `"Precision"`, …).
    public let name: String
    public let kind: Kind

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    /// The identifiers `resolve` accepts besides `"accuracy"`/`"acc"`: Keras's snake-case and
    /// class names (keras/src/metrics/__init__.py `ALL_OBJECTS_DICT`), case-sensitive.
    static let identifiers: [(String, Kind)] = [
        ("binary_accuracy", .binaryAccuracy(threshold: 0.5)), ("BinaryAccuracy", .binaryAccuracy(threshold: 0.5)),
        ("categorical_accuracy", .categoricalAccuracy), ("CategoricalAccuracy", .categoricalAccuracy),
        ("sparse_categorical_accuracy", .sparseCategoricalAccuracy),
        ("SparseCategoricalAccuracy", .sparseCategoricalAccuracy),
        ("precision", .precision(threshold: 0.5)), ("Precision", .precision(threshold: 0.5)),
        ("recall", .recall(threshold: 0.5)), ("Recall", .recall(threshold: 0.5)),
    ]

    /// Resolves a Keras metric identifier as `model.compile(metrics: [...])` does
    /// (keras/src/trainers/compile_utils.py `get_metric`), with Keras's defaults (threshold 0.5).
    ///
    /// `"accuracy"` and `"acc"` (any letter case) become, from the shapes alone
    /// (`is_binary_or_sparse_categorical`): binary accuracy when the output's last axis is 1;
    /// otherwise sparse categorical accuracy when the targets have fewer axes than the output or
    /// a last axis of 1; otherwise categorical accuracy. So, as in Keras, `"accuracy"` on a
    /// multi-label output of width > 1 with binary cross-entropy is *categorical* accuracy
    /// (use `"binary_accuracy"`). The other identifiers: `"binary_accuracy"`,
    /// `"categorical_accuracy"`, `"sparse_categorical_accuracy"`, `"precision"`, `"recall"` and
    /// their class names (`"BinaryAccuracy"`, …, `"Precision"`, `"Recall"`).
    ///
    /// - Parameters:
    ///   - loss: the compiled loss. Keras 3 does not consult it (tf.keras 1 did); it is accepted
    ///     so that callers pass what `compile` has, and takes no part in the result.
    ///   - outputShape: the model output shape without the batch axis, e.g. `[1]` or `[k]`.
    ///   - targetShape: one target's shape without the batch axis: `[]` for `(N)` targets.
    /// - Returns: the metric, named by `identifier` exactly as given (the log key Keras uses).
    /// - Throws: `invalidConfiguration` for an unknown identifier (listing the valid ones) or an
    ///   output without a feature axis (`outputShape == []`).
    public static func resolve(_ identifier: String, loss: Loss, outputShape: [Int], targetShape: [Int]) throws -> Metric {
        if ["accuracy", "acc"].contains(identifier.lowercased()) {
            guard let outputLast = outputShape.last else {
                throw RecurrentError.invalidConfiguration(
                    where: "metric '\(identifier)'",
                    message: "needs a model output with a feature axis to choose binary, categorical or sparse categorical accuracy; found output shape \(kerasShapeString(outputShape))")
            }
            // Keras compares ranks with the batch axis; adding 1 to both changes nothing.
            let isBinary = outputLast == 1
            let isSparse = targetShape.count < outputShape.count || (targetShape.last == 1 && outputLast > 1)
            let kind: Kind = isBinary ? .binaryAccuracy(threshold: 0.5)
                : isSparse ? .sparseCategoricalAccuracy : .categoricalAccuracy
            return Metric(name: identifier, kind: kind)
        }
        guard let kind = identifiers.first(where: { $0.0 == identifier })?.1 else {
            throw RecurrentError.invalidConfiguration(
                where: "metrics",
                message: "unknown metric '\(identifier)'; valid names: 'accuracy', 'acc', "
                    + identifiers.map { "'\($0.0)'" }.joined(separator: ", "))
        }
        return Metric(name: identifier, kind: kind)
    }
}

/// Keras's stateful metric: `update` once per batch, `result` over everything seen since the
/// last `reset` (the epoch).
///
/// As in Keras, the state is float32: the accuracies keep `total` (the sum of per-sample
/// matches, a sample of width k contributing the mean of its k matches) and `count` (samples),
/// result `total / count` (keras/src/metrics/reduction_metrics.py `Mean`); precision keeps true
/// and false positives, recall true positives and false negatives
/// (keras/src/metrics/metrics_utils.py `update_confusion_matrix_variables`), result the ratio or
/// 0 when its denominator is 0 (`divide_no_nan`). Before any update every result is 0.
public struct MetricAccumulator: Sendable {
    public let metric: Metric
    /// Accuracies: Σ per-sample matches; precision and recall: true positives.
    private var total: Float = 0
    /// Accuracies: samples seen; precision: false positives; recall: false negatives.
    private var count: Float = 0

    public init(_ metric: Metric) {
        self.metric = metric
    }

    /// Adds one batch.
    ///
    /// Shapes: `output` `(batch, k)` predictions (probabilities; logits also work for the
    /// categorical accuracies, whose argmax is the same); `target` `(batch, k)`, or `(batch)` when
    /// k = 1, for binary accuracy, precision and recall; `(batch, k)` one-hot for categorical
    /// accuracy; `(batch)` or `(batch, 1)` class ids for sparse categorical accuracy (a target
    /// that is not an integer never matches, as in Keras).
    /// - Throws: `shapeMismatch` when the shapes do not fit.
    public mutating func update(output: Tensor, target: Tensor) throws {
        guard output.rank == 2, output.shape[1] > 0 else {
            throw RecurrentError.shapeMismatch(
                where: "metric '\(metric.name)'", expected: "predictions (batch, k)", found: "shape \(output.shape)")
        }
        let B = output.shape[0], k = output.shape[1]
        let targetFits: Bool
        switch metric.kind {
        case .categoricalAccuracy: targetFits = target.shape == output.shape
        case .sparseCategoricalAccuracy: targetFits = target.shape == [B] || target.shape == [B, 1]
        case .binaryAccuracy, .precision, .recall: targetFits = target.shape == output.shape || (k == 1 && target.shape == [B])
        }
        guard targetFits else {
            throw RecurrentError.shapeMismatch(
                where: "metric '\(metric.name)'", expected: Self.expectedTargets(metric.kind, B, k), found: "shape \(target.shape)")
        }
        let p = output.data, y = target.data
        switch metric.kind {
        case .binaryAccuracy(let threshold):
            var batchSum: Float = 0
            for b in 0..<B {
                var matches: Float = 0
                for j in 0..<k where Float(p[b * k + j] > threshold ? 1 : 0) == y[b * k + j] { matches += 1 }
                batchSum += matches / Float(k)
            }
            total += batchSum
            count += Float(B)
        case .categoricalAccuracy:
            var matches: Float = 0
            for b in 0..<B where Self.argmax(p, b, k) == Self.argmax(y, b, k) { matches += 1 }
            total += matches
            count += Float(B)
        case .sparseCategoricalAccuracy:
            var matches: Float = 0
            for b in 0..<B where Float(Self.argmax(p, b, k)) == y[b] { matches += 1 }
            total += matches
            count += Float(B)
        case .precision(let threshold), .recall(let threshold):
            var truePositives: Float = 0, other: Float = 0
            let isPrecision = if case .precision = metric.kind { true } else { false }
            for i in 0..<p.count {
                let predicted = p[i] > threshold, actual = y[i] != 0
                if predicted && actual { truePositives += 1 }
                else if isPrecision ? predicted : actual { other += 1 }
            }
            total += truePositives
            count += other
        }
    }

    /// The metric over every batch since the last `reset`.
    public var result: Float {
        switch metric.kind {
        case .binaryAccuracy, .categoricalAccuracy, .sparseCategoricalAccuracy:
            return count == 0 ? 0 : total / count
        case .precision, .recall:
            let denominator = total + count
            return denominator == 0 ? 0 : total / denominator
        }
    }

    /// Forgets every batch (Keras's `reset_state`, at the start of each epoch).
    public mutating func reset() {
        total = 0
        count = 0
    }

    /// The first index of the largest value of row `b` (TensorFlow's argmax takes the first on ties).
    private static func argmax(_ v: [Float], _ b: Int, _ k: Int) -> Int {
        var best = 0
        for j in 1..<k where v[b * k + j] > v[b * k + best] { best = j }
        return best
    }

    private static func expectedTargets(_ kind: Metric.Kind, _ B: Int, _ k: Int) -> String {
        switch kind {
        case .categoricalAccuracy: return "one-hot targets of shape [\(B), \(k)]"
        case .sparseCategoricalAccuracy: return "class ids of shape [\(B)] or [\(B), 1]"
        default: return "targets of shape [\(B), \(k)]" + (k == 1 ? " or [\(B)]" : "")
        }
    }
}
