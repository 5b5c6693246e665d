/// Keras `Embedding` (keras/src/layers/core/embedding.py): turns token ids into dense vectors by
/// looking rows up in a table.
///
/// - Weight `embeddings`: `(inputDim, outputDim)`, Keras default initialiser
///   `RandomUniform(-0.05, 0.05)`.
/// - Input: `(batch, timesteps)` token ids stored as `Float`; every id must be an integer in
///   `0..<inputDim` (Keras casts to int32 and lets `take` fail or clip; Recurrent checks).
/// - Output: `(batch, timesteps, outputDim)`, `output[b, t, :] = embeddings[ids[b, t], :]`.
/// - Mask: with `maskZero`, `outputMask` is `(batch, timesteps)` holding 1 where the id is not 0
///   (Keras `compute_mask`: `not_equal(inputs, 0)`); without it the layer produces no mask, and
///   an incoming mask is ignored (Keras sets `supports_masking = mask_zero`).
/// - Backward: `embeddings.gradient[r, :] = Σ over positions holding id r of gradOutput[b, t, :]`.
///   The gradient is dense but only the rows used by the last batch are non-zero: backward
///   re-zeroes the rows it touched last time and scatter-adds the new ones, so its cost is
///   `O(batch · timesteps · outputDim)`, never `O(inputDim · outputDim)` (but for the first
///   backward, and the first after the gradient was written from outside, which zero it all).
///   There is no input gradient (token ids are not differentiable); `backward` returns nil.
public final class Embedding: Layer {
    public var name: String
    public let typeName = "Embedding"
    /// Vocabulary size: ids run over `0..<inputDim`.
    public let inputDim: Int
    /// Length of each embedding vector.
    public let outputDim: Int
    /// Whether id 0 is padding, producing a mask for the layers downstream.
    public let maskZero: Bool
    public let embeddingsInitializer: Initializer

    /// The table `(inputDim, outputDim)`; nil until `build`.
    public private(set) var embeddings: Parameter?

    public var parameters: [Parameter] { embeddings.map { [$0] } ?? [] }
    public var isBuilt: Bool { embeddings != nil }

    /// The distinct rows that the last `backward` wrote into `embeddings.gradient` (every other
    /// row of the gradient is zero), in order of first use. A sparse optimiser may read it.
    public private(set) var touchedRows: [Int] = []

    // Forward cache: the ids of the last batch, as Int32, and its shape.
    private(set) var ids: [Int32] = []
    private var lastShape: [Int]?
    // One flag per vocabulary row, set while the row is in `touchedRows` (allocated at build);
    // lent to `embeddings.rowIsTouched` between backwards.
    private var rowIsTouched: [Bool] = []

    /// `build` throws `RecurrentError.invalidConfiguration` when `inputDim` or `outputDim` is not positive.
    public init(
        inputDim: Int, outputDim: Int, maskZero: Bool = false,
        embeddingsInitializer: Initializer = .randomUniform(min: -0.05, max: 0.05),
        name: String = "embedding"
    ) {
        self.inputDim = inputDim
        self.outputDim = outputDim
        self.maskZero = maskZero
        self.embeddingsInitializer = embeddingsInitializer
        self.name = name
    }

    /// Keras `get_config` keys: `name`, `trainable`, `input_dim`, `output_dim`, `mask_zero`,
    /// `embeddings_initializer`.
    public var config: [String: JSONValue] {
        baseConfig.merging([
            "input_dim": .number(Double(inputDim)), "output_dim": .number(Double(outputDim)),
            "mask_zero": .bool(maskZero), "embeddings_initializer": embeddingsInitializer.config,
        ]) { $1 }
    }

    /// Rebuilds the layer from `config` (Keras defaults for missing keys but the two dimensions).
    /// - Throws: `invalidConfiguration` naming the layer and the key that is missing or invalid.
    public convenience init(config: [String: JSONValue]) throws {
        let r = ConfigReader(typeName: "Embedding", config: config)
        try self.init(
            inputDim: r.required("input_dim", "a positive integer", ConfigReader.int),
            outputDim: r.required("output_dim", "a positive integer", ConfigReader.int),
            maskZero: r.optional("mask_zero", false, "true or false", ConfigReader.bool),
            embeddingsInitializer: r.optional(
                "embeddings_initializer", .randomUniform(min: -0.05, max: 0.05), "a Keras initializer", ConfigReader.initializer),
            name: r.name(default: "embedding"))
        _ = try r.trainable()
        try r.finish()
    }

    /// `inputShape` is `(timesteps)`.
    public func build(inputShape: [Int], rng: inout RandomGenerator) throws {
        guard inputDim > 0, outputDim > 0 else {
            throw RecurrentError.invalidConfiguration(
                where: name, message: "inputDim and outputDim must be positive, found \(inputDim) and \(outputDim)")
        }
        _ = try outputShape(inputShape: inputShape)
        try Check.weightShape([inputDim, outputDim], layer: name)
        embeddings = Parameter(
            name: "embeddings", value: embeddingsInitializer.make([inputDim, outputDim], rng: &rng))
        rowIsTouched = [Bool](repeating: false, count: inputDim)
        touchedRows = []
    }

    /// `(timesteps)` → `(timesteps, outputDim)`.
    public func outputShape(inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 1, inputShape[0] > 0 else {
            throw RecurrentError.shapeMismatch(
                where: name, expected: "an input shape (timesteps) of token ids",
                found: "\(kerasShapeString(inputShape))")
        }
        return inputShape + [outputDim]
    }

    /// Looks the ids up. `mask` is ignored (Keras's Embedding does not read it).
    /// - Throws: `shapeMismatch` unless the input is `(batch, timesteps)`; `invalidValue` naming
    ///   the id and its `[b, t]` position when an id is not an integer in `0..<inputDim`;
    ///   `notBuilt` before `build`.
    public func forward(_ input: Tensor, mask: Tensor?, training: Bool) throws -> Tensor {
        guard let table = embeddings else { throw RecurrentError.notBuilt(layer: name) }
        try readIDs(input)
        let n = input.count, d = outputDim
        // Rows whose optimizer updates were deferred (see `DeferredRowUpdates`) are brought up
        // to date first; only these rows are read.
        if table.deferred != nil { ids.withUnsafeBufferPointer { table.applyDeferredUpdates(rows: $0) } }
        // Gather: one memcpy of `outputDim` floats per position into uninitialised storage.
        let data = [Float](unsafeUninitializedCapacity: n * d) { out, initialized in
            table.withStorageForReading { e in
                ids.withUnsafeBufferPointer { idp in
                    let src = e.baseAddress!, dst = out.baseAddress!
                    for i in 0..<n {
                        (dst + i * d).initialize(from: src + Int(idp[i]) * d, count: d)
                    }
                }
            }
            initialized = n * d
        }
        return Tensor(uncheckedShape: input.shape + [d], data: data)
    }

    /// Checks `input` (`(batch, timesteps)`, non-empty, integer ids in `0..<inputDim`) and
    /// converts it into `ids`, remembering its shape for `backward`.
    /// - Throws: `shapeMismatch` or `invalidValue` naming this layer and the first bad position.
    func readIDs(_ input: Tensor) throws {
        guard embeddings != nil else { throw RecurrentError.notBuilt(layer: name) }
        try Check.rank(input, 2, layer: name, meaning: "(batch, timesteps) of token ids")
        guard input.count > 0 else {
            throw RecurrentError.shapeMismatch(where: name, expected: "a non-empty input", found: "shape \(input.shape)")
        }
        let n = input.count, timesteps = input.shape[1]
        if ids.count != n { ids = [Int32](repeating: 0, count: n) }
        // Validate and convert every id before touching the output.
        let bad: Int? = input.withUnsafeBufferPointer { x in
            ids.withUnsafeMutableBufferPointer { out in
                let limit = Float(inputDim)
                for i in 0..<n {
                    let v = x[i]
                    // `v >= 0 && v < limit` is false for NaN; `rounded` rejects fractions.
                    guard v >= 0, v < limit, v == v.rounded(.towardZero) else { return i }
                    out[i] = Int32(v)
                }
                return nil
            }
        }
        if let i = bad {
            let v = input.data[i]
            throw RecurrentError.invalidValue(
                where: name,
                expected: "integer token ids in 0..<\(inputDim)",
                found: "\(v) at position [\(i / timesteps), \(i % timesteps)]")
        }
        lastShape = input.shape
    }

    /// With `maskZero`: `(batch, timesteps)` with 1 where the id is not 0; otherwise nil.
    public func outputMask(input: Tensor, mask: Tensor?) -> Tensor? {
        guard maskZero else { return nil }
        var m = Tensor(shape: input.shape)
        input.withUnsafeBufferPointer { x in
            m.withUnsafeMutableBufferPointer { p in
                for i in 0..<x.count { p[i] = x[i] != 0 ? 1 : 0 }
            }
        }
        return m
    }

    /// Scatter-adds `gradOutput` `(batch, timesteps, outputDim)` into the rows of
    /// `embeddings.gradient` used by the last forward. Returns nil (ids have no gradient).
    /// - Throws: `shapeMismatch` when `gradOutput` is not the shape of the last output;
    ///   `invalidConfiguration` when no forward came first.
    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) throws -> Tensor? {
        guard let table = embeddings else { throw RecurrentError.notBuilt(layer: name) }
        guard let shape = lastShape else {
            throw RecurrentError.invalidConfiguration(where: name, message: "backward called before forward")
        }
        guard gradOutput.shape == shape + [outputDim] else {
            throw RecurrentError.shapeMismatch(
                where: "\(name) backward", expected: "a gradient of shape \(shape + [outputDim])",
                found: "shape \(gradOutput.shape)")
        }
        let d = outputDim, n = ids.count
        // Only the rows the previous backward wrote are non-zero, unless the gradient was written
        // from outside since then (which resets `rowIsTouched`): then every row is zeroed.
        let onlyTouchedRowsWritten = table.rowIsTouched != nil
        if table.gradientSquares == nil { table.gradientSquares = Tensor(shape: table.shape) }
        var squares = table.gradientSquares!
        table.gradientSquares = nil  // unique while it is written
        // The vocabulary is split into one id range per core: each row is written by one thread,
        // in the order of its occurrences, so the sums do not depend on the split. Random rows
        // of two 14 MB tables (NSMC) miss the caches; two threads keep twice the misses in flight.
        let parts = n >= 512 ? Parallel.ranges(inputDim) : [0..<inputDim]
        let previous = touchedRows
        // Per part: the positions (in `ids`) of the first use of each row it wrote, ascending.
        var firstUses = [[Int]](repeating: [], count: parts.count)
        gradOutput.withUnsafeBufferPointer { gb in
            table.gradient.withUnsafeMutableBufferPointer { gwb in
                squares.withUnsafeMutableBufferPointer { sqb in
                    rowIsTouched.withUnsafeMutableBufferPointer { fb in
                        ids.withUnsafeBufferPointer { idb in
                            previous.withUnsafeBufferPointer { pb in
                                firstUses.withUnsafeMutableBufferPointer { fub in
                                    let ctx = UnsafeSendable((gwb.baseAddress!, gb.baseAddress!, sqb.baseAddress!,
                                                              fb.baseAddress!, idb.baseAddress!, pb, fub.baseAddress!))
                                    Parallel.forEach(parts.count) { w in
                                        let (gw, g, sq, flags, idp, prev, fu) = ctx.value
                                        let range = parts[w]
                                        for r in prev where range.contains(r) {
                                            flags[r] = false
                                            if onlyTouchedRowsWritten {
                                                (gw + r * d).update(repeating: 0, count: d)
                                                (sq + r * d).update(repeating: 0, count: d)
                                            }
                                        }
                                        if !onlyTouchedRowsWritten {
                                            let lo = range.lowerBound * d
                                            (gw + lo).update(repeating: 0, count: range.count * d)
                                            (sq + lo).update(repeating: 0, count: range.count * d)
                                        }
                                        var first: [Int] = []
                                        for i in 0..<n {
                                            let r = Int(idp[i])
                                            guard range.contains(r) else { continue }
                                            let row = gw + r * d, src = g + i * d
                                            if !flags[r] {
                                                flags[r] = true
                                                first.append(i)
                                                row.update(from: src, count: d)
                                                squareInto(sq + r * d, src, d)
                                            } else {
                                                addInPlace(row, src, d)
                                                addSquareInPlace(sq + r * d, src, d)
                                            }
                                        }
                                        fu[w] = first
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // `touchedRows` in order of first use: merge the parts' ascending position lists.
        touchedRows.removeAll(keepingCapacity: true)
        var heads = [Int](repeating: 0, count: parts.count)
        while true {
            var best = -1
            for w in 0..<parts.count where heads[w] < firstUses[w].count {
                if best < 0 || firstUses[w][heads[w]] < firstUses[best][heads[best]] { best = w }
            }
            if best < 0 { break }
            touchedRows.append(Int(ids[firstUses[best][heads[best]]]))
            heads[best] += 1
        }
        table.gradientSquares = squares
        table.rowIsTouched = rowIsTouched  // after the writes to `gradient`, which reset it
        return nil
    }
}

/// `dst[0..<n] = src[0..<n]²`.
@inline(__always)
private func squareInto(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
    for j in 0..<n { dst[j] = src[j] * src[j] }
}

/// `dst[0..<n] += src[0..<n]²`.
@inline(__always)
private func addSquareInPlace(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
    for j in 0..<n { dst[j] += src[j] * src[j] }
}

/// `dst[0..<n] += src[0..<n]`, sixteen lanes at a time.
@inline(__always)
private func addInPlace(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
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
