/// Keras `GRU` (keras/src/layers/rnn/gru.py), gates in the order z, r, h: `GRUResetAfterCell`
/// (Keras default) or `GRUResetBeforeCell`.
/// Weights: `kernel (features, 3·units)`, `recurrent_kernel (units, 3·units)`, and `bias` of shape
/// `(2, 3·units)` (input and recurrent bias) when `resetAfter` (the Keras default) or `(3·units)`
/// otherwise. GRU(128) on 100 features has 88,320 parameters with `resetAfter`, 87,936 without.
public final class GRU: RecurrentLayer {
    /// - Parameters:
    ///   - units: size of the output and state (Keras `units`).
    ///   - activation: candidate/output activation (Keras default `tanh`).
    ///   - recurrentActivation: gate activation (Keras 3 default `sigmoid`).
    ///   - useBias: whether to add a bias (default true).
    ///   - resetAfter: apply the reset gate after the recurrent product (Keras default true; bias
    ///     `(2, 3·units)`), or before it (bias `(3·units)`).
    ///   - returnSequences: output `(batch, timesteps, units)` instead of `(batch, units)`.
    ///   - returnState: the final states are meant to be used; read them with `forwardWithStates`.
    ///   - goBackwards: process the sequence in reverse; sequence outputs stay in processing order.
    ///   - dropout, recurrentDropout: fractions in [0, 1) dropped in training (masks drawn once per
    ///     batch, reused at every step).
    ///   - name: the layer name (`Sequential` makes it unique: `gru`, `gru_1`, …).
    /// Configuration errors (units ≤ 0, a rate outside [0, 1), softmax) are thrown by `build`.
    public convenience init(_ units: Int, activation: Activation = .tanh, recurrentActivation: Activation = .sigmoid,
                            useBias: Bool = true, resetAfter: Bool = true, returnSequences: Bool = false,
                            returnState: Bool = false, goBackwards: Bool = false, dropout: Float = 0,
                            recurrentDropout: Float = 0, name: String = "gru") {
        let cell: any RecurrentCell = resetAfter
            ? GRUResetAfterCell(units: units, activation: activation, recurrentActivation: recurrentActivation, useBias: useBias)
            : GRUResetBeforeCell(units: units, activation: activation, recurrentActivation: recurrentActivation, useBias: useBias)
        self.init(cell: cell, name: name, returnSequences: returnSequences, returnState: returnState,
                  goBackwards: goBackwards, dropout: dropout, recurrentDropout: recurrentDropout)
    }

    /// Whether the reset gate is applied after the recurrent product (Keras `reset_after`).
    public var resetAfter: Bool { cell is GRUResetAfterCell }

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
