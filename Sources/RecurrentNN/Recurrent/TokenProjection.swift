/// Inference through an `Embedding` that feeds a recurrent layer directly.
///
/// The layer's input projection of token id `r` is always `E[r]·K` (`E` the embedding table
/// `(vocabulary, F)`, `K` the kernel `(F, G)`). In inference (nothing kept for backward, no
/// dropout) the layer computes the whole `(vocabulary, G)` table `E·K` with one GEMM and keeps
/// it until either weight changes (`Parameter.version`); each step's projection is then a row
/// copy instead of a `(rows, F) × (F, G)` product. The table costs one product over the
/// vocabulary per weight change (20 ms for 35,000 × 100 × 512 on two cores), which a pass over
/// more tokens than the vocabulary holds repays. It is computed whole, never row by row as
/// batches need them, so that an output depends only on the weights and the input, not on
/// which batches came before; it can differ from the recording forward pass in the last bits
/// (another summation order inside BLAS).
///
/// Used by `Sequential.forward` (through `FusesPreviousLayer`) when `training` is false and the
/// layer's `recordsForBackward` is false (`predict`, `evaluate`), for tables up to `TokenProjection.maxFloats` floats. The
/// layer keeps its table (up to 256 MiB) until the weights change or it is built again.
final class TokenProjection {
    /// The largest table kept: 64 Mi floats (256 MiB); a 35,000-word vocabulary into an LSTM(128)
    /// needs 17.9 Mi.
    static let maxFloats = 64 << 20

    // The weights the table was computed from (kept, so that a new weight object, e.g. after
    // `build`, never matches an old one) and their versions then.
    let table: Parameter
    let kernel: Parameter
    let tableVersion: Int
    let kernelVersion: Int
    /// `(vocabulary, G)`: row r is `E[r]·K`.
    let rows: Buffer

    init(table: Parameter, kernel: Parameter, rows: Buffer) {
        self.table = table
        self.kernel = kernel
        tableVersion = table.version
        kernelVersion = kernel.version
        self.rows = rows
    }

    func isCurrent(table: Parameter, kernel: Parameter) -> Bool {
        self.table === table && self.kernel === kernel && tableVersion == table.version && kernelVersion == kernel.version
    }
}

extension RecurrentLayer: FusesPreviousLayer {
    /// `embedding.forward(tokens)` followed by `forward`, in inference, through the table of
    /// projected tokens (see `TokenProjection`). Returns nil, having changed nothing, when the
    /// shortcut does not apply: `previous` is not an `Embedding`, training, `recordsForBackward`,
    /// another feature width, a table too large, or a non-finite value in the embedding table
    /// (the ordinary path then runs and throws its usual error if the batch uses that row).
    /// - Throws: what `embedding.forward` throws for bad ids (naming the embedding), or a bad mask.
    public func forward(input tokens: Tensor, through previous: any Layer, mask: Tensor?, training: Bool) throws -> Tensor? {
        guard let embedding = previous as? Embedding, !training, !recordsForBackward, isBuilt,
              let table = embedding.embeddings, embedding.outputDim == inputDim,
              embedding.inputDim * gateWidth <= TokenProjection.maxFloats
        else { return nil }
        try embedding.readIDs(tokens)
        try Check.mask(mask, for: tokens, layer: name)
        let B = tokens.shape[0], T = tokens.shape[1]
        // Inside a training loop (a callback predicting), rows the optimizer holds back are
        // applied first: the table is made from the whole embedding.
        if let pending = embedding.pendingRowUpdates { pending.synchronize([table]) }
        guard fillTokenProjection(embedding: embedding, table: table) else { return nil }
        beginForward(input: nil, mask: mask, initialState: nil, training: false, B: B, T: T)
        embedding.ids.withUnsafeBufferPointer { ids in
            runForward(Tensor(shape: [0]), mask: mask, B: B, T: T, tokens: (ids.baseAddress!, UnsafePointer(tokenProjection!.rows.pointer)))
        }
        return collectOutputs(B: B, T: T).output
    }

    /// Makes sure `tokenProjection` is `E·K` for the current weights; false (nothing kept) when
    /// the embedding table holds a non-finite value.
    private func fillTokenProjection(embedding: Embedding, table: Parameter) -> Bool {
        if let current = tokenProjection, current.isCurrent(table: table, kernel: kernel) { return true }
        tokenProjection = nil
        let F = inputDim, G = gateWidth, V = embedding.inputDim
        let rows = Buffer(count: V * G)
        let finite: Bool = table.value.withUnsafeBufferPointer { e in
            guard e.allSatisfy(\.isFinite) else { return false }
            kernel.value.withUnsafeBufferPointer { kb in
                BLAS.gemmParallel(m: V, n: G, k: F, a: e.baseAddress!, lda: F, b: kb.baseAddress!, ldb: G, c: rows.pointer, ldc: G)
            }
            return true
        }
        guard finite else { return false }
        tokenProjection = TokenProjection(table: table, kernel: kernel, rows: rows)
        return true
    }
}
