import CKernels

/// Vectorised elementwise helpers on `SIMD16<Float>`, and scalar exp, sigmoid and tanh.
///
/// The scalar functions call the C kernels' formulas (CKernels `rc_math.h`, the only copy in
/// Recurrent): Cephes' `expf`, accurate to about 2 ulp over [-87.3, 88.7] and saturating
/// outside; `tanh` with Cephes' `tanhf` odd polynomial for |x| < 0.625 and
/// `1 - 2 / (exp(2|x|) + 1)` above (absolute error below 2e-7); `sigmoid(x) = 1 / (1 + exp(-x))`.
/// Over arrays, `Activation.apply` calls the vectorised C kernels (`rc_tanh`, `rc_sigmoid`).
public enum VectorMath {
    public typealias V = SIMD16<Float>
    public static let width = 16

    @inlinable @inline(__always)
    public static func abs(_ x: V) -> V {
        unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & SIMD16<UInt32>(repeating: 0x7FFF_FFFF), to: V.self)
    }

    /// Loads `n < 16` elements (the rest zero).
    @inlinable @inline(__always)
    public static func loadPartial(_ p: UnsafePointer<Float>, _ n: Int) -> V {
        var v = V()
        for i in 0..<n { v[i] = p[i] }
        return v
    }

    /// Stores the first `n < 16` lanes.
    @inlinable @inline(__always)
    public static func storePartial(_ v: V, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { p[i] = v[i] }
    }

    @inlinable @inline(__always)
    public static func load(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    @inlinable @inline(__always)
    public static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }

    /// Applies `f` to `n` contiguous floats in place.
    @inlinable @inline(__always)
    public static func map(_ p: UnsafeMutablePointer<Float>, _ n: Int, _ f: (V) -> V) {
        var i = 0
        while i + 16 <= n {
            store(f(load(p + i)), p + i)
            i += 16
        }
        if i < n { storePartial(f(loadPartial(p + i, n - i)), p + i, n - i) }
    }

    /// Cephes' expf (see the type's documentation).
    @inlinable
    public static func exp(_ x: Float) -> Float { rc_exp_scalar(x) }
    /// 1 / (1 + exp(−x)) with the same exp.
    @inlinable
    public static func sigmoid(_ x: Float) -> Float { rc_sigmoid_scalar(x) }
    /// Cephes' tanhf below |x| < 0.625, 1 − 2 / (exp(2|x|) + 1) above.
    @inlinable
    public static func tanh(_ x: Float) -> Float { rc_tanh_scalar(x) }

    /// `dst[i] += src[i]` for `i` in `0..<count`: the one row-add of Recurrent (bias rows, state
    /// gradients, gradient accumulation). `src` and `dst` may be the same row, not otherwise overlap.
    @inlinable @inline(__always)
    public static func add(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int) {
        var j = 0
        while j + 16 <= count {
            store(load(dst + j) + load(src + j), dst + j)
            j += 16
        }
        while j < count {
            dst[j] += src[j]
            j += 1
        }
    }

    /// `out[j] = Σ_r m[r, j]` for a row-major `(rows, columns)` matrix: the bias gradient.
    /// Rows are split across the cores; each part sums sixteen columns at a time.
    public static func columnSums(_ m: UnsafePointer<Float>, rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>) {
        let parts = Parallel.ranges(rows, minChunk: 1024)
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: parts.count * columns)
        partial.initialize(repeating: 0, count: parts.count * columns)
        defer { partial.deallocate() }
        let ctx = UnsafeSendable((UnsafeMutablePointer(mutating: m), partial))
        Parallel.forEach(parts.count) { w in
            let (m, partial) = ctx.value
            let acc = partial + w * columns
            for r in parts[w] {
                let row = m + r * columns
                var j = 0
                while j + 16 <= columns {
                    store(load(acc + j) + load(row + j), acc + j)
                    j += 16
                }
                while j < columns { acc[j] += row[j]; j += 1 }
            }
        }
        out.update(from: partial, count: columns)
        for w in 1..<max(1, parts.count) {
            for j in 0..<columns { out[j] += partial[w * columns + j] }
        }
    }
}
