/// The Keras configuration of a recurrent layer: the RNN's keys, then the cell's.
extension RecurrentLayer {
    /// Keras `get_config` keys: `name`, `trainable`, `units`, `activation`, `use_bias`,
    /// `return_sequences`, `return_state`, `go_backwards`, `zero_output_for_mask`, `dropout`,
    /// `recurrent_dropout`, and the cell's own (`RecurrentCell.config`: `recurrent_activation`
    /// and `unit_forget_bias` for LSTM, `recurrent_activation` and `reset_after` for GRU). The
    /// initialisers are Keras's defaults and not configurable, so they are not written.
    public var config: [String: JSONValue] {
        baseConfig.merging([
            "units": .number(Double(units)), "activation": .string(activation.rawValue), "use_bias": .bool(useBias),
            "return_sequences": .bool(returnSequences), "return_state": .bool(returnState),
            "go_backwards": .bool(goBackwards), "zero_output_for_mask": .bool(zeroOutputForMask),
            "dropout": JSONValue(dropout), "recurrent_dropout": JSONValue(recurrentDropout),
        ]) { $1 }.merging(cell.config) { $1 }
    }

    /// The options every recurrent layer reads from a configuration (see `config`), with Keras's
    /// defaults for missing keys but `units`.
    struct CommonOptions {
        var name: String, units: Int, activation: Activation, recurrentActivation: Activation, useBias: Bool
        var returnSequences: Bool, returnState: Bool, goBackwards: Bool, zeroOutputForMask: Bool
        var dropout: Float, recurrentDropout: Float

        init(_ r: ConfigReader, defaultName: String, hasRecurrentActivation: Bool) throws {
            name = try r.name(default: defaultName)
            units = try r.required("units", "a positive integer", ConfigReader.int)
            activation = try r.optional("activation", .tanh, "an activation name", ConfigReader.activation)
            if hasRecurrentActivation {
                recurrentActivation = try r.optional("recurrent_activation", .sigmoid, "an activation name", ConfigReader.activation)
            } else {
                recurrentActivation = .sigmoid
            }
            useBias = try r.optional("use_bias", true, "true or false", ConfigReader.bool)
            returnSequences = try r.optional("return_sequences", false, "true or false", ConfigReader.bool)
            returnState = try r.optional("return_state", false, "true or false", ConfigReader.bool)
            goBackwards = try r.optional("go_backwards", false, "true or false", ConfigReader.bool)
            zeroOutputForMask = try r.optional("zero_output_for_mask", false, "true or false", ConfigReader.bool)
            dropout = try r.optional("dropout", 0, "a number in [0, 1)", ConfigReader.float)
            recurrentDropout = try r.optional("recurrent_dropout", 0, "a number in [0, 1)", ConfigReader.float)
            _ = try r.trainable()
        }
    }

    /// Keras keys of a recurrent layer that do not change what Recurrent computes: the seed of
    /// the dropout masks (Recurrent draws its own) and the initialisers (Keras's defaults).
    static let ignoredKerasKeys: Set<String> = ["seed", "kernel_initializer", "recurrent_initializer", "bias_initializer"]
}
