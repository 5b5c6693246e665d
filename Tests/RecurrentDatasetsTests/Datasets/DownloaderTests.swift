import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

/// `Downloader` against `LocalHTTPServer` on loopback: a full download, one resumed after the
/// connection drops half way, and a checksum mismatch that leaves nothing behind.
@Suite("Downloads", .serialized)
struct DownloaderTests {
    static let body: [UInt8] = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
    static let digest = FileDigest.sha256(FileDigest.hex(of: body, .sha256))

    @Test func fullDownloadIsVerifiedAndAtomic() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let server = try LocalHTTPServer(body: Self.body)
        defer { server.stop() }
        let destination = folder.url.appendingPathComponent("nsmc/file.bin")
        let outcome = try Downloader.download(server.url("file.bin"), to: destination, digest: Self.digest)
        #expect(outcome == .downloaded(bytes: Int64(Self.body.count), resumedFrom: 0))
        #expect(try [UInt8](Data(contentsOf: destination)) == Self.body)
        #expect(!FileManager.default.fileExists(atPath: destination.path + ".part"))
        // Already there: nothing fetched.
        #expect(try Downloader.download(server.url("file.bin"), to: destination, digest: Self.digest) == .alreadyPresent)
        #expect(server.ranges == [nil])
    }

    @Test func droppedConnectionResumesWithRange() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let half = Self.body.count / 2
        let server = try LocalHTTPServer(body: Self.body, dropAfter: half)
        defer { server.stop() }
        let destination = folder.url.appendingPathComponent("file.bin")
        #expect {
            try Downloader.download(server.url("file.bin"), to: destination, digest: Self.digest)
        } throws: { error in
            guard case let .downloadFailed(_, message) = error as? RecurrentError else { return false }
            return message.contains("run the command again to resume")
        }
        #expect(!FileManager.default.fileExists(atPath: destination.path))
        let part = try [UInt8](Data(contentsOf: URL(fileURLWithPath: destination.path + ".part")))
        #expect(part == Array(Self.body.prefix(part.count)) && part.count == half)

        let outcome = try Downloader.download(server.url("file.bin"), to: destination, digest: Self.digest)
        #expect(outcome == .downloaded(bytes: Int64(Self.body.count), resumedFrom: Int64(half)))
        #expect(server.ranges == [nil, "bytes=\(half)-"])
        #expect(try [UInt8](Data(contentsOf: destination)) == Self.body)
    }

    @Test func checksumMismatchLeavesNothing() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var changed = Self.body
        changed[1000] ^= 1
        let server = try LocalHTTPServer(body: changed)
        defer { server.stop() }
        let destination = folder.url.appendingPathComponent("file.bin")
        #expect {
            try Downloader.download(server.url("file.bin"), to: destination, digest: Self.digest)
        } throws: { error in
            guard case let .downloadFailed(url, message) = error as? RecurrentError else { return false }
            return url.hasSuffix("/file.bin") && message.contains("expected sha256 \(Self.digest.hex)")
        }
        #expect(!FileManager.default.fileExists(atPath: destination.path))
        #expect(!FileManager.default.fileExists(atPath: destination.path + ".part"))
    }

    @Test func stalePartLongerThanTheFileStartsOver() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let server = try LocalHTTPServer(body: Self.body)
        defer { server.stop() }
        // A .part longer than the file: the server answers 416; the part is not the file, so it
        // starts over and succeeds.
        let destination = folder.url.appendingPathComponent("file.bin")
        try folder.write("file.bin.part", [UInt8](repeating: 7, count: Self.body.count + 10))
        let outcome = try Downloader.download(server.url("file.bin"), to: destination, digest: Self.digest)
        #expect(outcome == .downloaded(bytes: Int64(Self.body.count), resumedFrom: 0))
        #expect(server.ranges == ["bytes=\(Self.body.count + 10)-", nil])
    }

    @Test func noServerIsADownloadError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let server = try LocalHTTPServer(body: Self.body)
        let url = server.url("file.bin")
        server.stop()
        let destination = folder.url.appendingPathComponent("file.bin")
        #expect {
            try Downloader.download(url, to: destination, digest: Self.digest, timeout: 10)
        } throws: { error in
            guard case let .downloadFailed(failed, _) = error as? RecurrentError else { return false }
            return failed == url.absoluteString
        }
        #expect(!FileManager.default.fileExists(atPath: destination.path))
    }
}
