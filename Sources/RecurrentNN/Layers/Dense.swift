/// Keras `Dense` (keras/src/layers/core/dense.py): `y = activation(x · kernel + bias)` on the
/// last axis.
///
/// - Weights, in Keras order: `kernel` `(inFeatures, units)` (`glorot_uniform`), then `bias`
///   `(units)` (zeros) when `useBias`.
/// - Input: `(batch, inFeatures)` or `(batch, timesteps, inFeatures)` (any rank ≥ 2, as Keras's
///   `InputSpec(min_ndim=2)`); all leading axes are flattened into the rows of one GEMM.
/// - Output: the input shape with the last axis replaced by `units`.
/// - Mask: passed through unchanged and not applied (Keras `supports_masking = True` with the
///   default `compute_mask`).
/// - Backward (with `dZ = activation'(dY)`): `dKernel = Xᵀ · dZ`, `dBias = Σ_rows dZ`,
///   `dX = dZ · kernelᵀ`, all products through `BLAS.gemmParallel`. Softmax differentiates
///   over the last axis (`Activation.backward`).
public final class Dense: Layer, LogitsProducingLayer {
    public var name: String
    public let typeName = "Dense"
    /// Number of output features.
    public let units: Int
    public let activation: Activation
    public let useBias: Bool
    public let kernelInitializer: Initializer
    public let biasInitializer: Initializer

    /// `(inFeatures, units)`; nil until `build`.
    /// The pre-activation output `z = x·K + b` of the last forward when the activation is
    /// sigmoid or softmax (nil otherwise): what a cross-entropy "from logits" uses.
    public private(set) var lastLogits: Tensor?

    public private(set) var kernel: Parameter?
    /// `(units)`; nil until `build` or when `useBias` is false.
    public private(set) var bias: Parameter?

    public var parameters: [Parameter] { [kernel, bias].compactMap { $0 } }
    public var isBuilt: Bool { kernel != nil }
    /// The input feature count fixed by `build` (0 before).
    public var inputFeatures: Int { kernel?.value.shape[0] ?? 0 }

    // Forward cache: the input and the activated output (the activation derivative needs y).
    private var lastInput: Tensor?
    private var lastOutput: Tensor?

    /// `build` throws `RecurrentError.invalidConfiguration` when `units` is not positive.
    public init(
        _ units: Int, activation: Activation = .linear, useBias: Bool = true,
        kernelInitializer: Initializer = .glorotUniform, biasInitializer: Initializer = .zeros,
        name: String = "dense"
    ) {
        self.units = units
        self.activation = activation
        self.useBias = useBias
        self.kernelInitializer = kernelInitializer
        self.biasInitializer = biasInitializer
        self.name = name
    }

    /// Keras `get_config` keys: `name`, `trainable`, `units`, `activation`, `use_bias`,
    /// `kernel_initializer`, `bias_initializer`.
    public var config: [String: JSONValue] {
        baseConfig.merging([
            "units": .number(Double(units)), "activation": .string(activation.rawValue), "use_bias": .bool(useBias),
            "kernel_initializer": kernelInitializer.config, "bias_initializer": biasInitializer.config,
        ]) { $1 }
    }

    /// Rebuilds the layer from `config` (Keras defaults for missing keys but `units`).
    /// - Throws: `invalidConfiguration` naming the layer and the key that is missing or invalid.
    public convenience init(config: [String: JSONValue]) throws {
        let r = ConfigReader(typeName: "Dense", config: config)
        try self.init(
            r.required("units", "a positive integer", ConfigReader.int),
            activation: r.optional("activation", .linear, "an activation name", ConfigReader.activation),
            useBias: r.optional("use_bias", true, "true or false", ConfigReader.bool),
            kernelInitializer: r.optional("kernel_initializer", .glorotUniform, "a Keras initializer", ConfigReader.initializer),
            biasInitializer: r.optional("bias_initializer", .zeros, "a Keras initializer", ConfigReader.initializer),
            name: r.name(default: "dense"))
        _ = try r.trainable()
        try r.finish()
    }

    /// `inputShape` is `(inFeatures)` or `(timesteps, inFeatures)`, without the batch axis.
    public func build(inputShape: [Int], rng: inout RandomGenerator) throws {
        guard units > 0 else {
            throw RecurrentError.invalidConfiguration(where: name, message: "units must be positive, found \(units)")
        }
        guard let features = inputShape.last, features > 0 else {
            throw RecurrentError.shapeMismatch(
                where: name, expected: "an input shape (…, features) with features > 0",
                found: kerasShapeString(inputShape))
        }
        try Check.weightShape([features, units], layer: name)
        kernel = Parameter(name: "kernel", value: kernelInitializer.make([features, units], rng: &rng))
        bias = useBias ? Parameter(name: "bias", value: biasInitializer.make([units], rng: &rng)) : nil
    }

    /// `(…, inFeatures)` → `(…, units)`.
    public func outputShape(inputShape: [Int]) throws -> [Int] {
        guard let features = inputShape.last, features > 0, !isBuilt || features == inputFeatures else {
            throw RecurrentError.shapeMismatch(
                where: name,
                expected: isBuilt ? "an input shape (…, \(inputFeatures))" : "an input shape (…, features)",
                found: kerasShapeString(inputShape))
        }
        return Array(inputShape.dropLast()) + [units]
    }

    /// - Throws: `notBuilt`; `shapeMismatch` for rank < 2, a last axis other than the built
    ///   `inFeatures`, or a mask that is not `(batch, timesteps)`; `nonFinite` for NaN/Inf input.
    public func forward(_ input: Tensor, mask: Tensor?, training: Bool) throws -> Tensor {
        guard let kernel else { throw RecurrentError.notBuilt(layer: name) }
        guard input.rank >= 2 else {
            throw RecurrentError.shapeMismatch(
                where: name, expected: "an input of rank ≥ 2, (batch, …, \(inputFeatures))",
                found: "shape \(input.shape)")
        }
        let inF = inputFeatures, n = units
        try Check.lastAxis(input, inF, layer: name)
        guard input.count > 0 else {
            throw RecurrentError.shapeMismatch(where: name, expected: "a non-empty input", found: "shape \(input.shape)")
        }
        try Check.mask(mask, for: input, layer: name)
        try Check.finite(input, layer: name)
        let rows = input.count / inF
        let bias = self.bias
        var data = [Float](unsafeUninitializedCapacity: rows * n) { out, initialized in
            let y = out.baseAddress!
            var beta: Float = 0
            if let bias {
                // Start every row at the bias; the GEMM then accumulates onto it (beta = 1).
                bias.value.withUnsafeBufferPointer { b in
                    for r in 0..<rows { (y + r * n).initialize(from: b.baseAddress!, count: n) }
                }
                beta = 1
            } else {
                y.initialize(repeating: 0, count: rows * n)
            }
            input.withUnsafeBufferPointer { x in
                kernel.value.withUnsafeBufferPointer { k in
                    BLAS.gemmParallel(
                        m: rows, n: n, k: inF, a: x.baseAddress!, lda: inF,
                        b: k.baseAddress!, ldb: n, beta: beta, c: y, ldc: n)
                }
            }
            initialized = rows * n
        }
        // Keep the logits of a sigmoid/softmax head: losses are computed from them (see
        // `lastLogits`), stably and unclipped, as Keras does on the TensorFlow backend.
        lastLogits = (activation == .sigmoid || activation == .softmax)
            ? Tensor(uncheckedShape: Array(input.shape.dropLast()) + [n], data: data) : nil
        if activation != .linear {
            data.withUnsafeMutableBufferPointer { p in
                activation.apply(p.baseAddress!, count: rows * n, rowLength: n)
            }
        }
        let output = Tensor(uncheckedShape: Array(input.shape.dropLast()) + [n], data: data)
        lastInput = input
        lastOutput = output
        return output
    }

    /// Writes `kernel.gradient` (and `bias.gradient`) and returns dLoss/dInput (nil when not
    /// needed).
    /// - Throws: `shapeMismatch` when `gradOutput` is not the shape of the last output;
    ///   `invalidConfiguration` when no forward came first.
    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) throws -> Tensor? {
        let (kernel, x, y) = try cacheForBackward(gradientShape: gradOutput.shape)
        // dZ = dY through the activation (a copy only when the activation is not linear).
        var dz = gradOutput
        if activation != .linear {
            dz.withUnsafeMutableBufferPointer { g in
                y.withUnsafeBufferPointer { yp in
                    activation.backward(grad: g.baseAddress!, output: yp.baseAddress!, count: y.count, rowLength: units)
                }
            }
        }
        return backwardLinear(dz, kernel: kernel, x: x, y: y, needsInputGradient: needsInputGradient)
    }

    /// Backward from dLoss/dZ, the gradient with respect to the pre-activation `z = x·K + b`
    /// (the logits), skipping the activation: a loss computed from logits (sigmoid or softmax
    /// cross-entropy) passes `p − y` here, as Keras does on the TensorFlow backend.
    /// - Throws: as `backward(_:needsInputGradient:)`.
    public func backward(fromPreActivation gradLogits: Tensor, needsInputGradient: Bool) throws -> Tensor? {
        let (kernel, x, y) = try cacheForBackward(gradientShape: gradLogits.shape)
        return backwardLinear(gradLogits, kernel: kernel, x: x, y: y, needsInputGradient: needsInputGradient)
    }

    /// The kernel and the last forward's input and output, after checking that a forward came
    /// first and that a gradient of `gradientShape` fits its output.
    private func cacheForBackward(gradientShape: [Int]) throws -> (Parameter, Tensor, Tensor) {
        guard let kernel else { throw RecurrentError.notBuilt(layer: name) }
        guard let x = lastInput, let y = lastOutput else {
            throw RecurrentError.invalidConfiguration(where: name, message: "backward called before forward")
        }
        guard gradientShape == y.shape else {
            throw RecurrentError.shapeMismatch(
                where: "\(name) backward", expected: "a gradient of shape \(y.shape)", found: "shape \(gradientShape)")
        }
        return (kernel, x, y)
    }

    /// Weight gradients and dInput from dZ, with the shapes already checked.
    private func backwardLinear(_ dz: Tensor, kernel: Parameter, x: Tensor, y: Tensor, needsInputGradient: Bool) -> Tensor? {
        let inF = inputFeatures, n = units, rows = y.count / n
        dz.withUnsafeBufferPointer { g in
            let g = g.baseAddress!
            // dKernel (inF, n) = Xᵀ (inF, rows) · dZ (rows, n).
            x.withUnsafeBufferPointer { xp in
                kernel.gradient.withUnsafeMutableBufferPointer { gk in
                    BLAS.gemmParallel(
                        transA: true, m: inF, n: n, k: rows, a: xp.baseAddress!, lda: inF,
                        b: g, ldb: n, c: gk.baseAddress!, ldc: n)
                }
            }
            // dBias (n) = column sums of dZ.
            if let bias {
                bias.gradient.withUnsafeMutableBufferPointer { gb in
                    let gb = gb.baseAddress!
                    gb.update(from: g, count: n)
                    for r in 1..<max(1, rows) { VectorMath.add(g + r * n, into: gb, count: n) }
                }
            }
        }
        guard needsInputGradient else { return nil }
        // dX (rows, inF) = dZ (rows, n) · kernelᵀ (n, inF).
        let dx = [Float](unsafeUninitializedCapacity: rows * inF) { out, initialized in
            dz.withUnsafeBufferPointer { g in
                kernel.value.withUnsafeBufferPointer { k in
                    BLAS.gemmParallel(
                        transB: true, m: rows, n: inF, k: n, a: g.baseAddress!, lda: n,
                        b: k.baseAddress!, ldb: n, c: out.baseAddress!, ldc: inF)
                }
            }
            initialized = rows * inF
        }
        return Tensor(uncheckedShape: x.shape, data: dx)
    }
}
