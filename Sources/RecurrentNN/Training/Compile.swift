/// What `Sequential.compile` records: the optimizer, the loss and the metric identifiers (Keras
/// `model.compile(optimizer, loss, metrics)`). Metrics are resolved against the data's shapes
/// when `fit` or `evaluate` first sees it, as Keras resolves `"accuracy"`.
public struct CompileConfiguration {
    public var optimizer: any Optimizer
    public var loss: Loss
    /// Keras identifiers as given, e.g. `["accuracy"]`; they name the logged values.
    public var metrics: [String]
}

extension Sequential {
    /// Configures the model for training (Keras `compile`).
    /// - Parameters:
    ///   - optimizer: e.g. `Adam()` or `RMSprop(learningRate: 0.01)`.
    ///   - loss: the loss; cross-entropies are computed from the logits of a final sigmoid or
    ///     softmax `Dense` inside `fit` and `evaluate` (see `Loss`).
    ///   - metrics: Keras identifiers: `"accuracy"` (resolved like Keras from the loss and the
    ///     shapes), `"binary_accuracy"`, `"categorical_accuracy"`, `"sparse_categorical_accuracy"`,
    ///     `"precision"`, `"recall"`.
    /// - Throws: `invalidConfiguration` for an unknown metric identifier.
    public func compile(optimizer: any Optimizer, loss: Loss, metrics: [String] = []) throws {
        let known = ["accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
                     "precision", "recall"]
        for m in metrics where !known.contains(m) {
            throw RecurrentError.invalidConfiguration(
                where: "compile", message: "unknown metric '\(m)'; expected one of \(known.joined(separator: ", "))")
        }
        compiled = CompileConfiguration(optimizer: optimizer, loss: loss, metrics: metrics)
    }

    /// `compile` with Keras strings: `compile(optimizer: "rmsprop", loss: "binary_crossentropy",
    /// metrics: ["accuracy"])`; the optimizer gets Keras's defaults.
    /// - Throws: `invalidConfiguration` naming an unknown optimizer, loss or metric.
    public func compile(optimizer: String, loss: String, metrics: [String] = []) throws {
        try compile(optimizer: makeOptimizer(optimizer), loss: Loss(keras: loss), metrics: metrics)
    }

    /// `compile` with a typed optimizer and a Keras loss string.
    public func compile(optimizer: any Optimizer, loss: String, metrics: [String] = []) throws {
        try compile(optimizer: optimizer, loss: Loss(keras: loss), metrics: metrics)
    }
}
