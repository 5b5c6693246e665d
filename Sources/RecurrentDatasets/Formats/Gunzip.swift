import CompressNIO
import Foundation
import NIOCore
import RecurrentTensor

/// gzip decompression (RFC 1952) through CompressNIO's zlib binding, streamed in 1 MiB chunks so
/// a large archive is never held uncompressed in memory.
enum Gunzip {
    /// Whether `bytes` start with the gzip magic number `1f 8b`.
    static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Decompresses the single-member gzip stream `compressed` and hands the output to `body` in
    /// chunks, in order.
    ///
    /// - Throws: `RecurrentError.fileFormat` naming `file` for corrupt data, a stream that ends
    ///   early (a truncated download), data after the stream, or a length that differs from the
    ///   gzip trailer's ISIZE.
    static func decompress(
        _ compressed: [UInt8], file: String, chunk body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var input = ByteBuffer(bytes: compressed)
        let decompressor: ZlibDecompressor
        do {
            decompressor = try ZlibDecompressor(algorithm: .gzip)
        } catch {
            throw RecurrentError.fileFormat(location: file, message: "cannot start zlib: \(error)")
        }
        var window = ByteBufferAllocator().buffer(capacity: 1 << 20)
        var total: UInt64 = 0
        var ended = false
        while true {
            window.clear()
            let before = input.readableBytes
            var failure: CompressNIOError?
            do {
                try decompressor.inflate(from: &input, to: &window)
            } catch let error as CompressNIOError {
                failure = error
            }
            if failure == .corruptData {
                throw RecurrentError.fileFormat(
                    location: file, message: "expected gzip data, found corrupt data after \(total) output bytes")
            }
            let produced = window.readableBytes
            total += UInt64(produced)
            if produced > 0 { try window.withUnsafeReadableBytes { try body($0) } }
            switch failure {
            case .some(.bufferOverflow):
                continue
            case .some(.inputBufferOverflow):
                // zlib wanted more input than the file has: the stream never reached its end.
                break
            case .some(let other):
                throw RecurrentError.fileFormat(location: file, message: "gzip decompression failed: \(other)")
            case .none:
                // Z_OK with the input used up, or Z_STREAM_END (which then repeats with no progress).
                if produced == 0 && input.readableBytes == before { ended = true; break }
                continue
            }
            break
        }
        guard ended else {
            throw RecurrentError.fileFormat(
                location: file,
                message: "expected a complete gzip stream, found it cut off after \(total) output bytes "
                    + "(truncated download?)")
        }
        guard input.readableBytes == 0 else {
            throw RecurrentError.fileFormat(
                location: file,
                message: "expected one gzip stream, found \(input.readableBytes) bytes after its end")
        }
        // ISIZE: the uncompressed length modulo 2^32, the last 4 bytes (little-endian).
        let n = compressed.count
        let isize = UInt32(compressed[n - 4]) | UInt32(compressed[n - 3]) << 8
            | UInt32(compressed[n - 2]) << 16 | UInt32(compressed[n - 1]) << 24
        guard UInt32(truncatingIfNeeded: total) == isize else {
            throw RecurrentError.fileFormat(
                location: file, message: "expected \(isize) bytes (gzip trailer), decompressed \(total)")
        }
    }
}
