import Foundation

/// Keras losses (keras/src/losses/losses.py on the TensorFlow backend,
/// keras/src/backend/tensorflow/nn.py), each with Keras's default reduction
/// `"sum_over_batch_size"`: a per-sample loss (binary cross-entropy, MSE and MAE take the mean over
/// the last axis first), then the mean over the batch.
///
/// **Probabilities or logits.** `evaluate(_:target:fromLogits:)` takes logits when `fromLogits`,
/// probabilities otherwise. Keras's TensorFlow backend switches to the logits by itself when the
/// predictions carry `_keras_logits` (the output of a Keras `sigmoid`/`softmax` activation) or come
/// from a `Sigmoid`/`Softmax` graph op (`_get_logits` in nn.py); `Sequential.trainOnBatch` does the
/// same for a final sigmoid/softmax `Dense`. On plain probabilities Keras clips with
/// ε = 1e-7 (`keras.backend.epsilon()`), as written for each case below; the clip passes the
/// gradient at the bounds ε and 1 − ε (TensorFlow's `Minimum`/`Maximum` gradients send ties to the
/// input) and none strictly outside. Keras 3 puts no ε inside the logarithms (tf.keras 2's
/// `log(p + ε)` is gone).
///
/// Arithmetic is in Double per element from the Float inputs (TensorFlow works in float32); the
/// clip bounds are the float32 values ε = 1.0000000117e-7 and 1 − ε = 0.99999988079, so the
/// results agree with Keras to float32 round-off.
public enum Loss: String, Sendable, CaseIterable {
    case binaryCrossentropy = "binary_crossentropy"
    case categoricalCrossentropy = "categorical_crossentropy"
    case sparseCategoricalCrossentropy = "sparse_categorical_crossentropy"
    case meanSquaredError = "mean_squared_error"
    case meanAbsoluteError = "mean_absolute_error"

    /// Keras's ε for clipping probabilities (`keras.backend.epsilon()`).
    public static let epsilon: Float = 1e-7

    // MARK: Keras identifiers

    /// The strings Keras's `losses.get` resolves to each loss (keras/src/losses/__init__.py):
    /// the function name, the class name, and the short aliases.
    static let identifiers: [(String, Loss)] = [
        ("binary_crossentropy", .binaryCrossentropy), ("BinaryCrossentropy", .binaryCrossentropy),
        ("bce", .binaryCrossentropy), ("BCE", .binaryCrossentropy),
        ("categorical_crossentropy", .categoricalCrossentropy), ("CategoricalCrossentropy", .categoricalCrossentropy),
        ("sparse_categorical_crossentropy", .sparseCategoricalCrossentropy),
        ("SparseCategoricalCrossentropy", .sparseCategoricalCrossentropy),
        ("mean_squared_error", .meanSquaredError), ("MeanSquaredError", .meanSquaredError),
        ("mse", .meanSquaredError), ("MSE", .meanSquaredError),
        ("mean_absolute_error", .meanAbsoluteError), ("MeanAbsoluteError", .meanAbsoluteError),
        ("mae", .meanAbsoluteError), ("MAE", .meanAbsoluteError),
    ]

    /// The loss a Keras identifier names, as `model.compile(loss: "...")` resolves it
    /// (case-sensitive, like Keras): `"binary_crossentropy"` (also `"bce"`),
    /// `"categorical_crossentropy"`, `"sparse_categorical_crossentropy"`, `"mean_squared_error"`
    /// (also `"mse"`), `"mean_absolute_error"` (also `"mae"`), and the class names
    /// (`"BinaryCrossentropy"`, …, `"BCE"`, `"MSE"`, `"MAE"`).
    /// Keras's shape-dependent `"crossentropy"`/`"ce"` is not accepted: it needs the data.
    /// - Throws: `invalidConfiguration` listing the valid names for anything else.
    public init(keras identifier: String) throws {
        guard let loss = Self.identifiers.first(where: { $0.0 == identifier })?.1 else {
            throw RecurrentError.invalidConfiguration(
                where: "loss",
                message: "unknown loss '\(identifier)'; valid names: "
                    + Self.identifiers.map { "'\($0.0)'" }.joined(separator: ", "))
        }
        self = loss
    }

    // MARK: Evaluation

    /// Loss (mean over the batch) and dLoss/dInput, where input is the `output` tensor: the
    /// logits of the final activation when `fromLogits` (sigmoid for binary, softmax for the
    /// categorical ones), the predictions otherwise. The gradient is the exact derivative of the
    /// value computed (0 where a probability was clipped). Formulas per sample (row) b, with
    /// N = batch, k = width, q = clip(p, ε, 1 − ε):
    ///
    /// - `binaryCrossentropy` (nn.py `binary_crossentropy`, then the mean over the last axis in
    ///   losses.py): from logits z, TensorFlow's `sigmoid_cross_entropy_with_logits`
    ///   max(z, 0) − z·y + log(1 + e^−|z|), gradient (σ(z) − y)/(N·k); from probabilities
    ///   −(y log q + (1 − y) log(1 − q)), gradient (−y/q + (1 − y)/(1 − q))/(N·k) where p ∈ [ε, 1 − ε].
    /// - `categoricalCrossentropy` (targets one-hot or soft, shape of the output): from logits,
    ///   `softmax_cross_entropy_with_logits` Σⱼ yⱼ·(logsumexp(z) − zⱼ), gradient
    ///   (softmax(z)·Σⱼyⱼ − y)/N (TensorFlow's kernel returns softmax − y: the same for rows of
    ///   y that sum to 1); from probabilities, Keras first normalises the row, p̂ = p / Σp, then
    ///   −Σⱼ yⱼ log clip(p̂ⱼ), gradient through both the clip and the normalisation.
    /// - `sparseCategoricalCrossentropy` (class ids): from logits logsumexp(z) − z_y, gradient
    ///   (softmax(z) − onehot(y))/N; from probabilities the TensorFlow backend takes log q and
    ///   applies the softmax cross-entropy to it, i.e. log Σⱼ qⱼ − log q_y (not just −log q_y:
    ///   rows that do not sum to 1 keep their normaliser), gradient (1/Σq − δⱼ_y/q_y)/N where
    ///   pⱼ ∈ [ε, 1 − ε].
    /// - `meanSquaredError`: mean over the last axis of (p − y)², gradient 2(p − y)/(N·k).
    /// - `meanAbsoluteError`: mean over the last axis of |p − y|, gradient sign(p − y)/(N·k)
    ///   (0 at p = y, TensorFlow's `Abs` gradient).
    ///
    /// An all-zero probability row in categorical cross-entropy divides 0 by 0 and gives NaN,
    /// as in Keras.
    ///
    /// Shapes: `output` `(batch, k)`; `target` `(batch, k)` like the output for binary,
    /// categorical, MSE and MAE (`(batch)` also accepted when k = 1, Keras's
    /// `squeeze_or_expand_to_same_rank`), `(batch)` or `(batch, 1)` class ids for sparse
    /// categorical.
    /// - Throws: `shapeMismatch`, `nonFinite` (a NaN or Inf target) or `invalidValue` (a class id
    ///   that is not an integer in [0, k)). `validate(outputShape:target:)` checks more before
    ///   training.
    public func evaluate(_ output: Tensor, target: Tensor, fromLogits: Bool) throws -> (loss: Float, gradient: Tensor) {
        let B = output.shape.first ?? 0
        guard B > 0, output.rank == 2, output.shape[1] > 0 else {
            throw RecurrentError.shapeMismatch(where: rawValue, expected: "an output (batch, classes)", found: "shape \(output.shape)")
        }
        let k = output.shape[1]
        try Check.finite(target, layer: "\(rawValue) targets")
        if self == .sparseCategoricalCrossentropy {
            guard target.shape == [B] || target.shape == [B, 1] else {
                throw RecurrentError.shapeMismatch(where: rawValue, expected: "\(B) class ids, shape [\(B)] or [\(B), 1]", found: "shape \(target.shape)")
            }
            for b in 0..<B {
                let id = target.data[b]
                guard id >= 0, id < Float(k), id == id.rounded() else {
                    throw RecurrentError.invalidValue(where: rawValue, expected: "a class id in [0, \(k))", found: "\(id) at sample \(b)")
                }
            }
        } else {
            guard target.shape == output.shape || (k == 1 && target.shape == [B]) else {
                throw RecurrentError.shapeMismatch(where: rawValue, expected: "targets of shape \(output.shape)", found: "shape \(target.shape)")
            }
        }
        var grad = Tensor(shape: output.shape)
        var total = 0.0
        output.withUnsafeBufferPointer { o in
            target.withUnsafeBufferPointer { t in
                grad.withUnsafeMutableBufferPointer { g in
                    for b in 0..<B {
                        let row = UnsafeBufferPointer(rebasing: o[(b * k)..<((b + 1) * k)])
                        let dRow = UnsafeMutableBufferPointer(rebasing: g[(b * k)..<((b + 1) * k)])
                        let sampleLoss: Double
                        switch self {
                        case .sparseCategoricalCrossentropy:
                            let y = Int(t[b])
                            sampleLoss = fromLogits
                                ? Self.sparseFromLogits(row, y, dRow, scale: 1 / Double(B))
                                : Self.sparseFromProbabilities(row, y, dRow, scale: 1 / Double(B))
                        case .categoricalCrossentropy:
                            let y = UnsafeBufferPointer(rebasing: t[(b * k)..<((b + 1) * k)])
                            sampleLoss = fromLogits
                                ? Self.categoricalFromLogits(row, y, dRow, scale: 1 / Double(B))
                                : Self.categoricalFromProbabilities(row, y, dRow, scale: 1 / Double(B))
                        case .binaryCrossentropy, .meanSquaredError, .meanAbsoluteError:
                            // Mean over the last axis, then over the batch.
                            let scale = 1 / Double(B * k)
                            var sum = 0.0
                            for j in 0..<k {
                                let (l, d) = elementwise(Double(row[j]), Double(t[b * k + j]), fromLogits: fromLogits)
                                sum += l
                                dRow[j] = Float(d * scale)
                            }
                            sampleLoss = sum / Double(k)
                        }
                        total += sampleLoss
                    }
                }
            }
        }
        return (Float(total / Double(B)), grad)
    }

    /// The float32 clip bounds of Keras: ε and 1 − ε rounded to float32 (0.99999988).
    static let lower = Double(epsilon), upper = Double(1 - epsilon)

    /// clip(p, ε, 1 − ε) and whether the clip passes the gradient (p ∈ [ε, 1 − ε], ends included).
    @inline(__always)
    static func clip(_ p: Double) -> (q: Double, passes: Bool) {
        (min(max(p, lower), upper), p >= lower && p <= upper)
    }

    /// σ(z) without overflow.
    @inline(__always)
    static func sigmoid(_ z: Double) -> Double {
        z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
    }

    /// One element of binary cross-entropy, MSE or MAE: (loss, dLoss/dInput), before any mean.
    @inline(__always)
    func elementwise(_ o: Double, _ y: Double, fromLogits: Bool) -> (Double, Double) {
        switch self {
        case .meanSquaredError:
            return ((o - y) * (o - y), 2 * (o - y))
        case .meanAbsoluteError:
            return (abs(o - y), o > y ? 1 : (o < y ? -1 : 0))
        default:
            if fromLogits {
                return (max(o, 0) - o * y + log1p(exp(-abs(o))), Self.sigmoid(o) - y)
            }
            let (q, passes) = Self.clip(o)
            return (-(y * log(q) + (1 - y) * log(1 - q)), passes ? -y / q + (1 - y) / (1 - q) : 0)
        }
    }

    /// logsumexp(z) − z_y; writes (softmax(z) − onehot(y))·scale.
    static func sparseFromLogits(_ z: UnsafeBufferPointer<Float>, _ y: Int, _ d: UnsafeMutableBufferPointer<Float>,
                                 scale: Double) -> Double {
        let m = Double(z.max()!)
        var sum = 0.0
        for v in z { sum += exp(Double(v) - m) }
        for j in z.indices { d[j] = Float(exp(Double(z[j]) - m) / sum * scale) }
        d[y] = Float((exp(Double(z[y]) - m) / sum - 1) * scale)
        return m + log(sum) - Double(z[y])
    }

    /// log Σq − log q_y with q = clip(p); writes (1/Σq − δ_y/q_y)·scale where the clip passes.
    static func sparseFromProbabilities(_ p: UnsafeBufferPointer<Float>, _ y: Int, _ d: UnsafeMutableBufferPointer<Float>,
                                        scale: Double) -> Double {
        var s = 0.0
        for v in p { s += clip(Double(v)).q }
        let qy = clip(Double(p[y])).q
        for j in p.indices {
            let passes = clip(Double(p[j])).passes
            d[j] = passes ? Float((1 / s - (j == y ? 1 / qy : 0)) * scale) : 0
        }
        return log(s) - log(qy)
    }

    /// Σⱼ yⱼ (logsumexp(z) − zⱼ); writes (softmax(z)·Σy − y)·scale.
    static func categoricalFromLogits(_ z: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>,
                                      _ d: UnsafeMutableBufferPointer<Float>, scale: Double) -> Double {
        let m = Double(z.max()!)
        var sum = 0.0
        for v in z { sum += exp(Double(v) - m) }
        let lse = m + log(sum)
        var ySum = 0.0, loss = 0.0
        for j in z.indices {
            ySum += Double(y[j])
            loss += Double(y[j]) * (lse - Double(z[j]))
        }
        for j in z.indices { d[j] = Float((exp(Double(z[j]) - m) / sum * ySum - Double(y[j])) * scale) }
        return loss
    }

    /// −Σⱼ yⱼ log clip(p̂ⱼ) with p̂ = p / Σp; writes the gradient through the clip and the
    /// normalisation: with gⱼ = −yⱼ/q̂ⱼ where the clip passes (else 0), dL/dpᵢ = (gᵢ − Σⱼ gⱼp̂ⱼ)/Σp.
    static func categoricalFromProbabilities(_ p: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>,
                                             _ d: UnsafeMutableBufferPointer<Float>, scale: Double) -> Double {
        var s = 0.0
        for v in p { s += Double(v) }
        func term(_ j: Int) -> (loss: Double, g: Double, pHat: Double) {
            let pHat = Double(p[j]) / s, yj = Double(y[j])
            let (q, passes) = clip(pHat)
            return (-yj * log(q), passes ? -yj / q : 0, pHat)
        }
        var loss = 0.0, gDotP = 0.0
        for j in p.indices {
            let t = term(j)
            loss += t.loss
            gDotP += t.g * t.pHat
        }
        for j in p.indices { d[j] = Float((term(j).g - gDotP) / s * scale) }
        return loss
    }
}

// MARK: - Validation before training

extension Loss {
    /// Checks, before training, that this loss fits a model output and a dataset's targets, and
    /// throws a message that says what to change when it does not.
    ///
    /// - Parameters:
    ///   - outputShape: the model's output shape without the batch axis; must be `[k]`.
    ///   - target: every target of the dataset, batch axis first: `(N, k)` for binary (`(N)` also
    ///     when k = 1), categorical, MSE and MAE; `(N)` or `(N, 1)` class ids for sparse
    ///     categorical.
    /// - Throws:
    ///   - `shapeMismatch` for an output that is not one vector per sample or targets of the
    ///     wrong shape (naming the expected shape and, where it helps, the loss that would fit);
    ///   - `invalidConfiguration` for a categorical or sparse categorical cross-entropy on an
    ///     output of width 1 (it needs a softmax over ≥ 2 classes);
    ///   - `nonFinite` for a NaN or Inf target (naming the sample);
    ///   - `invalidValue` naming the sample for: binary cross-entropy targets outside [0, 1];
    ///     categorical targets outside [0, 1] or rows that do not sum to 1 (one-hot or
    ///     label-smoothed rows do, up to float32 round-off, 1e-4); sparse class ids that are not
    ///     integers in [0, k).
    public func validate(outputShape: [Int], target: Tensor) throws {
        guard outputShape.count == 1, let k = outputShape.first, k > 0 else {
            throw RecurrentError.shapeMismatch(
                where: rawValue, expected: "a model output of shape (batch, k), one vector per sample",
                found: "output shape \(kerasShapeString(outputShape))")
        }
        guard let n = target.shape.first else {
            throw RecurrentError.shapeMismatch(where: rawValue, expected: "targets with a batch axis first", found: "a scalar")
        }
        let perSample = n == 0 ? 1 : target.count / n
        if let i = target.firstNonFinite() {
            throw RecurrentError.nonFinite(where: "\(rawValue) targets (sample \(i / perSample))", index: i, value: target.data[i])
        }
        let targetShape = "targets of shape \(kerasShapeString(Array(target.shape.dropFirst())))"
        switch self {
        case .sparseCategoricalCrossentropy:
            guard k >= 2 else {
                throw RecurrentError.invalidConfiguration(
                    where: rawValue,
                    message: "sparse_categorical_crossentropy needs a softmax output with ≥ 2 classes and integer class ids; "
                        + "found output width 1 (for two classes use binary_crossentropy with a sigmoid output of width 1)")
            }
            guard target.shape == [n] || target.shape == [n, 1] else {
                let hint = target.shape == [n, k] ? " (one-hot targets: use categorical_crossentropy)" : ""
                throw RecurrentError.shapeMismatch(
                    where: rawValue, expected: "class ids of shape (N,) or (N, 1)", found: targetShape + hint)
            }
            for i in 0..<n {
                let id = target.data[i]
                guard id >= 0, id < Float(k), id == id.rounded() else {
                    throw RecurrentError.invalidValue(
                        where: rawValue, expected: "integer class ids in [0, \(k)) for an output of width \(k)",
                        found: "\(id) at sample \(i)")
                }
            }
        case .categoricalCrossentropy:
            guard k >= 2 else {
                throw RecurrentError.invalidConfiguration(
                    where: rawValue,
                    message: "categorical_crossentropy needs a softmax output with ≥ 2 classes and one-hot targets; "
                        + "found output width 1 (for two classes use binary_crossentropy with a sigmoid output of width 1)")
            }
            guard target.shape == [n, k] else {
                let hint = target.shape == [n] || target.shape == [n, 1]
                    ? " (class ids: use sparse_categorical_crossentropy, or one-hot encode them)" : ""
                throw RecurrentError.shapeMismatch(
                    where: rawValue, expected: "one-hot targets of shape (N, \(k)) like the output", found: targetShape + hint)
            }
            for i in 0..<n {
                var sum: Float = 0
                for j in 0..<k {
                    let v = target.data[i * k + j]
                    guard v >= 0, v <= 1 else {
                        throw RecurrentError.invalidValue(
                            where: rawValue, expected: "one-hot targets with values in [0, 1]", found: "\(v) at sample \(i), class \(j)")
                    }
                    sum += v
                }
                guard abs(sum - 1) <= 1e-4 else {
                    throw RecurrentError.invalidValue(
                        where: rawValue, expected: "one-hot (or label-smoothed) target rows that sum to 1",
                        found: "a row summing to \(sum) at sample \(i)")
                }
            }
        case .binaryCrossentropy, .meanSquaredError, .meanAbsoluteError:
            guard target.shape == [n, k] || (k == 1 && target.shape == [n]) else {
                let hint = self == .binaryCrossentropy && k > 1 && (target.shape == [n] || target.shape == [n, 1])
                    ? " (class ids for an output of width \(k): use sparse_categorical_crossentropy)" : ""
                throw RecurrentError.shapeMismatch(
                    where: rawValue, expected: "targets of shape (N, \(k)) like the output" + (k == 1 ? " or (N,)" : ""),
                    found: targetShape + hint)
            }
            if self == .binaryCrossentropy, let i = target.data.firstIndex(where: { $0 < 0 || $0 > 1 }) {
                throw RecurrentError.invalidValue(
                    where: rawValue, expected: "targets in [0, 1] (probabilities of the positive class)",
                    found: "\(target.data[i]) at sample \(i / perSample)")
            }
        }
    }
}
