/// Reading and writing layer configurations (Keras `get_config` / `from_config`).
///
/// A configuration is a `[String: JSONValue]` with Keras's keys (`units`, `return_sequences`, …).
/// `ConfigReader` reads one with errors that name the layer and the key; it also accepts the keys
/// that Keras writes for options Recurrent does not have, as long as they hold Keras's default
/// (`stateful: false`, `data_format: "channels_last"`, a null regularizer, …), so the output of
/// Keras's `get_config()` can be read as it is. Any other key is an error: a typo never passes
/// silently.

extension JSONValue {
    /// A `Float` as the shortest decimal that reads back as the same `Float` (`0.3`, not
    /// `0.30000001192092896`), as Keras writes its Python floats.
    public init(_ value: Float) {
        self = .number(Double("\(value)") ?? Double(value))
    }

    /// A 1-tuple as Keras writes `kernel_size`, `strides` and `pool_size`: `[value]`.
    static func tuple1(_ value: Int) -> JSONValue { .array([.number(Double(value))]) }
}

extension Initializer {
    /// Keras's serialised form: `{"module": "keras.initializers", "class_name": "GlorotUniform",
    /// "config": {…}, "registered_name": null}` (keras/src/saving/serialization_lib.py).
    public var config: JSONValue {
        let (className, config): (String, [String: JSONValue]) = switch self {
        case .zeros: ("Zeros", [:])
        case .ones: ("Ones", [:])
        case let .constant(v): ("Constant", ["value": JSONValue(v)])
        case .glorotUniform: ("GlorotUniform", ["seed": nil])
        case .heUniform: ("HeUniform", ["seed": nil])
        case let .orthogonal(gain): ("Orthogonal", ["gain": JSONValue(gain), "seed": nil])
        case let .randomUniform(lo, hi): ("RandomUniform", ["minval": JSONValue(lo), "maxval": JSONValue(hi), "seed": nil])
        }
        return ["module": "keras.initializers", "class_name": .string(className), "config": .object(config),
                "registered_name": nil]
    }

    /// Parses Keras's serialised initialiser (the form of `config`) or a Keras name string
    /// (`"glorot_uniform"`, `"zeros"`, …). Seeds are ignored: Recurrent draws from the model's
    /// generator. Returns nil for anything else.
    public init?(config: JSONValue) {
        if let name = config.stringValue {
            switch name.lowercased() {
            case "zeros": self = .zeros
            case "ones": self = .ones
            case "glorot_uniform", "glorotuniform": self = .glorotUniform
            case "he_uniform", "heuniform": self = .heUniform
            case "orthogonal": self = .orthogonal(gain: 1)
            case "uniform", "random_uniform", "randomuniform": self = .randomUniform(min: -0.05, max: 0.05)
            default: return nil
            }
            return
        }
        guard let className = config["class_name"]?.stringValue else { return nil }
        let c = config["config"]?.objectValue ?? [:]
        func float(_ key: String, _ fallback: Float) -> Float? {
            guard let v = c[key] else { return fallback }
            return v.floatValue
        }
        switch className {
        case "Zeros": self = .zeros
        case "Ones": self = .ones
        case "Constant": guard let v = float("value", 0) else { return nil }; self = .constant(v)
        case "GlorotUniform": self = .glorotUniform
        case "HeUniform": self = .heUniform
        case "Orthogonal": guard let g = float("gain", 1) else { return nil }; self = .orthogonal(gain: g)
        case "RandomUniform":
            guard let lo = float("minval", -0.05), let hi = float("maxval", 0.05) else { return nil }
            self = .randomUniform(min: lo, max: hi)
        default: return nil
        }
    }
}

/// Reads a layer configuration key by key. Every error is `RecurrentError.invalidConfiguration`
/// whose location names the layer type and name and whose message names the key, what was
/// expected and what was found.
///
/// Use: read each key (`required` or with a default), then call `finish()`, which rejects keys
/// that were not read unless they are Keras keys at their default value.
public final class ConfigReader {
    public let typeName: String
    public let config: [String: JSONValue]
    private var read: Set<String> = []

    public init(typeName: String, config: [String: JSONValue]) {
        self.typeName = typeName
        self.config = config
    }

    /// `LSTM 'lstm_1'`, or the type alone when the configuration has no name.
    public var location: String {
        if let name = config["name"]?.stringValue { return "\(typeName) '\(name)'" }
        return typeName
    }

    /// The error for `key`: expected `expected`, found `found`.
    public func error(_ key: String, expected: String, found: JSONValue?) -> RecurrentError {
        .invalidConfiguration(
            where: location,
            message: "key '\(key)': expected \(expected), found \(found.map { "\($0)" } ?? "nothing (the key is missing)")")
    }

    /// The value of `key` parsed by `parse`; throws when the key is missing or does not parse.
    public func required<T>(_ key: String, _ expected: String, _ parse: (JSONValue) throws -> T?) throws -> T {
        read.insert(key)
        guard let raw = config[key], let value = try? parse(raw) else { throw error(key, expected: expected, found: config[key]) }
        return value
    }

    /// The value of `key` parsed by `parse`, or `fallback` when the key is missing; throws when it
    /// does not parse.
    public func optional<T>(_ key: String, _ fallback: T, _ expected: String, _ parse: (JSONValue) throws -> T?) throws -> T {
        guard config[key] != nil else { read.insert(key); return fallback }
        return try required(key, expected, parse)
    }

    // Parsers for the common kinds of value, for `required` and `optional`: nil when `v` is not one.
    /// An integral number.
    public static func int(_ v: JSONValue) -> Int? { v.intValue }
    public static func bool(_ v: JSONValue) -> Bool? { v.boolValue }
    public static func string(_ v: JSONValue) -> String? { v.stringValue }
    /// A finite number, as a `Float`.
    public static func float(_ v: JSONValue) -> Float? {
        guard let d = v.doubleValue, d.isFinite else { return nil }
        return Float(d)
    }
    /// An int or a 1-element list of one (Keras writes `kernel_size: [5]`).
    public static func intOrTuple1(_ v: JSONValue) -> Int? {
        if let i = v.intValue { return i }
        if let a = v.arrayValue, a.count == 1 { return a[0].intValue }
        return nil
    }
    /// A Keras activation name (`Activation(keras:)`).
    public static func activation(_ v: JSONValue) -> Activation? { v.stringValue.flatMap { try? Activation(keras: $0) } }
    /// A Keras padding name (`Padding(keras:)`).
    public static func padding(_ v: JSONValue) -> Padding? { v.stringValue.flatMap { try? Padding(keras: $0) } }
    /// A serialised Keras initialiser or its name (`Initializer(config:)`).
    public static func initializer(_ v: JSONValue) -> Initializer? { Initializer(config: v) }

    /// `name`, defaulting to `fallback` (the class's default name).
    public func name(default fallback: String) throws -> String {
        try optional("name", fallback, "a string", Self.string)
    }

    /// Checks `trainable` (applied to the weights by `Sequential.make(from:)` after building,
    /// since an unbuilt layer has none) and returns it, default true.
    public func trainable() throws -> Bool { try optional("trainable", true, "true or false", Self.bool) }

    /// Keras keys for options Recurrent does not have, with the values that mean "not used":
    /// accepted and ignored when they hold one of these, an error otherwise.
    static let kerasDefaults: [String: [JSONValue]] = [
        "stateful": [false], "data_format": ["channels_last"], "dilation_rate": [1, [1]], "groups": [1],
        "keepdims": [false], "noise_shape": [nil], "quantization_config": [nil], "lora_rank": [nil],
        "kernel_regularizer": [nil], "recurrent_regularizer": [nil], "bias_regularizer": [nil],
        "activity_regularizer": [nil], "embeddings_regularizer": [nil],
        "kernel_constraint": [nil], "recurrent_constraint": [nil], "bias_constraint": [nil],
        "embeddings_constraint": [nil], "input_length": [nil],
    ]
    /// Keras keys whose value does not change what the layer computes here: ignored.
    /// (`dtype`: Recurrent computes in float32; `unroll`: the same result either way; the seed
    /// of a recurrent layer's dropout and its initialisers: Recurrent draws its own.)
    static let kerasIgnored: Set<String> = [
        "dtype", "unroll", "module", "registered_name", "build_config",
    ]

    /// Throws for the first key that was not read and is not a Keras key at its default.
    /// `ignoring` lists further keys to accept as they are.
    public func finish(ignoring extra: Set<String> = []) throws {
        for key in config.keys.sorted() where !read.contains(key) && !Self.kerasIgnored.contains(key) && !extra.contains(key) {
            guard let allowed = Self.kerasDefaults[key] else {
                throw RecurrentError.invalidConfiguration(
                    where: location, message: "unknown key '\(key)' for \(typeName)")
            }
            guard let value = config[key], allowed.contains(value) else {
                throw error(key, expected: "\(allowed.map(\.description).joined(separator: " or ")) (Recurrent does not support other values)",
                            found: config[key])
            }
        }
    }
}

extension Layer {
    /// The keys every Keras layer writes first: `name`, and `trainable` (true unless every weight
    /// is frozen; true for a layer without weights).
    public var baseConfig: [String: JSONValue] {
        ["name": .string(name), "trainable": .bool(parameters.allSatisfy(\.trainable))]
    }
}
