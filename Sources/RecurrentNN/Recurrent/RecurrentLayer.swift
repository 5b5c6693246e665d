/// Keras's `RNN` layer (keras/src/layers/rnn/rnn.py) with one fused cell: the one driver of
/// `SimpleRNN`, `LSTM`, `GRU` and any other `RecurrentCell`.
///
/// Input `(batch, timesteps, features)`; output `(batch, units)`, or `(batch, timesteps, units)`
/// with `returnSequences` (in processing order, so reversed in time with `goBackwards`, as Keras).
/// `forward(_:mask:initialState:training:)` starts from a given state and returns the final one.
///
/// Kernels (Appleyard et al. 2016; oneDNN RNN design), the same for every cell:
/// - forward: the input projection of all timesteps is one GEMM `(B·T, in) × (in, G)`; each step
///   then does one recurrent GEMM (the packed kernel, `PackedMatrix`, when no recurrent dropout)
///   and the cell's fused pointwise pass, which leaves the activated gates in the workspace;
/// - backward: BPTT per step overwrites the gates with their pre-activation gradients; the
///   kernel, recurrent-kernel and bias gradients and the input gradient are then GEMMs over all
///   timesteps at once;
/// - the batch is split across the cores for the recurrence (each core runs the whole sequence
///   for its rows with single-threaded BLAS), and the large GEMMs are split across the cores too;
/// - in inference (`recordsForBackward` false) the input projection streams step by step, and
///   after an `Embedding` it is a row of a table of projected tokens (`TokenProjection`).
///
/// Masking (Keras 3 backend `rnn`): at a step whose mask is 0 the state is carried unchanged and
/// the output repeats the previous output (zeros before the first real step; zeros at every
/// masked step with `zeroOutputForMask`).
///
/// Dropout (Keras 3 `DropoutRNNCell`): masks drawn once per batch and reused at every step. With
/// `recurrentDropout == 0` one input mask is shared by all gates (Keras implementation 2); with
/// `recurrentDropout > 0` Keras switches to implementation 1 and draws one input mask and one
/// recurrent mask per gate; Recurrent does the same.
public class RecurrentLayer: Layer, RecordsForBackward {
    public var name: String
    /// The cell this layer runs: its weight layout and its pointwise step.
    public let cell: any RecurrentCell
    public var typeName: String { cell.typeName }
    /// Dimensionality of the output and state.
    public var units: Int { cell.units }
    /// Activation of the candidate and output (Keras default tanh).
    public var activation: Activation { cell.activation }
    /// Activation of the gates (Keras 3 default sigmoid; unused by SimpleRNN).
    public var recurrentActivation: Activation { cell.recurrentActivation }
    public var useBias: Bool { cell.useBias }
    /// State components: 1 (`h`) or 2 (`h`, `c` for LSTM).
    public var stateCount: Int { cell.stateCount }
    /// Return the whole output sequence `(batch, timesteps, units)` instead of the last output.
    public let returnSequences: Bool
    /// Whether the final states are meant to be used (`forwardWithStates` always returns them;
    /// inside a `Sequential` only the output flows on).
    public let returnState: Bool
    /// Process the sequence in reverse (outputs come back in processing order, as Keras).
    public let goBackwards: Bool
    /// Fraction of the inputs to drop in training, in [0, 1).
    public let dropout: Float
    /// Fraction of the recurrent state to drop in training, in [0, 1).
    public let recurrentDropout: Float
    /// With `returnSequences` and a mask: output zeros at masked steps instead of repeating the
    /// previous output (Keras `zero_output_for_mask`; `Bidirectional` sets it, as Keras does).
    public var zeroOutputForMask = false
    /// Whether `forward` keeps what `backward` needs (the default). `Sequential.predict` turns it
    /// off for the duration of a call, which lets the kernels stream the input projection step by
    /// step; a `backward` after such a forward throws.
    public var recordsForBackward = true

    public private(set) var parameters: [Parameter] = []
    public var isBuilt: Bool { !parameters.isEmpty }
    public private(set) var inputDim = 0

    var kernel: Parameter! { parameters.first { $0.name == "kernel" } }
    var recurrentKernel: Parameter! { parameters.first { $0.name == "recurrent_kernel" } }
    var biasParameter: Parameter? { parameters.first { $0.name == "bias" } }

    // Workspaces, kept between calls.
    let gates = Buffer()        // (B, T, G) time order: pre-activations → activations → gradients
    let hs = Buffer()           // (B, T, U) processing order: h after each step (= outputs)
    let cs = Buffer()           // second state component: (B, T, U) processing order
    let aux = Buffer()          // the cell's aux rows: (B, T, U) time order
    let h0 = Buffer()           // (B, U) initial h (zeros when none is given)
    let c0 = Buffer()           // (B, U) initial c
    let initialStateGradient = Buffer()  // backward: (2, B, U) dLoss/d(initial h, initial c)
    let xDropped = Buffer()     // input times its dropout mask
    let hPrevBuffer = Buffer()  // backward: h₋₁ of every step, time order
    let hMaskedBuffer = Buffer()
    let xhBuffer = Buffer()     // backward: [x | h₋₁ | 1] rows, time order
    var rng = RandomGenerator(seed: 0)
    /// Inference through an Embedding: its rows times `kernel` (see `TokenProjection`).
    var tokenProjection: TokenProjection?
    /// The generator of the dropout masks (see `Layer.randomGenerators`).
    public var randomGenerators: [RandomGenerator] {
        get { [rng] }
        set { if newValue.count == 1 { rng = newValue[0] } }
    }
    /// Dropout masks of the last training call, already scaled by 1/(1 − rate): the input masks,
    /// each `(batch, features)` flat (one shared by all gates, or one per gate in the order of the
    /// gates when `recurrentDropout > 0`), and the recurrent masks, one per gate, each
    /// `(batch, units)`. Empty when not training or the rate is 0. Read-only, for inspection.
    public internal(set) var inputMasks: [[Float]] = []
    public internal(set) var recurrentMasks: [[Float]] = []

    // Cache of the last forward.
    var lastInput: Tensor?
    var lastMask: Tensor?
    var lastBatch = 0, lastSteps = 0
    var lastHadInitialState = false

    /// A layer running `cell` (the four Keras layers call this; so can a custom cell's).
    /// - Parameters:
    ///   - cell: the cell kind and its configuration (units, activations, bias).
    ///   - name: the layer name (`Sequential` makes it unique: `lstm`, `lstm_1`, …).
    ///   - returnSequences: output `(batch, timesteps, units)` instead of `(batch, units)`.
    ///   - returnState: the final states are meant to be used; read them with `forwardWithStates`.
    ///   - goBackwards: process the sequence in reverse; sequence outputs stay in processing order.
    ///   - dropout, recurrentDropout: fractions in [0, 1) dropped in training (masks drawn once per
    ///     batch, reused at every step).
    /// Configuration errors (units ≤ 0, a rate outside [0, 1), softmax) are thrown by `build`.
    public required init(cell: any RecurrentCell, name: String, returnSequences: Bool = false,
                         returnState: Bool = false, goBackwards: Bool = false, dropout: Float = 0,
                         recurrentDropout: Float = 0) {
        self.cell = cell
        self.name = name
        self.returnSequences = returnSequences
        self.returnState = returnState
        self.goBackwards = goBackwards
        self.dropout = dropout
        self.recurrentDropout = recurrentDropout
    }

    var gateCount: Int { cell.gateCount }
    var gateWidth: Int { cell.gateCount * units }

    func validateConfiguration() throws {
        guard units > 0, units <= 1 << 16 else {
            throw RecurrentError.invalidConfiguration(where: name, message: "units must be in 1...65536, found \(units)")
        }
        for (label, rate) in [("dropout", dropout), ("recurrentDropout", recurrentDropout)] {
            guard rate >= 0, rate < 1 else {
                throw RecurrentError.invalidConfiguration(
                    where: name, message: "\(label) must be in [0, 1), found \(rate)")
            }
        }
        for a in [activation, recurrentActivation] where !a.isElementwise {
            throw RecurrentError.invalidConfiguration(
                where: name, message: "activation '\(a.rawValue)' is not elementwise; use tanh, sigmoid, relu, hard_sigmoid or linear")
        }
    }

    /// Creates `kernel (features, G)` glorot_uniform, `recurrent_kernel (units, G)` orthogonal
    /// over the whole matrix, and the cell's bias (Keras's default initialisers).
    public func build(inputShape: [Int], rng: inout RandomGenerator) throws {
        try validateConfiguration()
        guard inputShape.count == 2, inputShape[1] > 0, inputShape[1] <= 1 << 20, inputShape[0] != 0 else {
            throw RecurrentError.shapeMismatch(
                where: name, expected: "an input shape (timesteps, features) with 1...1048576 features", found: "\(inputShape)")
        }
        try Check.weightShape([inputShape[1], gateWidth], layer: name)
        try Check.weightShape([units, gateWidth], layer: name)
        inputDim = inputShape[1]
        let g = gateWidth
        var ps = [
            Parameter(name: "kernel", value: Initializer.glorotUniform.make([inputDim, g], rng: &rng)),
            Parameter(name: "recurrent_kernel", value: Initializer.orthogonal(gain: 1).make([units, g], rng: &rng)),
        ]
        if useBias { ps.append(Parameter(name: "bias", value: cell.makeBias())) }
        parameters = ps
        tokenProjection = nil
        self.rng = rng.fork()
    }

    public func outputShape(inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 2 else {
            throw RecurrentError.shapeMismatch(
                where: name, expected: "an input shape (timesteps, features)", found: "\(inputShape)")
        }
        return returnSequences ? [inputShape[0], units] : [units]
    }

    public func outputMask(input: Tensor, mask: Tensor?) -> Tensor? {
        returnSequences ? mask : nil
    }

    /// A new, unbuilt layer of the same class and configuration, for `Bidirectional`'s
    /// backward direction.
    public func makeCopy(name: String, goBackwards: Bool) -> RecurrentLayer {
        let copy = type(of: self).init(cell: cell, name: name, returnSequences: returnSequences,
                                       returnState: returnState, goBackwards: goBackwards, dropout: dropout,
                                       recurrentDropout: recurrentDropout)
        copy.zeroOutputForMask = zeroOutputForMask
        return copy
    }
}
