import Crypto
import Foundation
import RecurrentTensor

/// An expected checksum of a file: SHA-256 where one is known; MD5 where the publisher gives only
/// that (Keras's `imdb_word_index.json`, Stanford's `aclImdb_v1.tar.gz`).
public struct FileDigest: Sendable, Equatable, CustomStringConvertible {
    public enum Algorithm: String, Sendable { case sha256, md5 }

    public var algorithm: Algorithm
    /// Lower-case hexadecimal.
    public var hex: String

    public init(_ algorithm: Algorithm, _ hex: String) {
        self.algorithm = algorithm
        self.hex = hex.lowercased()
    }

    public static func sha256(_ hex: String) -> FileDigest { FileDigest(.sha256, hex) }
    public static func md5(_ hex: String) -> FileDigest { FileDigest(.md5, hex) }

    public var description: String { "\(algorithm.rawValue) \(hex)" }

    /// The digest of the file at `url`, read in 1 MiB chunks, with this digest's algorithm.
    /// - Throws: `RecurrentError.fileFormat` when the file cannot be read.
    public func compute(_ url: URL) throws -> FileDigest {
        FileDigest(algorithm, try Self.hex(of: url, algorithm))
    }

    /// Whether the file at `url` has this digest.
    public func matches(_ url: URL) throws -> Bool { try compute(url) == self }

    /// The hexadecimal digest of the file at `url`.
    public static func hex(of url: URL, _ algorithm: Algorithm) throws -> String {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw RecurrentError.fileFormat(location: url.path, message: "cannot read the file: \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        var sha = SHA256(), md5 = Insecure.MD5()
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: 1 << 20)
            } catch {
                throw RecurrentError.fileFormat(location: url.path, message: "cannot read the file: \(error.localizedDescription)")
            }
            guard let chunk, !chunk.isEmpty else { break }
            switch algorithm {
            case .sha256: sha.update(data: chunk)
            case .md5: md5.update(data: chunk)
            }
        }
        switch algorithm {
        case .sha256: return hexString(sha.finalize())
        case .md5: return hexString(md5.finalize())
        }
    }

    /// The hexadecimal digest of `bytes`.
    public static func hex(of bytes: [UInt8], _ algorithm: Algorithm) -> String {
        switch algorithm {
        case .sha256: return hexString(SHA256.hash(data: bytes))
        case .md5: return hexString(Insecure.MD5.hash(data: bytes))
        }
    }

    private static func hexString<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
