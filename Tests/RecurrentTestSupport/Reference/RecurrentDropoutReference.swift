import Foundation

/// Test-only Double reference of Keras's recurrent cells *with dropout masks*, straight from
/// keras/src/layers/rnn/{simple_rnn,lstm,gru}.py (`call` of each cell) and the masking rule of
/// the Keras 3 backend `rnn` (masked step: state carried, output repeats the previous output).
///
/// Masks (already scaled by 1/(1 − rate)), as Keras draws them once per batch:
/// - `inputMasks`: empty (no input dropout), one `(B, F)` mask shared by every gate (Keras
///   implementation 2, used when `recurrent_dropout == 0`), or one `(B, F)` mask per gate in gate
///   order (implementation 1, used when `recurrent_dropout > 0`);
/// - `recurrentMasks`: empty, or one `(B, U)` mask per gate (SimpleRNN: one).
///
/// Per gate `g`: x_g = (x ⊙ m_x[g])·K_g + b_g and, for the recurrent part, (h₋₁ ⊙ m_h[g])·R_g.
/// GRU: `z·h₋₁` uses the undropped h₋₁; without `reset_after` the candidate's recurrent part is
/// (r ⊙ (h₋₁ ⊙ m_h[2]))·R_h; with it, r ⊙ ((h₋₁ ⊙ m_h[2])·R_h + b′_h).
/// Independent of the fused kernels it checks; `RecurrentReference` is this with no masks.
struct RecurrentDropoutReference {
    enum Kind { case simple, lstm, gruAfter, gruBefore }
    var kind: Kind
    var units: Int
    var features: Int
    var activation: (Double) -> Double = tanh
    var recurrentActivation: (Double) -> Double = { 1 / (1 + exp(-$0)) }
    var goBackwards = false
    var returnSequences = false

    var gates: Int { kind == .simple ? 1 : (kind == .lstm ? 4 : 3) }

    /// kernel (F, G), recurrent (U, G), bias (G) or (2, G) for gruAfter (nil = no bias);
    /// x (B, T, F) flat; mask (B, T) or nil. Returns (output flat, final h, final c).
    func forward(x: [Double], B: Int, T: Int, kernel: [Double], recurrent: [Double], bias: [Double]?,
                 mask: [Double]?, inputMasks: [[Double]], recurrentMasks: [[Double]])
        -> (out: [Double], h: [Double], c: [Double]) {
        let U = units, F = features, G = gates * U
        precondition(inputMasks.isEmpty || inputMasks.count == 1 || inputMasks.count == gates)
        precondition(recurrentMasks.isEmpty || recurrentMasks.count == gates)
        for m in inputMasks { precondition(m.count == B * F) }
        for m in recurrentMasks { precondition(m.count == B * U) }
        /// Input-dropout factor of feature f for gate block `gate`, sample b.
        func xm(_ gate: Int, _ b: Int, _ f: Int) -> Double {
            if inputMasks.isEmpty { return 1 }
            return inputMasks[inputMasks.count == 1 ? 0 : gate][b * F + f]
        }
        /// Recurrent-dropout factor of unit u for gate block `gate`, sample b.
        func hm(_ gate: Int, _ b: Int, _ u: Int) -> Double {
            recurrentMasks.isEmpty ? 1 : recurrentMasks[gate][b * U + u]
        }

        var out = [Double](repeating: 0, count: returnSequences ? B * T * U : B * U)
        var hFinal = [Double](repeating: 0, count: B * U), cFinal = hFinal
        for b in 0..<B {
            var h = [Double](repeating: 0, count: U), c = h, prevOut = h
            for s in 0..<T {
                let t = goBackwards ? T - 1 - s : s
                // xg: input part with input bias; rg: recurrent part (dropped h₋₁), with the
                // recurrent bias for gruAfter. For gruBefore the candidate's rg is computed below.
                var xg = [Double](repeating: 0, count: G), rg = xg
                for g in 0..<G {
                    let gate = g / U
                    var v = 0.0
                    for f in 0..<F { v += x[(b * T + t) * F + f] * xm(gate, b, f) * kernel[f * G + g] }
                    if let bias { v += bias[g] }
                    xg[g] = v
                    var r = 0.0
                    for u in 0..<U { r += h[u] * hm(gate, b, u) * recurrent[u * G + g] }
                    if kind == .gruAfter, let bias { r += bias[G + g] }
                    rg[g] = r
                }
                var hNew = h, cNew = c
                switch kind {
                case .simple:
                    for u in 0..<U { hNew[u] = activation(xg[u] + rg[u]) }
                case .lstm:
                    for u in 0..<U {
                        let i = recurrentActivation(xg[u] + rg[u])
                        let f = recurrentActivation(xg[U + u] + rg[U + u])
                        let gg = activation(xg[2 * U + u] + rg[2 * U + u])
                        let o = recurrentActivation(xg[3 * U + u] + rg[3 * U + u])
                        cNew[u] = f * c[u] + i * gg
                        hNew[u] = o * activation(cNew[u])
                    }
                case .gruAfter:
                    for u in 0..<U {
                        let z = recurrentActivation(xg[u] + rg[u])
                        let r = recurrentActivation(xg[U + u] + rg[U + u])
                        let hh = activation(xg[2 * U + u] + r * rg[2 * U + u])
                        hNew[u] = z * h[u] + (1 - z) * hh
                    }
                case .gruBefore:
                    var zs = [Double](repeating: 0, count: U), rs = zs
                    for u in 0..<U {
                        zs[u] = recurrentActivation(xg[u] + rg[u])
                        rs[u] = recurrentActivation(xg[U + u] + rg[U + u])
                    }
                    for u in 0..<U {
                        var rec = 0.0
                        for v in 0..<U { rec += rs[v] * (h[v] * hm(2, b, v)) * recurrent[v * G + 2 * U + u] }
                        let hh = activation(xg[2 * U + u] + rec)
                        hNew[u] = zs[u] * h[u] + (1 - zs[u]) * hh
                    }
                }
                let on = mask.map { $0[b * T + t] != 0 } ?? true
                if on { h = hNew; c = cNew; prevOut = hNew }
                if returnSequences { for u in 0..<U { out[(b * T + s) * U + u] = prevOut[u] } }
            }
            if !returnSequences { for u in 0..<U { out[b * U + u] = prevOut[u] } }
            for u in 0..<U { hFinal[b * U + u] = h[u]; cFinal[b * U + u] = c[u] }
        }
        return (out, hFinal, cFinal)
    }
}
