/// Keras's `GRUCell` with `reset_after = false` (keras/src/layers/rnn/gru.py), gates z, r, h.
/// With x_g = x·K_g + b_g: z = σ(x_z + h₋₁R_z), r = σ(x_r + h₋₁R_r),
/// hh = act(x_h + (r·h₋₁)·R_h), h = z·h₋₁ + (1 − z)·hh. Bias `(3·units)`.
///
/// The driver's recurrent product covers z and r; the cell's own product `(r·h₋₁)·R_h` is the
/// aux product (`auxProductGate` 2), with aux = r·(h₋₁ ⊙ m_h) for the weight gradient.
/// Swift loops (no C kernel) for every activation.
public struct GRUResetBeforeCell: RecurrentCell {
    public let typeName = "GRU"
    public let units: Int
    public let activation: Activation
    public let recurrentActivation: Activation
    public let useBias: Bool
    public var gateCount: Int { 3 }
    public var stateCount: Int { 1 }
    public var recurrentGates: Int { 2 }
    public var usesAux: Bool { true }
    public var hasDirectPath: Bool { true }
    public var auxProductGate: Int? { 2 }

    public init(units: Int, activation: Activation = .tanh, recurrentActivation: Activation = .sigmoid, useBias: Bool = true) {
        self.units = units
        self.activation = activation
        self.recurrentActivation = recurrentActivation
        self.useBias = useBias
    }

    public func makeBias() -> Tensor { Tensor(shape: [3 * units]) }

    public var config: [String: JSONValue] {
        ["recurrent_activation": .string(recurrentActivation.rawValue), "reset_after": .bool(false)]
    }

    /// z and r, then aux = r·h₋₁ (times the candidate's recurrent dropout mask).
    @inline(__always)
    public func prepareAuxProduct(_ row: CellRow) {
        let U = units, g = row.gates, rh = row.aux!, hPrev = row.hPrev
        if let bias = row.bias { VectorMath.add(bias, into: g, count: 2 * U) }
        recurrentActivation.apply(g, count: 2 * U, rowLength: 2 * U)
        let gr = g + U
        if let m = row.recurrentMask {
            for u in 0..<U { rh[u] = gr[u] * hPrev[u] * m[u] }
        } else {
            for u in 0..<U { rh[u] = gr[u] * hPrev[u] }
        }
    }

    @inline(__always)
    public func forward(_ row: CellRow) {
        let U = units, g = row.gates, gz = g, gh = g + 2 * U, hPrev = row.hPrev, h = row.h!
        if let bias = row.bias { VectorMath.add(bias + 2 * U, into: gh, count: U) }
        VectorMath.add(row.auxProduct!, into: gh, count: U)
        activation.apply(gh, count: U, rowLength: U)
        for u in 0..<U { h[u] = gz[u] * hPrev[u] + (1 - gz[u]) * gh[u] }
    }

    /// dz, dhh and the direct path; dr waits for dLoss/d(r·h₋₁) (`finishAuxProductBackward`).
    @inline(__always)
    public func backward(_ row: CellRow) {
        let U = units, g = row.gates, d = row.dh!, hPrev = row.hPrev, direct = row.direct!
        for u in 0..<U {
            let z = g[u], hh = g[2 * U + u]
            direct[u] = d[u] * z
            g[u] = d[u] * (hPrev[u] - hh) * recurrentActivation.derivative(output: z)
            g[2 * U + u] = d[u] * (1 - z) * activation.derivative(output: hh)
        }
    }

    /// With drh = dhh·R_hᵀ: dr = drh·h₋₁·m·σ′(r), and h₋₁ gets drh·r·m directly.
    @inline(__always)
    public func finishAuxProductBackward(_ row: CellRow) {
        let U = units, g = row.gates, drh = row.auxProduct!, hPrev = row.hPrev, direct = row.direct!
        let m = row.recurrentMask
        for u in 0..<U {
            let mu: Float = m?[u] ?? 1
            let r = g[U + u]
            g[U + u] = drh[u] * hPrev[u] * mu * recurrentActivation.derivative(output: r)
            direct[u] += drh[u] * r * mu
        }
    }

    /// The h-block of dR is (r·h₋₁)ᵀ·dhh, with r·h₋₁ in aux.
    public func correctWeightGradients(_ w: CellWeightGradients, hPrev: (Int) -> (UnsafePointer<Float>, Int)) {
        let U = units, G = 3 * U
        BLAS.gemmParallel(transA: true, m: U, n: U, k: w.rows, a: w.aux!, lda: U, b: w.gates + 2 * U, ldb: G,
                          c: w.recurrentKernel + 2 * U, ldc: G)
    }
}
