import Testing
@testable import RecurrentTestSupport
import Recurrent

/// `PackedMatrix`, the per-step product of the recurrent kernels, against a Double reference.
///
/// Bound: a float32 dot product of length k, summed in any order, is within γ_k·Σ|aᵢbᵢ| of the
/// exact value, γ_k = k·u/(1 − k·u) with u = 2⁻²⁴ (Higham, Accuracy and Stability of Numerical
/// Algorithms, 2nd ed., §3.1); beta·c adds at most two more roundings.
struct PackedMatrixTests {
    struct Case: CustomStringConvertible, Sendable {
        var m, k, n: Int
        var transposed = false
        var rows: Int? = nil
        var beta: Float = 0
        var description: String { "m \(m) k \(k) n \(n) transposed \(transposed) rows \(rows.map(String.init) ?? "all") beta \(beta)" }
    }

    static let cases: [Case] = [
        Case(m: 1, k: 1, n: 1),
        Case(m: 5, k: 7, n: 17),
        Case(m: 12, k: 16, n: 32),
        Case(m: 13, k: 33, n: 33, beta: 1),
        Case(m: 32, k: 128, n: 512, beta: 1),  // LSTM(128) forward, one core's half of batch 64
        Case(m: 37, k: 120, n: 480, beta: 1),  // LSTM(120) forward, odd row count
        Case(m: 32, k: 512, n: 128, transposed: true),  // LSTM(128) backward, dG·Rᵀ
        Case(m: 29, k: 360, n: 120, transposed: true, rows: 240),  // GRU without reset_after: 2 of 3 gates
        Case(m: 24, k: 100, n: 100, beta: 0.5),
        Case(m: 3, k: 31, n: 15, transposed: true, beta: 1),
    ]

    /// `(rows, cols)` row-major values in [−1, 1) with row stride `ld ≥ cols`.
    static func matrix(_ rows: Int, _ cols: Int, ld: Int, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        var out = [Float](repeating: .nan, count: max(1, rows * ld))
        for r in 0..<rows { for c in 0..<cols { out[r * ld + c] = rng.uniform() * 2 - 1 } }
        return out
    }

    /// Both paths: the packed kernel (where this CPU runs it) and the CBLAS fallback.
    @Test(arguments: cases, [true, false])
    func matchesTheExactProductWithinTheDotProductBound(_ c: Case, packedKernel: Bool) {
        let kk = c.rows ?? c.k
        let lda = kk + 3, ldc = c.n + 5, ldb = (c.transposed ? c.k : c.n) + 2
        let a = Self.matrix(c.m, kk, ld: lda, seed: 1)
        // The stored matrix: B (k, n), or Bᵀ (n, k) when transposed.
        let b = c.transposed ? Self.matrix(c.n, c.k, ld: ldb, seed: 2) : Self.matrix(c.k, c.n, ld: ldb, seed: 2)
        let c0 = Self.matrix(c.m, c.n, ld: ldc, seed: 3)
        var out = c0
        let packed = b.withUnsafeBufferPointer {
            PackedMatrix($0.baseAddress!, ldb: ldb, k: c.k, n: c.n, transposed: c.transposed, packedKernel: packedKernel)
        }
        a.withUnsafeBufferPointer { ap in
            out.withUnsafeMutableBufferPointer { op in
                packed.multiply(m: c.m, a: ap.baseAddress!, lda: lda, rows: c.rows, beta: c.beta, c: op.baseAddress!, ldc: ldc)
            }
        }
        let u = 1.0 / Double(1 << 24)
        let gamma = Double(kk + 2) * u / (1 - Double(kk + 2) * u)
        for i in 0..<c.m {
            for j in 0..<c.n {
                var exact = 0.0, magnitude = 0.0
                for p in 0..<kk {
                    let bv = Double(c.transposed ? b[j * ldb + p] : b[p * ldb + j])
                    exact += Double(a[i * lda + p]) * bv
                    magnitude += abs(Double(a[i * lda + p]) * bv)
                }
                if c.beta != 0 {
                    exact += Double(c.beta) * Double(c0[i * ldc + j])
                    magnitude += abs(Double(c.beta) * Double(c0[i * ldc + j]))
                }
                let got = Double(out[i * ldc + j])
                #expect(abs(got - exact) <= gamma * magnitude, "C[\(i), \(j)] = \(got), exact \(exact)")
            }
            // Columns past n (the padding of ldc) are left alone.
            for j in c.n..<ldc where i * ldc + j < out.count {
                #expect(out[i * ldc + j].bitPattern == c0[i * ldc + j].bitPattern, "C[\(i), \(j)] past n was written")
            }
        }
    }

    /// The packed kernel's promise (a CBLAS GEMM may block different row counts differently).
    @Test(.enabled(if: PackedMatrix.usesPackedKernel, "only the packed kernel sums each element in one fixed order"))
    func rowsOfAProductDoNotDependOnHowTheRowsAreSplit() {
        // The recurrent kernels split the batch across threads; a row's result must be the same.
        let m = 64, k = 128, n = 512
        let a = Self.matrix(m, k, ld: k, seed: 4), b = Self.matrix(k, n, ld: n, seed: 5)
        let packed = b.withUnsafeBufferPointer { PackedMatrix($0.baseAddress!, ldb: n, k: k, n: n) }
        var whole = [Float](repeating: 0, count: m * n), split = whole
        a.withUnsafeBufferPointer { ap in
            whole.withUnsafeMutableBufferPointer { packed.multiply(m: m, a: ap.baseAddress!, lda: k, c: $0.baseAddress!, ldc: n) }
            split.withUnsafeMutableBufferPointer { sp in
                for (lo, hi) in [(0, 5), (5, 32), (32, 64)] {
                    packed.multiply(m: hi - lo, a: ap.baseAddress! + lo * k, lda: k, c: sp.baseAddress! + lo * n, ldc: n)
                }
            }
        }
        #expect(whole.map(\.bitPattern) == split.map(\.bitPattern))
    }

    @Test func betaZeroIgnoresWhatCHeld() {
        // As in BLAS, beta = 0 overwrites C: NaN left in a reused buffer must not leak through.
        let a: [Float] = [1, 2], b: [Float] = [3, 4]
        var c: [Float] = [.nan]
        let packed = b.withUnsafeBufferPointer { PackedMatrix($0.baseAddress!, ldb: 1, k: 2, n: 1) }
        a.withUnsafeBufferPointer { ap in
            c.withUnsafeMutableBufferPointer { packed.multiply(m: 1, a: ap.baseAddress!, lda: 2, c: $0.baseAddress!, ldc: 1) }
        }
        #expect(c == [11])
    }
}
