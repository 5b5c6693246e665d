import CKernels

/// Keras's `GRUCell` with `reset_after = true`, the Keras default (keras/src/layers/rnn/gru.py),
/// gates z, r, h. With x_g = x·K_g + b_g and q = h₋₁·R + b′ (the recurrent bias):
/// z = σ(x_z + q_z), r = σ(x_r + q_r), hh = act(x_h + r·q_h), h = z·h₋₁ + (1 − z)·hh.
/// Bias `(2, 3·units)`: input bias, then recurrent bias. The driver writes h₋₁·R apart
/// (`.separate`); aux keeps q_h in forward and dLoss/dq_h = dhh·r after backward.
public struct GRUResetAfterCell: RecurrentCell {
    public let typeName = "GRU"
    public let units: Int
    public let activation: Activation
    public let recurrentActivation: Activation
    public let useBias: Bool
    public var gateCount: Int { 3 }
    public var stateCount: Int { 1 }
    public var recurrentTarget: RecurrentProductTarget { .separate }
    public var usesAux: Bool { true }
    public var hasDirectPath: Bool { true }
    /// Keras's defaults (tanh, sigmoid) run the C kernels (`rc_gru_forward`, `rc_gru_backward`).
    let fused: Bool

    public init(units: Int, activation: Activation = .tanh, recurrentActivation: Activation = .sigmoid, useBias: Bool = true) {
        self.units = units
        self.activation = activation
        self.recurrentActivation = recurrentActivation
        self.useBias = useBias
        fused = activation == .tanh && recurrentActivation == .sigmoid
    }

    public func makeBias() -> Tensor { Tensor(shape: [2, 3 * units]) }

    public var config: [String: JSONValue] {
        ["recurrent_activation": .string(recurrentActivation.rawValue), "reset_after": .bool(true)]
    }

    @inline(__always)
    public func forward(_ row: CellRow) {
        let U = units, G = 3 * U, g = row.gates, q = row.recurrent!, qh = row.aux!, hPrev = row.hPrev, h = row.h!
        let recBias = row.bias.map { $0 + G }
        if fused { rc_gru_forward(g, q, row.bias, recBias, hPrev, qh, h, U); return }
        if let bias = row.bias, let recBias {
            VectorMath.add(bias, into: g, count: G)
            VectorMath.add(recBias, into: q, count: G)
        }
        VectorMath.add(q, into: g, count: 2 * U)
        recurrentActivation.apply(g, count: 2 * U, rowLength: 2 * U)
        copyRow(q + 2 * U, to: qh, U)
        let gz = g, gr = g + U, gh = g + 2 * U
        for u in 0..<U { gh[u] += gr[u] * qh[u] }
        activation.apply(gh, count: U, rowLength: U)
        for u in 0..<U { h[u] = gz[u] * hPrev[u] + (1 - gz[u]) * gh[u] }
    }

    @inline(__always)
    public func backward(_ row: CellRow) {
        let U = units, g = row.gates, qh = row.aux!, t = row.recurrent!, direct = row.direct!
        let hPrev = row.hPrev, d = row.dh!
        if fused { rc_gru_backward(g, qh, t, direct, hPrev, d, U); return }
        let act = activation, ract = recurrentActivation
        for u in 0..<U {
            let z = g[u], r = g[U + u], hh = g[2 * U + u]
            let dhh = d[u] * (1 - z) * act.derivative(output: hh)
            let dz = d[u] * (hPrev[u] - hh) * ract.derivative(output: z)
            let dr = dhh * qh[u] * ract.derivative(output: r)
            g[u] = dz; g[U + u] = dr; g[2 * U + u] = dhh
            t[u] = dz; t[U + u] = dr; t[2 * U + u] = dhh * r
            qh[u] = dhh * r
            direct[u] = d[u] * z
        }
    }

    /// The h-block of dR is h₋₁ᵀ·(dhh·r), not h₋₁ᵀ·dhh; the recurrent bias gradient is the
    /// input one for z and r and Σ dhh·r for h.
    public func correctWeightGradients(_ w: CellWeightGradients, hPrev: (Int) -> (UnsafePointer<Float>, Int)) {
        let U = units, G = 3 * U
        let (h, ld) = hPrev(2)
        BLAS.gemmParallel(transA: true, m: U, n: U, k: w.rows, a: h, lda: ld, b: w.aux!, ldb: U,
                          c: w.recurrentKernel + 2 * U, ldc: G)
        if let db = w.bias {
            (db + G).update(from: db, count: 2 * U)
            VectorMath.columnSums(w.aux!, rows: w.rows, columns: U, into: db + G + 2 * U)
        }
    }
}
