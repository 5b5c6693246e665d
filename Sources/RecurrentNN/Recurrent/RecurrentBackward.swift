import CKernels

/// Backward kernels of `RecurrentLayer`: BPTT per step over each slice of the batch, then the
/// weight and input gradients as GEMMs over all timesteps at once.
///
/// After the per-step pass, `gates` holds dLoss/d(pre-activation) for every gate in time order;
/// for GRU with `resetAfter`, `rh` holds dLoss/d(h₋₁·R_h + b′_h).
extension RecurrentLayer {
    func runBackward(_ input: Tensor, gradOutput: Tensor, stateGradients: [Tensor?], B: Int, T: Int,
                     needsInputGradient: Bool) -> Tensor? {
        let U = units, G = gateWidth, F = inputDim, rows = B * T
        // Rᵀ (G, U) packed for the per-step products dG·Rᵀ when they use all of it (no recurrent
        // dropout); otherwise Rᵀ as a plain matrix, so that the per-gate products are
        // non-transposed GEMMs, which OpenBLAS runs about 40% faster at these sizes.
        let Rorig = recurrentKernel.value.data
        let packedRT: PackedMatrix? = recurrentMasks.isEmpty
            ? Rorig.withUnsafeBufferPointer { PackedMatrix($0.baseAddress!, ldb: G, k: G, n: U, transposed: true) }
            : nil
        // GRU without reset_after multiplies its candidate block of Rᵀ on its own.
        let needsPlainRT = packedRT == nil || kind == .gru(resetAfter: false)
        var R = [Float](repeating: 0, count: needsPlainRT ? U * G : 1)
        if needsPlainRT { for u in 0..<U { for g in 0..<G { R[g * U + u] = Rorig[u * G + g] } } }
        let maskData = lastMask?.data
        let dhT = stateGradients.count > 0 ? stateGradients[0]?.data : nil
        let dcT = stateGradients.count > 1 ? stateGradients[1]?.data : nil
        let slices = Parallel.ranges(B, minChunk: 8)
        R.withUnsafeBufferPointer { rb in
            gradOutput.withUnsafeBufferPointer { gb in
                withOptionalPointer(maskData) { mp in
                    withOptionalPointer(dhT) { dhp in
                        withOptionalPointer(dcT) { dcp in
                            let ctx = UnsafeSendable((rb.baseAddress!, gb.baseAddress!, mp, dhp, dcp))
                            Parallel.forEach(slices.count) { w in
                                let (r, g, m, dh, dc) = ctx.value
                                self.backwardSlice(slices[w], B: B, T: T, R: r, packedRT: packedRT, dOut: g, mask: m, dhT: dh, dcT: dc)
                            }
                        }
                    }
                }
            }
        }

        let dG = gates.pointer
        if recurrentMasks.isEmpty && inputMasks.count <= 1 {
            fusedWeightGradients(input, B: B, T: T)
        } else {
            // Previous hidden state of every step, in time order: hPrev[b, t(s)] = h[b, s-1] (0 at s = 0).
            let hPrev = hPrevBuffer.reserve(rows * U)
            let hp = hs.pointer
            for b in 0..<B {
                for s in 0..<T {
                    let t = goBackwards ? T - 1 - s : s
                    let dst = hPrev + (b * T + t) * U
                    if s == 0 { dst.update(repeating: 0, count: U) } else { dst.update(from: hp + (b * T + s - 1) * U, count: U) }
                }
            }

            // Kernel gradient: dK = x_effᵀ · dG.
            var dK = Tensor(shape: [F, G])
            input.withUnsafeBufferPointer { xb in
                let x = xb.baseAddress!
                dK.withUnsafeMutableBufferPointer { dk in
                    if inputMasks.isEmpty {
                        BLAS.gemmParallel(transA: true, m: F, n: G, k: rows, a: x, lda: F, b: dG, ldb: G, c: dk.baseAddress!, ldc: G)
                    } else {
                        let xd = xDropped.reserve(rows * F)
                        for (g, m) in inputMasks.enumerated() {
                            applyRowMask(x, m, B: B, T: T, width: F, into: xd)
                            let whole = inputMasks.count == 1
                            BLAS.gemmParallel(transA: true, m: F, n: whole ? G : U, k: rows, a: xd, lda: F,
                                              b: dG + (whole ? 0 : g * U), ldb: G, c: dk.baseAddress! + (whole ? 0 : g * U), ldc: G)
                        }
                    }
                }
            }
            kernel.gradient = dK

            // Recurrent-kernel gradient: dR = h₋₁ᵀ · dG_rec, block by block where needed.
            var dR = Tensor(shape: [U, G])
            let recMasks = recurrentMasks
            dR.withUnsafeMutableBufferPointer { drb in
                let dr = drb.baseAddress!
                let tmp = recMasks.isEmpty ? hPrev : hMaskedBuffer.reserve(rows * U)
                func hEff(_ g: Int) -> UnsafeMutablePointer<Float> {
                    if recMasks.isEmpty { return hPrev }
                    applyRowMask(hPrev, recMasks[g], B: B, T: T, width: U, into: tmp)
                    return tmp
                }
                switch kind {
                case .simple, .lstm:
                    if recMasks.isEmpty {
                        BLAS.gemmParallel(transA: true, m: U, n: G, k: rows, a: hPrev, lda: U, b: dG, ldb: G, c: dr, ldc: G)
                    } else {
                        for g in 0..<gateCount {
                            BLAS.gemmParallel(transA: true, m: U, n: U, k: rows, a: hEff(g), lda: U, b: dG + g * U, ldb: G, c: dr + g * U, ldc: G)
                        }
                    }
                case .gru(resetAfter: true):
                    for g in 0..<3 where !(recMasks.isEmpty && g == 1) {
                        let h = hEff(g)
                        if recMasks.isEmpty && g == 0 {
                            BLAS.gemmParallel(transA: true, m: U, n: 2 * U, k: rows, a: h, lda: U, b: dG, ldb: G, c: dr, ldc: G)
                        } else if g < 2 {
                            BLAS.gemmParallel(transA: true, m: U, n: U, k: rows, a: h, lda: U, b: dG + g * U, ldb: G, c: dr + g * U, ldc: G)
                        } else {
                            BLAS.gemmParallel(transA: true, m: U, n: U, k: rows, a: h, lda: U, b: rh.pointer, ldb: U, c: dr + 2 * U, ldc: G)
                        }
                    }
                case .gru(resetAfter: false):
                    if recMasks.isEmpty {
                        BLAS.gemmParallel(transA: true, m: U, n: 2 * U, k: rows, a: hPrev, lda: U, b: dG, ldb: G, c: dr, ldc: G)
                    } else {
                        for g in 0..<2 {
                            BLAS.gemmParallel(transA: true, m: U, n: U, k: rows, a: hEff(g), lda: U, b: dG + g * U, ldb: G, c: dr + g * U, ldc: G)
                        }
                    }
                    // rh holds r·(h₋₁ ⊙ m_h) in time order.
                    BLAS.gemmParallel(transA: true, m: U, n: U, k: rows, a: rh.pointer, lda: U, b: dG + 2 * U, ldb: G, c: dr + 2 * U, ldc: G)
                }
            }
            recurrentKernel.gradient = dR

            // Bias gradient: column sums of dG (and of the recurrent-side gradient for resetAfter).
            if let bias = biasParameter {
                var db = Tensor(shape: bias.value.shape)
                db.withUnsafeMutableBufferPointer { dbb in
                    let d = dbb.baseAddress!
                    VectorMath.columnSums(dG, rows: rows, columns: G, into: d)
                    if isGRUResetAfter {
                        (d + G).update(from: d, count: 2 * U)
                        VectorMath.columnSums(rh.pointer, rows: rows, columns: U, into: d + G + 2 * U)
                    }
                }
                bias.gradient = db
            }
        }

        guard needsInputGradient else { return nil }
        let K = kernel.value.data
        // Input gradient: dX = dG · Kᵀ (each gate's part times its dropout mask).
        var dX = Tensor(shape: [B, T, F])
        K.withUnsafeBufferPointer { kb in
            let k = kb.baseAddress!
            dX.withUnsafeMutableBufferPointer { dxb in
                let dx = dxb.baseAddress!
                if inputMasks.isEmpty {
                    BLAS.gemmParallel(transB: true, m: rows, n: F, k: G, a: dG, lda: G, b: k, ldb: G, c: dx, ldc: F)
                } else if inputMasks.count == 1 {
                    BLAS.gemmParallel(transB: true, m: rows, n: F, k: G, a: dG, lda: G, b: k, ldb: G, c: dx, ldc: F)
                    applyRowMask(dx, inputMasks[0], B: B, T: T, width: F, into: dx)
                } else {
                    let tmp = xDropped.reserve(rows * F)
                    for (g, m) in inputMasks.enumerated() {
                        BLAS.gemmParallel(transB: true, m: rows, n: F, k: U, a: dG + g * U, lda: G, b: k + g * U, ldb: G, c: tmp, ldc: F)
                        m.withUnsafeBufferPointer { mb in
                            for b in 0..<B {
                                let mr = mb.baseAddress! + b * F
                                for t in 0..<T {
                                    let o = (b * T + t) * F
                                    for f in 0..<F { dx[o + f] += tmp[o + f] * mr[f] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return dX
    }

    /// Kernel, recurrent-kernel and bias gradients in one GEMM that reads dG once:
    /// `[x | h₋₁ | 1]ᵀ · dG`, a `(F + U + 1, G)` result whose rows are dK, dR and db (x times the
    /// shared dropout mask when there is one). For GRU the h-block of dR (and of the recurrent
    /// bias) takes another operand, recomputed after: h₋₁ᵀ·(dhh·r) with `resetAfter`, (r·h₋₁)ᵀ·dhh without.
    func fusedWeightGradients(_ input: Tensor, B: Int, T: Int) {
        let U = units, G = gateWidth, F = inputDim, rows = B * T, W = F + U + 1
        let xh = xhBuffer.reserve(rows * W)
        let hp = hs.pointer, dG = gates.pointer
        let mask: [Float]? = inputMasks.first
        input.withUnsafeBufferPointer { xb in
            withOptionalPointer(mask) { mp in
                let ctx = UnsafeSendable((xb.baseAddress!, mp))
                let parts = Parallel.ranges(B)
                Parallel.forEach(parts.count) { w in
                    let (x, m) = ctx.value
                    for b in parts[w] {
                        for s in 0..<T {
                            let t = self.goBackwards ? T - 1 - s : s
                            let row = xh + (b * T + t) * W, xr = x + (b * T + t) * F
                            if let m {
                                let mr = m + b * F
                                for f in 0..<F { row[f] = xr[f] * mr[f] }
                            } else {
                                (row).update(from: xr, count: F)
                            }
                            if s == 0 { (row + F).update(repeating: 0, count: U) } else { (row + F).update(from: hp + (b * T + s - 1) * U, count: U) }
                            row[F + U] = 1
                        }
                    }
                }
            }
        }
        var all = [Float](repeating: 0, count: W * G)
        all.withUnsafeMutableBufferPointer { out in
            BLAS.gemmParallel(transA: true, m: W, n: G, k: rows, a: xh, lda: W, b: dG, ldb: G, c: out.baseAddress!, ldc: G)
            let o = out.baseAddress!
            switch kind {
            case .gru(resetAfter: true):
                // dR_h = h₋₁ᵀ · (dhh·r), stored in rh by BPTT.
                BLAS.gemmParallel(transA: true, m: U, n: U, k: rows, a: xh + F, lda: W, b: rh.pointer, ldb: U,
                                  c: o + F * G + 2 * U, ldc: G)
            case .gru(resetAfter: false):
                // dR_h = (r·h₋₁)ᵀ · dhh, with r·h₋₁ in rh.
                BLAS.gemmParallel(transA: true, m: U, n: U, k: rows, a: rh.pointer, lda: U, b: dG + 2 * U, ldb: G,
                                  c: o + F * G + 2 * U, ldc: G)
            default: break
            }
        }
        kernel.gradient = Tensor(uncheckedShape: [F, G], data: Array(all[0..<(F * G)]))
        recurrentKernel.gradient = Tensor(uncheckedShape: [U, G], data: Array(all[(F * G)..<((F + U) * G)]))
        if let bias = biasParameter {
            var db = Array(all[((F + U) * G)..<(W * G)])
            if isGRUResetAfter {
                var rec = db
                rec.withUnsafeMutableBufferPointer { r in
                    VectorMath.columnSums(rh.pointer, rows: rows, columns: U, into: r.baseAddress! + 2 * U)
                }
                db += rec
            }
            bias.gradient = Tensor(uncheckedShape: bias.value.shape, data: db)
        }
    }

    /// BPTT over every step for the batch rows in `rows`; leaves dG in `gates`. `R` is the
    /// transposed recurrent kernel, `(G, U)`; `packedRT` the same packed, when there is no
    /// recurrent dropout.
    func backwardSlice(_ rows: Range<Int>, B: Int, T: Int, R: UnsafePointer<Float>, packedRT: PackedMatrix?, dOut: UnsafePointer<Float>,
                       mask: UnsafePointer<Float>?, dhT: UnsafePointer<Float>?, dcT: UnsafePointer<Float>?) {
        let U = units, G = gateWidth, n = rows.count, b0 = rows.lowerBound
        if n == 0 { return }
        let ldP = T * G, ldH = T * U
        let gp = gates.pointer, hp = hs.pointer, cp = cs.pointer, acp = acs.pointer, rhp = rh.pointer
        func alloc(_ c: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(c, 1))
            p.initialize(repeating: 0, count: max(c, 1))
            return p
        }
        var dh = alloc(n * U), dhNew = alloc(n * U)
        let dc = alloc(n * U), zeros = alloc(n * U), tmp = alloc(n * G), direct = alloc(n * U), tmpU = alloc(n * U)
        defer { for p in [dh, dhNew, dc, zeros, tmp, direct, tmpU] { p.deallocate() } }
        if let dhT { for j in 0..<n { (dh + j * U).update(from: dhT + (b0 + j) * U, count: U) } }
        if let dcT { for j in 0..<n { (dc + j * U).update(from: dcT + (b0 + j) * U, count: U) } }
        if !returnSequences {
            for j in 0..<n { addRow(dOut + (b0 + j) * U, into: dh + j * U, U) }
        }
        let act = activation, ract = recurrentActivation
        let recMasks = recurrentMasks
        let kindNow = kind
        let fused = usesFusedKernels

        for s in stride(from: T - 1, through: 0, by: -1) {
            let t = goBackwards ? T - 1 - s : s
            if returnSequences {
                for j in 0..<n { addRow(dOut + ((b0 + j) * T + s) * U, into: dh + j * U, U) }
            }
            let P = gp + (b0 * T + t) * G
            let Hprev: UnsafeMutablePointer<Float> = s == 0 ? zeros : hp + (b0 * T + s - 1) * U
            let ldHp = s == 0 ? U : ldH
            @inline(__always) func isMasked(_ j: Int) -> Bool {
                if let mask { return mask[(b0 + j) * T + t] == 0 }
                return false
            }
            // Gradient of h₋₁ through the recurrent kernel: dhNew = Σ_g (dG_g · R_gᵀ) ⊙ m_g.
            func recurrentBack(_ src: UnsafePointer<Float>, _ ld: Int, gatesUsed: Int) {
                // `packedRT` is nil only with recurrent dropout.
                if let packedRT {
                    packedRT.multiply(m: n, a: src, lda: ld, rows: gatesUsed * U, beta: 0, c: dhNew, ldc: U)
                } else {
                    dhNew.update(repeating: 0, count: n * U)
                    for g in 0..<gatesUsed {
                        BLAS.gemm(m: n, n: U, k: U, a: src + g * U, lda: ld, b: R + g * U * U, ldb: U, beta: 0, c: tmpU, ldc: U)
                        recMasks[g].withUnsafeBufferPointer { mb in
                            for j in 0..<n {
                                let mr = mb.baseAddress! + (b0 + j) * U
                                for u in 0..<U { dhNew[j * U + u] += tmpU[j * U + u] * mr[u] }
                            }
                        }
                    }
                }
            }

            switch kindNow {
            case .simple:
                for j in 0..<n {
                    let row = P + j * ldP
                    if isMasked(j) { row.update(repeating: 0, count: G); continue }
                    let d = dh + j * U
                    if fused { rc_simple_backward(row, d, U); continue }
                    for u in 0..<U { row[u] = d[u] * act.derivative(output: row[u]) }
                }
                recurrentBack(P, ldP, gatesUsed: 1)
                for j in 0..<n where isMasked(j) { addRow(dh + j * U, into: dhNew + j * U, U) }

            case .lstm:
                let AC = acp + (b0 * T + s) * U
                let Cprev: UnsafeMutablePointer<Float> = s == 0 ? zeros : cp + (b0 * T + s - 1) * U
                for j in 0..<n {
                    let row = P + j * ldP
                    if isMasked(j) { row.update(repeating: 0, count: G); continue }
                    let d = dh + j * U, dcr = dc + j * U, ac = AC + j * ldH, cprev = Cprev + j * ldHp
                    if fused { rc_lstm_backward(row, d, dcr, ac, cprev, U); continue }
                    for u in 0..<U {
                        let i = row[u], f = row[U + u], g = row[2 * U + u], o = row[3 * U + u]
                        let dOg = d[u] * ac[u]
                        let dct = dcr[u] + d[u] * o * act.derivative(output: ac[u])
                        row[u] = dct * g * ract.derivative(output: i)
                        row[U + u] = dct * cprev[u] * ract.derivative(output: f)
                        row[2 * U + u] = dct * i * act.derivative(output: g)
                        row[3 * U + u] = dOg * ract.derivative(output: o)
                        dcr[u] = dct * f
                    }
                }
                recurrentBack(P, ldP, gatesUsed: 4)
                for j in 0..<n where isMasked(j) { addRow(dh + j * U, into: dhNew + j * U, U) }

            case .gru(resetAfter: true):
                let RH = rhp + (b0 * T + t) * U
                for j in 0..<n {
                    let row = P + j * ldP, rhrow = RH + j * ldH, trow = tmp + j * G, dir = direct + j * U
                    if isMasked(j) {
                        row.update(repeating: 0, count: G)
                        rhrow.update(repeating: 0, count: U)
                        trow.update(repeating: 0, count: G)
                        (dir).update(from: dh + j * U, count: U)
                        continue
                    }
                    let d = dh + j * U, hprev = Hprev + j * ldHp
                    if fused { rc_gru_backward(row, rhrow, trow, dir, hprev, d, U); continue }
                    for u in 0..<U {
                        let z = row[u], r = row[U + u], hh = row[2 * U + u], qh = rhrow[u]
                        let dhhPre = d[u] * (1 - z) * act.derivative(output: hh)
                        let dz = d[u] * (hprev[u] - hh) * ract.derivative(output: z)
                        let dr = dhhPre * qh * ract.derivative(output: r)
                        row[u] = dz; row[U + u] = dr; row[2 * U + u] = dhhPre
                        trow[u] = dz; trow[U + u] = dr; trow[2 * U + u] = dhhPre * r
                        rhrow[u] = dhhPre * r
                        dir[u] = d[u] * z
                    }
                }
                recurrentBack(tmp, G, gatesUsed: 3)
                addRow(direct, into: dhNew, n * U)

            case .gru(resetAfter: false):
                for j in 0..<n {
                    let row = P + j * ldP, dir = direct + j * U
                    if isMasked(j) {
                        row.update(repeating: 0, count: G)
                        dir.update(from: dh + j * U, count: U)
                        continue
                    }
                    let d = dh + j * U, hprev = Hprev + j * ldHp
                    for u in 0..<U {
                        let z = row[u], hh = row[2 * U + u]
                        dir[u] = d[u] * z
                        row[u] = d[u] * (hprev[u] - hh) * ract.derivative(output: z)
                        row[2 * U + u] = d[u] * (1 - z) * act.derivative(output: hh)
                    }
                }
                // dRH = dhhPre · R_hᵀ, the gradient of r·(h₋₁ ⊙ m_h).
                BLAS.gemm(m: n, n: U, k: U, a: P + 2 * U, lda: ldP, b: R + 2 * U * U, ldb: U, beta: 0, c: tmpU, ldc: U)
                let mh: [Float]? = recMasks.isEmpty ? nil : recMasks[2]
                for j in 0..<n where !isMasked(j) {
                    let row = P + j * ldP, dir = direct + j * U
                    let hprev = Hprev + j * ldHp, drh = tmpU + j * U
                    for u in 0..<U {
                        let m: Float = mh?[(b0 + j) * U + u] ?? 1
                        let r = row[U + u]
                        row[U + u] = drh[u] * hprev[u] * m * ract.derivative(output: r)
                        dir[u] += drh[u] * r * m
                    }
                }
                recurrentBack(P, ldP, gatesUsed: 2)
                addRow(direct, into: dhNew, n * U)
            }
            swap(&dh, &dhNew)
        }
    }
}
