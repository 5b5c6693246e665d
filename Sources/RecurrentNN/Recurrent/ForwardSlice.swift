/// Where a streaming forward takes each step's input projection `x_t·K` (`(rows, G)`) from.
enum StepSource {
    /// A product of the step's input rows `x` (`(B, T, F)`) with the kernel `(F, G)`.
    case product(x: UnsafePointer<Float>, kernel: UnsafePointer<Float>)
    /// A copy of row `ids[b, t]` of a table of projected tokens (`(vocabulary, G)`, see
    /// `TokenProjection`).
    case table(ids: UnsafePointer<Int32>, rows: UnsafePointer<Float>)
}

/// What every slice of one forward pass shares: sizes, workspaces and weights, valid for the
/// pass. Built by `RecurrentLayer`; a cell only passes it on (`RecurrentCell.driveForward`).
///
/// Layouts: `gates` `(B, T, G)` in time order; the state histories `h`, `c` `(B, T, U)` in
/// processing order (step `s` reads time `t = goBackwards ? T-1-s : s`); `aux` `(B, T, U)` in
/// time order; the initial states `h0`, `c0` `(B, U)`.
public struct RecurrentForwardJob: @unchecked Sendable {
    var B: Int, T: Int, F: Int, U: Int, G: Int
    var goBackwards: Bool
    /// Streaming without returnSequences: keep h and c in two-slot rings per core instead of
    /// writing (B, T, U) histories that nothing will read.
    var ring: Bool
    var gates: UnsafeMutablePointer<Float>
    var h: UnsafeMutablePointer<Float>
    var c: UnsafeMutablePointer<Float>?
    var h0: UnsafeMutablePointer<Float>
    var c0: UnsafeMutablePointer<Float>
    var aux: UnsafeMutablePointer<Float>?
    var R: UnsafePointer<Float>! = nil
    var packedR: PackedMatrix?
    var bias: UnsafePointer<Float>?
    var mask: UnsafePointer<Float>?
    var recurrentMasks: [UnsafePointer<Float>] = []
    /// With a source, each step first computes its own input projection into a per-core buffer.
    var source: StepSource?
}

/// The forward time loop over one slice of the batch, for one cell type (specialised per cell
/// through `RecurrentCell.driveForward`, so `cell.forward` is a static call per row).
struct ForwardSlice<Cell: RecurrentCell> {
    let cell: Cell
    let job: RecurrentForwardJob
    let b0: Int, n: Int
    /// Row strides of the step's gate rows and state rows.
    let ldP: Int, ldH: Int
    let local: UnsafeMutablePointer<Float>      // (n, G) streaming input projection
    let ring: UnsafeMutablePointer<Float>       // h: 2 slots, c: 2 slots, aux: 1 slot of (n, U)
    let recurrent: UnsafeMutablePointer<Float>  // (n, G) h₋₁·R for a `.separate` cell
    let auxProduct: UnsafeMutablePointer<Float> // (n, U)
    let masked: UnsafeMutablePointer<Float>     // (n, U) h₋₁ times a recurrent mask

    init(cell: Cell, job: RecurrentForwardJob, rows: Range<Int>) {
        self.cell = cell
        self.job = job
        b0 = rows.lowerBound
        n = rows.count
        let U = job.U, G = job.G
        ldP = job.source == nil ? job.T * G : G
        ldH = job.ring ? U : job.T * U
        func zeros(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            p.initialize(repeating: 0, count: max(count, 1))
            return p
        }
        local = zeros(job.source == nil ? 1 : n * G)
        ring = zeros(job.ring ? 5 * n * U : 1)
        recurrent = zeros(cell.recurrentTarget == .separate ? n * G : 1)
        auxProduct = zeros(cell.auxProductGate == nil ? 1 : n * U)
        masked = zeros(job.recurrentMasks.isEmpty ? 1 : n * U)
    }

    func deallocate() {
        for p in [local, ring, recurrent, auxProduct, masked] { p.deallocate() }
    }

    /// State component `k` (0 h, 1 c) after step `s` (−1: the initial state) and its row stride.
    @inline(__always)
    func state(_ k: Int, _ s: Int) -> (UnsafeMutablePointer<Float>, Int) {
        let U = job.U
        if s < 0 { return ((k == 0 ? job.h0 : job.c0) + b0 * U, U) }
        if job.ring { return (ring + (2 * k + (s & 1)) * n * U, U) }
        return ((k == 0 ? job.h : job.c!) + (b0 * job.T + s) * U, ldH)
    }

    /// The cell's aux rows at time `t` and their stride.
    @inline(__always)
    func auxRows(_ t: Int) -> (UnsafeMutablePointer<Float>?, Int) {
        guard let aux = job.aux else { return (nil, 0) }
        if job.ring { return (ring + 4 * n * job.U, job.U) }
        return (aux + (b0 * job.T + t) * job.U, ldH)
    }

    func run() {
        for s in 0..<job.T { step(s) }
        if job.ring { keepLastState() }
    }

    /// The step's input projection rows `x_t·K` (computed now when streaming).
    func inputRows(_ t: Int) -> UnsafeMutablePointer<Float> {
        let G = job.G, T = job.T, F = job.F
        switch job.source {
        case nil:
            return job.gates + (b0 * T + t) * G
        case let .product(x, kernel)?:
            BLAS.gemm(m: n, n: G, k: F, a: x + (b0 * T + t) * F, lda: T * F, b: kernel, ldb: G, beta: 0, c: local, ldc: G)
        case let .table(ids, rows)?:
            for j in 0..<n { (local + j * G).update(from: rows + Int(ids[(b0 + j) * T + t]) * G, count: G) }
        }
        return local
    }

    /// h₋₁·R of the cell's `recurrentGates` blocks, added to the gates or written apart.
    func recurrentProduct(_ P: UnsafeMutablePointer<Float>, hPrev: UnsafePointer<Float>, ld: Int) {
        let U = job.U, G = job.G
        let (dst, ldD, beta): (UnsafeMutablePointer<Float>, Int, Float) =
            cell.recurrentTarget == .separate ? (recurrent, G, 0) : (P, ldP, 1)
        if let packed = job.packedR {
            packed.multiply(m: n, a: hPrev, lda: ld, beta: beta, c: dst, ldc: ldD)
            return
        }
        for g in 0..<cell.recurrentGates {
            maskedRows(hPrev, ld, job.recurrentMasks[g], b0: b0, n: n, U: U, into: masked)
            BLAS.gemm(m: n, n: U, k: U, a: masked, lda: U, b: job.R + g * U, ldb: G, beta: beta, c: dst + g * U, ldc: ldD)
        }
    }

    func step(_ s: Int) {
        let U = job.U, G = job.G, T = job.T
        let t = job.goBackwards ? T - 1 - s : s
        let P = inputRows(t)
        let (H, _) = state(0, s), (Hp, ldHp) = state(0, s - 1)
        let (C, _) = cell.stateCount > 1 ? state(1, s) : (H, 0)
        let (Cp, _) = cell.stateCount > 1 ? state(1, s - 1) : (Hp, 0)
        let (A, ldA) = auxRows(t)
        recurrentProduct(P, hPrev: Hp, ld: ldHp)
        let auxMask = cell.auxProductGate.flatMap { job.recurrentMasks.isEmpty ? nil : job.recurrentMasks[$0] }
        @inline(__always) func row(_ j: Int) -> CellRow {
            CellRow(gates: P + j * ldP, recurrent: recurrent + j * G, auxProduct: auxProduct + j * U, bias: job.bias,
                    hPrev: Hp + j * ldHp, h: H + j * ldH, cPrev: Cp + j * ldHp, c: C + j * ldH,
                    aux: A.map { $0 + j * ldA }, dh: nil, dc: nil, direct: nil,
                    recurrentMask: auxMask.map { $0 + (b0 + j) * U })
        }
        if let g = cell.auxProductGate {
            for j in 0..<n { cell.prepareAuxProduct(row(j)) }
            BLAS.gemm(m: n, n: U, k: U, a: A!, lda: ldA, b: job.R + g * U, ldb: G, beta: 0, c: auxProduct, ldc: U)
        }
        for j in 0..<n {
            if let mask = job.mask, mask[(b0 + j) * T + t] == 0 {
                // Masked: the state is carried, the output repeats the previous one.
                copyRow(Hp + j * ldHp, to: H + j * ldH, U)
                if cell.stateCount > 1 { copyRow(Cp + j * ldHp, to: C + j * ldH, U) }
                continue
            }
            cell.forward(row(j))
        }
    }

    /// Ring mode: the last step's h (and c) go where `collectOutputs` reads them, slot T−1.
    func keepLastState() {
        let U = job.U, T = job.T
        for k in 0..<cell.stateCount {
            let (last, _) = state(k, T - 1)
            let history = k == 0 ? job.h : job.c!
            for j in 0..<n { (history + ((b0 + j) * T + T - 1) * U).update(from: last + j * U, count: U) }
        }
    }
}
