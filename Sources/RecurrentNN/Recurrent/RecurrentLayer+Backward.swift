/// The backward pass of `RecurrentLayer`: checks, the job every slice shares, and the input
/// gradient. The time loop is `BackwardSlice`; the weight gradients are in
/// `RecurrentLayer+WeightGradients.swift`.
extension RecurrentLayer {
    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) throws -> Tensor? {
        try backward(gradOutput, stateGradient: nil, needsInputGradient: needsInputGradient).input
    }

    /// Backpropagates the gradient of the output and, optionally, of the final state; returns
    /// the input gradient (nil unless `needsInputGradient`).
    public func backwardWithStates(_ gradOutput: Tensor, stateGradients: RecurrentState?,
                                   needsInputGradient: Bool) throws -> Tensor? {
        try backward(gradOutput, stateGradient: stateGradients, needsInputGradient: needsInputGradient).input
    }

    /// Backpropagates `gradOutput` (the output's shape) and `stateGradient` (dLoss/d(final
    /// state), each component `(batch, units)`; nil for none) through the last forward, which
    /// must have kept what backward needs. Fills the weights' gradients; returns dLoss/dInput
    /// `(batch, timesteps, features)` (nil unless `needsInputGradient`) and dLoss/d(initial state).
    /// - Throws: `invalidConfiguration` without a recording forward (each forward allows one
    ///   backward), `shapeMismatch`/`invalidValue` for a gradient of the wrong shape.
    public func backward(_ gradOutput: Tensor, stateGradient: RecurrentState?,
                         needsInputGradient: Bool) throws -> (input: Tensor?, initialState: RecurrentState) {
        // Backward overwrites the saved gates with their gradients, so each forward allows one backward.
        guard let input = lastInput else {
            throw RecurrentError.invalidConfiguration(
                where: name, message: "backward called before forward (each forward allows one backward)")
        }
        let B = lastBatch, T = lastSteps, U = units
        let expected = returnSequences ? [B, T, U] : [B, U]
        guard gradOutput.shape == expected else {
            throw RecurrentError.shapeMismatch(where: name, expected: "an output gradient of shape \(expected)",
                                               found: "shape \(gradOutput.shape)")
        }
        try stateGradient?.check(batch: B, units: U, stateCount: stateCount, layer: name, meaning: "a state gradient")
        var gradOutput = gradOutput
        if returnSequences && zeroOutputForMask, let mask = lastMask { zeroMaskedSteps(&gradOutput, mask: mask) }
        if let mask = lastMask { zeroOutputsBeforeFirstStep(&gradOutput, mask: mask) }
        lastInput = nil
        let initial = runBackward(gradOutput: gradOutput, stateGradient: stateGradient, B: B, T: T)
        weightGradients(input, B: B, T: T)
        return (needsInputGradient ? inputGradient(B: B, T: T) : nil, initial)
    }

    /// BPTT over every slice of the batch; returns dLoss/d(initial state).
    func runBackward(gradOutput: Tensor, stateGradient: RecurrentState?, B: Int, T: Int) -> RecurrentState {
        let U = units, G = gateWidth
        let Rorig = recurrentKernel.value.data
        // Rᵀ (G, U) packed for the per-step products dG·Rᵀ when they use all of it (no recurrent
        // dropout); otherwise, and for a cell's own aux product, Rᵀ as a plain matrix, so that
        // the per-gate products are non-transposed GEMMs, which OpenBLAS runs about 40% faster.
        let packedRT: PackedMatrix? = recurrentMasks.isEmpty
            ? Rorig.withUnsafeBufferPointer { PackedMatrix($0.baseAddress!, ldb: G, k: G, n: U, transposed: true) }
            : nil
        let needsPlainRT = packedRT == nil || cell.auxProductGate != nil
        var RT = [Float](repeating: 0, count: needsPlainRT ? U * G : 0)
        if needsPlainRT { for u in 0..<U { for g in 0..<G { RT[g * U + u] = Rorig[u * G + g] } } }
        let dState = initialStateGradient.zeroed(2 * B * U)  // dLoss/d(initial h), then c
        var job = RecurrentBackwardJob(B: B, T: T, U: U, G: G, goBackwards: goBackwards, returnSequences: returnSequences,
                                       gates: gates.pointer, h: hs.pointer, c: stateCount > 1 ? cs.pointer : nil,
                                       h0: h0.pointer, c0: c0.pointer, aux: cell.usesAux ? aux.pointer : nil,
                                       packedRT: packedRT, dh0: dState, dc0: dState + B * U)
        let slices = Parallel.ranges(B, minChunk: 8)
        withOptionalPointer(needsPlainRT ? RT : nil) { rt in
            gradOutput.withUnsafeBufferPointer { gb in
                withOptionalPointer(lastMask?.data) { mp in
                    withOptionalPointer(stateGradient?.h.data) { dhp in
                        withOptionalPointer(stateGradient?.c?.data) { dcp in
                            withPointers(recurrentMasks) { rm in
                                job.RT = rt
                                job.dOut = gb.baseAddress!
                                job.mask = mp
                                job.dhT = dhp
                                job.dcT = dcp
                                job.recurrentMasks = rm
                                let shared = UnsafeSendable((cell, job))
                                Parallel.forEach(slices.count) { w in
                                    shared.value.0.driveBackward(shared.value.1, rows: slices[w])
                                }
                            }
                        }
                    }
                }
            }
        }
        func tensor(_ p: UnsafeMutablePointer<Float>) -> Tensor {
            Tensor(uncheckedShape: [B, U], data: Array(UnsafeBufferPointer(start: p, count: B * U)))
        }
        return RecurrentState(h: tensor(dState), c: stateCount > 1 ? tensor(dState + B * U) : nil)
    }

    /// Input gradient: dX = dG · Kᵀ (each gate's part times its dropout mask).
    func inputGradient(B: Int, T: Int) -> Tensor {
        let U = units, G = gateWidth, F = inputDim, rows = B * T
        let dG = gates.pointer
        let K = kernel.value.data
        var dX = Tensor(shape: [B, T, F])
        K.withUnsafeBufferPointer { kb in
            let k = kb.baseAddress!
            dX.withUnsafeMutableBufferPointer { dxb in
                let dx = dxb.baseAddress!
                if inputMasks.count <= 1 {
                    BLAS.gemmParallel(transB: true, m: rows, n: F, k: G, a: dG, lda: G, b: k, ldb: G, c: dx, ldc: F)
                    if let m = inputMasks.first { applyRowMask(dx, m, B: B, T: T, width: F, into: dx) }
                    return
                }
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
        return dX
    }
}
