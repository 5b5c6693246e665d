import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RecurrentTensor

/// Resumable, verified, atomic downloads over HTTP(S) with Foundation's `URLSession`
/// (FoundationNetworking on Linux).
///
/// - Resumable: bytes go to `<destination>.part`; when that file exists, the request asks for the
///   rest with `Range: bytes=<size>-`. A `206 Partial Content` answer is appended (after checking
///   `Content-Range` starts there); a `200` answer (a server without ranges) starts the file over.
///   A connection that drops leaves the `.part` file for the next call.
/// - Verified: when the transfer completes, the `.part` file's checksum must equal `digest`; if
///   not, the `.part` file is deleted and nothing is left in place.
/// - Atomic: the verified `.part` file is renamed onto the destination (`rename(2)`), so the
///   destination is either absent, the old file, or the complete new one.
public enum Downloader {
    /// What `download` did.
    public enum Outcome: Sendable, Equatable {
        /// The destination already had the expected checksum; nothing was fetched.
        case alreadyPresent
        /// Fetched; `resumedFrom` is the size of the `.part` file the transfer continued (0: from the start).
        case downloaded(bytes: Int64, resumedFrom: Int64)
    }

    /// Downloads `url` to `destination` (creating its folder).
    ///
    /// - Parameters:
    ///   - digest: the checksum the file must have.
    ///   - timeout: seconds without data before the request fails.
    ///   - progress: called with (bytes in the `.part` file, expected total or nil) as data arrives.
    /// - Throws: `RecurrentError.downloadFailed` for HTTP errors, dropped connections (the `.part`
    ///   file is kept: call again to resume) and checksum mismatches (nothing kept).
    @discardableResult
    public static func download(
        _ url: URL, to destination: URL, digest: FileDigest, timeout: TimeInterval = 60,
        progress: (@Sendable (Int64, Int64?) -> Void)? = nil
    ) throws -> Outcome {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: destination.path), (try? digest.matches(destination)) == true {
            return .alreadyPresent
        }
        do {
            try fileManager.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw RecurrentError.downloadFailed(url: url.absoluteString, message: "cannot create \(destination.deletingLastPathComponent().path): \(error.localizedDescription)")
        }
        let part = URL(fileURLWithPath: destination.path + ".part")
        var resumedFrom: Int64 = 0
        // A stale .part that the server refuses to extend (HTTP 416) is checked, else restarted once.
        var restarted = false
        attempts: while true {
            let existing = (try? fileManager.attributesOfItem(atPath: part.path)[.size] as? NSNumber)?.int64Value ?? 0
            resumedFrom = existing
            let transfer = Transfer(part: part, offset: existing, progress: progress)
            var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
            if existing > 0 { request.setValue("bytes=\(existing)-", forHTTPHeaderField: "Range") }
            switch transfer.run(request) {
            case .complete:
                resumedFrom = transfer.startOffset
                break attempts
            case .failed(let message):
                throw RecurrentError.downloadFailed(url: url.absoluteString, message: message)
            case .rangeNotSatisfiable:
                if existing > 0, (try? digest.matches(part)) == true { break attempts }
                guard !restarted else {
                    throw RecurrentError.downloadFailed(url: url.absoluteString, message: "expected the file, found HTTP 416 for a fresh request")
                }
                restarted = true
                try? fileManager.removeItem(at: part)
            }
        }
        let found = try digest.compute(part)
        guard found == digest else {
            try? fileManager.removeItem(at: part)
            throw RecurrentError.downloadFailed(
                url: url.absoluteString,
                message: "expected \(digest), found \(found.hex); the download was deleted (a changed or damaged file)")
        }
        let size = (try? fileManager.attributesOfItem(atPath: part.path)[.size] as? NSNumber)?.int64Value ?? 0
        guard rename(part.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            throw RecurrentError.downloadFailed(url: url.absoluteString, message: "cannot move \(part.path) to \(destination.path): \(reason)")
        }
        return .downloaded(bytes: size, resumedFrom: resumedFrom)
    }

    /// One HTTP request writing into the `.part` file, driven by URLSession delegate callbacks and
    /// waited for with a semaphore (the command-line tool is synchronous).
    final class Transfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        enum Result { case complete, rangeNotSatisfiable, failed(String) }

        private let part: URL
        private let offset: Int64
        private let progress: (@Sendable (Int64, Int64?) -> Void)?
        private let lock = NSLock()
        private let done = DispatchSemaphore(value: 0)
        // Guarded by `lock`.
        private var handle: FileHandle?
        private var prepared = false
        private var written: Int64 = 0
        private var expected: Int64?
        private var result: Result = .failed("no response")
        private var writeError: String?
        /// Where the body was written from: the `.part` size for a 206, 0 for a 200 (a server
        /// that ignores `Range` sends the whole file again).
        private(set) var startOffset: Int64 = 0

        init(part: URL, offset: Int64, progress: (@Sendable (Int64, Int64?) -> Void)?) {
            self.part = part
            self.offset = offset
            self.progress = progress
        }

        func run(_ request: URLRequest) -> Result {
            let configuration = URLSessionConfiguration.ephemeral
            configuration.timeoutIntervalForRequest = request.timeoutInterval
            let session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
            session.dataTask(with: request).resume()
            done.wait()
            session.finishTasksAndInvalidate()
            lock.lock()
            defer { lock.unlock() }
            try? handle?.close()
            handle = nil
            return result
        }

        /// Decides from the response what to do with the body: append (206 from the right byte), start
        /// over (200), or stop (416, other statuses). Called under `lock` before the first body bytes
        /// are written, or at completion for a response without a body. (Done here rather than in the
        /// `didReceive response` delegate method, whose signature differs between Foundation's
        /// implementations.)
        private func prepare(_ response: URLResponse?) -> Bool {
            if prepared { return handle != nil }
            prepared = true
            guard let http = response as? HTTPURLResponse else {
                result = .failed("expected an HTTP response")
                return false
            }
            let fileManager = FileManager.default
            switch http.statusCode {
            case 206:
                // Content-Range: bytes <start>-<end>/<total>
                let range = http.value(forHTTPHeaderField: "Content-Range") ?? ""
                let start = range.split(whereSeparator: { $0 == " " || $0 == "-" }).dropFirst().first.flatMap { Int64($0) }
                guard start == offset else {
                    result = .failed("expected Content-Range from byte \(offset), found \(range.debugDescription)")
                    return false
                }
                if let total = range.split(separator: "/").last.flatMap({ Int64($0) }) { expected = total }
                written = offset
                startOffset = offset
            case 200:
                // No range support (or a fresh start): write from the beginning.
                try? fileManager.removeItem(at: part)
                written = 0
                startOffset = 0
                if http.expectedContentLength >= 0 { expected = http.expectedContentLength }
            case 416:
                result = .rangeNotSatisfiable
                return false
            default:
                result = .failed("expected HTTP 200 or 206, found HTTP \(http.statusCode)")
                return false
            }
            if !fileManager.fileExists(atPath: part.path) {
                _ = fileManager.createFile(atPath: part.path, contents: nil)
            }
            do {
                let handle = try FileHandle(forWritingTo: part)
                try handle.seekToEnd()
                self.handle = handle
            } catch {
                result = .failed("cannot write \(part.path): \(error.localizedDescription)")
                return false
            }
            result = .complete
            return true
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            lock.lock()
            guard prepare(dataTask.response), let handle, writeError == nil else {
                lock.unlock()
                dataTask.cancel()
                return
            }
            do {
                try handle.write(contentsOf: data)
                written += Int64(data.count)
            } catch {
                writeError = "cannot write \(part.path): \(error.localizedDescription)"
                dataTask.cancel()
            }
            let (now, total) = (written, expected)
            lock.unlock()
            progress?(now, total)
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            lock.lock()
            if !prepared {
                if let error, task.response == nil {
                    result = .failed("no response: \(error.localizedDescription)")
                } else {
                    _ = prepare(task.response)  // an empty body
                }
            }
            if let writeError {
                result = .failed(writeError)
            } else if case .complete = result, let error {
                result = .failed("the transfer stopped after \(written) bytes (\(error.localizedDescription)); "
                    + "they are kept in \(part.lastPathComponent): run the command again to resume")
            } else if case .complete = result, let expected, written != expected {
                result = .failed("expected \(expected) bytes, received \(written); "
                    + "they are kept in \(part.lastPathComponent): run the command again to resume")
            }
            lock.unlock()
            done.signal()
        }
    }
}
