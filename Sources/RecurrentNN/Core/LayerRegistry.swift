/// Rebuilds a built-in layer from its Keras class name and configuration (Keras
/// `deserialize_keras_object` for the layers Recurrent has).
///
/// `make(typeName: layer.typeName, config: layer.config)` gives an unbuilt layer with the same
/// configuration; build it (or its `Sequential`) and assign the weights to use it. Configurations
/// written by Keras's `get_config()` are read too, as long as every option they set is one
/// Recurrent supports (see `ConfigReader`).
public enum LayerRegistry {
    /// A layer as Keras serialises it inside a model or a wrapper:
    /// `{"module": "keras.layers", "class_name": "LSTM", "config": {…}, "registered_name": null}`
    /// (keras/src/saving/serialization_lib.py), which `keras.layers.deserialize` reads.
    public static func spec(of layer: any Layer) -> JSONValue {
        ["module": "keras.layers", "class_name": .string(layer.typeName), "config": .object(layer.config), "registered_name": nil]
    }

    /// The Keras class names this registry rebuilds.
    public static let typeNames = [
        "Embedding", "Dense", "Dropout", "Conv1D", "MaxPooling1D", "GlobalMaxPooling1D", "GlobalAveragePooling1D",
        "SimpleRNN", "LSTM", "GRU", "Bidirectional",
    ]

    /// A new, unbuilt layer of type `typeName` configured by `config`.
    /// - Throws: `RecurrentError.invalidConfiguration` for an unknown type (naming it and the
    ///   known ones), or a missing or invalid key (naming the layer and the key).
    public static func make(typeName: String, config: [String: JSONValue]) throws -> any Layer {
        switch typeName {
        case "Embedding": return try Embedding(config: config)
        case "Dense": return try Dense(config: config)
        case "Dropout": return try Dropout(config: config)
        case "Conv1D": return try Conv1D(config: config)
        case "MaxPooling1D": return try MaxPooling1D(config: config)
        case "GlobalMaxPooling1D": return try GlobalMaxPooling1D(config: config)
        case "GlobalAveragePooling1D": return try GlobalAveragePooling1D(config: config)
        case "SimpleRNN": return try SimpleRNN(config: config)
        case "LSTM": return try LSTM(config: config)
        case "GRU": return try GRU(config: config)
        case "Bidirectional": return try Bidirectional(config: config)
        default:
            let name = config["name"]?.stringValue.map { " '\($0)'" } ?? ""
            throw RecurrentError.invalidConfiguration(
                where: "layer\(name)",
                message: "unknown layer type '\(typeName)'; known: \(typeNames.joined(separator: ", "))")
        }
    }
}
