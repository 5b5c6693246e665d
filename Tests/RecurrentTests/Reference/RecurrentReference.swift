import Foundation

/// Test-only reference of Keras's recurrent layers in Double: plain loops straight from the
/// formulas in keras/src/layers/rnn/{simple_rnn,lstm,gru}.py and the masking rule of the Keras 3
/// backend `rnn` (masked step: state carried, output repeats the previous output).
/// Independent of the fused kernels it checks.
struct RecurrentReference {
    enum Kind { case simple, lstm, gruAfter, gruBefore }
    var kind: Kind
    var units: Int
    var features: Int
    var activation: (Double) -> Double = tanh
    var recurrentActivation: (Double) -> Double = { 1 / (1 + exp(-$0)) }
    var goBackwards = false
    var returnSequences = false

    var gates: Int { kind == .simple ? 1 : (kind == .lstm ? 4 : 3) }

    /// kernel (F, G), recurrent (U, G), bias (G) or (2, G) for gruAfter (nil = no bias).
    /// x (B, T, F) flat; mask (B, T) or nil. Returns (output flat, final h, final c).
    func forward(x: [Double], B: Int, T: Int, kernel: [Double], recurrent: [Double], bias: [Double]?,
                 mask: [Double]?) -> (out: [Double], h: [Double], c: [Double]) {
        let U = units, F = features, G = gates * U
        var out = [Double](repeating: 0, count: returnSequences ? B * T * U : B * U)
        var hFinal = [Double](repeating: 0, count: B * U), cFinal = hFinal
        for b in 0..<B {
            var h = [Double](repeating: 0, count: U), c = h, prevOut = h
            for s in 0..<T {
                let t = goBackwards ? T - 1 - s : s
                var xg = [Double](repeating: 0, count: G), rg = xg
                for g in 0..<G {
                    var v = 0.0
                    for f in 0..<F { v += x[(b * T + t) * F + f] * kernel[f * G + g] }
                    if let bias { v += bias[g] }
                    xg[g] = v
                    var r = 0.0
                    for u in 0..<U { r += h[u] * recurrent[u * G + g] }
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
                        for v in 0..<U { rec += rs[v] * h[v] * recurrent[v * G + 2 * U + u] }
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
