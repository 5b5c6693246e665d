import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal HTTP/1.1 server on 127.0.0.1 for the download tests, written on plain sockets: it
/// answers every GET with `body` (200), or with its tail for `Range: bytes=N-` (206, `Content-Range`),
/// or 416 when N is past the end; one response per connection (`Connection: close`).
/// With `dropAfter` set, the first response announces the whole length but sends only that many
/// body bytes before closing the connection, as a dropped transfer.
final class LocalHTTPServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var body: [UInt8]
    private var dropAfter: Int?
    private var rangeHeaders: [String?] = []
    private var thread: Thread?

    init(body: [UInt8], dropAfter: Int? = nil) throws {
        self.body = body
        self.dropAfter = dropAfter
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in serve() }
        self.thread = thread
        thread.start()
    }

    /// The `Range` header of each request so far (nil: none).
    var ranges: [String?] {
        lock.lock()
        defer { lock.unlock() }
        return rangeHeaders
    }

    func url(_ name: String) -> URL { URL(string: "http://127.0.0.1:\(port)/\(name)")! }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.ends(with: Array("\r\n\r\n".utf8)) {
            let n = read(connection, &buffer, buffer.count)
            guard n > 0 else { return }
            request += buffer[..<n]
        }
        let text = String(decoding: request, as: UTF8.self)
        let range = text.split(separator: "\r\n").first { $0.lowercased().hasPrefix("range:") }
            .map { String($0.dropFirst("range:".count)).trimmingCharacters(in: .whitespaces) }
        lock.lock()
        rangeHeaders.append(range)
        let body = self.body
        let drop = dropAfter
        dropAfter = nil
        lock.unlock()

        var start = 0
        if let range, range.hasPrefix("bytes="), let from = Int(range.dropFirst(6).split(separator: "-").first ?? "") {
            start = from
        }
        var head: String
        if start >= body.count && range != nil {
            head = "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */\(body.count)\r\nContent-Length: 0\r\n"
        } else if range != nil {
            head = "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes \(start)-\(body.count - 1)/\(body.count)\r\n"
                + "Content-Length: \(body.count - start)\r\n"
        } else {
            head = "HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\n"
        }
        head += "Accept-Ranges: bytes\r\nConnection: close\r\n\r\n"
        var payload = Array(head.utf8)
        if start < body.count {
            let tail = body[start...]
            payload += drop.map { Array(tail.prefix($0)) } ?? Array(tail)
        }
        payload.withUnsafeBytes { bytes in
            var sent = 0
            while sent < bytes.count {
                let n = write(connection, bytes.baseAddress! + sent, bytes.count - sent)
                guard n > 0 else { return }
                sent += n
            }
        }
    }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
