/// Vectorised elementwise math on `SIMD16<Float>`.
///
/// `exp` is Cephes' `expf` (range reduction by ln 2 split in two constants, then a degree-6
/// polynomial), accurate to about 2 ulp over [-87.3, 88.7]; results saturate outside.
/// `tanh` uses Cephes' `tanhf` odd polynomial for |x| < 0.625 and `1 - 2 / (exp(2|x|) + 1)` above,
/// absolute error below 2e-7. `sigmoid(x) = 1 / (1 + exp(-x))`.
public enum VectorMath {
    public typealias V = SIMD16<Float>
    public static let width = 16

    @inlinable @inline(__always)
    public static func exp(_ x0: V) -> V {
        let x = x0.clamped(lowerBound: V(repeating: -87.3), upperBound: V(repeating: 88.7))
        // n = round(x / ln 2) with the 1.5·2^23 trick (round-to-nearest, bits hold n).
        let shifter = V(repeating: 12_582_912.0)
        let t = x * V(repeating: 1.442_695_04) + shifter
        let n = t - shifter
        var r = x - n * V(repeating: 0.693_359_375)
        r = r - n * V(repeating: -2.121_944_4e-4)
        var p = V(repeating: 1.987_569_15e-4)
        p = p * r + V(repeating: 1.398_199_95e-3)
        p = p * r + V(repeating: 8.333_451_9e-3)
        p = p * r + V(repeating: 4.166_579_59e-2)
        p = p * r + V(repeating: 1.666_666_55e-1)
        p = p * r + V(repeating: 5.000_000_12e-1)
        let y = p * (r * r) + r + V(repeating: 1)
        // 2^n: the low bits of t's pattern are n + 0x400000; rebuild the exponent field.
        let tb = unsafeBitCast(t, to: SIMD16<Int32>.self)
        let nb = tb &- SIMD16<Int32>(repeating: 0x4B40_0000)
        let scale = unsafeBitCast((nb &+ SIMD16<Int32>(repeating: 127)) &<< SIMD16<Int32>(repeating: 23), to: V.self)
        return y * scale
    }

    @inlinable @inline(__always)
    public static func sigmoid(_ x: V) -> V {
        V(repeating: 1) / (V(repeating: 1) + exp(-x))
    }

    @inlinable @inline(__always)
    public static func tanh(_ x: V) -> V {
        let ax = abs(x)
        // Large branch: 1 - 2 / (exp(2|x|) + 1), sign restored below.
        let e = exp(ax + ax)
        var big = V(repeating: 1) - V(repeating: 2) / (e + V(repeating: 1))
        big.replace(with: -big, where: x .< 0)
        // Small branch: Cephes tanhf polynomial.
        let z = x * x
        var p = V(repeating: -5.704_988_727_45e-3)
        p = p * z + V(repeating: 2.063_908_879_54e-2)
        p = p * z + V(repeating: -5.373_971_555_31e-2)
        p = p * z + V(repeating: 1.333_144_220_36e-1)
        p = p * z + V(repeating: -3.333_328_194_22e-1)
        let small = p * z * x + x
        big.replace(with: small, where: ax .< 0.625)
        return big
    }

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

    /// Scalar exp with the same formula as the vector one (for code paths that are not vectorised).
    @inlinable
    public static func exp(_ x: Float) -> Float { exp(V(repeating: x))[0] }
    @inlinable
    public static func sigmoid(_ x: Float) -> Float { sigmoid(V(repeating: x))[0] }
    @inlinable
    public static func tanh(_ x: Float) -> Float { tanh(V(repeating: x))[0] }

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
