import Foundation
import RecurrentTensor

/// A regular file inside a tar archive.
public struct TarEntry: Sendable {
    /// The member's path inside the archive (`aclImdb/train/pos/0_9.txt`).
    public var path: String
    /// The file's bytes.
    public var contents: [UInt8]
}

/// A reader of tar archives (POSIX ustar, with the GNU `L` long-name and pax `x` path records),
/// plain or gzip-compressed (detected from the gzip magic number, so `.tar` and `.tar.gz` both work).
///
/// Layout (POSIX.1-1988 ustar, IEEE 1003.1): 512-byte header blocks — name at 0 (100 bytes),
/// size at 124 (12 bytes, octal, or base-256 when the top bit is set), checksum at 148 (8 bytes),
/// type flag at 156, magic `ustar` at 257, prefix at 345 (155 bytes) — each followed by the
/// member's data padded to a multiple of 512 bytes; the archive ends with two zero blocks.
///
/// Only regular files (type `0` or NUL) are delivered; directories, links and the like are skipped.
public enum TarArchive {
    /// Calls `body` with every regular file of the archive at `url` whose path `include` accepts,
    /// in archive order. Members that are not included are skipped without copying their data.
    ///
    /// - Throws: `RecurrentError.fileFormat` naming the archive (and the member) for a bad header
    ///   checksum, a member cut off by the end of the data, a corrupt or truncated gzip stream;
    ///   whatever `body` throws.
    public static func forEachFile(
        in url: URL, include: (String) -> Bool = { _ in true }, _ body: (TarEntry) throws -> Void
    ) throws {
        let bytes = try FileBytes.read(url)
        try forEachFile(bytes: bytes, name: url.lastPathComponent, include: include, body)
    }

    /// As `forEachFile(in:include:_:)`, for an archive already in memory; `name` is used in errors.
    public static func forEachFile(
        bytes: [UInt8], name: String, include: (String) -> Bool = { _ in true }, _ body: (TarEntry) throws -> Void
    ) throws {
        try withoutActuallyEscaping(include) { include in
            var parser = TarStreamParser(archive: name, include: include)
            if Gunzip.isGzip(bytes) {
                try Gunzip.decompress(bytes, file: name) { chunk in try parser.feed(chunk, body) }
            } else {
                try bytes.withUnsafeBytes { try parser.feed($0, body) }
            }
            try parser.finish()
        }
    }
}

/// The incremental tar parser behind `TarArchive`: fed the archive's bytes in chunks of any size.
struct TarStreamParser {
    let archive: String
    let include: (String) -> Bool

    private enum State {
        case header
        /// Inside a member: bytes of data left, padding after them, and whether the data is kept.
        case data(remaining: Int, padding: Int, keep: Bool)
        case end
    }

    private var state = State.header
    private var headerBuffer: [UInt8] = []
    private var current = TarEntry(path: "", contents: [])
    private var currentType: UInt8 = 0
    /// A long name from a GNU `L` or pax `x` record, for the next member.
    private var pendingName: String?
    private var offset = 0

    init(archive: String, include: @escaping (String) -> Bool) {
        self.archive = archive
        self.include = include
    }

    mutating func feed(_ chunk: UnsafeRawBufferPointer, _ body: (TarEntry) throws -> Void) throws {
        var index = 0
        let count = chunk.count
        while index < count {
            switch state {
            case .end:
                return  // whatever follows the end-of-archive blocks is ignored, as tar does
            case .header:
                let take = min(512 - headerBuffer.count, count - index)
                headerBuffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[index..<index + take]))
                index += take
                offset += take
                if headerBuffer.count == 512 {
                    try parseHeader(body)
                    headerBuffer.removeAll(keepingCapacity: true)
                }
            case let .data(remaining, padding, keep):
                if remaining > 0 {
                    let take = min(remaining, count - index)
                    if keep {
                        current.contents.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[index..<index + take]))
                    }
                    index += take
                    offset += take
                    state = .data(remaining: remaining - take, padding: padding, keep: keep)
                    if remaining - take == 0 { try finishMember(body) }
                } else {
                    let take = min(padding, count - index)
                    index += take
                    offset += take
                    state = padding - take == 0 ? .header : .data(remaining: 0, padding: padding - take, keep: keep)
                }
            }
        }
    }

    /// Checks that the archive did not stop inside a member.
    func finish() throws {
        switch state {
        case .end:
            return
        case .header where headerBuffer.isEmpty:
            // A missing end-of-archive marker after a complete member is accepted, as GNU tar does.
            return
        case .header:
            throw RecurrentError.fileFormat(
                location: archive, message: "expected a 512-byte tar header, found the archive ending inside one")
        case let .data(remaining, _, _) where remaining > 0:
            throw RecurrentError.fileFormat(
                location: "\(archive): \(current.path)",
                message: "expected \(remaining) more bytes of this member, found the end of the archive (truncated?)")
        case .data:
            return  // only padding missing
        }
    }

    private mutating func parseHeader(_ body: (TarEntry) throws -> Void) throws {
        let h = headerBuffer
        // An all-zero block ends the archive (a real header never starts with a NUL name).
        if h[0] == 0, h.allSatisfy({ $0 == 0 }) {
            state = .end
            return
        }
        let headerOffset = offset - 512
        // Checksum: the sum of all header bytes with the checksum field read as spaces.
        let sum = h.withUnsafeBufferPointer { p in
            var sum = 0
            for i in 0..<512 { sum &+= Int(p[i]) }
            for i in 148..<156 { sum += 32 - Int(p[i]) }
            return sum
        }
        guard let stored = Self.octal(h[148..<156]), stored == sum else {
            throw RecurrentError.fileFormat(
                location: "\(archive) at byte \(headerOffset)",
                message: "expected a tar header with checksum \(sum), found \(Self.text(h[148..<156]).debugDescription)")
        }
        guard let size = Self.size(h[124..<136]) else {
            throw RecurrentError.fileFormat(
                location: "\(archive) at byte \(headerOffset)",
                message: "expected an octal size, found \(Self.text(h[124..<136]).debugDescription)")
        }
        var name = Self.text(h[0..<100])
        let magic = Self.text(h[257..<262])
        if magic == "ustar" {
            let prefix = Self.text(h[345..<500])
            if !prefix.isEmpty { name = prefix + "/" + name }
        }
        if let pendingName {
            name = pendingName
            self.pendingName = nil
        }
        currentType = h[156]
        let isFile = currentType == UInt8(ascii: "0") || currentType == 0 || currentType == UInt8(ascii: "7")
        let isNameRecord = currentType == UInt8(ascii: "L") || currentType == UInt8(ascii: "x")
        let keep = isNameRecord || (isFile && include(name))
        current = TarEntry(path: name, contents: [])
        if keep { current.contents.reserveCapacity(size) }
        let padding = (512 - size % 512) % 512
        state = .data(remaining: size, padding: padding, keep: keep)
        if size == 0 { try finishMember(body) }
    }

    private mutating func finishMember(_ body: (TarEntry) throws -> Void) throws {
        guard case let .data(_, padding, keep) = state else { return }
        state = padding == 0 ? .header : .data(remaining: 0, padding: padding, keep: keep)
        guard keep else { return }
        switch currentType {
        case UInt8(ascii: "L"):
            pendingName = Self.text(current.contents[...])
        case UInt8(ascii: "x"):
            // pax records: "<length> path=<value>\n"
            let records = String(decoding: current.contents, as: UTF8.self).split(separator: "\n")
            for record in records {
                if let range = record.range(of: " path=") {
                    pendingName = String(record[range.upperBound...])
                }
            }
        default:
            try body(current)
        }
        current.contents = []
    }

    /// A NUL-terminated header field as text.
    static func text(_ field: ArraySlice<UInt8>) -> String {
        let end = field.firstIndex(of: 0) ?? field.endIndex
        return String(decoding: field[field.startIndex..<end], as: UTF8.self)
    }

    /// An octal header number (spaces and NULs around it are allowed); nil if malformed.
    static func octal(_ field: ArraySlice<UInt8>) -> Int? {
        var value = 0, digits = 0, ended = false
        for byte in field {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "7") where !ended:
                guard value < Int.max >> 3 else { return nil }
                value = value << 3 | Int(byte - UInt8(ascii: "0"))
                digits += 1
            case 0, UInt8(ascii: " "):
                if digits > 0 { ended = true }
            default:
                return nil
            }
        }
        return value
    }

    /// The size field: octal, or GNU base-256 (top bit of the first byte set) for large members.
    static func size(_ field: ArraySlice<UInt8>) -> Int? {
        guard let first = field.first, first & 0x80 != 0 else { return octal(field) }
        var value = Int(first & 0x7F)
        for byte in field.dropFirst() {
            guard value < Int.max >> 8 else { return nil }
            value = value << 8 | Int(byte)
        }
        return value
    }
}
