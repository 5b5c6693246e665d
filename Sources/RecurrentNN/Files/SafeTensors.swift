import Foundation

/// The safetensors layout (https://github.com/huggingface/safetensors), float32 only:
///
///     8 bytes      N, the header length, unsigned little-endian
///     N bytes      the header: a JSON object, padded with spaces so that 8 + N is a multiple of 8
///                  {"__metadata__": {string: string, …},
///                   "<tensor name>": {"dtype": "F32", "shape": [d0, d1, …], "data_offsets": [begin, end]}, …}
///     the data     each tensor's float32 values, little-endian, row-major, at [begin, end) counted
///                  from the first byte after the header; tensors are contiguous, without gaps,
///                  and the data ends with the last one
///
/// Python's `safetensors.numpy.load_file` reads what `encode` writes.
enum SafeTensors {
    /// A decoded file: tensors in the order of their data, the metadata, and where the header is.
    struct Contents {
        var tensors: [(name: String, tensor: Tensor)]
        var metadata: [String: String]
    }

    /// The reference implementation's limit on the header (100 MB): a larger length is not a
    /// safetensors file.
    static let maxHeaderLength = 100_000_000

    /// The file bytes for `tensors` (in this order in the data) and `metadata`.
    /// Keys and tensor names are written as given; names must be unique and not `__metadata__`.
    static func encode(tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) -> [UInt8] {
        var header = "{\"__metadata__\":{"
        header += metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }.joined(separator: ",")
        header += "}"
        var offset = 0
        for (name, tensor) in tensors {
            let end = offset + 4 * tensor.count
            header += ",\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],"
                + "\"data_offsets\":[\(offset),\(end)]}"
            offset = end
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(0x20) }
        var out = [UInt8]()
        out.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        for (_, tensor) in tensors { appendLittleEndian(tensor.data, to: &out) }
        return out
    }

    /// The header length and header bytes, checking only the framing: at least 8 bytes, a
    /// plausible length, and the whole header present.
    /// - Throws: `fileFormat` (empty, not this layout, or truncated inside the header).
    static func header(of bytes: [UInt8], location: String) throws -> ArraySlice<UInt8> {
        guard !bytes.isEmpty else {
            throw RecurrentError.fileFormat(location: location, message: "expected a model file, found an empty file")
        }
        guard bytes.count >= 8 else {
            throw RecurrentError.fileFormat(
                location: location,
                message: "the file is truncated: expected at least 8 bytes (the header length), found \(bytes.count)")
        }
        let n = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n >= 2, n <= UInt64(maxHeaderLength) else {
            throw RecurrentError.fileFormat(
                location: location,
                message: "expected a model file (an 8-byte header length, then a JSON header), "
                    + "found a header length of \(n) bytes (at most \(maxHeaderLength) are plausible)")
        }
        guard n <= UInt64(bytes.count - 8) else {
            throw RecurrentError.fileFormat(
                location: location,
                message: "the file is truncated: the header says \(n) header bytes after the 8-byte length, "
                    + "but only \(bytes.count - 8) bytes follow")
        }
        guard bytes[8] == UInt8(ascii: "{") else {
            throw RecurrentError.fileFormat(
                location: location, message: "expected a JSON header starting with '{', found byte \(bytes[8])")
        }
        return bytes[8..<(8 + Int(n))]
    }

    /// Decodes a whole file.
    /// - Throws: `fileFormat` naming `location` for a truncated file, a header that is not JSON,
    ///   a tensor entry that is not F32 with a shape that fits its offsets, or gaps/overlaps.
    static func decode(_ bytes: [UInt8], location: String) throws -> Contents {
        let headerBytes = try header(of: bytes, location: location)
        let header = try parseHeader(headerBytes, location: location)
        let dataStart = 8 + headerBytes.count
        var metadata: [String: String] = [:]
        if let m = header["__metadata__"] {
            guard let object = m.objectValue else {
                throw RecurrentError.fileFormat(location: location, message: "expected \"__metadata__\" to be an object of strings, found \(m)")
            }
            for (key, value) in object {
                guard let s = value.stringValue else {
                    throw RecurrentError.fileFormat(
                        location: location, message: "expected the metadata value of '\(key)' to be a string, found \(value)")
                }
                metadata[key] = s
            }
        }
        var entries: [(name: String, shape: [Int], begin: Int, end: Int)] = []
        for (name, entry) in header.objectValue ?? [:] where name != "__metadata__" {
            func bad(_ what: String) -> RecurrentError {
                .fileFormat(location: location, message: "tensor '\(name)': expected \(what), found \(entry)")
            }
            guard entry["dtype"]?.stringValue == "F32" else { throw bad("dtype \"F32\" (Recurrent stores float32)") }
            guard let shape = entry["shape"]?.arrayValue?.compactMap(\.intValue), shape.count == entry["shape"]?.arrayValue?.count,
                  shape.allSatisfy({ $0 >= 0 }), let count = Tensor.elementCount(shape) else {
                throw bad("a shape of non-negative integers")
            }
            guard let offsets = entry["data_offsets"]?.arrayValue, offsets.count == 2,
                  let begin = offsets[0].intValue, let end = offsets[1].intValue, begin >= 0, end >= begin else {
                throw bad("data_offsets [begin, end] with 0 ≤ begin ≤ end")
            }
            guard end - begin == 4 * count else {
                throw bad("\(4 * count) bytes of data for shape \(shape) (data_offsets \(end - begin) bytes)")
            }
            entries.append((name, shape, begin, end))
        }
        // Contiguous from 0, and the data ends with the last tensor (as safetensors checks).
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var position = 0
        for e in entries {
            guard e.begin == position else {
                throw RecurrentError.fileFormat(
                    location: location,
                    message: "tensor '\(e.name)': expected its data to start at byte \(position) of the data (tensors contiguous, without gaps), found \(e.begin)")
            }
            position = e.end
        }
        let available = bytes.count - dataStart
        guard available >= position else {
            throw RecurrentError.fileFormat(
                location: location,
                message: "the file is truncated: the header describes \(position) bytes of tensor data, but only \(available) follow it")
        }
        guard available == position else {
            throw RecurrentError.fileFormat(
                location: location,
                message: "expected the file to end after \(position) bytes of tensor data, found \(available - position) more bytes")
        }
        let tensors = entries.map { e in
            (name: e.name, tensor: Tensor(uncheckedShape: e.shape,
                                          data: readLittleEndian(bytes, from: dataStart + e.begin, count: (e.end - e.begin) / 4)))
        }
        return Contents(tensors: tensors, metadata: metadata)
    }

    /// The header as a JSON object.
    /// - Throws: `fileFormat` when it is not UTF-8 JSON or not an object.
    static func parseHeader(_ headerBytes: ArraySlice<UInt8>, location: String) throws -> JSONValue {
        let parsed: JSONValue
        do {
            parsed = try JSONDecoder().decode(JSONValue.self, from: Data(headerBytes))
        } catch {
            let preview = String(decoding: headerBytes.prefix(60), as: UTF8.self)
            throw RecurrentError.fileFormat(
                location: location, message: "expected a JSON header, found bytes that do not parse as JSON: \(preview)…")
        }
        guard parsed.objectValue != nil else {
            throw RecurrentError.fileFormat(location: location, message: "expected a JSON object as the header, found \(parsed)")
        }
        return parsed
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    static func appendLittleEndian(_ values: [Float], to out: inout [UInt8]) {
        #if _endian(little)
        values.withUnsafeBytes { out.append(contentsOf: $0) }
        #else
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        #endif
    }

    static func readLittleEndian(_ bytes: [UInt8], from start: Int, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { out, initialized in
            bytes.withUnsafeBytes { raw in
                #if _endian(little)
                UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[start..<(start + 4 * count)]))
                #else
                for i in 0..<count {
                    out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self)))
                }
                #endif
            }
            initialized = count
        }
    }
}
