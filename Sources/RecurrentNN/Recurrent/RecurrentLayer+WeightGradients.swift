/// Kernel, recurrent-kernel and bias gradients of `RecurrentLayer` as GEMMs over all timesteps,
/// from the gate gradients BPTT left in `gates`, then the cell's correction (GRU's h-block).
extension RecurrentLayer {
    func weightGradients(_ input: Tensor, B: Int, T: Int) {
        let U = units, G = gateWidth, F = inputDim, rows = B * T
        var dK = [Float](repeating: 0, count: F * G), dR = [Float](repeating: 0, count: U * G)
        var db = [Float](repeating: 0, count: biasParameter?.value.count ?? 0)
        dR.withUnsafeMutableBufferPointer { drb in
            db.withUnsafeMutableBufferPointer { dbb in
                dK.withUnsafeMutableBufferPointer { dkb in
                    let dr = drb.baseAddress!, dbias = dbb.isEmpty ? nil : dbb.baseAddress
                    let hPrev: (Int) -> (UnsafePointer<Float>, Int)
                    if recurrentMasks.isEmpty && inputMasks.count <= 1 {
                        hPrev = fusedWeightGradients(input, B: B, T: T, dK: dkb.baseAddress!, dR: dr, db: dbias)
                    } else {
                        hPrev = separateWeightGradients(input, B: B, T: T, dK: dkb.baseAddress!, dR: dr, db: dbias)
                    }
                    let w = CellWeightGradients(rows: rows, gates: gates.pointer, aux: cell.usesAux ? aux.pointer : nil,
                                                recurrentKernel: dr, bias: dbias)
                    cell.correctWeightGradients(w, hPrev: hPrev)
                }
            }
        }
        kernel.gradient = Tensor(uncheckedShape: [F, G], data: dK)
        recurrentKernel.gradient = Tensor(uncheckedShape: [U, G], data: dR)
        if let bias = biasParameter { bias.gradient = Tensor(uncheckedShape: bias.value.shape, data: db) }
    }

    /// One GEMM that reads dG once: `[x | h₋₁ | 1]ᵀ · dG`, a `(F + U + 1, G)` result whose rows
    /// are dK, dR and db (x times the shared dropout mask when there is one). Returns where h₋₁
    /// of every row is (inside the `[x | h₋₁ | 1]` rows).
    func fusedWeightGradients(_ input: Tensor, B: Int, T: Int, dK: UnsafeMutablePointer<Float>,
                              dR: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>?) -> (Int) -> (UnsafePointer<Float>, Int) {
        let U = units, G = gateWidth, F = inputDim, rows = B * T, W = F + U + 1
        let xh = xhBuffer.reserve(rows * W)
        let hp = hs.pointer, initial = h0.pointer
        let goBackwards = goBackwards
        input.withUnsafeBufferPointer { xb in
            withOptionalPointer(inputMasks.first) { mp in
                let ctx = UnsafeSendable((xb.baseAddress!, mp))
                let parts = Parallel.ranges(B)
                Parallel.forEach(parts.count) { w in
                    let (x, m) = ctx.value
                    for b in parts[w] {
                        for s in 0..<T {
                            let t = goBackwards ? T - 1 - s : s
                            let row = xh + (b * T + t) * W, xr = x + (b * T + t) * F
                            if let m {
                                let mr = m + b * F
                                for f in 0..<F { row[f] = xr[f] * mr[f] }
                            } else {
                                row.update(from: xr, count: F)
                            }
                            (row + F).update(from: s == 0 ? initial + b * U : hp + (b * T + s - 1) * U, count: U)
                            row[F + U] = 1
                        }
                    }
                }
            }
        }
        let all = UnsafeMutablePointer<Float>.allocate(capacity: W * G)
        defer { all.deallocate() }
        BLAS.gemmParallel(transA: true, m: W, n: G, k: rows, a: xh, lda: W, b: gates.pointer, ldb: G, c: all, ldc: G)
        dK.update(from: all, count: F * G)
        dR.update(from: all + F * G, count: U * G)
        db?.update(from: all + (F + U) * G, count: G)
        let hPrev = UnsafePointer(xh + F)
        return { _ in (hPrev, W) }
    }

    /// The gradients block by block, for per-gate dropout masks: dK = x_effᵀ·dG, dR_g =
    /// (h₋₁ ⊙ m_g)ᵀ·dG_g, db = column sums of dG. Returns h₋₁ as gate g sees it.
    func separateWeightGradients(_ input: Tensor, B: Int, T: Int, dK: UnsafeMutablePointer<Float>,
                                 dR: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>?) -> (Int) -> (UnsafePointer<Float>, Int) {
        let U = units, G = gateWidth, F = inputDim, rows = B * T
        let dG = gates.pointer
        // Previous hidden state of every step, in time order: hPrev[b, t(s)] = h[b, s-1] (h0 at s = 0).
        let hPrev = hPrevBuffer.reserve(rows * U)
        let hp = hs.pointer
        for b in 0..<B {
            for s in 0..<T {
                let t = goBackwards ? T - 1 - s : s
                (hPrev + (b * T + t) * U).update(from: s == 0 ? h0.pointer + b * U : hp + (b * T + s - 1) * U, count: U)
            }
        }
        input.withUnsafeBufferPointer { xb in
            let x = xb.baseAddress!
            if inputMasks.isEmpty {
                BLAS.gemmParallel(transA: true, m: F, n: G, k: rows, a: x, lda: F, b: dG, ldb: G, c: dK, ldc: G)
                return
            }
            let xd = xDropped.reserve(rows * F)
            let whole = inputMasks.count == 1
            for (g, m) in inputMasks.enumerated() {
                applyRowMask(x, m, B: B, T: T, width: F, into: xd)
                BLAS.gemmParallel(transA: true, m: F, n: whole ? G : U, k: rows, a: xd, lda: F,
                                  b: dG + (whole ? 0 : g * U), ldb: G, c: dK + (whole ? 0 : g * U), ldc: G)
            }
        }
        let masks = recurrentMasks, tmp = hMaskedBuffer.reserve(rows * U)
        let hEff: (Int) -> (UnsafePointer<Float>, Int) = { g in
            if masks.isEmpty { return (UnsafePointer(hPrev), U) }
            applyRowMask(hPrev, masks[g], B: B, T: T, width: U, into: tmp)
            return (UnsafePointer(tmp), U)
        }
        for g in 0..<cell.recurrentGates {
            let (h, ld) = hEff(g)
            BLAS.gemmParallel(transA: true, m: U, n: U, k: rows, a: h, lda: ld, b: dG + g * U, ldb: G, c: dR + g * U, ldc: G)
        }
        if let db { VectorMath.columnSums(dG, rows: rows, columns: G, into: db) }
        return hEff
    }
}
