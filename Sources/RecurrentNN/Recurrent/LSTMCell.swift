import CKernels

/// Keras's `LSTMCell` (keras/src/layers/rnn/lstm.py), gates in the order i, f, c, o:
/// z = x·K + h₋₁·R + b; i = σ(z_i), f = σ(z_f), g = act(z_c), o = σ(z_o);
/// c = f·c₋₁ + i·g; h = o·act(c). State h and c; aux keeps act(c) for backward.
/// Bias `(4·units)` zeros, the forget block 1 with `unitForgetBias` (Keras default).
public struct LSTMCell: RecurrentCell {
    public let typeName = "LSTM"
    public let units: Int
    public let activation: Activation
    public let recurrentActivation: Activation
    public let useBias: Bool
    /// Initialise the forget-gate bias to 1 (Keras `unit_forget_bias`).
    public let unitForgetBias: Bool
    public var gateCount: Int { 4 }
    public var stateCount: Int { 2 }
    public var usesAux: Bool { true }
    /// Keras's defaults (tanh, sigmoid) run the C kernels (`rc_lstm_forward`, `rc_lstm_backward`).
    let fused: Bool

    public init(units: Int, activation: Activation = .tanh, recurrentActivation: Activation = .sigmoid,
                useBias: Bool = true, unitForgetBias: Bool = true) {
        self.units = units
        self.activation = activation
        self.recurrentActivation = recurrentActivation
        self.useBias = useBias
        self.unitForgetBias = unitForgetBias
        fused = activation == .tanh && recurrentActivation == .sigmoid
    }

    public func makeBias() -> Tensor {
        var b = Tensor(shape: [4 * units])
        if unitForgetBias { for j in units..<(2 * units) { b.data[j] = 1 } }
        return b
    }

    public var config: [String: JSONValue] {
        ["recurrent_activation": .string(recurrentActivation.rawValue), "unit_forget_bias": .bool(unitForgetBias)]
    }

    @inline(__always)
    public func forward(_ row: CellRow) {
        let U = units, g = row.gates, cPrev = row.cPrev!, c = row.c!, ac = row.aux!, h = row.h!
        if fused { rc_lstm_forward(g, row.bias, cPrev, c, ac, h, U); return }
        if let bias = row.bias { VectorMath.add(bias, into: g, count: 4 * U) }
        recurrentActivation.apply(g, count: 2 * U, rowLength: 2 * U)
        activation.apply(g + 2 * U, count: U, rowLength: U)
        recurrentActivation.apply(g + 3 * U, count: U, rowLength: U)
        let gi = g, gf = g + U, gg = g + 2 * U, go = g + 3 * U
        for u in 0..<U { c[u] = gf[u] * cPrev[u] + gi[u] * gg[u] }
        copyRow(c, to: ac, U)
        activation.apply(ac, count: U, rowLength: U)
        for u in 0..<U { h[u] = go[u] * ac[u] }
    }

    @inline(__always)
    public func backward(_ row: CellRow) {
        let U = units, g = row.gates, d = row.dh!, dc = row.dc!, ac = row.aux!, cPrev = row.cPrev!
        if fused { rc_lstm_backward(g, d, dc, ac, cPrev, U); return }
        let act = activation, ract = recurrentActivation
        for u in 0..<U {
            let i = g[u], f = g[U + u], c = g[2 * U + u], o = g[3 * U + u]
            let dct = dc[u] + d[u] * o * act.derivative(output: ac[u])
            g[u] = dct * c * ract.derivative(output: i)
            g[U + u] = dct * cPrev[u] * ract.derivative(output: f)
            g[2 * U + u] = dct * i * act.derivative(output: c)
            g[3 * U + u] = d[u] * ac[u] * ract.derivative(output: o)
            dc[u] = dct * f
        }
    }
}

/// Keras `LSTM` (keras/src/layers/rnn/lstm.py), gates in the order i, f, c, o (see `LSTMCell`).
/// Weights: `kernel (features, 4·units)` glorot_uniform (fan-out 4·units),
/// `recurrent_kernel (units, 4·units)` orthogonal over the whole matrix, `bias (4·units)` zeros
/// with the forget part set to 1 when `unitForgetBias` (the Keras default).
/// Parameters: 4·units·(features + units + 1), e.g. LSTM(120) on 120 features = 115,680.
public final class LSTM: RecurrentLayer {
    /// Whether the forget-gate bias starts at 1 (Keras `unit_forget_bias`).
    public var unitForgetBias: Bool { (cell as? LSTMCell)?.unitForgetBias ?? true }

    /// - Parameters:
    ///   - units: size of the output and state (Keras `units`).
    ///   - activation: candidate/output activation (Keras default `tanh`).
    ///   - recurrentActivation: gate activation (Keras 3 default `sigmoid`).
    ///   - useBias: whether to add a bias (default true).
    ///   - unitForgetBias: initialise the forget-gate bias to 1 (Keras default true).
    ///   - returnSequences: output `(batch, timesteps, units)` instead of `(batch, units)`.
    ///   - returnState: the final states are meant to be used; read them with `forwardWithStates`.
    ///   - goBackwards: process the sequence in reverse; sequence outputs stay in processing order.
    ///   - dropout, recurrentDropout: fractions in [0, 1) dropped in training (masks drawn once per
    ///     batch, reused at every step).
    ///   - name: the layer name (`Sequential` makes it unique: `lstm`, `lstm_1`, …).
    /// Configuration errors (units ≤ 0, a rate outside [0, 1), softmax) are thrown by `build`.
    public convenience init(_ units: Int, activation: Activation = .tanh, recurrentActivation: Activation = .sigmoid,
                            useBias: Bool = true, unitForgetBias: Bool = true, returnSequences: Bool = false,
                            returnState: Bool = false, goBackwards: Bool = false, dropout: Float = 0,
                            recurrentDropout: Float = 0, name: String = "lstm") {
        self.init(cell: LSTMCell(units: units, activation: activation, recurrentActivation: recurrentActivation,
                                 useBias: useBias, unitForgetBias: unitForgetBias),
                  name: name, returnSequences: returnSequences, returnState: returnState, goBackwards: goBackwards,
                  dropout: dropout, recurrentDropout: recurrentDropout)
    }

    /// Rebuilds the layer from `config` (see `RecurrentLayer.config`; Keras defaults for missing
    /// keys but `units`).
    /// - Throws: `invalidConfiguration` naming the layer and the key that is missing or invalid.
    public convenience init(config: [String: JSONValue]) throws {
        let r = ConfigReader(typeName: "LSTM", config: config)
        let o = try CommonOptions(r, defaultName: "lstm", hasRecurrentActivation: true)
        let unitForgetBias = try r.optional("unit_forget_bias", true, "true or false", ConfigReader.bool)
        self.init(o.units, activation: o.activation, recurrentActivation: o.recurrentActivation, useBias: o.useBias,
                  unitForgetBias: unitForgetBias, returnSequences: o.returnSequences, returnState: o.returnState,
                  goBackwards: o.goBackwards, dropout: o.dropout, recurrentDropout: o.recurrentDropout, name: o.name)
        zeroOutputForMask = o.zeroOutputForMask
        try r.finish(ignoring: RecurrentLayer.ignoredKerasKeys)
    }
}
