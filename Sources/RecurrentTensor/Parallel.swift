import CKernels
import Dispatch
import Foundation

/// A value carried into a concurrent closure that the caller guarantees is used without races
/// (each worker writes a disjoint part of a buffer).
public struct UnsafeSendable<T>: @unchecked Sendable {
    public let value: T
    @inlinable public init(_ value: T) { self.value = value }
}

/// Splitting work across the cores.
///
/// `workerCount` is the number of active processors, or `RECURRENT_NUM_THREADS` when that
/// environment variable is set to a positive integer. Recurrent never nests parallel regions: a
/// worker calls only single-threaded BLAS.
public enum Parallel {
    /// Number of threads that `forEach` uses (at least 1).
    public static let workerCount: Int = {
        BLAS.configureThreads()
        if let s = ProcessInfo.processInfo.environment["RECURRENT_NUM_THREADS"], let n = Int(s), n > 0 {
            return n
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Runs `body(0..<count)` concurrently and returns when all are done. `count == 1` runs inline.
    /// Every participating thread computes with subnormals flushed to zero (see `rc_flush_denormals`).
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        _ = rc_flush_denormals()
        if count <= 1 {
            if count == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendable(body)
            DispatchQueue.concurrentPerform(iterations: count) { i in
                _ = rc_flush_denormals()
                box.value(i)
            }
        }
    }

    /// Splits `0..<n` into at most `workerCount` contiguous ranges of at least `minChunk` items.
    public static func ranges(_ n: Int, minChunk: Int = 1) -> [Range<Int>] {
        let parts = max(1, min(workerCount, n / max(1, minChunk)))
        var out: [Range<Int>] = []
        var start = 0
        for p in 0..<parts {
            let end = start + (n - start) / (parts - p)
            out.append(start..<end)
            start = end
        }
        return out
    }
}
