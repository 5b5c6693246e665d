/// One recurrent cell kind: its weight layout, its state and its fused pointwise step, for the
/// one driver in `RecurrentLayer` (Keras's cell/RNN split, keras/src/layers/rnn/rnn.py; oneDNN's
/// post-GEMM per cell kind).
///
/// Weights, in Keras's layout: `kernel (features, G)`, `recurrent_kernel (units, G)` and a bias
/// of `makeBias()`'s shape, `G = gateCount · units` columns in gate blocks of `units`. Each step
/// the driver computes the gate pre-activations `x·K` of every row (one GEMM over all timesteps
/// in training), adds the recurrent product `h₋₁·R` of the first `recurrentGates` blocks (or
/// writes it to `CellRow.recurrent` when `recurrentTarget` is `.separate`), and calls `forward`
/// once per unmasked row; masked rows carry their state (Keras 3 backend `rnn`). Backward calls
/// `backward` per unmasked row in reverse time and multiplies what it leaves by `Rᵀ`.
///
/// A cell whose step needs a product of its own (GRU with `reset_after = false` multiplies
/// `(r ⊙ h₋₁)·R_h`) names the gate block in `auxProductGate`: the driver then calls
/// `prepareAuxProduct` on every row, multiplies the rows of `aux` by that block of `R` into
/// `CellRow.auxProduct`, and calls `forward`; backward calls `backward`, multiplies the block's
/// gate gradients by its `Rᵀ` into `auxProduct`, and calls `finishAuxProductBackward`.
///
/// The four Keras cells live in this module (`SimpleRNNCell`, `LSTMCell`, `GRUResetAfterCell`,
/// `GRUResetBeforeCell`); a new kind is one type conforming here plus its layer class. Leave the
/// two `drive…` requirements to their default implementations: they run the driver's loops
/// specialised for the conforming type, so that the per-row calls are static.
public protocol RecurrentCell: Sendable {
    /// Keras class name, written to model files as the layer's `typeName` (`"LSTM"`).
    var typeName: String { get }
    /// Width of the output and of each state component.
    var units: Int { get }
    /// Candidate/output activation (Keras `activation`).
    var activation: Activation { get }
    /// Gate activation (Keras `recurrent_activation`); a cell without gates returns `.sigmoid`.
    var recurrentActivation: Activation { get }
    var useBias: Bool { get }
    /// Gate blocks of `units` columns: 1 SimpleRNN, 4 LSTM, 3 GRU.
    var gateCount: Int { get }
    /// State components: 1 (`h`) or 2 (`h`, `c`).
    var stateCount: Int { get }
    /// Where the driver puts `h₋₁·R` (see `RecurrentProductTarget`).
    var recurrentTarget: RecurrentProductTarget { get }
    /// How many leading gate blocks the driver's recurrent product covers (`gateCount` unless an
    /// `auxProductGate` block is the cell's own product).
    var recurrentGates: Int { get }
    /// Whether the cell keeps a `units`-wide row per step in `CellRow.aux` (time order, aligned
    /// with the gates, so that a weight-gradient correction can multiply it over all steps).
    var usesAux: Bool { get }
    /// Whether `backward` writes `CellRow.direct` (the part of dLoss/dh₋₁ that does not go
    /// through `R`); otherwise the driver takes it as zero.
    var hasDirectPath: Bool { get }
    /// The gate block whose recurrent product the cell computes from `aux` (see above), or nil.
    var auxProductGate: Int? { get }
    /// The bias weight, Keras shape and initial value (`unit_forget_bias`, GRU's `(2, G)`).
    func makeBias() -> Tensor
    /// The Keras `get_config` keys the cell adds to the RNN's (`recurrent_activation`,
    /// `unit_forget_bias`, `reset_after`).
    var config: [String: JSONValue] { get }

    /// Pointwise forward of one row at one step (see `CellRow` for what it reads and writes).
    func forward(_ row: CellRow)
    /// Before the aux product: fill `row.aux` (every row, masked ones too). Default: nothing.
    func prepareAuxProduct(_ row: CellRow)
    /// Pointwise backward of one unmasked row at one step.
    func backward(_ row: CellRow)
    /// After the aux product's backward (unmasked rows). Default: nothing.
    func finishAuxProductBackward(_ row: CellRow)
    /// Adjusts the weight gradients the driver computed as if every block were `h₋₁·R` into
    /// the gates: `dRecurrent` has `h₋₁ᵀ·dG` in every block, `dBias`'s first `G` floats the
    /// column sums of `dG`. `hPrev(g)` is h₋₁ of every row as gate block `g` sees it (times its
    /// recurrent dropout mask) with its row stride. Called once per backward. Default: nothing.
    func correctWeightGradients(_ w: CellWeightGradients, hPrev: (Int) -> (UnsafePointer<Float>, Int))

    /// The driver's forward loop over a slice of the batch. Use the default implementation.
    func driveForward(_ job: RecurrentForwardJob, rows: Range<Int>)
    /// The driver's backward loop over a slice of the batch. Use the default implementation.
    func driveBackward(_ job: RecurrentBackwardJob, rows: Range<Int>)
}

/// Where the driver puts the recurrent product `h₋₁·R` of a step.
public enum RecurrentProductTarget: Sendable {
    /// Added to the gate pre-activations (`CellRow.gates`); backward multiplies the gate
    /// gradients by `Rᵀ`.
    case gates
    /// Written to `CellRow.recurrent` (`G` floats; GRU with `reset_after` keeps the h-part
    /// apart); backward multiplies what the cell leaves there by `Rᵀ`.
    case separate
}

/// The rows one call of a cell works on; every pointer is one row of `units` floats unless
/// said otherwise, and optional ones are nil where the cell does not use them.
///
/// Forward reads `gates` (pre-activations, `G` floats), `recurrent`, `auxProduct`, `bias`,
/// `hPrev`, `cPrev` and writes `gates` (the activated gates backward will read), `h`, `c`, `aux`.
/// Backward reads the activated `gates`, `dh`, `hPrev`, `cPrev`, `aux` and writes `gates` (the
/// pre-activation gradients), `recurrent` (dLoss/d(h₋₁·R), `.separate` only), `dc` (in: dLoss/dc,
/// out: dLoss/dc₋₁), `direct` and `aux` (a cell may leave a gradient there for its
/// weight-gradient correction).
public struct CellRow {
    public var gates: UnsafeMutablePointer<Float>
    public var recurrent: UnsafeMutablePointer<Float>?
    public var auxProduct: UnsafeMutablePointer<Float>?
    /// The whole bias (`makeBias()`'s floats), or nil without one.
    public var bias: UnsafePointer<Float>?
    public var hPrev: UnsafePointer<Float>
    public var h: UnsafeMutablePointer<Float>?
    public var cPrev: UnsafePointer<Float>?
    public var c: UnsafeMutablePointer<Float>?
    public var aux: UnsafeMutablePointer<Float>?
    public var dh: UnsafePointer<Float>?
    public var dc: UnsafeMutablePointer<Float>?
    public var direct: UnsafeMutablePointer<Float>?
    /// This row of the recurrent dropout mask of `auxProductGate` (scaled), nil without one.
    public var recurrentMask: UnsafePointer<Float>?
}

/// The operands of a weight-gradient correction (see `RecurrentCell.correctWeightGradients`),
/// over `rows = batch · timesteps` rows in time order.
public struct CellWeightGradients {
    public let rows: Int
    /// `(rows, G)`: dLoss/d(gate pre-activations).
    public let gates: UnsafePointer<Float>
    /// `(rows, units)`: the cells' aux rows after backward, or nil.
    public let aux: UnsafePointer<Float>?
    /// `(units, G)`: dLoss/d(recurrent_kernel).
    public let recurrentKernel: UnsafeMutablePointer<Float>
    /// dLoss/d(bias), `makeBias()`'s floats, or nil without a bias.
    public let bias: UnsafeMutablePointer<Float>?
}

extension RecurrentCell {
    public var recurrentGates: Int { gateCount }
    public var recurrentTarget: RecurrentProductTarget { .gates }
    public var usesAux: Bool { false }
    public var hasDirectPath: Bool { false }
    public var auxProductGate: Int? { nil }
    public func prepareAuxProduct(_ row: CellRow) {}
    public func finishAuxProductBackward(_ row: CellRow) {}
    public func correctWeightGradients(_ w: CellWeightGradients, hPrev: (Int) -> (UnsafePointer<Float>, Int)) {}

    public func driveForward(_ job: RecurrentForwardJob, rows: Range<Int>) {
        guard !rows.isEmpty else { return }
        let slice = ForwardSlice(cell: self, job: job, rows: rows)
        defer { slice.deallocate() }
        slice.run()
    }

    public func driveBackward(_ job: RecurrentBackwardJob, rows: Range<Int>) {
        guard !rows.isEmpty else { return }
        var slice = BackwardSlice(cell: self, job: job, rows: rows)
        defer { slice.deallocate() }
        slice.run()
    }
}
