import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

@Suite("Tar and gzip reading")
struct TarArchiveTests {
    static let members: [TarBuilder.Member] = [
        .init(name: "aclImdb/", contents: [], type: UInt8(ascii: "5")),
        .init(name: "aclImdb/train/pos/0_9.txt", contents: Array("Great film.".utf8)),
        .init(name: "aclImdb/" + String(repeating: "long/", count: 25) + "1_7.txt", contents: Array("prefix field".utf8)),
        .init(name: "aclImdb/" + String(repeating: "gnu/", count: 60) + "2_8.txt", contents: [UInt8](repeating: 65, count: 700),
              gnuLongName: true),
        .init(name: "aclImdb/empty.txt", contents: []),
    ]

    static func read(_ bytes: [UInt8], include: @escaping (String) -> Bool = { _ in true }) throws -> [TarEntry] {
        var entries: [TarEntry] = []
        try TarArchive.forEachFile(bytes: bytes, name: "test.tar", include: include) { entries.append($0) }
        return entries
    }

    @Test func readsPlainAndGzippedArchives() throws {
        let tar = TarBuilder.archive(Self.members)
        for bytes in [tar, try TarBuilder.gzip(tar)] {
            let entries = try Self.read(bytes)
            // The directory is skipped; the long names come back whole.
            #expect(entries.map(\.path) == Self.members.dropFirst().map(\.name))
            #expect(entries.map(\.contents) == Self.members.dropFirst().map(\.contents))
        }
    }

    @Test func includeFilterSkipsMembers() throws {
        let entries = try Self.read(TarBuilder.archive(Self.members)) { $0.hasSuffix("0_9.txt") }
        #expect(entries.map(\.path) == ["aclImdb/train/pos/0_9.txt"])
    }

    @Test func badChecksumNamesTheArchiveAndOffset() throws {
        var tar = TarBuilder.archive(Self.members)
        tar[512 + 10] ^= 0xFF  // inside the second header's name
        #expect {
            _ = try Self.read(tar)
        } throws: { error in
            guard case let .fileFormat(location, message) = error as? RecurrentError else { return false }
            return location == "test.tar at byte 512" && message.contains("checksum")
        }
    }

    @Test func truncatedMemberIsAnError() throws {
        let tar = TarBuilder.archive(Self.members)
        let cut = Array(tar[..<(1024 + 5)])  // second member's header and 5 of its 11 bytes
        #expect {
            _ = try Self.read(cut)
        } throws: { error in
            guard case let .fileFormat(location, message) = error as? RecurrentError else { return false }
            return location.contains("0_9.txt") && message.contains("6 more bytes")
        }
    }

    @Test func truncatedOrCorruptGzipIsAnError() throws {
        let gz = try TarBuilder.gzip(TarBuilder.archive(Self.members))
        #expect(throws: RecurrentError.self) { _ = try Self.read(Array(gz[..<(gz.count / 2)])) }
        var corrupt = gz
        corrupt[gz.count / 2] ^= 0xFF
        #expect(throws: RecurrentError.self) { _ = try Self.read(corrupt) }
        #expect {
            _ = try Self.read(gz + [1, 2, 3])
        } throws: { error in
            (error as? RecurrentError)?.description.contains("after its end") == true
        }
    }
}
