/// Streaming an elementwise optimizer update over a parameter, sixteen floats at a time.
///
/// A parameter of `count` floats is split into at most `Parallel.workerCount` contiguous
/// chunks of at least `minChunk` floats (small parameters run inline on the calling thread);
/// each chunk is walked in `SIMD16<Float>` lanes, the last one partial. Every element goes
/// through the same vector arithmetic, so the result does not depend on the split. Nothing is
/// allocated.
enum Lanes {
    typealias V = VectorMath.V
    /// Fewest floats per worker: below this, splitting costs more than it saves.
    static let minChunk = 65_536

    /// Calls `body` on contiguous chunks that cover `0..<count`, concurrently.
    @inline(__always)
    static func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
        let parts = max(1, min(Parallel.workerCount, count / minChunk))
        Parallel.forEach(parts) { r in body((r * count / parts)..<((r + 1) * count / parts)) }
    }

    /// Loads `k` floats (1…16) from `p`, zero-filling the other lanes.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ k: Int) -> V {
        k == 16 ? VectorMath.load(p) : VectorMath.loadPartial(p, k)
    }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>, _ k: Int) -> V { load(UnsafePointer(p), k) }

    /// Stores the first `k` lanes (1…16) of `v` at `p`.
    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ k: Int) {
        if k == 16 { VectorMath.store(v, p) } else { VectorMath.storePartial(v, p, k) }
    }
}
