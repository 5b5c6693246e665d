import CKernels

/// Keras activations (keras/src/activations/activations.py), applied in place, with derivatives
/// written in terms of the activation's *output* `y` so that backward needs only what forward kept.
///
/// - `linear`: y = x
/// - `relu`: y = max(x, 0); dy/dx = 1 where y > 0 (0 at x = 0, as TensorFlow's ReluGrad)
/// - `tanh`: dy/dx = 1 − y²
/// - `sigmoid`: y = 1 / (1 + e^−x); dy/dx = y(1 − y)
/// - `hardSigmoid`: Keras 3 formula y = relu6(x + 3) / 6 = clip(x/6 + 0.5, 0, 1); dy/dx = 1/6
///   where 0 < y < 1 (Keras 2 used 0.2x + 0.5; Keras 3 changed it)
/// - `softmax`: over the last axis, y_i = e^(x_i − max x) / Σ_j e^(x_j − max x);
///   dx_i = y_i (dy_i − Σ_j dy_j y_j)
public enum Activation: String, Sendable, CaseIterable, Codable {
    case linear
    case relu
    case tanh
    case sigmoid
    case hardSigmoid = "hard_sigmoid"
    case softmax

    /// Parses a Keras activation name (`"tanh"`, `"hard_sigmoid"`, `None`/`"linear"`, …).
    /// - Throws: `RecurrentError.invalidConfiguration` listing the valid names.
    public init(keras name: String) throws {
        let key = name.lowercased()
        if key == "none" || key.isEmpty { self = .linear; return }
        if key == "hardsigmoid" { self = .hardSigmoid; return }
        guard let a = Activation(rawValue: key) else {
            throw RecurrentError.invalidConfiguration(
                where: "Activation", message: "unknown activation '\(name)'; valid: "
                    + Activation.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self = a
    }

    /// Whether the activation acts elementwise (everything but softmax).
    public var isElementwise: Bool { self != .softmax }

    /// Applies the activation in place to `count` floats at `p`; softmax works on rows of
    /// `rowLength` contiguous floats (`count` must be a multiple of it).
    @inlinable
    public func apply(_ p: UnsafeMutablePointer<Float>, count: Int, rowLength: Int) {
        typealias V = VectorMath.V
        switch self {
        case .linear: return
        case .relu: VectorMath.map(p, count) { $0.replacing(with: 0, where: $0 .< 0) }
        case .tanh: rc_tanh(p, count)
        case .sigmoid: rc_sigmoid(p, count)
        case .hardSigmoid:
            VectorMath.map(p, count) {
                ($0 * V(repeating: 1.0 / 6.0) + V(repeating: 0.5))
                    .clamped(lowerBound: V(repeating: 0), upperBound: V(repeating: 1))
            }
        case .softmax:
            var r = 0
            while r < count {
                let row = p + r
                var m = -Float.infinity
                for j in 0..<rowLength { m = max(m, row[j]) }
                for j in 0..<rowLength { row[j] -= m }
                rc_exp(row, rowLength)
                var s: Float = 0
                for j in 0..<rowLength { s += row[j] }
                let inv = 1 / s
                for j in 0..<rowLength { row[j] *= inv }
                r += rowLength
            }
        }
    }

    /// Turns `grad` (dLoss/dy) into dLoss/dx in place, given the outputs `y`.
    @inlinable
    public func backward(grad: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>, count: Int, rowLength: Int) {
        switch self {
        case .linear: return
        case .relu: for i in 0..<count where y[i] <= 0 { grad[i] = 0 }
        case .tanh: for i in 0..<count { grad[i] *= 1 - y[i] * y[i] }
        case .sigmoid: for i in 0..<count { grad[i] *= y[i] * (1 - y[i]) }
        case .hardSigmoid:
            for i in 0..<count { grad[i] = (y[i] > 0 && y[i] < 1) ? grad[i] / 6 : 0 }
        case .softmax:
            var r = 0
            while r < count {
                var dot: Float = 0
                for j in 0..<rowLength { dot += grad[r + j] * y[r + j] }
                for j in 0..<rowLength { grad[r + j] = y[r + j] * (grad[r + j] - dot) }
                r += rowLength
            }
        }
    }

    /// The derivative dy/dx from the output y (elementwise activations only).
    @inlinable @inline(__always)
    public func derivative(output y: Float) -> Float {
        switch self {
        case .linear: return 1
        case .relu: return y > 0 ? 1 : 0
        case .tanh: return 1 - y * y
        case .sigmoid: return y * (1 - y)
        case .hardSigmoid: return (y > 0 && y < 1) ? 1.0 / 6.0 : 0
        case .softmax: return 1
        }
    }
}
