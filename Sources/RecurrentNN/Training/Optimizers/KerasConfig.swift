/// Numbers and dictionaries of Keras `get_config()` for optimizers and schedules.

/// Keras keeps most hyper-parameters as Python floats (doubles) and casts them to float32 where
/// they meet a tensor; Recurrent keeps them as `Float`. `KerasNumber.double` gives back the
/// Python float a user writes for a `Float` (the shortest decimal that reads back as it: 0.9,
/// not 0.8999999761581421), so that configs read like Keras's and the few places where Keras
/// computes in Python doubles (`1 - beta_1`, `1.0 / clip_norm`) round the same way.
enum KerasNumber {
    static func double(_ f: Float) -> Double { Double(f.description) ?? Double(f) }
    static func json(_ f: Float) -> JSONValue { .number(double(f)) }
    static func json(_ f: Float?) -> JSONValue { f.map(json) ?? .null }
}

/// Reads a Keras config dictionary key by key, with errors that name the key, and rejects the
/// keys nobody read (as Keras's constructors reject unknown arguments).
struct OptimizerConfigReader {
    let owner: String
    private var remaining: [String: JSONValue]

    init(_ config: [String: JSONValue], owner: String) {
        self.owner = owner
        self.remaining = config
    }

    /// The raw value; nil when the key is missing.
    mutating func take(_ key: String) -> JSONValue? { remaining.removeValue(forKey: key) }

    private func fail(_ key: String, _ expected: String, _ found: JSONValue) -> RecurrentError {
        .invalidConfiguration(where: owner, message: "`\(key)` must be \(expected), found \(found)")
    }

    private func missing(_ key: String) -> RecurrentError {
        .invalidConfiguration(where: owner, message: "`\(key)` is missing")
    }

    /// A number; `ifMissing` when the key is missing (nil: required).
    /// - Throws: `invalidConfiguration` for a missing required key, null or a value that is not a number.
    mutating func float(_ key: String, ifMissing: Float? = nil) throws -> Float {
        guard let v = take(key) else {
            guard let ifMissing else { throw missing(key) }
            return ifMissing
        }
        guard let d = v.doubleValue else { throw fail(key, "a number", v) }
        return Float(d)
    }

    /// A number or null (nil); `ifMissing` when the key is missing.
    mutating func optionalFloat(_ key: String, ifMissing: Float?) throws -> Float? {
        guard let v = take(key) else { return ifMissing }
        if v == .null { return nil }
        guard let d = v.doubleValue else { throw fail(key, "a number or null", v) }
        return Float(d)
    }

    /// An integer; `ifMissing` when the key is missing (nil: required).
    mutating func int(_ key: String, ifMissing: Int? = nil) throws -> Int {
        guard let v = take(key) else {
            guard let ifMissing else { throw missing(key) }
            return ifMissing
        }
        guard let i = v.intValue else { throw fail(key, "an integer", v) }
        return i
    }

    mutating func bool(_ key: String, ifMissing: Bool) throws -> Bool {
        guard let v = take(key) else { return ifMissing }
        guard let b = v.boolValue else { throw fail(key, "true or false", v) }
        return b
    }

    mutating func string(_ key: String, ifMissing: String?) throws -> String? {
        guard let v = take(key) else { return ifMissing }
        guard let s = v.stringValue else { throw fail(key, "a string", v) }
        return s
    }

    /// Accepts `key` only when it is missing, null or `allowed` (a Keras option Recurrent does not
    /// implement, set to its "off" value).
    mutating func unsupported(_ key: String, allowed: JSONValue = .null) throws {
        guard let v = take(key), v != .null, v != allowed else { return }
        throw RecurrentError.invalidConfiguration(
            where: owner, message: "`\(key)` = \(v) is not supported (only \(allowed == .null ? "null" : "\(allowed) or null"))")
    }

    /// - Throws: `invalidConfiguration` naming the keys that were not read.
    func finish() throws {
        guard remaining.isEmpty else {
            throw RecurrentError.invalidConfiguration(
                where: owner, message: "unknown config keys \(remaining.keys.sorted())")
        }
    }
}
