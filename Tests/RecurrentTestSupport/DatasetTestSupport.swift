import CompressNIO
import Foundation
import NIOCore
import Testing
import Recurrent

/// Where the dataset tests find the real data: `RECURRENT_DATA` when set (CI sets it to
/// `../shared/data`), else `<package root>/../shared/data`. Tests on real rows are skipped, with a
/// message naming the folder, when the dataset is not there.
enum TestData {
    static let directory: DataDirectory = {
        if let path = ProcessInfo.processInfo.environment[DataDirectory.environmentVariable], !path.isEmpty {
            return DataDirectory(path: path)
        }
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // RecurrentTestSupport/
            .deletingLastPathComponent()  // Tests/
            .deletingLastPathComponent()
        return DataDirectory(root: packageRoot.appendingPathComponent("../shared/data", isDirectory: true))
    }()

    /// Whether `file` (relative to the dataset's folder) exists.
    static func has(_ dataset: DatasetName, _ file: String) -> Bool {
        FileManager.default.fileExists(atPath: directory.url(file, in: dataset).path)
    }

    static func skipMessage(_ dataset: DatasetName) -> Comment {
        "needs the \(dataset.rawValue) data in \(directory.folder(dataset).path) (set RECURRENT_DATA)"
    }
}

/// A fresh folder under the system's temporary directory, removed by `remove()`.
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("recurrent-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `bytes` to `relativePath` (creating folders) and returns its URL.
    @discardableResult
    func write(_ relativePath: String, _ bytes: [UInt8]) throws -> URL {
        let file = url.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
        return file
    }

    @discardableResult
    func write(_ relativePath: String, _ text: String) throws -> URL {
        try write(relativePath, Array(text.utf8))
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Builds small tar archives for tests: POSIX ustar headers, optional GNU long-name records.
enum TarBuilder {
    struct Member {
        var name: String
        var contents: [UInt8]
        var type: UInt8 = UInt8(ascii: "0")
        /// Write the name as a GNU `L` record instead of the 100-byte field.
        var gnuLongName = false
    }

    static func archive(_ members: [Member], endBlocks: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        for member in members {
            if member.gnuLongName {
                let name = Array(member.name.utf8) + [0]
                out += header(name: "././@LongLink", size: name.count, type: UInt8(ascii: "L"))
                out += padded(name)
                out += header(name: String(member.name.suffix(99)), size: member.contents.count, type: member.type)
            } else {
                out += header(name: member.name, size: member.contents.count, type: member.type)
            }
            out += padded(member.contents)
        }
        if endBlocks { out += [UInt8](repeating: 0, count: 1024) }
        return out
    }

    static func header(name: String, size: Int, type: UInt8) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, _ offset: Int) {
            for (i, byte) in text.utf8.enumerated() { h[offset + i] = byte }
        }
        var nameBytes = Array(name.utf8)
        if nameBytes.count > 100, let slash = name.utf8.prefix(155).lastIndex(of: UInt8(ascii: "/")) {
            // ustar: split into prefix (up to 155 bytes) and name.
            let cut = name.utf8.distance(from: name.utf8.startIndex, to: slash)
            put(String(name.prefix(cut)), 345)
            nameBytes = Array(nameBytes[(cut + 1)...])
        }
        for (i, byte) in nameBytes.prefix(100).enumerated() { h[i] = byte }
        put("0000644\0", 100)
        put("0000000\0", 108)
        put("0000000\0", 116)
        put(String(format: "%011o\0", size), 124)
        put("00000000000\0", 136)
        h[156] = type
        put("ustar\0", 257)
        put("00", 263)
        for i in 148..<156 { h[i] = 32 }
        let sum = h.reduce(0) { $0 + Int($1) }
        put(String(format: "%06o\0 ", sum), 148)
        return h
    }

    static func padded(_ bytes: [UInt8]) -> [UInt8] {
        bytes + [UInt8](repeating: 0, count: (512 - bytes.count % 512) % 512)
    }

    /// gzip of `bytes` (CompressNIO).
    static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        var buffer = ByteBuffer(bytes: bytes)
        let compressed = try buffer.compress(with: .gzip())
        return Array(compressed.readableBytesView)
    }
}

/// Loads `Fixtures/datasets/<name>.json`.
func datasetFixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    let url = Fixture.directory.appendingPathComponent("datasets/\(name).json")
    return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
}
