/// A pooling over every step of `(batch, steps, features)` to `(batch, features)` (Keras's
/// global poolings, keepdims false, channels last), the reduction given by `Reduction`:
/// `GlobalMaxPooling1D` and `GlobalAveragePooling1D`. No weights; the output has no mask.
///
/// Errors: `shapeMismatch` for an input that is not `(batch, steps, builtFeatures)` or empty, a
/// bad mask, or a gradient that is not `(batch, features)` of the last input; `nonFinite` for
/// NaN/Inf; `invalidConfiguration` for a backward before any forward.
public final class GlobalPooling1D<Reduction: GlobalPoolingReduction>: Layer {
    public var name: String
    /// `GlobalMaxPooling1D` or `GlobalAveragePooling1D`.
    public var typeName: String { Reduction.typeName }
    public var parameters: [Parameter] { [] }
    public private(set) var isBuilt = false
    private var builtFeatures: Int?
    // Forward cache: what the reduction keeps for backward; the input shape.
    private var reduction = Reduction()
    private var lastInputShape: [Int]?

    public init(name: String = Reduction.defaultName) {
        self.name = name
    }

    /// Keras `get_config` keys: `name`, `trainable` (Keras's `keepdims` and `data_format` are
    /// accepted at their defaults, false and channels_last, when rebuilding).
    public var config: [String: JSONValue] { baseConfig }

    /// Rebuilds the layer from `config`.
    /// - Throws: `invalidConfiguration` naming the layer and the key that is invalid.
    public convenience init(config: [String: JSONValue]) throws {
        let r = ConfigReader(typeName: Reduction.typeName, config: config)
        try self.init(name: r.name(default: Reduction.defaultName))
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
        guard inputShape.count == 2, inputShape[0] > 0, inputShape[1] > 0,
              builtFeatures == nil || builtFeatures == inputShape[1]
        else {
            throw RecurrentError.shapeMismatch(
                where: name, expected: "an input shape (steps, \(builtFeatures.map(String.init) ?? "features"))",
                found: kerasShapeString(inputShape))
        }
        return [inputShape[1]]
    }

    /// `(batch, steps, features)` → `(batch, features)` (see `Reduction`).
    /// - Throws: `shapeMismatch` for another rank, feature count or mask shape; `nonFinite`.
    public func forward(_ input: Tensor, mask: Tensor?, training: Bool) throws -> Tensor {
        try Check.rank(input, 3, layer: name, meaning: "(batch, steps, features)")
        if let builtFeatures { try Check.lastAxis(input, builtFeatures, layer: name) }
        guard input.count > 0 else {
            throw RecurrentError.shapeMismatch(where: name, expected: "a non-empty input", found: "shape \(input.shape)")
        }
        try Check.finite(input, layer: name)
        if Reduction.readsMask { try Check.mask(mask, for: input, layer: name) }
        let output = reduction.forward(input, mask: Reduction.readsMask ? mask : nil)
        lastInputShape = input.shape
        return output
    }

    /// The mask stops here, as in Keras.
    public func outputMask(input: Tensor, mask: Tensor?) -> Tensor? { nil }

    /// Spreads `gradOutput` `(batch, features)` back over the steps (see `Reduction`); returns
    /// `(batch, steps, features)`.
    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) throws -> Tensor? {
        guard let shape = lastInputShape else {
            throw RecurrentError.invalidConfiguration(where: name, message: "backward called before forward")
        }
        guard gradOutput.shape == [shape[0], shape[2]] else {
            throw RecurrentError.shapeMismatch(
                where: "\(name) backward", expected: "a gradient of shape \([shape[0], shape[2]])",
                found: "shape \(gradOutput.shape)")
        }
        guard needsInputGradient else { return nil }
        return reduction.backward(gradOutput, inputShape: shape)
    }
}

/// The reduction over steps of a `GlobalPooling1D`, with what its backward needs from the last
/// forward. Shapes: input `(batch, steps, features)`, output and gradient `(batch, features)`.
public protocol GlobalPoolingReduction {
    /// The Keras class name of the layer (`GlobalMaxPooling1D`).
    static var typeName: String { get }
    /// The layer's default name (`global_max_pooling1d`).
    static var defaultName: String { get }
    /// Whether the mask takes part (else it is ignored, as Keras's layer does).
    static var readsMask: Bool { get }
    init()
    /// Reduces a checked, non-empty `input`; `mask` `(batch, steps)` when `readsMask`.
    mutating func forward(_ input: Tensor, mask: Tensor?) -> Tensor
    /// dLoss/dInput `(inputShape)` from dLoss/dOutput, after the last `forward`.
    func backward(_ gradOutput: Tensor, inputShape: [Int]) -> Tensor
}

/// Keras `GlobalMaxPooling1D` (keras/src/layers/pooling/global_max_pooling1d.py): the maximum
/// over all steps, per feature. Keras's layer does not support masking: the mask is
/// **ignored** (padded steps take part in the maximum). Backward: each output's gradient goes
/// to the step that held the maximum, the first on ties.
public typealias GlobalMaxPooling1D = GlobalPooling1D<MaxOverSteps>

/// Keras `GlobalAveragePooling1D` (keras/src/layers/pooling/global_average_pooling1d.py): the
/// mean over steps, per feature, counting only unmasked steps. Without a mask
/// `y[b] = Σ_t x[b, t] / steps`; with one, `y[b] = Σ_t m[b, t]·x[b, t] / Σ_t m[b, t]` (Keras
/// `supports_masking = True`). A sample whose steps are all masked: Keras divides 0 by 0 and
/// returns NaN; Recurrent returns 0 for it (and a zero gradient) so one empty sequence cannot
/// poison a batch. Backward: `dX[b, t] = m[b, t] · dY[b] / Σ_t m[b, t]`.
public typealias GlobalAveragePooling1D = GlobalPooling1D<MeanOverSteps>

/// The maximum over steps (`GlobalMaxPooling1D`); keeps the winning step of each (sample, feature).
public struct MaxOverSteps: GlobalPoolingReduction {
    public static let typeName = "GlobalMaxPooling1D"
    public static let defaultName = "global_max_pooling1d"
    public static let readsMask = false
    private var argmax: [Int32] = []

    public init() {}

    public mutating func forward(_ input: Tensor, mask: Tensor?) -> Tensor {
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
        return Tensor(uncheckedShape: [batch, c], data: data)
    }

    public func backward(_ gradOutput: Tensor, inputShape shape: [Int]) -> Tensor {
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

/// The mean over the unmasked steps (`GlobalAveragePooling1D`); keeps the weight of each
/// (sample, step) in the mean (mask / count).
public struct MeanOverSteps: GlobalPoolingReduction {
    public static let typeName = "GlobalAveragePooling1D"
    public static let defaultName = "global_average_pooling1d"
    public static let readsMask = true
    private var weights: [Float] = []

    public init() {}

    public mutating func forward(_ input: Tensor, mask: Tensor?) -> Tensor {
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
                            VectorMath.add(xb + t * c, into: yb, count: c)
                        }
                        if count == 0 { continue }  // all masked: 0 (Keras: NaN)
                        let n = Float(count), inv = 1 / n
                        for j in 0..<c { yb[j] /= n }
                        for t in 0..<steps { wb[t] *= inv }
                    }
                }
            }
        }
        return output
    }

    public func backward(_ gradOutput: Tensor, inputShape shape: [Int]) -> Tensor {
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
