import CKernels

/// Keras's gradient clipping (`_clip_gradients`, `_clip_by_norm` and `clip_by_global_norm` in
/// keras/src/optimizers/base_optimizer.py), as the parameters of a per-element transform that
/// the C update kernels apply (`rc_update`'s clip fields; the arithmetic is written once, in
/// `rc_clip`): the gradient a layer wrote is read, never changed, and no clipped copy is
/// allocated.
///
/// - `clipnorm` c, per gradient: `g · c / max(‖g‖₂, c)` (‖g‖₂ = 0 for an all-zero gradient).
/// - `globalClipnorm` c, all gradients together (tf.clip_by_global_norm): with N = √(Σ ‖gᵢ‖₂²),
///   `g · s` where `s = c · min(1/N, 1/c) + (N − N)` in float32; s is not exactly 1 below the
///   limit (c · (1/c) rounds), and it is NaN when N is not finite, as in Keras.
/// - `clipvalue` v: `clip(g, −v, v)`; a NaN stays NaN.
///
/// Norms are summed in double (see `GradientNorm`); TensorFlow sums float32 squares in its own
/// order, so a norm, and with it the clipped gradient, can differ from Keras's in the last bit.
struct GradientClip: Sendable {
    var multiplier: Float = 1
    var divisor: Float = 1
    /// Whether `g ← (g · multiplier) / divisor` (clipnorm, globalClipnorm).
    var scales = false
    var bound: Float = .infinity
    /// Whether `g ← clip(g, −bound, bound)` (clipvalue).
    var clamps = false

    /// The identity: no clipping option set.
    static let none = GradientClip()

    /// `clipnorm`: `g · c / max(norm, c)` (Keras multiplies first, then divides).
    static func byNorm(_ clipnorm: Float, norm: Float) -> GradientClip {
        GradientClip(multiplier: clipnorm, divisor: max(norm, clipnorm), scales: true)
    }

    /// `globalClipnorm`: `g · scale` with Keras's float32 scale for the global norm.
    static func byGlobalNorm(_ clipnorm: Float, globalNorm: Float) -> GradientClip {
        // `1.0 / clip_norm` is Python float arithmetic on the value the user wrote; `1 / N` is float32.
        let inverse = Float(1.0 / KerasNumber.double(clipnorm))
        let scale = clipnorm * min(1 / globalNorm, inverse) + (globalNorm - globalNorm)
        return GradientClip(multiplier: scale, divisor: 1, scales: true)
    }

    /// `clipvalue`: `clip(g, −v, v)`.
    static func byValue(_ clipvalue: Float) -> GradientClip {
        GradientClip(bound: clipvalue, clamps: true)
    }

    /// Whether a zero gradient stays exactly +0 (false for a NaN or infinite norm scale).
    var keepsZero: Bool {
        var u = rc_update()
        u.multiplier = multiplier; u.divisor = divisor; u.bound = bound
        u.scales = scales ? 1 : 0; u.clamps = clamps ? 1 : 0
        let z = rc_clipped_gradient(&u, 0)
        return z == 0 && z.sign == .plus
    }
}

/// Sums of squares for the clipping norms, in Double across chunks and cores.
enum GradientNorm {
    /// Σ g² over `count` floats. Sixteen float32 lanes accumulate blocks of 1,024 elements,
    /// each block is added in Double. `partials` holds `Parallel.workerCount` doubles.
    static func sumOfSquares(_ g: UnsafePointer<Float>, _ count: Int, partials: UnsafeMutablePointer<Double>) -> Double {
        let parts = max(1, min(Parallel.workerCount, count / Lanes.minChunk))
        Parallel.forEach(parts) { r in
            var i = r * count / parts
            let end = (r + 1) * count / parts
            var total = 0.0
            while i < end {
                let blockEnd = min(i + 1024, end)
                var acc = Lanes.V()
                while i < blockEnd {
                    let k = min(16, blockEnd - i)
                    let v = Lanes.load(g + i, k)
                    acc += v * v
                    i += k
                }
                for lane in 0..<16 { total += Double(acc[lane]) }
            }
            partials[r] = total
        }
        var sum = 0.0
        for r in 0..<parts { sum += partials[r] }
        return sum
    }

    /// The L2 norm as Keras's `_clip_by_norm` uses it: √(Σ g²), 0 for an all-zero gradient.
    static func norm(sumOfSquares s: Double) -> Float {
        s > 0 ? Float(s.squareRoot()) : Float(s)
    }
}
