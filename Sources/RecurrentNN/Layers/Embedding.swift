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
/// - Backward: a row gradient (`RowGradient`, Keras's `IndexedSlices` summed per row): for each
///   row r the batch used, `Σ over positions holding id r of gradOutput[b, t, :]` and the sum of
///   the squares of those positions' gradients. Its cost is `O(batch · timesteps · outputDim)`,
///   never `O(inputDim · outputDim)`. There is no input gradient (token ids are not
///   differentiable); `backward` returns nil.
/// - Training: the optimizer may hold updates of rows a batch did not use back (Adam); forward
///   brings the rows it reads up to date through `pendingRowUpdates` first (`RowReadingLayer`).
public final class Embedding: Layer, RowReadingLayer, TokenInputLayer {
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

    /// The distinct rows that the last `backward` gave a gradient (every other row of the
    /// gradient is zero), in order of first use in the batch.
    public private(set) var touchedRows: [Int] = []
    /// The optimizer of the training loop in progress, which may hold updates of some rows
    /// back; nil outside one (see `RowReadingLayer`).
    public var pendingRowUpdates: (any Optimizer)?
    /// Token ids run over `0..<inputDim` (`TokenInputLayer`).
    public var tokenCount: Int { inputDim }

    // Forward cache: the ids of the last batch, as Int32, and its shape.
    private(set) var ids: [Int32] = []
    private var lastShape: [Int]?
    // Per vocabulary row, its index in the row gradient being built, -1 outside `backward`
    // (allocated at build).
    private var slotOfRow: [Int32] = []

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
        slotOfRow = [Int32](repeating: -1, count: inputDim)
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
        // Rows whose updates the optimizer held back are brought up to date first; only these
        // rows are read.
        if let pending = pendingRowUpdates { ids.withUnsafeBufferPointer { pending.synchronize(table, rows: $0) } }
        // Gather: one memcpy of `outputDim` floats per position into uninitialised storage.
        let data = [Float](unsafeUninitializedCapacity: n * d) { out, initialized in
            table.value.withUnsafeBufferPointer { e in
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

    /// Sums `gradOutput` `(batch, timesteps, outputDim)` by token id into a row gradient of
    /// `embeddings` (`RowGradient`: the rows used by the last forward, ascending, their sums and
    /// their per-occurrence squares). Returns nil (ids have no gradient).
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
        let rows = assignSlots()
        let (values, squares) = sumBySlot(gradOutput, slots: rows.count)
        for r in rows { slotOfRow[Int(r)] = -1 }
        table.typedGradient = .rows(RowGradient(shape: table.shape, rows: rows, values: values, squares: squares))
        return nil
    }

    /// Fills `touchedRows` (first-use order) and gives each its slot, in ascending row order;
    /// returns the rows in that order.
    private func assignSlots() -> [Int32] {
        touchedRows.removeAll(keepingCapacity: true)
        slotOfRow.withUnsafeMutableBufferPointer { slot in
            for id in ids where slot[Int(id)] < 0 {
                slot[Int(id)] = 0
                touchedRows.append(Int(id))
            }
        }
        // Ascending rows: a scan of the table's flags when that is cheaper than sorting
        // (k·log k comparisons against one pass over the vocabulary).
        var rows: [Int32]
        if inputDim <= touchedRows.count * 16 {
            rows = []
            rows.reserveCapacity(touchedRows.count)
            slotOfRow.withUnsafeBufferPointer { slot in
                for r in 0..<inputDim where slot[r] >= 0 { rows.append(Int32(r)) }
            }
        } else {
            rows = touchedRows.map { Int32($0) }.sorted()
        }
        for (k, r) in rows.enumerated() { slotOfRow[Int(r)] = Int32(k) }
        return rows
    }

    /// The sums by slot of `gradOutput`'s rows and of their squares, each `(slots, outputDim)`.
    /// The slots are split into one range per core: each slot is written by one thread, in the
    /// order of its occurrences, so the sums do not depend on the split.
    private func sumBySlot(_ gradOutput: Tensor, slots k: Int) -> (Tensor, Tensor) {
        let d = outputDim, n = ids.count
        let parts = n >= 512 ? Parallel.ranges(k) : [0..<k]
        var values = [Float](repeating: 0, count: k * d), squares = [Float](repeating: 0, count: k * d)
        var seen = [Bool](repeating: false, count: k)
        gradOutput.withUnsafeBufferPointer { gb in
            values.withUnsafeMutableBufferPointer { vb in
                squares.withUnsafeMutableBufferPointer { sb in
                    seen.withUnsafeMutableBufferPointer { fb in
                        ids.withUnsafeBufferPointer { idb in
                            slotOfRow.withUnsafeBufferPointer { slb in
                                let ctx = UnsafeSendable((vb.baseAddress!, sb.baseAddress!, gb.baseAddress!, fb.baseAddress!,
                                                          idb.baseAddress!, slb.baseAddress!))
                                Parallel.forEach(parts.count) { w in
                                    let (v, sq, g, seen, idp, slot) = ctx.value
                                    let range = parts[w]
                                    for i in 0..<n {
                                        let s = Int(slot[Int(idp[i])])
                                        guard range.contains(s) else { continue }
                                        let row = v + s * d, square = sq + s * d, src = g + i * d
                                        if !seen[s] {
                                            seen[s] = true
                                            row.update(from: src, count: d)
                                            for j in 0..<d { square[j] = src[j] * src[j] }
                                        } else {
                                            VectorMath.add(src, into: row, count: d)
                                            for j in 0..<d { square[j] += src[j] * src[j] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (Tensor(uncheckedShape: [k, d], data: values), Tensor(uncheckedShape: [k, d], data: squares))
    }
}
