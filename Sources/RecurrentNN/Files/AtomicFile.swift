import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that a reader, a crash or a power cut never sees it half written: the bytes
/// go to a new temporary file in the same folder (`.<name>.tmp-<pid>-<random>`), which is
/// flushed to the disk (`fsync`) and then renamed over the destination (atomic on POSIX file
/// systems); the folder is flushed too, so the rename itself is durable. On any failure the
/// temporary file is removed and the destination is left as it was.
enum AtomicFile {
    /// - Throws: `RecurrentError.fileFormat` naming `url` and the failing system call with its
    ///   error (a missing or read-only folder, a full disk, …).
    static func write(_ bytes: [UInt8], to url: URL) throws {
        let path = url.path
        let folder = url.deletingLastPathComponent().path
        let temp = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        func failure(_ what: String, _ code: Int32) -> RecurrentError {
            .fileFormat(location: path, message: "could not write the file: \(what) failed: \(String(cString: strerror(code)))")
        }
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("creating a temporary file in \(folder)", errno) }
        var closed = false
        var renamed = false
        defer {
            if !closed { close(fd) }
            if !renamed { unlink(temp) }
        }
        var written = 0
        try bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = systemWrite(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failure("writing", errno)
                }
                written += n
            }
        }
        guard fsync(fd) == 0 else { throw failure("fsync", errno) }
        closed = true
        guard close(fd) == 0 else { throw failure("close", errno) }
        guard rename(temp, path) == 0 else { throw failure("renaming the temporary file to \(url.lastPathComponent)", errno) }
        renamed = true
        // Make the rename durable; a folder that cannot be opened or synced is not an error
        // (some file systems refuse fsync on folders): the file itself is complete.
        let dir = open(folder, O_RDONLY | O_CLOEXEC)
        if dir >= 0 {
            _ = fsync(dir)
            close(dir)
        }
    }
}

/// `write(2)` (the name `write` is taken by `AtomicFile.write` inside the enum).
@inline(__always)
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buffer, count)
    #else
    return Darwin.write(fd, buffer, count)
    #endif
}
