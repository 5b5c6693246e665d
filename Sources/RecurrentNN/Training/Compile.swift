/// What `Sequential.compile` records: the optimizer, the loss and the metric identifiers (Keras
/// `model.compile(optimizer, loss, metrics)`). Metrics are resolved against the data's shapes
/// when `fit` or `evaluate` first sees it, as Keras resolves `"accuracy"`.
public struct CompileConfiguration {
    public var optimizer: any Optimizer
    public var loss: Loss
    /// Keras identifiers as given, e.g. `["accuracy"]`; they name the logged values.
    public var metrics: [String]
    /// The model's output is logits (a linear last layer): the loss applies the sigmoid or
    /// softmax itself (Keras `BinaryCrossentropy(from_logits=True)` and the like).
    public var fromLogits = false
}

extension Sequential {
    /// Configures the model for training (Keras `compile`).
    /// - Parameters:
    ///   - optimizer: e.g. `Adam()` or `RMSprop(learningRate: 0.01)`.
    ///   - loss: the loss; cross-entropies are computed from the logits of a final sigmoid or
    ///     softmax `Dense` inside `fit` and `evaluate` (see `Loss`).
    ///   - metrics: Keras identifiers (see `Metric.resolve`): `"accuracy"` (resolved like Keras
    ///     from the shapes), `"binary_accuracy"`, `"categorical_accuracy"`,
    ///     `"sparse_categorical_accuracy"`, `"precision"`, `"recall"`.
    /// - Throws: `invalidConfiguration` for an unknown metric identifier.
    ///   - fromLogits: the last layer is linear and its outputs are logits; cross-entropies
    ///     apply the sigmoid or softmax themselves (Keras `from_logits=True`). Metrics then see
    ///     the raw outputs, as in Keras.
    /// - Throws: `invalidConfiguration` for a bad optimizer hyper-parameter or an unknown metric.
    public func compile(optimizer: any Optimizer, loss: Loss, metrics: [String] = [], fromLogits: Bool = false) throws {
        try optimizer.validate()
        for m in metrics {
            let lower = m.lowercased()
            guard lower == "accuracy" || lower == "acc" || Metric.identifiers.contains(where: { $0.0 == m }) else {
                // Let `resolve` word the error (it lists the valid names).
                _ = try Metric.resolve(m, loss: loss, outputShape: [1], targetShape: [1])
                continue
            }
        }
        compiled = CompileConfiguration(optimizer: optimizer, loss: loss, metrics: metrics, fromLogits: fromLogits)
    }

    /// `compile` with Keras strings: `compile(optimizer: "rmsprop", loss: "binary_crossentropy",
    /// metrics: ["accuracy"])`; the optimizer gets Keras's defaults.
    /// - Throws: `invalidConfiguration` naming an unknown optimizer, loss or metric.
    public func compile(optimizer: String, loss: String, metrics: [String] = [], fromLogits: Bool = false) throws {
        try compile(optimizer: makeOptimizer(optimizer), loss: Loss(keras: loss), metrics: metrics, fromLogits: fromLogits)
    }

    /// `compile` with a Keras optimizer string and a typed loss.
    public func compile(optimizer: String, loss: Loss, metrics: [String] = [], fromLogits: Bool = false) throws {
        try compile(optimizer: makeOptimizer(optimizer), loss: loss, metrics: metrics, fromLogits: fromLogits)
    }

    /// `compile` with a typed optimizer and a Keras loss string.
    public func compile(optimizer: any Optimizer, loss: String, metrics: [String] = [], fromLogits: Bool = false) throws {
        try compile(optimizer: optimizer, loss: Loss(keras: loss), metrics: metrics, fromLogits: fromLogits)
    }
}
