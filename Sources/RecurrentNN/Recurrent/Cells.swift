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
    ///   - name: the layer name (`Sequential` makes it unique: `lstm`, `lstm_1`, …).
    /// Configuration errors (units ≤ 0, a rate outside [0, 1), softmax) are thrown by `build`.
    public init(_ units: Int, activation: Activation = .tanh, useBias: Bool = true,
                returnSequences: Bool = false, returnState: Bool = false, goBackwards: Bool = false,
                dropout: Float = 0, recurrentDropout: Float = 0, name: String = "simple_rnn") {
        super.init(kind: .simple, typeName: "SimpleRNN", name: name, units: units, activation: activation,
                   recurrentActivation: .sigmoid, useBias: useBias, returnSequences: returnSequences,
                   returnState: returnState, goBackwards: goBackwards, dropout: dropout,
                   recurrentDropout: recurrentDropout, unitForgetBias: false)
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

/// Keras `LSTM` (keras/src/layers/rnn/lstm.py), gates in the order i, f, c, o.
/// Weights: `kernel (features, 4·units)` glorot_uniform (fan-out 4·units),
/// `recurrent_kernel (units, 4·units)` orthogonal over the whole matrix, `bias (4·units)` zeros
/// with the forget part set to 1 when `unitForgetBias` (the Keras default).
/// Parameters: 4·units·(features + units + 1), e.g. LSTM(120) on 120 features = 115,680.
public final class LSTM: RecurrentLayer {
    /// - Parameters:
    ///   - units: size of the output and state (Keras `units`).
    ///   - activation: candidate/output activation (Keras default `tanh`).
    ///   - useBias: whether to add a bias (default true).
    ///   - returnSequences: output `(batch, timesteps, units)` instead of `(batch, units)`.
    ///   - returnState: the final states are meant to be used; read them with `forwardWithStates`.
    ///   - goBackwards: process the sequence in reverse; sequence outputs stay in processing order.
    ///   - dropout, recurrentDropout: fractions in [0, 1) dropped in training (masks drawn once per
    ///     batch, reused at every step).
    ///   - name: the layer name (`Sequential` makes it unique: `lstm`, `lstm_1`, …).
    /// Configuration errors (units ≤ 0, a rate outside [0, 1), softmax) are thrown by `build`.
    ///   - recurrentActivation: gate activation (Keras 3 default `sigmoid`).
    ///   - unitForgetBias: initialise the forget-gate bias to 1 (Keras default true).
    public init(_ units: Int, activation: Activation = .tanh, recurrentActivation: Activation = .sigmoid,
                useBias: Bool = true, unitForgetBias: Bool = true, returnSequences: Bool = false,
                returnState: Bool = false, goBackwards: Bool = false, dropout: Float = 0,
                recurrentDropout: Float = 0, name: String = "lstm") {
        super.init(kind: .lstm, typeName: "LSTM", name: name, units: units, activation: activation,
                   recurrentActivation: recurrentActivation, useBias: useBias, returnSequences: returnSequences,
                   returnState: returnState, goBackwards: goBackwards, dropout: dropout,
                   recurrentDropout: recurrentDropout, unitForgetBias: unitForgetBias)
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

/// Keras `GRU` (keras/src/layers/rnn/gru.py), gates in the order z, r, h.
/// Weights: `kernel (features, 3·units)`, `recurrent_kernel (units, 3·units)`, and `bias` of shape
/// `(2, 3·units)` (input and recurrent bias) when `resetAfter` (the Keras default) or `(3·units)`
/// otherwise. GRU(128) on 100 features has 88,320 parameters with `resetAfter`, 87,936 without.
public final class GRU: RecurrentLayer {
    /// - Parameters:
    ///   - units: size of the output and state (Keras `units`).
    ///   - activation: candidate/output activation (Keras default `tanh`).
    ///   - useBias: whether to add a bias (default true).
    ///   - returnSequences: output `(batch, timesteps, units)` instead of `(batch, units)`.
    ///   - returnState: the final states are meant to be used; read them with `forwardWithStates`.
    ///   - goBackwards: process the sequence in reverse; sequence outputs stay in processing order.
    ///   - dropout, recurrentDropout: fractions in [0, 1) dropped in training (masks drawn once per
    ///     batch, reused at every step).
    ///   - name: the layer name (`Sequential` makes it unique: `lstm`, `lstm_1`, …).
    /// Configuration errors (units ≤ 0, a rate outside [0, 1), softmax) are thrown by `build`.
    ///   - recurrentActivation: gate activation (Keras 3 default `sigmoid`).
    ///   - resetAfter: apply the reset gate after the recurrent product (Keras default true; bias
    ///     `(2, 3·units)`), or before it (bias `(3·units)`).
    public init(_ units: Int, activation: Activation = .tanh, recurrentActivation: Activation = .sigmoid,
                useBias: Bool = true, resetAfter: Bool = true, returnSequences: Bool = false,
                returnState: Bool = false, goBackwards: Bool = false, dropout: Float = 0,
                recurrentDropout: Float = 0, name: String = "gru") {
        super.init(kind: .gru(resetAfter: resetAfter), typeName: "GRU", name: name, units: units,
                   activation: activation, recurrentActivation: recurrentActivation, useBias: useBias,
                   returnSequences: returnSequences, returnState: returnState, goBackwards: goBackwards,
                   dropout: dropout, recurrentDropout: recurrentDropout, unitForgetBias: false)
    }

    /// Whether the reset gate is applied after the recurrent product (Keras `reset_after`).
    public var resetAfter: Bool { kind == .gru(resetAfter: true) }

    /// Rebuilds the layer from `config` (see `RecurrentLayer.config`; Keras defaults for missing
    /// keys but `units`).
    /// - Throws: `invalidConfiguration` naming the layer and the key that is missing or invalid.
    public convenience init(config: [String: JSONValue]) throws {
        let r = ConfigReader(typeName: "GRU", config: config)
        let o = try CommonOptions(r, defaultName: "gru", hasRecurrentActivation: true)
        let resetAfter = try r.optional("reset_after", true, "true or false", ConfigReader.bool)
        self.init(o.units, activation: o.activation, recurrentActivation: o.recurrentActivation, useBias: o.useBias,
                  resetAfter: resetAfter, returnSequences: o.returnSequences, returnState: o.returnState,
                  goBackwards: o.goBackwards, dropout: o.dropout, recurrentDropout: o.recurrentDropout, name: o.name)
        zeroOutputForMask = o.zeroOutputForMask
        try r.finish(ignoring: RecurrentLayer.ignoredKerasKeys)
    }
}
