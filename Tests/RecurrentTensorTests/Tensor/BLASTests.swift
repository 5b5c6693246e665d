import Testing
@testable import RecurrentTestSupport
import Recurrent

/// `BLAS.gemmParallel` splits a product across the cores; every row and column of C must still
/// be computed once, whatever the split. Checked against a Double reference within the float32
/// dot-product bound γ_k·Σ|aᵢbᵢ| (Higham, 2nd ed., §3.1).
struct BLASTests {
    struct Case: CustomStringConvertible, Sendable {
        var m, n, k: Int
        var transA = false, transB = false
        var description: String { "\(m)×\(n)×\(k) transA \(transA) transB \(transB)" }
    }

    static let cases: [Case] = [
        Case(m: 229, n: 512, k: 64, transA: true),  // a fused weight gradient: rows split unevenly by 16
        Case(m: 1920, n: 100, k: 48, transB: true),  // an input gradient
        Case(m: 20, n: 700, k: 300),  // few rows: split by columns
        Case(m: 33, n: 40, k: 1600, transA: true, transB: true),
    ]

    @Test(arguments: cases)
    func parallelProductMatchesTheExactProduct(_ c: Case) {
        var rng = RandomGenerator(seed: 11)
        let a = (0..<(c.m * c.k)).map { _ in rng.uniform() * 2 - 1 }
        let b = (0..<(c.k * c.n)).map { _ in rng.uniform() * 2 - 1 }
        var out = [Float](repeating: .nan, count: c.m * c.n)
        let lda = c.transA ? c.m : c.k, ldb = c.transB ? c.k : c.n
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                out.withUnsafeMutableBufferPointer { op in
                    BLAS.gemmParallel(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k,
                                      a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: ldb,
                                      c: op.baseAddress!, ldc: c.n)
                }
            }
        }
        let u = 1.0 / Double(1 << 24), gamma = Double(c.k) * u / (1 - Double(c.k) * u)
        var worst = 0.0
        for i in 0..<c.m {
            for j in 0..<c.n {
                var exact = 0.0, magnitude = 0.0
                for p in 0..<c.k {
                    let x = Double(c.transA ? a[p * lda + i] : a[i * lda + p])
                    let y = Double(c.transB ? b[j * ldb + p] : b[p * ldb + j])
                    exact += x * y
                    magnitude += abs(x * y)
                }
                worst = max(worst, abs(Double(out[i * c.n + j]) - exact) / (gamma * magnitude))
            }
        }
        // NaN (a row or column no part wrote) fails this too.
        #expect(worst <= 1, "largest error \(worst) × the bound")
    }
}
