import Foundation
import RecurrentTensor

/// The character encodings of the lecture's files.
///
/// - `utf8`: strict; a byte sequence that is not UTF-8 is an error naming the file, line and byte
///   (NSMC, NYT articles, IMDB reviews are UTF-8; a cp949 copy of NSMC fails here, clearly).
/// - `latin1`: ISO-8859-1, every byte is the code point of the same value, so decoding never fails
///   (SMS spam `spam.csv` and the Reuters SGML files are documented as latin-1 in their SOURCE.md,
///   and the lecture reads `spam.csv` with `encoding='latin-1'`).
public enum TextEncoding: String, Sendable {
    case utf8
    case latin1

    /// Decodes `bytes`; `location` (e.g. `spam.csv:97`) names them in the error.
    ///
    /// - Throws: `RecurrentError.fileFormat` for bytes that are not UTF-8 (`utf8` only).
    public func decode<C: Collection>(_ bytes: C, location: @autoclosure () -> String) throws -> String
    where C.Element == UInt8 {
        switch self {
        case .utf8:
            if let text = String(validating: bytes, as: UTF8.self) { return text }
            let (offset, byte) = Self.firstInvalidUTF8(bytes)
            throw RecurrentError.fileFormat(
                location: location(),
                message: "expected UTF-8 text, found byte 0x\(String(byte, radix: 16, uppercase: true)) at byte "
                    + "\(offset + 1) of the field that is not UTF-8 (is the file in another encoding? "
                    + "convert it, e.g. `iconv -f cp949 -t utf-8`)")
        case .latin1:
            return Self.latin1String(bytes)
        }
    }

    /// ISO-8859-1: each byte is one Unicode scalar of the same value.
    static func latin1String<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        var utf8: [UInt8] = []
        utf8.reserveCapacity(bytes.count + bytes.count / 4)
        for byte in bytes {
            if byte < 0x80 {
                utf8.append(byte)
            } else {
                utf8.append(0xC0 | (byte >> 6))
                utf8.append(0x80 | (byte & 0x3F))
            }
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// The offset and value of the first byte where UTF-8 decoding fails.
    static func firstInvalidUTF8<C: Collection>(_ bytes: C) -> (offset: Int, byte: UInt8) where C.Element == UInt8 {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return (offset, 0)
            case .error:
                return (offset, bytes[bytes.index(bytes.startIndex, offsetBy: offset)])
            }
        }
    }
}
