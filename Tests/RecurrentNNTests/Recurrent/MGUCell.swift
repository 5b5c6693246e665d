@testable import RecurrentTestSupport
import Foundation
import Recurrent

/// A test-only cell, the minimal gated unit (Zhou et al. 2016, "Minimal gated unit for recurrent
/// neural networks"), gates f, h:
/// f = σ(x·K_f + h₋₁·R_f + b_f), h̃ = tanh(x·K_h + (f ⊙ h₋₁)·R_h + b_h), h = (1 − f) ⊙ h₋₁ + f ⊙ h̃.
///
/// It goes through `RecurrentLayer`'s driver exactly as the library's cells do, with no edit to
/// it: the driver's recurrent product covers f (`recurrentGates` 1, the packed kernel), and
/// `(f ⊙ h₋₁)·R_h` is the cell's own aux product (`auxProductGate` 1), as GRU with
/// `reset_after = false` does for r ⊙ h₋₁.
struct MGUCell: RecurrentCell {
    let typeName = "MGU"
    let units: Int
    var activation: Activation { .tanh }
    var recurrentActivation: Activation { .sigmoid }
    var useBias: Bool { true }
    var gateCount: Int { 2 }
    var stateCount: Int { 1 }
    var recurrentGates: Int { 1 }
    var usesAux: Bool { true }
    var hasDirectPath: Bool { true }
    var auxProductGate: Int? { 1 }
    func makeBias() -> Tensor { Tensor(shape: [2 * units]) }
    var config: [String: JSONValue] { [:] }

    /// f, then aux = f ⊙ h₋₁ (times the h-block's recurrent dropout mask).
    func prepareAuxProduct(_ row: CellRow) {
        let U = units, g = row.gates, a = row.aux!
        for u in 0..<U {
            let f = VectorMath.sigmoid(g[u] + (row.bias?[u] ?? 0))
            g[u] = f
            a[u] = f * row.hPrev[u] * (row.recurrentMask?[u] ?? 1)
        }
    }

    func forward(_ row: CellRow) {
        let U = units, g = row.gates, h = row.h!
        for u in 0..<U {
            let f = g[u]
            let hh = VectorMath.tanh(g[U + u] + (row.bias?[U + u] ?? 0) + row.auxProduct![u])
            g[U + u] = hh
            h[u] = (1 - f) * row.hPrev[u] + f * hh
        }
    }

    /// dh̃ and the part of df outside the aux product (kept in `direct` until the finish).
    func backward(_ row: CellRow) {
        let U = units, g = row.gates, d = row.dh!, direct = row.direct!
        for u in 0..<U {
            let f = g[u], hh = g[U + u]
            g[U + u] = d[u] * f * (1 - hh * hh)
            direct[u] = d[u] * (hh - row.hPrev[u])
        }
    }

    /// With e = dLoss/d(f ⊙ h₋₁ ⊙ m): df += e·h₋₁·m, and h₋₁ gets d·(1 − f) + e·f·m.
    func finishAuxProductBackward(_ row: CellRow) {
        let U = units, g = row.gates, d = row.dh!, direct = row.direct!, e = row.auxProduct!
        for u in 0..<U {
            let f = g[u], m = row.recurrentMask?[u] ?? 1
            let df = direct[u] + e[u] * row.hPrev[u] * m
            g[u] = df * f * (1 - f)
            direct[u] = d[u] * (1 - f) + e[u] * f * m
        }
    }

    /// The h-block of dR is (f ⊙ h₋₁)ᵀ·dh̃_pre, with f ⊙ h₋₁ in aux.
    func correctWeightGradients(_ w: CellWeightGradients, hPrev: (Int) -> (UnsafePointer<Float>, Int)) {
        let U = units
        BLAS.gemmParallel(transA: true, m: U, n: U, k: w.rows, a: w.aux!, lda: U, b: w.gates + U, ldb: 2 * U,
                          c: w.recurrentKernel + U, ldc: 2 * U)
    }
}

/// The MGU in Double, straight from the formulas above and the masking rule of the Keras 3
/// backend `rnn` (a masked step carries the state and repeats the previous output, zeros before
/// the first real step). kernel `(F, 2U)`, recurrent `(U, 2U)`, bias `(2U)`; x `(B, T, F)`;
/// mask `(B, T)` or nil; h0 `(B, U)` or nil for zeros. Returns the output and the final h.
struct MGUReference {
    var units: Int, features: Int
    var goBackwards = false, returnSequences = false

    func forward(x: [Double], B: Int, T: Int, kernel: [Double], recurrent: [Double], bias: [Double],
                 mask: [Double]?, h0: [Double]?) -> (out: [Double], h: [Double]) {
        let U = units, F = features, G = 2 * U
        var out: [Double] = [], finalH: [Double] = []
        func sigmoid(_ v: Double) -> Double { 1 / (1 + Foundation.exp(-v)) }
        for b in 0..<B {
            var h = h0.map { Array($0[(b * U)..<((b + 1) * U)]) } ?? [Double](repeating: 0, count: U)
            var previous = [Double](repeating: 0, count: U)
            var sequence: [[Double]] = []
            for s in 0..<T {
                let t = goBackwards ? T - 1 - s : s
                if let mask, mask[b * T + t] == 0 { sequence.append(previous); continue }
                func pre(_ gate: Int, _ u: Int, _ state: [Double]) -> Double {
                    var z = bias[gate * U + u]
                    for f in 0..<F { z += x[(b * T + t) * F + f] * kernel[f * G + gate * U + u] }
                    for k in 0..<U { z += state[k] * recurrent[k * G + gate * U + u] }
                    return z
                }
                let f = (0..<U).map { sigmoid(pre(0, $0, h)) }
                let fh = (0..<U).map { f[$0] * h[$0] }
                let hh = (0..<U).map { Foundation.tanh(pre(1, $0, fh)) }
                h = (0..<U).map { (1 - f[$0]) * h[$0] + f[$0] * hh[$0] }
                previous = h
                sequence.append(h)
            }
            out += returnSequences ? sequence.flatMap { $0 } : previous
            finalH += h
        }
        return (out, finalH)
    }
}
