import CKernels

/// Keras's `SimpleRNNCell` (keras/src/layers/rnn/simple_rnn.py): h = act(x·K + b + h₋₁·R).
/// One gate block; bias `(units)` zeros; state h.
public struct SimpleRNNCell: RecurrentCell {
    public let typeName = "SimpleRNN"
    public let units: Int
    public let activation: Activation
    public var recurrentActivation: Activation { .sigmoid }
    public let useBias: Bool
    public var gateCount: Int { 1 }
    public var stateCount: Int { 1 }
    /// tanh runs the C kernel (`rc_simple_forward`); other activations the generic path.
    let fused: Bool

    public init(units: Int, activation: Activation = .tanh, useBias: Bool = true) {
        self.units = units
        self.activation = activation
        self.useBias = useBias
        fused = activation == .tanh
    }

    public func makeBias() -> Tensor { Tensor(shape: [units]) }
    public var config: [String: JSONValue] { [:] }

    @inline(__always)
    public func forward(_ row: CellRow) {
        let U = units, g = row.gates, h = row.h!
        if fused { rc_simple_forward(g, row.bias, h, U); return }
        if let bias = row.bias { VectorMath.add(bias, into: g, count: U) }
        activation.apply(g, count: U, rowLength: U)
        copyRow(g, to: h, U)
    }

    @inline(__always)
    public func backward(_ row: CellRow) {
        let U = units, g = row.gates, dh = row.dh!
        if fused { rc_simple_backward(g, dh, U); return }
        for u in 0..<U { g[u] = dh[u] * activation.derivative(output: g[u]) }
    }
}

/// Keras `SimpleRNN` (keras/src/layers/rnn/simple_rnn.py): h = act(x·K + b + h₋₁·R).
/// Weights: `kernel (features, units)` glorot_uniform, `recurrent_kernel (units, units)`
/// orthogonal, `bias (units)` zeros. Input `(batch, timesteps, features)`.
public final class SimpleRNN: RecurrentLayer {
    /// - Parameters:
    ///   - units: size of the output and state (Keras `units`).
    ///   - activation: candidate/output activation (Keras default `tanh`).
    ///   - useBias: whether to add a bias (default true).
    ///   - returnSequences: output `(batch, timesteps, units)` instead of `(batch, units)`.
    ///   - returnState: the final states are meant to be used; read them with `forwardWithStates`.
    ///   - goBackwards: process the sequence in reverse; sequence outputs stay in processing order.
    ///   - dropout, recurrentDropout: fractions in [0, 1) dropped in training (masks drawn once per
    ///     batch, reused at every step).
    ///   - name: the layer name (`Sequential` makes it unique: `simple_rnn`, `simple_rnn_1`, …).
    /// Configuration errors (units ≤ 0, a rate outside [0, 1), softmax) are thrown by `build`.
    public convenience init(_ units: Int, activation: Activation = .tanh, useBias: Bool = true,
                            returnSequences: Bool = false, returnState: Bool = false, goBackwards: Bool = false,
                            dropout: Float = 0, recurrentDropout: Float = 0, name: String = "simple_rnn") {
        self.init(cell: SimpleRNNCell(units: units, activation: activation, useBias: useBias), name: name,
                  returnSequences: returnSequences, returnState: returnState, goBackwards: goBackwards,
                  dropout: dropout, recurrentDropout: recurrentDropout)
    }

    /// Rebuilds the layer from `config` (see `RecurrentLayer.config`; Keras defaults for missing
    /// keys but `units`).
    /// - Throws: `invalidConfiguration` naming the layer and the key that is missing or invalid.
    public convenience init(config: [String: JSONValue]) throws {
        let r = ConfigReader(typeName: "SimpleRNN", config: config)
        let o = try CommonOptions(r, defaultName: "simple_rnn", hasRecurrentActivation: false)
        self.init(o.units, activation: o.activation, useBias: o.useBias, returnSequences: o.returnSequences,
                  returnState: o.returnState, goBackwards: o.goBackwards, dropout: o.dropout,
                  recurrentDropout: o.recurrentDropout, name: o.name)
        zeroOutputForMask = o.zeroOutputForMask
        try r.finish(ignoring: RecurrentLayer.ignoredKerasKeys)
    }
}
