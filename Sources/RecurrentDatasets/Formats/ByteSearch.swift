import Foundation

/// Fast searches in byte buffers (memchr/memcmp), so that scanning the 28 MB of Reuters SGML stays
/// quick in debug builds too.
enum ByteSearch {
    /// The index of the first occurrence of `pattern` (non-empty) in `text` at or after `start`.
    static func find(_ pattern: [UInt8], in text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = text.baseAddress, !pattern.isEmpty else { return nil }
        let n = pattern.count, end = text.count
        var i = start
        return pattern.withUnsafeBufferPointer { p -> Int? in
            while i + n <= end {
                guard let hit = memchr(base + i, Int32(p[0]), end - n + 1 - i) else { return nil }
                let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if memcmp(base + at, p.baseAddress!, n) == 0 { return at }
                i = at + 1
            }
            return nil
        }
    }

    /// The number of `byte`s in `text[range]`.
    static func count(_ byte: UInt8, in text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        guard let base = text.baseAddress else { return 0 }
        var n = 0, i = range.lowerBound
        while i < range.upperBound, let hit = memchr(base + i, Int32(byte), range.upperBound - i) {
            n += 1
            i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
        }
        return n
    }
}
