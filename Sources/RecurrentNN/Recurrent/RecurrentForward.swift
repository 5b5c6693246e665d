import CKernels

/// Forward kernels of `RecurrentLayer` (see its documentation for the formulas and design).
///
/// Layouts: `gates` is `(B, T, G)` in time order, `hs`/`cs`/`acs` are `(B, T, U)` in processing
/// order (step `s` reads time `t = goBackwards ? T-1-s : s`), `rh` is `(B, T, U)` in time order.

/// Where a streaming forward takes each step's input projection `x_t·K` (`(rows, G)`) from.
enum StepSource {
    /// A product of the step's input rows `x` (`(B, T, F)`) with the kernel `(F, G)`.
    case product(x: UnsafePointer<Float>, kernel: UnsafePointer<Float>)
    /// A copy of row `ids[b, t]` of a table of projected tokens (`(vocabulary, G)`, see
    /// `TokenProjection`).
    case table(ids: UnsafePointer<Int32>, rows: UnsafePointer<Float>)
}

extension RecurrentLayer {
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
        _ = hs.reserve(B * T * U)
        if kind == .lstm { _ = cs.reserve(B * T * U); _ = acs.reserve(B * T * U) }
        if case .gru = kind { _ = rh.reserve(B * T * U) }
        let K = kernel.value.data
        if !streaming {
            let gp = gates.reserve(B * T * G)
            input.withUnsafeBufferPointer { xb in
                K.withUnsafeBufferPointer { kb in
                    inputProjection(x: xb.baseAddress!, kernel: kb.baseAddress!, rows: B * T, B: B, T: T, F: F, G: G, out: gp)
                }
            }
        }
        let R = recurrentKernel.value.data
        let bias = biasParameter?.value.data ?? []
        let maskData = mask?.data
        let slices = Parallel.ranges(B, minChunk: 8)
        R.withUnsafeBufferPointer { rb in
            let packed = packedRecurrentKernel(rb.baseAddress!)
            bias.withUnsafeBufferPointer { bb in
                withOptionalPointer(maskData) { mp in
                    input.withUnsafeBufferPointer { xb in
                        K.withUnsafeBufferPointer { kb in
                            let source: StepSource? = if let tokens {
                                .table(ids: tokens.ids, rows: tokens.rows)
                            } else if streaming {
                                .product(x: xb.baseAddress!, kernel: kb.baseAddress!)
                            } else {
                                nil
                            }
                            let ctx = UnsafeSendable((rb.baseAddress!, bias.isEmpty ? nil : bb.baseAddress, mp, source))
                            Parallel.forEach(slices.count) { w in
                                let (r, b, m, src) = ctx.value
                                self.forwardSlice(slices[w], B: B, T: T, R: r, packedR: packed, bias: b, mask: m,
                                                  streamFrom: src)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The recurrent kernel `(U, G)` packed for the per-step products `h₋₁·R`, when every step
    /// multiplies all of it (no recurrent dropout; not GRU without `resetAfter`, whose steps use
    /// column blocks of it separately); nil otherwise.
    func packedRecurrentKernel(_ R: UnsafePointer<Float>) -> PackedMatrix? {
        guard recurrentMasks.isEmpty else { return nil }
        if case .gru(resetAfter: false) = kind { return nil }
        return PackedMatrix(R, ldb: gateWidth, k: units, n: gateWidth)
    }

    /// gates = x·K over all timesteps (dropout masks applied to x first in training).
    func inputProjection(x: UnsafePointer<Float>, kernel K: UnsafePointer<Float>, rows: Int,
                         B: Int, T: Int, F: Int, G: Int, out: UnsafeMutablePointer<Float>) {
        if inputMasks.isEmpty {
            BLAS.gemmParallel(m: rows, n: G, k: F, a: x, lda: F, b: K, ldb: G, c: out, ldc: G)
            return
        }
        let xd = xDropped.reserve(rows * F)
        let U = units
        for (g, m) in inputMasks.enumerated() {
            applyRowMask(x, m, B: B, T: T, width: F, into: xd)
            if inputMasks.count == 1 {
                BLAS.gemmParallel(m: rows, n: G, k: F, a: xd, lda: F, b: K, ldb: G, c: out, ldc: G)
            } else {
                BLAS.gemmParallel(m: rows, n: U, k: F, a: xd, lda: F, b: K + g * U, ldb: G, c: out + g * U, ldc: G)
            }
        }
    }

    /// For one slice of the batch, runs every step of the recurrence. With `streamFrom` (input
    /// and kernel), each step first computes its own input projection into a per-core buffer.
    func forwardSlice(_ rows: Range<Int>, B: Int, T: Int, R: UnsafePointer<Float>, packedR: PackedMatrix?,
                      bias: UnsafePointer<Float>?, mask: UnsafePointer<Float>?,
                      streamFrom source: StepSource? = nil) {
        let U = units, G = gateWidth, n = rows.count, b0 = rows.lowerBound, F = inputDim
        if n == 0 { return }
        // Streaming without returnSequences keeps h, c and act(c) in two-slot rings per core
        // instead of writing (B, T, U) histories that nothing will read.
        let ring = source != nil && !returnSequences
        let ldP = source == nil ? T * G : G, ldH = ring ? U : T * U
        let local = UnsafeMutablePointer<Float>.allocate(capacity: source == nil ? 1 : n * G)
        let ringStore = UnsafeMutablePointer<Float>.allocate(capacity: ring ? 7 * n * U : 1)
        defer { local.deallocate(); ringStore.deallocate() }
        let hRing = ringStore, cRing = ringStore + 2 * n * U, acRing = ringStore + 4 * n * U, rhRing = ringStore + 6 * n * U
        @inline(__always) func slot(_ base: UnsafeMutablePointer<Float>, _ ringBase: UnsafeMutablePointer<Float>, _ s: Int) -> UnsafeMutablePointer<Float> {
            ring ? ringBase + (s & 1) * n * U : base + (b0 * T + s) * U
        }
        let gp = gates.pointer, hp = hs.pointer
        let cp = cs.pointer, acp = acs.pointer, rhp = rh.pointer
        let zeros = UnsafeMutablePointer<Float>.allocate(capacity: n * U)
        zeros.initialize(repeating: 0, count: n * U)
        let q = UnsafeMutablePointer<Float>.allocate(capacity: n * G)
        q.initialize(repeating: 0, count: n * G)
        let hm = UnsafeMutablePointer<Float>.allocate(capacity: n * U)  // h₋₁ times a recurrent mask
        hm.initialize(repeating: 0, count: n * U)
        defer { zeros.deallocate(); q.deallocate(); hm.deallocate() }
        let act = activation, ract = recurrentActivation
        let kindNow = kind
        let recMasks = recurrentMasks
        let fused = usesFusedKernels

        for s in 0..<T {
            let t = goBackwards ? T - 1 - s : s
            let P: UnsafeMutablePointer<Float>
            if let source {
                P = local
                switch source {
                case let .product(x, kernel):
                    BLAS.gemm(m: n, n: G, k: F, a: x + (b0 * T + t) * F, lda: T * F, b: kernel, ldb: G,
                              beta: 0, c: P, ldc: G)
                case let .table(ids, rows):
                    for j in 0..<n { (P + j * G).update(from: rows + Int(ids[(b0 + j) * T + t]) * G, count: G) }
                }
            } else {
                P = gp + (b0 * T + t) * G
            }
            let Hcur = slot(hp, hRing, s)
            let Hprev: UnsafeMutablePointer<Float> = s == 0 ? zeros : slot(hp, hRing, s - 1)
            let ldHp = s == 0 ? U : ldH

            // Recurrent products.
            switch kindNow {
            case .simple, .lstm:
                // `packedR` is nil here only with recurrent dropout.
                if let packedR {
                    packedR.multiply(m: n, a: Hprev, lda: ldHp, beta: 1, c: P, ldc: ldP)
                } else {
                    for g in 0..<gateCount {
                        maskedRows(Hprev, ldHp, recMasks[g], b0: b0, n: n, U: U, into: hm)
                        BLAS.gemm(m: n, n: U, k: U, a: hm, lda: U, b: R + g * U, ldb: G, beta: 1, c: P + g * U, ldc: ldP)
                    }
                }
            case .gru(resetAfter: true):
                if let packedR {
                    packedR.multiply(m: n, a: Hprev, lda: ldHp, beta: 0, c: q, ldc: G)
                } else {
                    for g in 0..<3 {
                        maskedRows(Hprev, ldHp, recMasks[g], b0: b0, n: n, U: U, into: hm)
                        BLAS.gemm(m: n, n: U, k: U, a: hm, lda: U, b: R + g * U, ldb: G, beta: 0, c: q + g * U, ldc: G)
                    }
                }
            case .gru(resetAfter: false):
                if recMasks.isEmpty {
                    BLAS.gemm(m: n, n: 2 * U, k: U, a: Hprev, lda: ldHp, b: R, ldb: G, beta: 1, c: P, ldc: ldP)
                } else {
                    for g in 0..<2 {
                        maskedRows(Hprev, ldHp, recMasks[g], b0: b0, n: n, U: U, into: hm)
                        BLAS.gemm(m: n, n: U, k: U, a: hm, lda: U, b: R + g * U, ldb: G, beta: 1, c: P + g * U, ldc: ldP)
                    }
                }
            }

            // Fused pointwise pass, row by row.
            switch kindNow {
            case .simple:
                for j in 0..<n {
                    let row = P + j * ldP, hrow = Hcur + j * ldH
                    if let mask, mask[(b0 + j) * T + t] == 0 {
                        copyRow(Hprev + j * ldHp, to: hrow, U)
                        continue
                    }
                    if fused { rc_simple_forward(row, bias, hrow, U); continue }
                    if let bias { addRow(bias, into: row, U) }
                    act.apply(row, count: U, rowLength: U)
                    copyRow(row, to: hrow, U)
                }
            case .lstm:
                let Ccur = slot(cp, cRing, s), ACcur = slot(acp, acRing, s)
                let Cprev: UnsafeMutablePointer<Float> = s == 0 ? zeros : slot(cp, cRing, s - 1)
                for j in 0..<n {
                    let row = P + j * ldP, hrow = Hcur + j * ldH, crow = Ccur + j * ldH, acrow = ACcur + j * ldH
                    let cprev = Cprev + j * ldHp
                    if let mask, mask[(b0 + j) * T + t] == 0 {
                        copyRow(Hprev + j * ldHp, to: hrow, U)
                        copyRow(cprev, to: crow, U)
                        continue
                    }
                    if fused { rc_lstm_forward(row, bias, cprev, crow, acrow, hrow, U); continue }
                    if let bias { addRow(bias, into: row, G) }
                    ract.apply(row, count: 2 * U, rowLength: 2 * U)
                    act.apply(row + 2 * U, count: U, rowLength: U)
                    ract.apply(row + 3 * U, count: U, rowLength: U)
                    let gi = row, gf = row + U, gg = row + 2 * U
                    for u in 0..<U { crow[u] = gf[u] * cprev[u] + gi[u] * gg[u] }
                    copyRow(crow, to: acrow, U)
                    act.apply(acrow, count: U, rowLength: U)
                    let go = row + 3 * U
                    for u in 0..<U { hrow[u] = go[u] * acrow[u] }
                }
            case .gru(resetAfter: true):
                let RH = ring ? rhRing : rhp + (b0 * T + t) * U
                let recBias = bias.map { $0 + G }
                for j in 0..<n {
                    let row = P + j * ldP, hrow = Hcur + j * ldH, qrow = q + j * G, rhrow = RH + j * ldH
                    let hprev = Hprev + j * ldHp
                    if let mask, mask[(b0 + j) * T + t] == 0 {
                        copyRow(hprev, to: hrow, U)
                        continue
                    }
                    if fused { rc_gru_forward(row, qrow, bias, recBias, hprev, rhrow, hrow, U); continue }
                    if let bias, let recBias {
                        addRow(bias, into: row, G)
                        addRow(recBias, into: qrow, G)
                    }
                    addRow(qrow, into: row, 2 * U)
                    ract.apply(row, count: 2 * U, rowLength: 2 * U)
                    copyRow(qrow + 2 * U, to: rhrow, U)
                    let gz = row, gr = row + U, gh = row + 2 * U
                    for u in 0..<U { gh[u] += gr[u] * rhrow[u] }
                    act.apply(gh, count: U, rowLength: U)
                    for u in 0..<U { hrow[u] = gz[u] * hprev[u] + (1 - gz[u]) * gh[u] }
                }
            case .gru(resetAfter: false):
                let RH = ring ? rhRing : rhp + (b0 * T + t) * U
                for j in 0..<n {
                    let row = P + j * ldP, rhrow = RH + j * ldH, hprev = Hprev + j * ldHp
                    if let bias { addRow(bias, into: row, 2 * U) }
                    ract.apply(row, count: 2 * U, rowLength: 2 * U)
                    let gr = row + U
                    if recMasks.isEmpty {
                        for u in 0..<U { rhrow[u] = gr[u] * hprev[u] }
                    } else {
                        let m = recMasks[2]
                        let mrow = (b0 + j) * U
                        for u in 0..<U { rhrow[u] = gr[u] * hprev[u] * m[mrow + u] }
                    }
                }
                BLAS.gemm(m: n, n: U, k: U, a: RH, lda: ldH, b: R + 2 * U, ldb: G, beta: 0, c: q, ldc: U)
                for j in 0..<n {
                    let row = P + j * ldP, hrow = Hcur + j * ldH, hprev = Hprev + j * ldHp
                    if let mask, mask[(b0 + j) * T + t] == 0 {
                        copyRow(hprev, to: hrow, U)
                        continue
                    }
                    let gz = row, gh = row + 2 * U, qrow = q + j * U
                    if let bias { addRow(bias + 2 * U, into: gh, U) }
                    addRow(qrow, into: gh, U)
                    act.apply(gh, count: U, rowLength: U)
                    for u in 0..<U { hrow[u] = gz[u] * hprev[u] + (1 - gz[u]) * gh[u] }
                }
            }
        }
        if ring {
            // The last step's h (and c) go where collectOutputs reads them: slot T−1.
            for j in 0..<n {
                (hp + ((b0 + j) * T + T - 1) * U).update(from: hRing + ((T - 1) & 1) * n * U + j * U, count: U)
                if kindNow == .lstm {
                    (cp + ((b0 + j) * T + T - 1) * U).update(from: cRing + ((T - 1) & 1) * n * U + j * U, count: U)
                }
            }
        }
    }
}

@inline(__always)
func copyRow(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, _ n: Int) {
    if n > 0 && UnsafePointer(dst) != src { dst.update(from: src, count: n) }
}

@inline(__always)
func addRow(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, _ n: Int) {
    for i in 0..<n { dst[i] += src[i] }
}

/// `into[j, :] = src[j, :] * mask[b0 + j, :]` for `n` rows of width `U`.
@inline(__always)
func maskedRows(_ src: UnsafePointer<Float>, _ ld: Int, _ mask: [Float], b0: Int, n: Int, U: Int,
                into dst: UnsafeMutablePointer<Float>) {
    mask.withUnsafeBufferPointer { m in
        for j in 0..<n {
            let s = src + j * ld, d = dst + j * U, mr = m.baseAddress! + (b0 + j) * U
            for u in 0..<U { d[u] = s[u] * mr[u] }
        }
    }
}

/// `dst[b, t, :] = x[b, t, :] * mask[b, :]` over `(B, T, width)`.
func applyRowMask(_ x: UnsafePointer<Float>, _ mask: [Float], B: Int, T: Int, width: Int,
                  into dst: UnsafeMutablePointer<Float>) {
    mask.withUnsafeBufferPointer { m in
        for b in 0..<B {
            let mr = m.baseAddress! + b * width
            for t in 0..<T {
                let o = (b * T + t) * width
                for f in 0..<width { dst[o + f] = x[o + f] * mr[f] }
            }
        }
    }
}

/// Calls `body` with the array's base pointer, or nil for a nil array.
@inline(__always)
func withOptionalPointer<R>(_ a: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let a else { return body(nil) }
    return a.withUnsafeBufferPointer { body($0.baseAddress) }
}
