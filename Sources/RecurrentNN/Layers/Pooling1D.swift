/// Keras `MaxPooling1D` (keras/src/layers/pooling/max_pooling1d.py and base_pooling.py,
/// TensorFlow's `max_pool1d`): the maximum over windows of `poolSize` steps, per channel.
///
/// - Input: `(batch, steps, features)`. Output: `(batch, newSteps, features)` with
///   `valid`: `newSteps = floor((steps − poolSize) / strides) + 1`; `same`:
///   `newSteps = ceil(steps / strides)`, padded steps (smaller half on the left, as TensorFlow)
///   never win the maximum. `causal` is not a pooling padding (Keras raises too).
/// - Mask: Keras's MaxPooling1D does not support masking: the incoming mask is ignored and the
///   output carries no mask.
/// - Backward: each output's gradient goes to the step that held the maximum, the first one on
///   ties; overlapping windows (`strides < poolSize`) add up, as TensorFlow's `MaxPoolGrad`.
/// - No weights.
public final class MaxPooling1D: Layer {
    public var name: String
    public let typeName = "MaxPooling1D"
    /// Window width in steps.
    public let poolSize: Int
    /// Steps between windows (Keras default: `poolSize`).
    public let strides: Int
    public let padding: Padding

    public var parameters: [Parameter] { [] }
    public private(set) var isBuilt = false
    private var builtFeatures: Int?

    // Forward cache: for each output element, the input step that won; the input shape.
    private var argmax: [Int32] = []
    private var lastInputShape: [Int]?
    private var lastOutputSteps = 0

    /// - Throws: `RecurrentError.invalidConfiguration` for a non-positive `poolSize` or `strides`,
    ///   or `causal` padding.
    public init(poolSize: Int = 2, strides: Int? = nil, padding: Padding = .valid, name: String = "max_pooling1d") {
        self.poolSize = poolSize
        self.strides = strides ?? poolSize
        self.padding = padding
        self.name = name
    }

    /// Keras `get_config` keys: `name`, `trainable`, `pool_size` and `strides` (as Keras's
    /// 1-tuples), `padding`.
    public var config: [String: JSONValue] {
        baseConfig.merging([
            "pool_size": .tuple1(poolSize), "strides": .tuple1(strides), "padding": .string(padding.rawValue),
        ]) { $1 }
    }

    /// Rebuilds the layer from `config` (Keras defaults: `pool_size` 2, `strides` = `pool_size`
    /// when missing or null, `padding` valid).
    /// - Throws: `invalidConfiguration` naming the layer and the key that is invalid.
    public convenience init(config: [String: JSONValue]) throws {
        let r = ConfigReader(typeName: "MaxPooling1D", config: config)
        let poolSize = try r.optional("pool_size", 2, "a positive integer or [integer]", ConfigReader.intOrTuple1)
        let strides: Int? = try r.optional("strides", nil, "a positive integer, [integer] or null") { v in
            v == .null ? .some(nil) : ConfigReader.intOrTuple1(v).map { .some($0) }
        }
        try self.init(
            poolSize: poolSize, strides: strides,
            padding: r.optional("padding", .valid, "'valid' or 'same'", ConfigReader.padding),
            name: r.name(default: "max_pooling1d"))
        _ = try r.trainable()
        try r.finish()
    }

    /// `inputShape` is `(steps, features)`; records the feature count.
    public func build(inputShape: [Int], rng: inout RandomGenerator) throws {
        guard poolSize > 0, strides > 0 else {
            throw RecurrentError.invalidConfiguration(
                where: name, message: "poolSize and strides must be positive, found \(poolSize) and \(strides)")
        }
        guard padding != .causal else {
            throw RecurrentError.invalidConfiguration(
                where: name, message: "padding must be 'valid' or 'same' for pooling, found 'causal'")
        }
        _ = try outputShape(inputShape: inputShape)
        builtFeatures = inputShape[1]
        isBuilt = true
    }

    /// `(steps, features)` → `(newSteps, features)`.
    /// - Throws: `shapeMismatch` for another rank, a feature count other than the built one, or
    ///   a `valid` window longer than the sequence.
    public func outputShape(inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 2, inputShape[1] > 0, builtFeatures == nil || builtFeatures == inputShape[1] else {
            throw RecurrentError.shapeMismatch(
                where: name, expected: "an input shape (steps, \(builtFeatures.map(String.init) ?? "features"))",
                found: kerasShapeString(inputShape))
        }
        return [try outputSteps(inputShape[0]), inputShape[1]]
    }

    private func outputSteps(_ steps: Int) throws -> Int {
        let out = padding.outputLength(inputLength: steps, window: poolSize, stride: strides)
        guard out > 0 else {
            throw RecurrentError.shapeMismatch(
                where: name, expected: "at least \(poolSize) steps for poolSize \(poolSize) with 'valid' padding",
                found: "\(steps) steps")
        }
        return out
    }

    /// `(batch, steps, features)` → `(batch, newSteps, features)`. `mask` is ignored.
    /// - Throws: `shapeMismatch` for another rank, feature count, or too few steps; `nonFinite`
    ///   for NaN/Inf input.
    public func forward(_ input: Tensor, mask: Tensor?, training: Bool) throws -> Tensor {
        try Check.rank(input, 3, layer: name, meaning: "(batch, steps, features)")
        if let builtFeatures { try Check.lastAxis(input, builtFeatures, layer: name) }
        guard input.count > 0 else {
            throw RecurrentError.shapeMismatch(where: name, expected: "a non-empty input", found: "shape \(input.shape)")
        }
        try Check.finite(input, layer: name)
        let batch = input.shape[0], steps = input.shape[1], c = input.shape[2]
        let out = try outputSteps(steps)
        let s = strides, pool = poolSize
        let left = padding.leftPad(inputLength: steps, window: pool, stride: s)
        let n = batch * out * c
        if argmax.count != n { argmax = [Int32](repeating: 0, count: n) }
        let data = [Float](unsafeUninitializedCapacity: n) { yBuf, initialized in
            argmax.withUnsafeMutableBufferPointer { idxBuf in
                input.withUnsafeBufferPointer { xBuf in
                    let x = xBuf.baseAddress!, y = yBuf.baseAddress!, idx = idxBuf.baseAddress!
                    for b in 0..<batch {
                        let xb = x + b * steps * c
                        for o in 0..<out {
                            let yo = y + (b * out + o) * c, io = idx + (b * out + o) * c
                            // The window clipped to the sequence; never empty (see Padding).
                            let lo = max(0, o * s - left), hi = min(steps, o * s - left + pool)
                            yo.initialize(from: xb + lo * c, count: c)
                            io.initialize(repeating: Int32(lo), count: c)
                            for p in (lo + 1)..<max(lo + 1, hi) {
                                MaxPoolKernel.update(max: yo, argmax: io, with: xb + p * c, step: Int32(p), count: c)
                            }
                        }
                    }
                }
            }
            initialized = n
        }
        lastInputShape = input.shape
        lastOutputSteps = out
        return Tensor(uncheckedShape: [batch, out, c], data: data)
    }

    /// MaxPooling1D destroys the mask, as in Keras.
    public func outputMask(input: Tensor, mask: Tensor?) -> Tensor? { nil }

    /// Routes each output gradient to its argmax step; returns `(batch, steps, features)`.
    /// - Throws: `shapeMismatch` when `gradOutput` is not the shape of the last output;
    ///   `invalidConfiguration` when no forward came first.
    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) throws -> Tensor? {
        guard let shape = lastInputShape else {
            throw RecurrentError.invalidConfiguration(where: name, message: "backward called before forward")
        }
        let batch = shape[0], steps = shape[1], c = shape[2], out = lastOutputSteps
        guard gradOutput.shape == [batch, out, c] else {
            throw RecurrentError.shapeMismatch(
                where: "\(name) backward", expected: "a gradient of shape \([batch, out, c])",
                found: "shape \(gradOutput.shape)")
        }
        guard needsInputGradient else { return nil }
        var dx = Tensor(shape: shape)
        dx.withUnsafeMutableBufferPointer { dxBuf in
            gradOutput.withUnsafeBufferPointer { gBuf in
                argmax.withUnsafeBufferPointer { idxBuf in
                    let dxp = dxBuf.baseAddress!, g = gBuf.baseAddress!, idx = idxBuf.baseAddress!
                    for b in 0..<batch {
                        let dxb = dxp + b * steps * c
                        for o in 0..<out {
                            let go = g + (b * out + o) * c, io = idx + (b * out + o) * c
                            for j in 0..<c { dxb[Int(io[j]) * c + j] += go[j] }
                        }
                    }
                }
            }
        }
        return dx
    }
}

/// The running maximum of max pooling, shared by `MaxPooling1D` and `GlobalMaxPooling1D`.
enum MaxPoolKernel {
    /// Where `row[j] > max[j]` (strictly, so the first maximum wins ties), sets `max[j] = row[j]`
    /// and `argmax[j] = step`, for `j` in `0..<count`. Sixteen lanes at a time as a compare and
    /// blend: a data-dependent branch would mispredict on about half of random inputs.
    @inline(__always)
    static func update(max m: UnsafeMutablePointer<Float>, argmax a: UnsafeMutablePointer<Int32>,
                       with row: UnsafePointer<Float>, step: Int32, count: Int) {
        var j = 0
        let s = SIMD16<Int32>(repeating: step)
        while j + 16 <= count {
            let v = VectorMath.load(row + j)
            var best = VectorMath.load(m + j)
            let wins = v .> best
            best.replace(with: v, where: wins)
            VectorMath.store(best, m + j)
            var idx = UnsafeRawPointer(a + j).loadUnaligned(as: SIMD16<Int32>.self)
            idx.replace(with: s, where: wins)
            UnsafeMutableRawPointer(a + j).storeBytes(of: idx, as: SIMD16<Int32>.self)
            j += 16
        }
        while j < count {
            if row[j] > m[j] {
                m[j] = row[j]
                a[j] = step
            }
            j += 1
        }
    }
}
