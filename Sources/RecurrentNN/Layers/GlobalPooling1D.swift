/// Keras `GlobalMaxPooling1D` (keras/src/layers/pooling/global_max_pooling1d.py): the maximum
/// over all steps, per feature.
///
/// - Input: `(batch, steps, features)`. Output: `(batch, features)` (Keras `keepdims=False`).
/// - Mask: Keras's GlobalMaxPooling1D does not support masking: the mask is **ignored** (padded
///   steps take part in the maximum) and the output has no mask.
/// - Backward: each output's gradient goes to the step that held the maximum, the first on ties.
/// - No weights.
public final class GlobalMaxPooling1D: Layer {
    public var name: String
    public let typeName = "GlobalMaxPooling1D"
    public var parameters: [Parameter] { [] }
    public private(set) var isBuilt = false
    private var builtFeatures: Int?

    // Forward cache: the winning step of each (sample, feature); the input shape.
    private var argmax: [Int32] = []
    private var lastInputShape: [Int]?

    public init(name: String = "global_max_pooling1d") {
        self.name = name
    }

    /// Keras `get_config` keys: `name`, `trainable` (Keras's `keepdims` and `data_format` are
    /// accepted at their defaults, false and channels_last, when rebuilding).
    public var config: [String: JSONValue] { baseConfig }

    /// Rebuilds the layer from `config`.
    /// - Throws: `invalidConfiguration` naming the layer and the key that is invalid.
    public convenience init(config: [String: JSONValue]) throws {
        let r = ConfigReader(typeName: "GlobalMaxPooling1D", config: config)
        try self.init(name: r.name(default: "global_max_pooling1d"))
        _ = try r.trainable()
        try r.finish()
    }

    /// `inputShape` is `(steps, features)`; records the feature count.
    public func build(inputShape: [Int], rng: inout RandomGenerator) throws {
        _ = try outputShape(inputShape: inputShape)
        builtFeatures = inputShape[1]
        isBuilt = true
    }

    /// `(steps, features)` → `(features)`.
    public func outputShape(inputShape: [Int]) throws -> [Int] {
        try globalPoolingOutputShape(inputShape, builtFeatures: builtFeatures, layer: name)
    }

    /// `(batch, steps, features)` → `(batch, features)`. `mask` is ignored, as in Keras.
    /// - Throws: `shapeMismatch` for another rank or feature count; `nonFinite` for NaN/Inf.
    public func forward(_ input: Tensor, mask: Tensor?, training: Bool) throws -> Tensor {
        try checkGlobalPoolingInput(input, builtFeatures: builtFeatures, layer: name)
        let batch = input.shape[0], steps = input.shape[1], c = input.shape[2]
        if argmax.count != batch * c { argmax = [Int32](repeating: 0, count: batch * c) }
        let data = [Float](unsafeUninitializedCapacity: batch * c) { yBuf, initialized in
            argmax.withUnsafeMutableBufferPointer { idxBuf in
                input.withUnsafeBufferPointer { xBuf in
                    let x = xBuf.baseAddress!, y = yBuf.baseAddress!, idx = idxBuf.baseAddress!
                    for b in 0..<batch {
                        let xb = x + b * steps * c, yb = y + b * c, ib = idx + b * c
                        yb.initialize(from: xb, count: c)
                        ib.initialize(repeating: 0, count: c)
                        for t in 1..<max(1, steps) {
                            MaxPoolKernel.update(max: yb, argmax: ib, with: xb + t * c, step: Int32(t), count: c)
                        }
                    }
                }
            }
            initialized = batch * c
        }
        lastInputShape = input.shape
        return Tensor(uncheckedShape: [batch, c], data: data)
    }

    /// The mask stops here, as in Keras.
    public func outputMask(input: Tensor, mask: Tensor?) -> Tensor? { nil }

    /// Routes `gradOutput` `(batch, features)` to the argmax steps; returns `(batch, steps, features)`.
    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) throws -> Tensor? {
        let shape = try checkGlobalPoolingGradient(gradOutput, lastInputShape: lastInputShape, layer: name)
        guard needsInputGradient else { return nil }
        let batch = shape[0], steps = shape[1], c = shape[2]
        var dx = Tensor(shape: shape)
        dx.withUnsafeMutableBufferPointer { dxBuf in
            gradOutput.withUnsafeBufferPointer { gBuf in
                argmax.withUnsafeBufferPointer { idxBuf in
                    let dxp = dxBuf.baseAddress!, g = gBuf.baseAddress!, idx = idxBuf.baseAddress!
                    for b in 0..<batch {
                        let dxb = dxp + b * steps * c
                        for j in 0..<c { dxb[Int(idx[b * c + j]) * c + j] = g[b * c + j] }
                    }
                }
            }
        }
        return dx
    }
}

/// Keras `GlobalAveragePooling1D` (keras/src/layers/pooling/global_average_pooling1d.py): the
/// mean over steps, per feature, counting only unmasked steps.
///
/// - Input: `(batch, steps, features)`, mask `(batch, steps)` (non-zero = real step).
/// - Output: `(batch, features)`. Without a mask `y[b] = Σ_t x[b, t] / steps`; with one,
///   `y[b] = Σ_t m[b, t]·x[b, t] / Σ_t m[b, t]` (Keras `supports_masking = True`: sum over the
///   unmasked steps divided by their count).
/// - A sample whose steps are all masked: Keras divides 0 by 0 and returns NaN; Recurrent returns
///   0 for it (and a zero gradient) so one empty sequence cannot poison a batch.
/// - The output has no mask (Keras `compute_mask` returns None).
/// - Backward: `dX[b, t] = m[b, t] · dY[b] / Σ_t m[b, t]`.
/// - No weights.
public final class GlobalAveragePooling1D: Layer {
    public var name: String
    public let typeName = "GlobalAveragePooling1D"
    public var parameters: [Parameter] { [] }
    public private(set) var isBuilt = false
    private var builtFeatures: Int?

    // Forward cache: the weight of each (sample, step) in the mean (mask / count); the input shape.
    private var weights: [Float] = []
    private var lastInputShape: [Int]?

    public init(name: String = "global_average_pooling1d") {
        self.name = name
    }

    /// Keras `get_config` keys: `name`, `trainable` (Keras's `keepdims` and `data_format` are
    /// accepted at their defaults, false and channels_last, when rebuilding).
    public var config: [String: JSONValue] { baseConfig }

    /// Rebuilds the layer from `config`.
    /// - Throws: `invalidConfiguration` naming the layer and the key that is invalid.
    public convenience init(config: [String: JSONValue]) throws {
        let r = ConfigReader(typeName: "GlobalAveragePooling1D", config: config)
        try self.init(name: r.name(default: "global_average_pooling1d"))
        _ = try r.trainable()
        try r.finish()
    }

    /// `inputShape` is `(steps, features)`; records the feature count.
    public func build(inputShape: [Int], rng: inout RandomGenerator) throws {
        _ = try outputShape(inputShape: inputShape)
        builtFeatures = inputShape[1]
        isBuilt = true
    }

    /// `(steps, features)` → `(features)`.
    public func outputShape(inputShape: [Int]) throws -> [Int] {
        try globalPoolingOutputShape(inputShape, builtFeatures: builtFeatures, layer: name)
    }

    /// `(batch, steps, features)` → `(batch, features)`, averaging over the unmasked steps.
    /// - Throws: `shapeMismatch` for another rank, feature count or mask shape; `nonFinite`.
    public func forward(_ input: Tensor, mask: Tensor?, training: Bool) throws -> Tensor {
        try checkGlobalPoolingInput(input, builtFeatures: builtFeatures, layer: name)
        try Check.mask(mask, for: input, layer: name)
        let batch = input.shape[0], steps = input.shape[1], c = input.shape[2]
        // weights[b, t] = 1 for a counted step, 0 for a masked one (Keras casts the mask to bool).
        if weights.count != batch * steps { weights = [Float](repeating: 0, count: batch * steps) }
        weights.withUnsafeMutableBufferPointer { w in
            if let mask {
                mask.withUnsafeBufferPointer { m in
                    for i in 0..<(batch * steps) { w[i] = m[i] != 0 ? 1 : 0 }
                }
            } else {
                w.update(repeating: 1)
            }
        }
        var output = Tensor(shape: [batch, c])
        weights.withUnsafeMutableBufferPointer { wBuf in
            output.withUnsafeMutableBufferPointer { yBuf in
                input.withUnsafeBufferPointer { xBuf in
                    let x = xBuf.baseAddress!, y = yBuf.baseAddress!, w = wBuf.baseAddress!
                    for b in 0..<batch {
                        let xb = x + b * steps * c, yb = y + b * c, wb = w + b * steps
                        // Keras: where(mask, x, 0) summed over steps, divided by Σ mask.
                        var count = 0
                        for t in 0..<steps where wb[t] != 0 {
                            count += 1
                            addRow(yb, xb + t * c, c)
                        }
                        if count == 0 { continue }  // all masked: 0 (Keras: NaN)
                        let n = Float(count), inv = 1 / n
                        for j in 0..<c { yb[j] /= n }
                        for t in 0..<steps { wb[t] *= inv }
                    }
                }
            }
        }
        lastInputShape = input.shape
        return output
    }

    /// The mask stops here, as in Keras.
    public func outputMask(input: Tensor, mask: Tensor?) -> Tensor? { nil }

    /// Spreads `gradOutput` `(batch, features)` over the counted steps; returns
    /// `(batch, steps, features)`.
    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) throws -> Tensor? {
        let shape = try checkGlobalPoolingGradient(gradOutput, lastInputShape: lastInputShape, layer: name)
        guard needsInputGradient else { return nil }
        let batch = shape[0], steps = shape[1], c = shape[2]
        let data = [Float](unsafeUninitializedCapacity: batch * steps * c) { dxBuf, initialized in
            gradOutput.withUnsafeBufferPointer { gBuf in
                weights.withUnsafeBufferPointer { wBuf in
                    let dx = dxBuf.baseAddress!, g = gBuf.baseAddress!, w = wBuf.baseAddress!
                    for b in 0..<batch {
                        for t in 0..<steps {
                            let wt = w[b * steps + t], row = dx + (b * steps + t) * c, gb = g + b * c
                            for j in 0..<c { row[j] = wt * gb[j] }
                        }
                    }
                }
            }
            initialized = batch * steps * c
        }
        return Tensor(uncheckedShape: shape, data: data)
    }
}

// MARK: - Shared checks

/// `(steps, features)` → `(features)`, or a `shapeMismatch` naming `layer`.
private func globalPoolingOutputShape(_ inputShape: [Int], builtFeatures: Int?, layer: String) throws -> [Int] {
    guard inputShape.count == 2, inputShape[0] > 0, inputShape[1] > 0,
          builtFeatures == nil || builtFeatures == inputShape[1]
    else {
        throw RecurrentError.shapeMismatch(
            where: layer, expected: "an input shape (steps, \(builtFeatures.map(String.init) ?? "features"))",
            found: kerasShapeString(inputShape))
    }
    return [inputShape[1]]
}

private func checkGlobalPoolingInput(_ input: Tensor, builtFeatures: Int?, layer: String) throws {
    try Check.rank(input, 3, layer: layer, meaning: "(batch, steps, features)")
    if let builtFeatures { try Check.lastAxis(input, builtFeatures, layer: layer) }
    guard input.count > 0 else {
        throw RecurrentError.shapeMismatch(where: layer, expected: "a non-empty input", found: "shape \(input.shape)")
    }
    try Check.finite(input, layer: layer)
}

/// Returns the last input shape after checking that `gradOutput` is `(batch, features)` of it.
private func checkGlobalPoolingGradient(_ gradOutput: Tensor, lastInputShape: [Int]?, layer: String) throws -> [Int] {
    guard let shape = lastInputShape else {
        throw RecurrentError.invalidConfiguration(where: layer, message: "backward called before forward")
    }
    guard gradOutput.shape == [shape[0], shape[2]] else {
        throw RecurrentError.shapeMismatch(
            where: "\(layer) backward", expected: "a gradient of shape \([shape[0], shape[2]])",
            found: "shape \(gradOutput.shape)")
    }
    return shape
}

/// `dst[0..<n] += src[0..<n]`, sixteen lanes at a time.
@inline(__always)
private func addRow(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
    var j = 0
    while j + 16 <= n {
        VectorMath.store(VectorMath.load(dst + j) + VectorMath.load(src + j), dst + j)
        j += 16
    }
    while j < n {
        dst[j] += src[j]
        j += 1
    }
}
