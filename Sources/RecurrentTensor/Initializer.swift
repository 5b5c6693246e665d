/// Keras weight initialisers (keras/src/initializers/random_initializers.py and
/// constant_initializers.py), drawing from Recurrent's `RandomGenerator`.
///
/// Fans follow Keras's `compute_fans`: for a shape `(…, in, out)` with receptive field
/// `r = product of the leading axes`, `fanIn = r · in`, `fanOut = r · out`; a 1-D shape has
/// `fanIn = fanOut = shape[0]`. For a fused recurrent kernel `(in, 4·units)` the fan-out is
/// therefore `4·units`, as in Keras.
public enum Initializer: Sendable, Equatable {
    /// All zeros (Keras `zeros`).
    case zeros
    /// All ones (Keras `ones`).
    case ones
    /// A constant value.
    case constant(Float)
    /// Keras `glorot_uniform`: U(-l, l) with `l = sqrt(6 / (fanIn + fanOut))`.
    case glorotUniform
    /// Keras `he_uniform`: U(-l, l) with `l = sqrt(6 / fanIn)`.
    case heUniform
    /// Keras `orthogonal(gain)`: a normal matrix of shape `(prod(shape[:-1]), shape[-1])`, made
    /// orthonormal by QR (signs fixed by diag(R)), transposed first when it is wider than tall.
    case orthogonal(gain: Float)
    /// Keras `RandomUniform(minval, maxval)`; Embedding's default is (-0.05, 0.05).
    case randomUniform(min: Float, max: Float)

    /// Keras's `compute_fans` for a weight shape.
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        switch shape.count {
        case 0: return (1, 1)
        case 1: return (shape[0], shape[0])
        case 2: return (shape[0], shape[1])
        default:
            let receptive = shape.dropLast(2).reduce(1, *)
            return (shape[shape.count - 2] * receptive, shape[shape.count - 1] * receptive)
        }
    }

    /// A new tensor of `shape` drawn from this initialiser.
    public func make(_ shape: [Int], rng: inout RandomGenerator) -> Tensor {
        var t = Tensor(shape: shape)
        let n = t.count
        switch self {
        case .zeros: break
        case .ones: t.data = [Float](repeating: 1, count: n)
        case let .constant(v): t.data = [Float](repeating: v, count: n)
        case .glorotUniform:
            let (fi, fo) = Self.fans(shape)
            let limit = (6.0 / Float(max(1, fi + fo))).squareRoot()
            for i in 0..<n { t.data[i] = rng.uniform(-limit, limit) }
        case .heUniform:
            let (fi, _) = Self.fans(shape)
            let limit = (6.0 / Float(max(1, fi))).squareRoot()
            for i in 0..<n { t.data[i] = rng.uniform(-limit, limit) }
        case let .randomUniform(lo, hi):
            for i in 0..<n { t.data[i] = rng.uniform(lo, hi) }
        case let .orthogonal(gain):
            let cols = shape.last ?? 1
            let rows = n / max(1, cols)
            t.data = Self.orthogonalMatrix(rows: rows, cols: cols, gain: gain, rng: &rng)
        }
        return t
    }

    /// Row-major `(rows, cols)` matrix with orthonormal rows (rows ≤ cols) or columns (rows ≥ cols).
    static func orthogonalMatrix(rows: Int, cols: Int, gain: Float, rng: inout RandomGenerator) -> [Float] {
        // Work on a tall (m ≥ k) matrix; transpose back at the end, as Keras does.
        let transpose = rows < cols
        let m = transpose ? cols : rows, k = transpose ? rows : cols
        var a = [Double](repeating: 0, count: m * k)  // column-major: column j at a[j*m ..< (j+1)*m]
        for j in 0..<k { for i in 0..<m { a[j * m + i] = rng.normal() } }
        // Modified Gram–Schmidt: Q with R's diagonal positive, the same Q as Householder QR
        // followed by Keras's `q *= sign(diag(r))`.
        for j in 0..<k {
            for p in 0..<j {
                var dot = 0.0
                for i in 0..<m { dot += a[p * m + i] * a[j * m + i] }
                for i in 0..<m { a[j * m + i] -= dot * a[p * m + i] }
            }
            var norm = 0.0
            for i in 0..<m { norm += a[j * m + i] * a[j * m + i] }
            norm = norm.squareRoot()
            let inv = norm > 0 ? 1 / norm : 0
            for i in 0..<m { a[j * m + i] *= inv }
        }
        var out = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for c in 0..<cols {
                // Tall case: out[r, c] = Q[r, c]; wide case: out = Qᵀ, out[r, c] = Q[c, r].
                let q = transpose ? a[r * m + c] : a[c * m + r]
                out[r * cols + c] = Float(q) * gain
            }
        }
        return out
    }
}
