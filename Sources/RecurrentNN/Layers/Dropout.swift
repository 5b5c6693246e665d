/// Keras `Dropout` (keras/src/layers/regularization/dropout.py, with the TensorFlow backend's
/// `stateless_dropout`): inverted dropout.
///
/// - Training with `rate > 0`: each element is kept with probability `1 − rate` and scaled by
///   `1 / (1 − rate)`, otherwise set to 0; a fresh mask every call.
/// - Inference (or `rate == 0`): the identity.
/// - Input and output: any shape, e.g. `(batch, features)` or `(batch, timesteps, features)`.
/// - Mask: passed through unchanged (Keras `supports_masking = True`).
/// - Backward: `dX = dY · keep / (1 − rate)` with the mask of the last forward (identity after
///   an inference forward).
/// - Randomness: the layer owns a `RandomGenerator`, forked at `build` from the model's generator;
///   a `seed` replaces the forked one (the model's generator is still advanced by one draw, so a
///   seed here never changes the weights of later layers). Keras's `noise_shape` is not supported.
/// - `rate` must lie in `[0, 1)`: Keras accepts 1 (all zeros), which can never train.
public final class Dropout: Layer {
    public var name: String
    public let typeName = "Dropout"
    /// Probability of dropping an element.
    public let rate: Float
    /// Optional fixed seed for the dropout masks.
    public let seed: UInt64?

    public var parameters: [Parameter] { [] }
    public private(set) var isBuilt = false

    private var rng: RandomGenerator
    // Forward cache: per-element factor 0 or 1/(1−rate) when the last forward dropped; its shape.
    private var factors: [Float] = []
    private var droppedLastForward = false
    private var lastShape: [Int]?

    /// - Throws: `RecurrentError.invalidConfiguration` unless `0 ≤ rate < 1`.
    public init(rate: Float, seed: UInt64? = nil, name: String = "dropout") {
        self.rate = rate
        self.seed = seed
        self.name = name
        self.rng = RandomGenerator(seed: seed ?? 0)
    }

    public var randomGenerators: [RandomGenerator] {
        get { [rng] }
        set { if newValue.count == 1 { rng = newValue[0] } }
    }

    /// Keras `get_config` keys: `name`, `trainable`, `rate`, `seed` (null when none; a seed
    /// above 2^53, which a JSON number cannot hold exactly, is written as a decimal string).
    public var config: [String: JSONValue] {
        let seedValue: JSONValue = seed.map { $0 <= 1 << 53 ? .number(Double($0)) : .string(String($0)) } ?? .null
        return baseConfig.merging(["rate": JSONValue(rate), "seed": seedValue]) { $1 }
    }

    /// Rebuilds the layer from `config` (`rate` required; `seed` null, a non-negative integer or
    /// its decimal string). Keras's `noise_shape` is accepted when null.
    /// - Throws: `invalidConfiguration` naming the layer and the key that is missing or invalid.
    public convenience init(config: [String: JSONValue]) throws {
        let r = ConfigReader(typeName: "Dropout", config: config)
        let seed: UInt64? = try r.optional("seed", nil, "null or a non-negative integer") { v in
            switch v {
            case .null: return .some(nil)
            case let .string(s): return UInt64(s).map { .some($0) }
            default: return v.intValue.flatMap { $0 >= 0 ? .some(UInt64($0)) : nil }
            }
        }
        try self.init(rate: r.required("rate", "a number in [0, 1)", ConfigReader.float), seed: seed,
                      name: r.name(default: "dropout"))
        _ = try r.trainable()
        try r.finish()
    }

    /// Any shape; only seeds the layer's generator.
    public func build(inputShape: [Int], rng: inout RandomGenerator) throws {
        guard rate >= 0, rate < 1 else {
            throw RecurrentError.invalidConfiguration(
                where: name, message: "rate must be in [0, 1), found \(rate)")
        }
        let forked = rng.fork()
        self.rng = seed.map { RandomGenerator(seed: $0) } ?? forked
        isBuilt = true
    }

    /// The identity on shapes.
    public func outputShape(inputShape: [Int]) throws -> [Int] { inputShape }

    /// - Throws: `nonFinite` for NaN/Inf input; `shapeMismatch` for a mask that is not
    ///   `(batch, timesteps)`.
    public func forward(_ input: Tensor, mask: Tensor?, training: Bool) throws -> Tensor {
        guard rate >= 0, rate < 1 else {
            throw RecurrentError.invalidConfiguration(where: name, message: "rate must be in [0, 1), found \(rate)")
        }
        try Check.mask(mask, for: input, layer: name)
        guard input.count > 0 else {
            throw RecurrentError.shapeMismatch(where: name, expected: "a non-empty input", found: "shape \(input.shape)")
        }
        try Check.finite(input, layer: name)
        lastShape = input.shape
        guard training, rate > 0 else {
            droppedLastForward = false
            return input
        }
        droppedLastForward = true
        let n = input.count
        if factors.count != n { factors = [Float](repeating: 0, count: n) }
        let scale = 1 / (1 - rate), rate = self.rate
        var generator = rng  // a local copy: no exclusivity checks on a class property per element
        let data = [Float](unsafeUninitializedCapacity: n) { yBuf, initialized in
            factors.withUnsafeMutableBufferPointer { fBuf in
                input.withUnsafeBufferPointer { xBuf in
                    let x = xBuf.baseAddress!, y = yBuf.baseAddress!, f = fBuf.baseAddress!
                    // Keep when u ≥ rate (TensorFlow's rule, P(keep) = 1 − rate) with u a 24-bit
                    // uniform, compared as integers: keep ⇔ bits ≥ ceil(rate · 2^24). Each 64-bit
                    // draw gives two such u (bits 40–63 and 16–39).
                    let threshold = UInt64((rate * 16_777_216).rounded(.up))
                    // Branch-free (a random keep/drop branch mispredicts half the time): four
                    // decisions at once as a SIMD compare and blend.
                    let t = SIMD4<Int32>(repeating: Int32(threshold))
                    let zero = SIMD4<Float>(repeating: 0)
                    var i = 0
                    while i + 4 <= n {
                        let r0 = generator.next(), r1 = generator.next()
                        let bits = SIMD4<Int32>(
                            Int32(truncatingIfNeeded: r0 >> 40), Int32(truncatingIfNeeded: (r0 >> 16) & 0xFF_FFFF),
                            Int32(truncatingIfNeeded: r1 >> 40), Int32(truncatingIfNeeded: (r1 >> 16) & 0xFF_FFFF))
                        let k = zero.replacing(with: scale, where: bits .>= t)
                        UnsafeMutableRawPointer(f + i).storeBytes(of: k, as: SIMD4<Float>.self)
                        let xv = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<Float>.self)
                        UnsafeMutableRawPointer(y + i).storeBytes(of: xv * k, as: SIMD4<Float>.self)
                        i += 4
                    }
                    while i < n {
                        let k: Float = (generator.next() >> 40) >= threshold ? scale : 0
                        f[i] = k
                        y[i] = x[i] * k
                        i += 1
                    }
                }
            }
            initialized = n
        }
        let output = Tensor(uncheckedShape: input.shape, data: data)
        rng = generator
        return output
    }

    /// dLoss/dInput: `gradOutput` times the last mask (or unchanged after an inference forward).
    /// - Throws: `shapeMismatch` when `gradOutput` is not the shape of the last output;
    ///   `invalidConfiguration` when no forward came first.
    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) throws -> Tensor? {
        guard let shape = lastShape else {
            throw RecurrentError.invalidConfiguration(where: name, message: "backward called before forward")
        }
        guard gradOutput.shape == shape else {
            throw RecurrentError.shapeMismatch(
                where: "\(name) backward", expected: "a gradient of shape \(shape)", found: "shape \(gradOutput.shape)")
        }
        guard needsInputGradient else { return nil }
        guard droppedLastForward else { return gradOutput }
        var dx = gradOutput
        let n = dx.count
        if n == 0 { return dx }
        dx.withUnsafeMutableBufferPointer { g in
            factors.withUnsafeBufferPointer { f in
                let g = g.baseAddress!, f = f.baseAddress!
                var i = 0
                while i + 16 <= n {
                    VectorMath.store(VectorMath.load(g + i) * VectorMath.load(f + i), g + i)
                    i += 16
                }
                while i < n { g[i] *= f[i]; i += 1 }
            }
        }
        return dx
    }
}
