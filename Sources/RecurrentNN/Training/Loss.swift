import Foundation

/// Keras losses (keras/src/losses/losses.py, keras/src/backend/tensorflow/nn.py), each the mean
/// over the batch of a per-sample loss.
///
/// Probabilities are clipped to [ε, 1 − ε] with ε = 1e-7 (Keras `epsilon()`) when a loss is given
/// probabilities. `Sequential.trainOnBatch` instead computes cross-entropies from the logits of a
/// final sigmoid/softmax `Dense` (stable and unclipped), as Keras does on the TensorFlow backend.
public enum Loss: String, Sendable, CaseIterable {
    case binaryCrossentropy = "binary_crossentropy"
    case sparseCategoricalCrossentropy = "sparse_categorical_crossentropy"
    case meanSquaredError = "mean_squared_error"

    /// Keras's ε for clipping probabilities.
    public static let epsilon: Float = 1e-7

    /// Loss and dLoss/dInput, where input is `logits` of the final activation when `fromLogits`
    /// (sigmoid for binary, softmax for sparse categorical) or the predictions otherwise.
    ///
    /// - `binaryCrossentropy` from logits z: max(z, 0) − z·y + log(1 + e^−|z|), gradient σ(z) − y;
    ///   from probabilities p: −(y log p + (1 − y) log(1 − p)) with p clipped.
    /// - `sparseCategoricalCrossentropy` from logits: logsumexp(z) − z_y, gradient softmax(z) − onehot(y).
    /// - `meanSquaredError`: mean over the last axis of (p − y)².
    /// Shapes: `output` `(batch, k)`; `target` `(batch, k)` for binary and MSE, `(batch)` or
    /// `(batch, 1)` class ids for sparse categorical.
    /// - Throws: `shapeMismatch` or `invalidValue` (a class id outside [0, k)).
    public func evaluate(_ output: Tensor, target: Tensor, fromLogits: Bool) throws -> (loss: Float, gradient: Tensor) {
        let B = output.shape.first ?? 0
        guard B > 0, output.rank == 2 else {
            throw RecurrentError.shapeMismatch(where: rawValue, expected: "an output (batch, classes)", found: "shape \(output.shape)")
        }
        let k = output.shape[1]
        try Check.finite(target, layer: "\(rawValue) targets")
        var grad = Tensor(shape: output.shape)
        var total = 0.0
        switch self {
        case .binaryCrossentropy, .meanSquaredError:
            guard target.shape == output.shape || (k == 1 && target.shape == [B]) else {
                throw RecurrentError.shapeMismatch(where: rawValue, expected: "targets of shape \(output.shape)", found: "shape \(target.shape)")
            }
            let scale = 1 / Float(B * k)
            for i in 0..<output.count {
                let o = output.data[i], y = target.data[i]
                if self == .meanSquaredError {
                    let d = o - y
                    total += Double(d * d)
                    grad.data[i] = 2 * d * scale
                } else if fromLogits {
                    total += Double(max(o, 0) - o * y + log1p(exp(-abs(o))))
                    grad.data[i] = (1 / (1 + exp(-o)) - y) * scale
                } else {
                    let p = min(max(o, Self.epsilon), 1 - Self.epsilon)
                    total += -Double(y * log(p) + (1 - y) * log(1 - p))
                    grad.data[i] = (o > Self.epsilon && o < 1 - Self.epsilon) ? (p - y) / (p * (1 - p)) * scale : 0
                }
            }
            return (Float(total / Double(B * k)) , grad)
        case .sparseCategoricalCrossentropy:
            guard target.shape == [B] || target.shape == [B, 1] else {
                throw RecurrentError.shapeMismatch(where: rawValue, expected: "\(B) class ids", found: "shape \(target.shape)")
            }
            let scale = 1 / Float(B)
            for b in 0..<B {
                let yv = target.data[b]
                guard yv >= 0, yv < Float(k), yv == yv.rounded() else {
                    throw RecurrentError.invalidValue(where: rawValue, expected: "a class id in [0, \(k))", found: "\(yv) at sample \(b)")
                }
                let y = Int(yv)
                let row = Array(output.data[(b * k)..<((b + 1) * k)])
                if fromLogits {
                    let m = row.max()!
                    let sum = row.reduce(0.0) { $0 + exp(Double($1 - m)) }
                    total += Double(m) + log(sum) - Double(row[y])
                    for j in 0..<k { grad.data[b * k + j] = Float(exp(Double(row[j] - m)) / sum) * scale }
                    grad.data[b * k + y] -= scale
                } else {
                    let p = min(max(row[y], Self.epsilon), 1 - Self.epsilon)
                    total += -Double(log(p))
                    grad.data[b * k + y] = row[y] > Self.epsilon ? -1 / p * scale : 0
                }
            }
            return (Float(total / Double(B)), grad)
        }
    }
}
