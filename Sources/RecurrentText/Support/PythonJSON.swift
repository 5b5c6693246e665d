import RecurrentTensor

/// JSON as Python's `json` module reads and writes it, keeping the order of object keys (Keras's
/// tokenizer JSON stores ordered dictionaries, and the order carries meaning).
///
/// Writing follows `json.dumps` with its defaults: separators `", "` and `": "`,
/// `ensure_ascii=True` (every code point outside printable ASCII, DEL included, as `\uXXXX` in
/// lowercase hex; beyond the BMP as a UTF-16 surrogate pair), `\"`, `\\`, `\n`, `\r`, `\t`,
/// `\b`, `\f`. So a value written here is byte-identical to Python's output for the same value.
enum PythonJSON: Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([PythonJSON])
    /// Keys in document order; a repeated key appears as often as in the text (Python keeps the
    /// last value at the first position: use `OrderedDictionary(pairs)`).
    case object([(String, PythonJSON)])

    static func == (a: PythonJSON, b: PythonJSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.double(x), .double(y)): return x == y
        case let (.string(x), .string(y)): return Word(x) == Word(y)
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { Word($0.0) == Word($1.0) && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The value of `key` in an object (the last one when repeated, as Python), nil otherwise.
    subscript(key: String) -> PythonJSON? {
        guard case let .object(pairs) = self else { return nil }
        return pairs.last { Word($0.0) == Word(key) }?.1
    }

    // MARK: Writing

    /// `json.dumps(value)` with Python's defaults.
    var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .double(d):
            // Swift's shortest round-trip form, which is Python's `repr` for the values met here.
            out += d.isNaN ? "NaN" : d.isInfinite ? (d > 0 ? "Infinity" : "-Infinity") : "\(d)"
        case let .string(s): PythonJSON.writeString(s, to: &out)
        case let .array(items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                item.write(to: &out)
            }
            out += "]"
        case let .object(pairs):
            out += "{"
            for (i, (k, v)) in pairs.enumerated() {
                if i > 0 { out += ", " }
                PythonJSON.writeString(k, to: &out)
                out += ": "
                v.write(to: &out)
            }
            out += "}"
        }
    }

    /// A quoted JSON string with `ensure_ascii=True` escapes (CPython's `py_encode_basestring_ascii`).
    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                let v = scalar.value
                if v >= 0x20 && v < 0x7F {
                    out.unicodeScalars.append(scalar)
                } else if v < 0x10000 {
                    out += hex4(v)
                } else {
                    let u = v - 0x10000
                    out += hex4(0xD800 | (u >> 10))
                    out += hex4(0xDC00 | (u & 0x3FF))
                }
            }
        }
        out += "\""
    }

    private static func hex4(_ v: UInt32) -> String {
        let digits = String(v, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
    }

    // MARK: Reading

    /// Parses JSON text as `json.loads` does (strict JSON plus Python's `NaN`, `Infinity`,
    /// `-Infinity`). `location` names the text in errors.
    /// - Throws: `RecurrentError.fileFormat` naming `location` and the byte offset of the problem.
    static func parse(_ text: String, location: String) throws -> PythonJSON {
        var parser = Parser(bytes: Array(text.utf8), location: location)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == parser.bytes.count else {
            throw parser.error("expected the end of the JSON text, found more")
        }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        let location: String
        var position = 0

        init(bytes: [UInt8], location: String) {
            self.bytes = bytes
            self.location = location
        }

        func error(_ message: String) -> RecurrentError {
            .fileFormat(location: location, message: "\(message) (at byte \(position))")
        }

        mutating func skipWhitespace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        mutating func expect(_ literal: String) throws {
            let lit = Array(literal.utf8)
            guard position + lit.count <= bytes.count, Array(bytes[position..<(position + lit.count)]) == lit else {
                throw error("expected '\(literal)'")
            }
            position += lit.count
        }

        mutating func value(depth: Int) throws -> PythonJSON {
            guard depth < 512 else { throw error("expected JSON nested at most 512 deep") }
            guard position < bytes.count else { throw error("expected a value, found the end of the text") }
            switch bytes[position] {
            case UInt8(ascii: "{"):
                position += 1
                var pairs: [(String, PythonJSON)] = []
                skipWhitespace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(pairs) }
                while true {
                    skipWhitespace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                        throw error("expected a string key")
                    }
                    let key = try string()
                    skipWhitespace()
                    try expect(":")
                    skipWhitespace()
                    pairs.append((key, try value(depth: depth + 1)))
                    skipWhitespace()
                    guard position < bytes.count else { throw error("expected ',' or '}', found the end") }
                    if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                    if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(pairs) }
                    throw error("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                position += 1
                var items: [PythonJSON] = []
                skipWhitespace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                while true {
                    skipWhitespace()
                    items.append(try value(depth: depth + 1))
                    skipWhitespace()
                    guard position < bytes.count else { throw error("expected ',' or ']', found the end") }
                    if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                    if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                    throw error("expected ',' or ']'")
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            case UInt8(ascii: "N"): try expect("NaN"); return .double(.nan)
            case UInt8(ascii: "I"): try expect("Infinity"); return .double(.infinity)
            default:
                if bytes[position] == UInt8(ascii: "-"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "I") {
                    try expect("-Infinity")
                    return .double(-.infinity)
                }
                return try number()
            }
        }

        mutating func number() throws -> PythonJSON {
            let start = position
            var isInteger = true
            if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
            let digitsStart = position
            while position < bytes.count, (0x30...0x39).contains(bytes[position]) { position += 1 }
            guard position > digitsStart else { throw error("expected a value") }
            if bytes[digitsStart] == 0x30, position - digitsStart > 1 { throw error("expected no leading zeros in a number") }
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                isInteger = false
                position += 1
                let fractionStart = position
                while position < bytes.count, (0x30...0x39).contains(bytes[position]) { position += 1 }
                guard position > fractionStart else { throw error("expected digits after '.'") }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                isInteger = false
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
                let expStart = position
                while position < bytes.count, (0x30...0x39).contains(bytes[position]) { position += 1 }
                guard position > expStart else { throw error("expected digits in the exponent") }
            }
            let literal = Swift.String(decoding: bytes[start..<position], as: UTF8.self)
            if isInteger, let i = Int(literal) { return .int(i) }
            guard let d = Double(literal) else { throw error("expected a number, found '\(literal)'") }
            return .double(d)
        }

        /// A string literal starting at the opening quote.
        mutating func string() throws -> Swift.String {
            position += 1  // opening quote
            var scalars = Swift.String.UnicodeScalarView()
            var runStart = position
            func flushRun(_ end: Int) {
                if end > runStart {
                    scalars.append(contentsOf: Swift.String(decoding: bytes[runStart..<end], as: UTF8.self).unicodeScalars)
                }
            }
            while true {
                guard position < bytes.count else { throw error("expected a closing '\"', found the end") }
                let b = bytes[position]
                if b == UInt8(ascii: "\"") {
                    flushRun(position)
                    position += 1
                    return Swift.String(scalars)
                }
                if b < 0x20 { throw error("expected no raw control characters in a string") }
                if b != UInt8(ascii: "\\") { position += 1; continue }
                flushRun(position)
                position += 1
                guard position < bytes.count else { throw error("expected an escape, found the end") }
                let e = bytes[position]
                position += 1
                switch e {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var v = try hex4()
                    if (0xD800...0xDBFF).contains(v), position + 1 < bytes.count,
                        bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
                    {
                        let save = position
                        position += 2
                        let low = try hex4()
                        if (0xDC00...0xDFFF).contains(low) {
                            v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            position = save
                        }
                    }
                    guard let scalar = Unicode.Scalar(v) else {
                        // Python keeps a lone surrogate in its str; a Swift String cannot hold one.
                        throw error("expected a valid Unicode code point, found the lone surrogate \\u\(Swift.String(v, radix: 16))")
                    }
                    scalars.append(scalar)
                default:
                    throw error("expected a valid escape, found '\\\(Character(Unicode.Scalar(e)))'")
                }
                runStart = position
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard position + 4 <= bytes.count,
                let v = UInt32(Swift.String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16)
            else { throw error("expected 4 hex digits after \\u") }
            position += 4
            return v
        }
    }
}
