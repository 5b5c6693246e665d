/// What every slice of one backward pass shares (see `RecurrentForwardJob` for the layouts).
/// Built by `RecurrentLayer`; a cell only passes it on (`RecurrentCell.driveBackward`).
public struct RecurrentBackwardJob: @unchecked Sendable {
    var B: Int, T: Int, U: Int, G: Int
    var goBackwards: Bool, returnSequences: Bool
    var gates: UnsafeMutablePointer<Float>
    var h: UnsafeMutablePointer<Float>
    var c: UnsafeMutablePointer<Float>?
    var h0: UnsafeMutablePointer<Float>
    var c0: UnsafeMutablePointer<Float>
    var aux: UnsafeMutablePointer<Float>?
    /// Rᵀ `(G, U)` as a plain matrix (for per-gate products and the aux product), or nil.
    var RT: UnsafePointer<Float>?
    /// Rᵀ packed, when there is no recurrent dropout.
    var packedRT: PackedMatrix?
    /// dLoss/dOutput: `(B, T, U)` with returnSequences, else `(B, U)`.
    var dOut: UnsafePointer<Float>! = nil
    var mask: UnsafePointer<Float>?
    /// dLoss/d(final h), dLoss/d(final c), `(B, U)`, or nil.
    var dhT: UnsafePointer<Float>?, dcT: UnsafePointer<Float>?
    /// Out: dLoss/d(initial h), dLoss/d(initial c), `(B, U)`.
    var dh0: UnsafeMutablePointer<Float>, dc0: UnsafeMutablePointer<Float>
    var recurrentMasks: [UnsafePointer<Float>] = []
}

/// BPTT over every step for one slice of the batch, for one cell type; leaves dLoss/d(gate
/// pre-activations) in `gates` and the initial state's gradient in `dh0`/`dc0`.
struct BackwardSlice<Cell: RecurrentCell> {
    let cell: Cell
    let job: RecurrentBackwardJob
    let b0: Int, n: Int
    var dh: UnsafeMutablePointer<Float>, dhNew: UnsafeMutablePointer<Float>  // (n, U)
    let dc: UnsafeMutablePointer<Float>, direct: UnsafeMutablePointer<Float>   // (n, U)
    let recurrent: UnsafeMutablePointer<Float>   // (n, G) dLoss/d(h₋₁·R) of a `.separate` cell
    let auxProduct: UnsafeMutablePointer<Float>  // (n, U)
    let perGate: UnsafeMutablePointer<Float>     // (n, U)

    init(cell: Cell, job: RecurrentBackwardJob, rows: Range<Int>) {
        self.cell = cell
        self.job = job
        b0 = rows.lowerBound
        n = rows.count
        let U = job.U
        func zeros(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            p.initialize(repeating: 0, count: max(count, 1))
            return p
        }
        dh = zeros(n * U)
        dhNew = zeros(n * U)
        dc = zeros(n * U)
        direct = zeros(n * U)
        recurrent = zeros(cell.recurrentTarget == .separate ? n * job.G : 1)
        auxProduct = zeros(n * U)
        perGate = zeros(n * U)
        if let dhT = job.dhT { dh.update(from: dhT + b0 * U, count: n * U) }
        if let dcT = job.dcT { dc.update(from: dcT + b0 * U, count: n * U) }
        if !job.returnSequences { VectorMath.add(job.dOut + b0 * U, into: dh, count: n * U) }
    }

    func deallocate() {
        for p in [dh, dhNew, dc, direct, recurrent, auxProduct, perGate] { p.deallocate() }
    }

    mutating func run() {
        for s in stride(from: job.T - 1, through: 0, by: -1) {
            step(s)
            swap(&dh, &dhNew)
        }
        let U = job.U
        (job.dh0 + b0 * U).update(from: dh, count: n * U)
        if cell.stateCount > 1 { (job.dc0 + b0 * U).update(from: dc, count: n * U) }
    }

    /// State component `k` after step `s` (−1: the initial state) and its row stride.
    @inline(__always)
    func state(_ k: Int, _ s: Int) -> (UnsafeMutablePointer<Float>, Int) {
        let U = job.U
        if s < 0 { return ((k == 0 ? job.h0 : job.c0) + b0 * U, U) }
        return ((k == 0 ? job.h : job.c!) + (b0 * job.T + s) * U, job.T * U)
    }

    /// dhNew = Σ_g (src_g · R_gᵀ) ⊙ m_g over the cell's `recurrentGates` blocks.
    func recurrentBack(_ src: UnsafePointer<Float>, _ ld: Int) {
        let U = job.U, gatesUsed = cell.recurrentGates
        if let packed = job.packedRT {
            packed.multiply(m: n, a: src, lda: ld, rows: gatesUsed * U, beta: 0, c: dhNew, ldc: U)
            return
        }
        dhNew.update(repeating: 0, count: n * U)
        for g in 0..<gatesUsed {
            BLAS.gemm(m: n, n: U, k: U, a: src + g * U, lda: ld, b: job.RT! + g * U * U, ldb: U, beta: 0, c: perGate, ldc: U)
            for j in 0..<n {
                let mr = job.recurrentMasks[g] + (b0 + j) * U, d = dhNew + j * U, p = perGate + j * U
                for u in 0..<U { d[u] += p[u] * mr[u] }
            }
        }
    }

    func step(_ s: Int) {
        let U = job.U, G = job.G, T = job.T, ldP = T * G
        let t = job.goBackwards ? T - 1 - s : s
        if job.returnSequences {
            for j in 0..<n { VectorMath.add(job.dOut + ((b0 + j) * T + s) * U, into: dh + j * U, count: U) }
        }
        let P = job.gates + (b0 * T + t) * G
        let (Hp, ldHp) = state(0, s - 1)
        let (Cp, _) = cell.stateCount > 1 ? state(1, s - 1) : (Hp, 0)
        let A = job.aux.map { $0 + (b0 * T + t) * U }
        let auxMask = cell.auxProductGate.flatMap { job.recurrentMasks.isEmpty ? nil : job.recurrentMasks[$0] }
        @inline(__always) func isMasked(_ j: Int) -> Bool {
            if let mask = job.mask { return mask[(b0 + j) * T + t] == 0 }
            return false
        }
        @inline(__always) func row(_ j: Int) -> CellRow {
            CellRow(gates: P + j * ldP, recurrent: recurrent + j * G, auxProduct: auxProduct + j * U, bias: nil,
                    hPrev: Hp + j * ldHp, h: nil, cPrev: Cp + j * ldHp, c: nil, aux: A.map { $0 + j * T * U },
                    dh: dh + j * U, dc: dc + j * U, direct: direct + j * U,
                    recurrentMask: auxMask.map { $0 + (b0 + j) * U })
        }
        for j in 0..<n {
            if isMasked(j) {
                // A masked step passes dh (and dc) through and has no gate gradient.
                (P + j * ldP).update(repeating: 0, count: G)
                if cell.recurrentTarget == .separate { (recurrent + j * G).update(repeating: 0, count: G) }
                if let A { (A + j * T * U).update(repeating: 0, count: U) }
                if cell.hasDirectPath { (direct + j * U).update(from: dh + j * U, count: U) }
                continue
            }
            cell.backward(row(j))
        }
        if let g = cell.auxProductGate {
            BLAS.gemm(m: n, n: U, k: U, a: P + g * U, lda: ldP, b: job.RT! + g * U * U, ldb: U, beta: 0, c: auxProduct, ldc: U)
            for j in 0..<n where !isMasked(j) { cell.finishAuxProductBackward(row(j)) }
        }
        if cell.recurrentTarget == .separate { recurrentBack(recurrent, G) } else { recurrentBack(P, ldP) }
        if cell.hasDirectPath {
            VectorMath.add(direct, into: dhNew, count: n * U)
        } else {
            for j in 0..<n where isMasked(j) { VectorMath.add(dh + j * U, into: dhNew + j * U, count: U) }
        }
    }
}
