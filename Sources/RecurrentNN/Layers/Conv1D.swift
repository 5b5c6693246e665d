/// Keras `Conv1D` (keras/src/layers/convolutional/conv1d.py and base_conv.py, TensorFlow's
/// `conv1d`): a 1-D convolution over the steps axis, channels last.
///
/// `y[b, o, f] = activation(bias[f] + Σ_k Σ_c x[b, o·strides + k − leftPad, c] · kernel[k, c, f])`,
/// where steps outside `0..<steps` read as zero (this is cross-correlation, as in Keras).
///
/// - Weights, in Keras order: `kernel` `(kernelSize, inChannels, filters)` (`glorot_uniform` with
///   fans `kernelSize·inChannels` and `kernelSize·filters`), then `bias` `(filters)` (zeros).
/// - Input: `(batch, steps, inChannels)`. Output: `(batch, newSteps, filters)` with `newSteps`
///   and `leftPad` from `Padding` (valid: `floor((steps − kernelSize) / strides) + 1`; same:
///   `ceil(steps / strides)`, the odd padded step on the right as in TensorFlow; causal:
///   `kernelSize − 1` zeros on the left).
/// - Mask: Keras's Conv1D does not support masking: the incoming mask is ignored (padded steps
///   are convolved like any other) and the output carries no mask (`outputMask` is nil).
/// - Kernel: im2col (each output step's receptive field, `kernelSize` consecutive input steps,
///   is one contiguous run of `kernelSize·inChannels` floats) built in cache-sized chunks of rows,
///   each followed by its GEMM with the kernel seen as `(kernelSize·inChannels, filters)`; the
///   chunks are split across `Parallel.workerCount` threads. Backward rebuilds the chunks from
///   the cached input: `dKernel = Σ colsᵀ · dZ` (per-worker partial sums), `dBias = Σ_rows dZ`,
///   and `dX` as one GEMM per sample and tap (`dZ · kernel[t]ᵀ`) added into the strided input
///   rows that tap read (col2im without the intermediate buffer).
/// - Not supported: `dilation_rate` > 1, `groups` > 1, `channels_first`.
public final class Conv1D: Layer {
    public var name: String
    public let typeName = "Conv1D"
    /// Number of output channels.
    public let filters: Int
    /// Width of the window in steps.
    public let kernelSize: Int
    /// Steps between consecutive windows.
    public let strides: Int
    public let padding: Padding
    public let activation: Activation
    public let useBias: Bool
    public let kernelInitializer: Initializer
    public let biasInitializer: Initializer

    /// `(kernelSize, inChannels, filters)`; nil until `build`.
    public private(set) var kernel: Parameter?
    /// `(filters)`; nil until `build` or when `useBias` is false.
    public private(set) var bias: Parameter?

    public var parameters: [Parameter] { [kernel, bias].compactMap { $0 } }
    public var isBuilt: Bool { kernel != nil }
    /// The input channel count fixed by `build` (0 before).
    public var inputChannels: Int { kernel?.value.shape[1] ?? 0 }

    // Forward cache: im2col rows `(batch · newSteps, kernelSize · inChannels)`, kept for dKernel;
    // the activated output; the input geometry.
    private var lastInput: Tensor?
    private var lastOutput: Tensor?
    private var lastLeftPad = 0
    // Reused work buffers: one im2col chunk per worker; per-worker dKernel partial sums.
    private var scratch: [Float] = []
    private var partials: [Float] = []

    /// `build` throws `RecurrentError.invalidConfiguration` when `filters`, `kernelSize` or `strides`
    ///   is not positive.
    public init(
        filters: Int, kernelSize: Int, strides: Int = 1, padding: Padding = .valid,
        activation: Activation = .linear, useBias: Bool = true,
        kernelInitializer: Initializer = .glorotUniform, biasInitializer: Initializer = .zeros,
        name: String = "conv1d"
    ) {
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.activation = activation
        self.useBias = useBias
        self.kernelInitializer = kernelInitializer
        self.biasInitializer = biasInitializer
        self.name = name
    }

    /// Keras `get_config` keys: `name`, `trainable`, `filters`, `kernel_size` and `strides` (as
    /// Keras's 1-tuples, `[5]`), `padding`, `activation`, `use_bias`, `kernel_initializer`,
    /// `bias_initializer`.
    public var config: [String: JSONValue] {
        baseConfig.merging([
            "filters": .number(Double(filters)), "kernel_size": .tuple1(kernelSize), "strides": .tuple1(strides),
            "padding": .string(padding.rawValue), "activation": .string(activation.rawValue), "use_bias": .bool(useBias),
            "kernel_initializer": kernelInitializer.config, "bias_initializer": biasInitializer.config,
        ]) { $1 }
    }

    /// Rebuilds the layer from `config` (Keras defaults for missing keys but `filters` and
    /// `kernel_size`; an int or a 1-tuple for `kernel_size` and `strides`). Keras's
    /// `dilation_rate`, `groups` and `data_format` are accepted at their defaults only.
    /// - Throws: `invalidConfiguration` naming the layer and the key that is missing or invalid.
    public convenience init(config: [String: JSONValue]) throws {
        let r = ConfigReader(typeName: "Conv1D", config: config)
        try self.init(
            filters: r.required("filters", "a positive integer", ConfigReader.int),
            kernelSize: r.required("kernel_size", "a positive integer or [integer]", ConfigReader.intOrTuple1),
            strides: r.optional("strides", 1, "a positive integer or [integer]", ConfigReader.intOrTuple1),
            padding: r.optional("padding", .valid, "'valid', 'same' or 'causal'", ConfigReader.padding),
            activation: r.optional("activation", .linear, "an activation name", ConfigReader.activation),
            useBias: r.optional("use_bias", true, "true or false", ConfigReader.bool),
            kernelInitializer: r.optional("kernel_initializer", .glorotUniform, "a Keras initializer", ConfigReader.initializer),
            biasInitializer: r.optional("bias_initializer", .zeros, "a Keras initializer", ConfigReader.initializer),
            name: r.name(default: "conv1d"))
        _ = try r.trainable()
        try r.finish()
    }

    /// `inputShape` is `(steps, inChannels)`.
    public func build(inputShape: [Int], rng: inout RandomGenerator) throws {
        guard filters > 0, kernelSize > 0, strides > 0 else {
            throw RecurrentError.invalidConfiguration(
                where: name,
                message: "filters, kernelSize and strides must be positive, found \(filters), \(kernelSize), \(strides)")
        }
        guard inputShape.count == 2, inputShape[1] > 0 else {
            throw RecurrentError.shapeMismatch(
                where: name, expected: "an input shape (steps, channels)", found: kerasShapeString(inputShape))
        }
        try Check.weightShape([kernelSize, inputShape[1], filters], layer: name)
        let channels = inputShape[1]
        kernel = Parameter(
            name: "kernel", value: kernelInitializer.make([kernelSize, channels, filters], rng: &rng))
        bias = useBias ? Parameter(name: "bias", value: biasInitializer.make([filters], rng: &rng)) : nil
        _ = try outputShape(inputShape: inputShape)
    }

    /// `(steps, inChannels)` → `(newSteps, filters)`.
    /// - Throws: `shapeMismatch` for another rank, a channel count other than the built one, or
    ///   a `valid` window longer than the sequence.
    public func outputShape(inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 2, inputShape[1] > 0, !isBuilt || inputShape[1] == inputChannels else {
            throw RecurrentError.shapeMismatch(
                where: name,
                expected: "an input shape (steps, \(isBuilt ? String(inputChannels) : "channels"))",
                found: kerasShapeString(inputShape))
        }
        return [try outputSteps(inputShape[0]), filters]
    }

    private func outputSteps(_ steps: Int) throws -> Int {
        let out = padding.outputLength(inputLength: steps, window: kernelSize, stride: strides)
        guard out > 0 else {
            throw RecurrentError.shapeMismatch(
                where: name,
                expected: "at least \(kernelSize) steps for kernelSize \(kernelSize) with '\(padding.rawValue)' padding",
                found: "\(steps) steps")
        }
        return out
    }

    /// `(batch, steps, inChannels)` → `(batch, newSteps, filters)`. `mask` is ignored (see above).
    /// - Throws: `notBuilt`; `shapeMismatch` for another rank, channel count, or too few steps;
    ///   `nonFinite` for NaN/Inf input.
    public func forward(_ input: Tensor, mask: Tensor?, training: Bool) throws -> Tensor {
        guard let kernel else { throw RecurrentError.notBuilt(layer: name) }
        try Check.rank(input, 3, layer: name, meaning: "(batch, steps, channels)")
        try Check.lastAxis(input, inputChannels, layer: name)
        guard input.count > 0 else {
            throw RecurrentError.shapeMismatch(where: name, expected: "a non-empty input", found: "shape \(input.shape)")
        }
        try Check.finite(input, layer: name)
        let batch = input.shape[0], steps = input.shape[1], c = inputChannels
        let out = try outputSteps(steps)
        let k = kernelSize, s = strides, f = filters, width = k * c
        let left = padding.leftPad(inputLength: steps, window: k, stride: s)
        let rows = batch * out
        let chunk = chunkRows(width: width)
        // Split the output rows across workers, each working through chunks of `chunk` rows.
        let parts = Parallel.ranges(rows, minChunk: chunk)
        if scratch.count < parts.count * chunk * width {
            scratch = [Float](repeating: 0, count: parts.count * chunk * width)
        }
        let geometry = Geometry(steps: steps, channels: c, out: out, kernelSize: k, strides: s, left: left)
        let bias = self.bias, activation = self.activation
        let data = [Float](unsafeUninitializedCapacity: rows * f) { yBuf, initialized in
            let yp = UnsafeSendable(yBuf.baseAddress!)
            scratch.withUnsafeMutableBufferPointer { scratchBuf in
                input.withUnsafeBufferPointer { xBuf in
                    kernel.value.withUnsafeBufferPointer { wBuf in
                        let sp = UnsafeSendable(scratchBuf.baseAddress!), xp = UnsafeSendable(xBuf.baseAddress!)
                        let wp = UnsafeSendable(wBuf.baseAddress!)
                        let bp = UnsafeSendable(bias?.value.data)
                        Parallel.forEach(parts.count) { w in
                            let cols = sp.value + w * chunk * width
                            var r0 = parts[w].lowerBound
                            while r0 < parts[w].upperBound {
                                let r1 = min(r0 + chunk, parts[w].upperBound), m = r1 - r0
                                let y = yp.value + r0 * f
                                // Rows start at the bias; the GEMM accumulates onto them.
                                if let b = bp.value {
                                    b.withUnsafeBufferPointer { b in
                                        for r in 0..<m { (y + r * f).initialize(from: b.baseAddress!, count: f) }
                                    }
                                } else {
                                    y.initialize(repeating: 0, count: m * f)
                                }
                                geometry.im2col(x: xp.value, rows: r0..<r1, into: cols)
                                BLAS.gemm(m: m, n: f, k: width, a: cols, lda: width, b: wp.value, ldb: f,
                                          beta: 1, c: y, ldc: f)
                                activation.apply(y, count: m * f, rowLength: f)
                                r0 = r1
                            }
                        }
                    }
                }
            }
            initialized = rows * f
        }
        let output = Tensor(uncheckedShape: [batch, out, f], data: data)
        lastInput = input
        lastOutput = output
        lastLeftPad = left
        return output
    }

    /// Rows per im2col chunk: about 1 MiB of floats, so a chunk stays in the core's L2 cache
    /// between being written and being read by the GEMM.
    private func chunkRows(width: Int) -> Int { max(16, 262_144 / max(1, width)) }

    /// Conv1D destroys the mask, as in Keras.
    public func outputMask(input: Tensor, mask: Tensor?) -> Tensor? { nil }

    /// Writes `kernel.gradient` (and `bias.gradient`) and returns dLoss/dInput
    /// `(batch, steps, inChannels)` (nil when not needed).
    /// - Throws: `shapeMismatch` when `gradOutput` is not the shape of the last output;
    ///   `invalidConfiguration` when no forward came first.
    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) throws -> Tensor? {
        guard let kernel else { throw RecurrentError.notBuilt(layer: name) }
        guard let x = lastInput, let y = lastOutput else {
            throw RecurrentError.invalidConfiguration(where: name, message: "backward called before forward")
        }
        guard gradOutput.shape == y.shape else {
            throw RecurrentError.shapeMismatch(
                where: "\(name) backward", expected: "a gradient of shape \(y.shape)",
                found: "shape \(gradOutput.shape)")
        }
        let inputShape = x.shape
        let batch = inputShape[0], steps = inputShape[1], c = inputShape[2]
        let out = y.shape[1], f = filters, rows = batch * out
        let geometry = Geometry(steps: steps, channels: c, out: out, kernelSize: kernelSize, strides: strides, left: lastLeftPad)

        var dz = gradOutput
        if activation != .linear {
            dz.withUnsafeMutableBufferPointer { g in
                y.withUnsafeBufferPointer { yp in
                    activation.backward(grad: g.baseAddress!, output: yp.baseAddress!, count: rows * f, rowLength: f)
                }
            }
        }
        if let bias {
            dz.withUnsafeBufferPointer { gBuf in
                bias.gradient.withUnsafeMutableBufferPointer { gb in
                    let g = gBuf.baseAddress!, gb = gb.baseAddress!
                    gb.update(from: g, count: f)
                    for r in 1..<max(1, rows) { VectorMath.add(g + r * f, into: gb, count: f) }
                }
            }
        }

        guard needsInputGradient else {
            backpropagate(dz, x: x, kernel: kernel, geometry: geometry, out: out, dx: nil)
            return nil
        }
        let dx = [Float](unsafeUninitializedCapacity: x.count) { dxBuf, initialized in
            backpropagate(dz, x: x, kernel: kernel, geometry: geometry, out: out, dx: dxBuf.baseAddress!)
            initialized = x.count
        }
        return Tensor(uncheckedShape: inputShape, data: dx)
    }

    /// dKernel = colsᵀ · dZ into `kernel.gradient`, and dX into `dx` when given (see below).
    private func backpropagate(_ dz: Tensor, x: Tensor, kernel: Parameter, geometry: Geometry, out: Int,
                               dx: UnsafeMutablePointer<Float>?) {
        let batch = x.shape[0], c = x.shape[2], f = filters, width = kernelSize * c
        // Workers own whole samples (their dX rows never overlap). Each accumulates dKernel over
        // its samples in a private (k·c, f) buffer, worker 0 straight into kernel.gradient:
        // dKernel += colsᵀ (k·c, chunk) · dZ (chunk, f), cols rebuilt chunk by chunk from x.
        // dX: for each sample and tap t, the output steps o whose input step p = o·s + t − left
        // lies inside the sequence get dZ[b, o, :] · kernel[t]ᵀ added at dX[b, p, :]; within one
        // tap the rows p are distinct (row stride s·c), so each tap is one GEMM with beta = 1.
        let chunk = chunkRows(width: width)
        let parts = Parallel.ranges(batch)
        if scratch.count < parts.count * chunk * width {
            scratch = [Float](repeating: 0, count: parts.count * chunk * width)
        }
        if partials.count < (parts.count - 1) * width * f {
            partials = [Float](repeating: 0, count: (parts.count - 1) * width * f)
        }
        let dxp = UnsafeSendable(dx)
        scratch.withUnsafeMutableBufferPointer { scratchBuf in
            partials.withUnsafeMutableBufferPointer { partialBuf in
                kernel.gradient.withUnsafeMutableBufferPointer { gkBuf in
                    x.withUnsafeBufferPointer { xBuf in
                        dz.withUnsafeBufferPointer { gBuf in
                            kernel.value.withUnsafeBufferPointer { wBuf in
                                let sp = UnsafeSendable(scratchBuf.baseAddress!)
                                let pp = UnsafeSendable(partialBuf.baseAddress)
                                let gkp = UnsafeSendable(gkBuf.baseAddress!)
                                let xp = UnsafeSendable(xBuf.baseAddress!), gp = UnsafeSendable(gBuf.baseAddress!)
                                let wp = UnsafeSendable(wBuf.baseAddress!)
                                Parallel.forEach(parts.count) { w in
                                    let cols = sp.value + w * chunk * width
                                    let dw = w == 0 ? gkp.value : pp.value! + (w - 1) * width * f
                                    let rowEnd = parts[w].upperBound * out
                                    var r0 = parts[w].lowerBound * out
                                    var beta: Float = 0
                                    while r0 < rowEnd {
                                        let r1 = min(r0 + chunk, rowEnd)
                                        geometry.im2col(x: xp.value, rows: r0..<r1, into: cols)
                                        BLAS.gemm(transA: true, m: width, n: f, k: r1 - r0, a: cols, lda: width,
                                                  b: gp.value + r0 * f, ldb: f, beta: beta, c: dw, ldc: f)
                                        beta = 1
                                        r0 = r1
                                    }
                                    guard let dx = dxp.value else { return }
                                    for b in parts[w] {
                                        Self.inputGradient(dz: gp.value + b * out * f, kernel: wp.value, filters: f,
                                                           geometry: geometry, into: dx + b * geometry.steps * c)
                                    }
                                }
                                // dKernel = Σ over workers.
                                for w in 1..<max(1, parts.count) {
                                    VectorMath.add(pp.value! + (w - 1) * width * f, into: gkp.value, count: width * f)
                                }
                            }
                        }
                    }
                }
            }
        }
    }


    /// dX of one sample `(steps, channels)` from its dZ `(out, filters)`: for each tap t, the
    /// output steps o whose input step p = o·s + t − left lies inside the sequence get
    /// dZ[o, :] · kernel[t]ᵀ added at dX[p, :] (one GEMM per tap, rows of stride s·c).
    private static func inputGradient(dz: UnsafePointer<Float>, kernel: UnsafePointer<Float>, filters f: Int, geometry: Geometry,
                                      into dx: UnsafeMutablePointer<Float>) {
        let c = geometry.channels, s = geometry.strides
        dx.initialize(repeating: 0, count: geometry.steps * c)
        for t in 0..<geometry.kernelSize {
            let (o0, o1) = geometry.outputRange(tap: t)
            if o0 >= o1 { continue }
            BLAS.gemm(transB: true, m: o1 - o0, n: c, k: f, a: dz + o0 * f, lda: f, b: kernel + t * c * f, ldb: f, beta: 1,
                      c: dx + (o0 * s + t - geometry.left) * c, ldc: s * c)
        }
    }
}

/// Where each output step of a 1-D window reads, and the im2col rows built from it.
private struct Geometry {
    let steps: Int, channels: Int, out: Int, kernelSize: Int, strides: Int, left: Int

    /// im2col for the flat output rows `rows` (row `r` is sample `r / out`, step `r % out`):
    /// each row holds the `kernelSize` consecutive input steps `p0 ..< p0 + kernelSize`,
    /// `p0 = o·strides − left`, one contiguous run of `kernelSize·channels` floats in the input,
    /// zero where a step falls outside `0..<steps`.
    @inline(__always)
    func im2col(x: UnsafePointer<Float>, rows: Range<Int>, into dst: UnsafeMutablePointer<Float>) {
        let c = channels, k = kernelSize, width = k * c
        for r in rows {
            let b = r / out, o = r - b * out
            let row = dst + (r - rows.lowerBound) * width
            let p0 = o * strides - left
            let lo = max(0, -p0), hi = min(k, steps - p0)  // the taps inside the input
            if lo >= hi {
                row.update(repeating: 0, count: width)
                continue
            }
            if lo > 0 { row.update(repeating: 0, count: lo * c) }
            (row + lo * c).update(from: x + (b * steps + p0 + lo) * c, count: (hi - lo) * c)
            if hi < k { (row + hi * c).update(repeating: 0, count: (k - hi) * c) }
        }
    }

    /// The output steps `o0 ..< o1` whose tap `t` reads an input step inside the sequence:
    /// `0 ≤ o·strides + t − left ≤ steps − 1`.
    @inline(__always)
    func outputRange(tap t: Int) -> (Int, Int) {
        let o0 = max(0, (left - t + strides - 1) / strides)
        let lastP = steps - 1 - t + left
        let o1 = lastP < 0 ? 0 : min(out, lastP / strides + 1)
        return (o0, o1)
    }
}
