/// The forward pass of `RecurrentLayer`: checks, the job every slice of the batch shares, the
/// input projection, and the outputs. The time loop is `ForwardSlice`.
extension RecurrentLayer {
    public func forward(_ input: Tensor, mask: Tensor?, training: Bool) throws -> Tensor {
        try forward(input, mask: mask, initialState: nil, training: training).output
    }

    /// Runs the layer from zero states and returns the output and the final state (Keras
    /// `return_state`). Throws on a wrong shape, NaN/Inf input or a bad mask.
    public func forwardWithStates(_ input: Tensor, mask: Tensor?, training: Bool) throws -> (output: Tensor, state: RecurrentState) {
        try forward(input, mask: mask, initialState: nil, training: training)
    }

    /// Runs the layer over `input` `(batch, timesteps, features)` with `mask` `(batch, timesteps)`
    /// (1 for real steps) from `initialState` (`h`, and `c` for LSTM, each `(batch, units)`;
    /// zeros when nil or for a missing `c`). Returns the output and the final state.
    /// - Throws: `shapeMismatch` for a wrong input, mask or state shape, `invalidValue` for
    ///   NaN/Inf or a `c` given to a cell without one; each names the layer.
    public func forward(_ input: Tensor, mask: Tensor?, initialState: RecurrentState?,
                        training: Bool) throws -> (output: Tensor, state: RecurrentState) {
        try Check.built(self)
        try Check.rank(input, 3, layer: name, meaning: "(batch, timesteps, features)")
        try Check.lastAxis(input, inputDim, layer: name)
        try Check.finite(input, layer: name)
        try Check.mask(mask, for: input, layer: name)
        let B = input.shape[0], T = input.shape[1]
        guard B > 0 else {
            throw RecurrentError.shapeMismatch(where: name, expected: "a non-empty batch", found: "shape \(input.shape)")
        }
        guard T > 0 else {
            throw RecurrentError.shapeMismatch(where: name, expected: "at least one timestep", found: "shape \(input.shape)")
        }
        if let initialState {
            try initialState.check(batch: B, units: units, stateCount: stateCount, layer: name, meaning: "an initial state")
            for t in initialState.tensors { try Check.finite(t, layer: name) }
        }
        beginForward(input: input, mask: mask, initialState: initialState, training: training, B: B, T: T)
        runForward(input, mask: mask, B: B, T: T)
        if !recordsForBackward { lastInput = nil }
        return collectOutputs(B: B, T: T)
    }

    /// Remembers what `backward` needs of this call (`input` nil when nothing is kept), sets the
    /// initial state and draws the call's dropout masks.
    func beginForward(input: Tensor?, mask: Tensor?, initialState: RecurrentState?, training: Bool, B: Int, T: Int) {
        lastInput = input
        lastMask = mask
        lastBatch = B
        lastSteps = T
        lastHadInitialState = initialState != nil
        for (buffer, value) in [(h0, initialState?.h), (c0, initialState?.c)] {
            if let value {
                value.withUnsafeBufferPointer { buffer.reserve(B * units).update(from: $0.baseAddress!, count: B * units) }
            } else {
                buffer.zeroed(B * units)
            }
        }
        drawDropoutMasks(batch: B, training: training)
    }

    /// Runs the recurrence over `input` `(B, T, F)`, or, with `tokens`, over token ids
    /// `(B, T)` whose projections are rows of a `TokenProjection` table (inference only).
    func runForward(_ input: Tensor, mask: Tensor?, B: Int, T: Int,
                    tokens: (ids: UnsafePointer<Int32>, rows: UnsafePointer<Float>)? = nil) {
        let U = units, G = gateWidth, F = inputDim
        // Without a backward to come, the input projection is done step by step into a small
        // per-core buffer that stays in cache, instead of one (B·T, G) GEMM whose output (245 MB
        // for the IMDB shape at batch 256) streams through memory twice.
        let streaming = !recordsForBackward && inputMasks.isEmpty
        precondition(tokens == nil || streaming, "token projections are for inference only")
        var job = RecurrentForwardJob(B: B, T: T, F: F, U: U, G: G, goBackwards: goBackwards,
                                      ring: streaming && !returnSequences, gates: gates.pointer,
                                      h: hs.reserve(B * T * U), c: cell.stateCount > 1 ? cs.reserve(B * T * U) : nil,
                                      h0: h0.pointer, c0: c0.pointer, aux: cell.usesAux ? aux.reserve(B * T * U) : nil)
        let K = kernel.value.data
        if !streaming {
            job.gates = gates.reserve(B * T * G)
            input.withUnsafeBufferPointer { xb in
                K.withUnsafeBufferPointer { kb in
                    inputProjection(x: xb.baseAddress!, kernel: kb.baseAddress!, rows: B * T, B: B, T: T, out: job.gates)
                }
            }
        }
        let R = recurrentKernel.value.data
        let bias = biasParameter?.value.data
        let slices = Parallel.ranges(B, minChunk: 8)
        R.withUnsafeBufferPointer { rb in
            job.R = rb.baseAddress!
            // Packed once per pass for the per-step products h₋₁·R, when every step multiplies
            // the same blocks of it (no recurrent dropout).
            job.packedR = recurrentMasks.isEmpty
                ? PackedMatrix(rb.baseAddress!, ldb: G, k: U, n: cell.recurrentGates * U) : nil
            withOptionalPointer(bias) { bb in
                withOptionalPointer(mask?.data) { mp in
                    withPointers(recurrentMasks) { rm in
                        input.withUnsafeBufferPointer { xb in
                            K.withUnsafeBufferPointer { kb in
                                job.bias = bb
                                job.mask = mp
                                job.recurrentMasks = rm
                                if let tokens {
                                    job.source = .table(ids: tokens.ids, rows: tokens.rows)
                                } else if streaming {
                                    job.source = .product(x: xb.baseAddress!, kernel: kb.baseAddress!)
                                }
                                let shared = UnsafeSendable((cell, job))
                                Parallel.forEach(slices.count) { w in
                                    shared.value.0.driveForward(shared.value.1, rows: slices[w])
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// gates = x·K over all timesteps (dropout masks applied to x first in training).
    func inputProjection(x: UnsafePointer<Float>, kernel K: UnsafePointer<Float>, rows: Int,
                         B: Int, T: Int, out: UnsafeMutablePointer<Float>) {
        let U = units, G = gateWidth, F = inputDim
        if inputMasks.isEmpty {
            BLAS.gemmParallel(m: rows, n: G, k: F, a: x, lda: F, b: K, ldb: G, c: out, ldc: G)
            return
        }
        let xd = xDropped.reserve(rows * F)
        for (g, m) in inputMasks.enumerated() {
            applyRowMask(x, m, B: B, T: T, width: F, into: xd)
            if inputMasks.count == 1 {
                BLAS.gemmParallel(m: rows, n: G, k: F, a: xd, lda: F, b: K, ldb: G, c: out, ldc: G)
            } else {
                BLAS.gemmParallel(m: rows, n: U, k: F, a: xd, lda: F, b: K + g * U, ldb: G, c: out + g * U, ldc: G)
            }
        }
    }

    /// The output (the last h, or every step's) and the final state, from the workspaces.
    func collectOutputs(B: Int, T: Int) -> (output: Tensor, state: RecurrentState) {
        let U = units
        func last(_ history: UnsafeMutablePointer<Float>) -> Tensor {
            var t = Tensor(shape: [B, U])
            t.withUnsafeMutableBufferPointer { p in
                for b in 0..<B { (p.baseAddress! + b * U).update(from: history + (b * T + T - 1) * U, count: U) }
            }
            return t
        }
        let state = RecurrentState(h: last(hs.pointer), c: stateCount > 1 ? last(cs.pointer) : nil)
        var output = state.h
        if returnSequences {
            output = Tensor(uncheckedShape: [B, T, U], data: Array(UnsafeBufferPointer(start: hs.pointer, count: B * T * U)))
            if zeroOutputForMask, let mask = lastMask { zeroMaskedSteps(&output, mask: mask) }
        }
        if lastHadInitialState, let mask = lastMask { zeroOutputsBeforeFirstStep(&output, mask: mask) }
        return (output, state)
    }

    /// Keras's output before a row's first real step is zeros, not the state (the backend `rnn`
    /// starts its previous output at zeros), which differs from the carried state only when an
    /// initial state is given: zeroes those outputs (`(B, T, U)`), or the last output (`(B, U)`)
    /// of a row with no real step. Backward zeroes their gradients the same way (always, so that
    /// none reaches the initial state's gradient).
    func zeroOutputsBeforeFirstStep(_ out: inout Tensor, mask: Tensor) {
        let B = out.shape[0], T = mask.shape[1], U = units, sequence = out.rank == 3
        // Per row, the steps to zero (processing order): the leading masked ones.
        let leading = (0..<B).map { b in
            var s = 0
            while s < T && mask.data[b * T + (goBackwards ? T - 1 - s : s)] == 0 { s += 1 }
            return sequence ? s : (s == T ? 1 : 0)
        }
        guard leading.contains(where: { $0 > 0 }) else { return }
        out.withUnsafeMutableBufferPointer { p in
            for b in 0..<B where leading[b] > 0 {
                (p.baseAddress! + b * (sequence ? T : 1) * U).update(repeating: 0, count: leading[b] * U)
            }
        }
    }

    /// Sets `(b, s, :)` to zero wherever the step `s` (processing order) is masked.
    func zeroMaskedSteps(_ seq: inout Tensor, mask: Tensor) {
        let B = seq.shape[0], T = seq.shape[1], U = seq.shape[2]
        seq.withUnsafeMutableBufferPointer { p in
            for b in 0..<B {
                for s in 0..<T {
                    let t = goBackwards ? T - 1 - s : s
                    if mask.data[b * T + t] == 0 { (p.baseAddress! + (b * T + s) * U).update(repeating: 0, count: U) }
                }
            }
        }
    }
}
