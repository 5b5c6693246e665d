/// Dropout masks of `RecurrentLayer` (Keras 3 `DropoutRNNCell`) and the row helpers that apply
/// them.
extension RecurrentLayer {
    /// Draws the call's masks: with `recurrentDropout == 0` one input mask shared by all gates
    /// (Keras implementation 2), otherwise one input and one recurrent mask per gate (Keras
    /// implementation 1). Values are 0 or 1/(1 − rate).
    func drawDropoutMasks(batch B: Int, training: Bool) {
        inputMasks = []
        recurrentMasks = []
        guard training else { return }
        let perGate = recurrentDropout > 0
        func draw(_ n: Int, _ rate: Float) -> [Float] {
            let scale = 1 / (1 - rate)
            return (0..<n).map { _ in rng.uniform() < rate ? 0 : scale }
        }
        if dropout > 0 {
            inputMasks = (0..<(perGate ? gateCount : 1)).map { _ in draw(B * inputDim, dropout) }
        }
        if recurrentDropout > 0 {
            recurrentMasks = (0..<gateCount).map { _ in draw(B * units, recurrentDropout) }
        }
    }
}

@inline(__always)
func copyRow(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, _ n: Int) {
    if n > 0 && UnsafePointer(dst) != src { dst.update(from: src, count: n) }
}

/// `into[j, :] = src[j, :] * mask[b0 + j, :]` for `n` rows of width `U`.
@inline(__always)
func maskedRows(_ src: UnsafePointer<Float>, _ ld: Int, _ mask: UnsafePointer<Float>, b0: Int, n: Int, U: Int,
                into dst: UnsafeMutablePointer<Float>) {
    for j in 0..<n {
        let s = src + j * ld, d = dst + j * U, mr = mask + (b0 + j) * U
        for u in 0..<U { d[u] = s[u] * mr[u] }
    }
}

/// `dst[b, t, :] = x[b, t, :] * mask[b, :]` over `(B, T, width)`.
func applyRowMask(_ x: UnsafePointer<Float>, _ mask: [Float], B: Int, T: Int, width: Int,
                  into dst: UnsafeMutablePointer<Float>) {
    mask.withUnsafeBufferPointer { m in
        for b in 0..<B {
            let mr = m.baseAddress! + b * width
            for t in 0..<T {
                let o = (b * T + t) * width
                for f in 0..<width { dst[o + f] = x[o + f] * mr[f] }
            }
        }
    }
}

/// Calls `body` with the array's base pointer, or nil for a nil array.
@inline(__always)
func withOptionalPointer<R>(_ a: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let a else { return body(nil) }
    return a.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// Calls `body` with the base pointers of every array (valid for the call).
func withPointers<R>(_ arrays: [[Float]], _ body: ([UnsafePointer<Float>]) -> R) -> R {
    guard let first = arrays.first else { return body([]) }
    return first.withUnsafeBufferPointer { p in
        withPointers(Array(arrays.dropFirst())) { rest in body([p.baseAddress!] + rest) }
    }
}
