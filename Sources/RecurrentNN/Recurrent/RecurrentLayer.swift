/// Which recurrent cell a `RecurrentLayer` runs.
///
/// Gate orders and formulas follow Keras 3 (keras/src/layers/rnn/simple_rnn.py, lstm.py, gru.py):
/// - `simple`: h = act(x·K + b + h₋₁·R)
/// - `lstm` (gates i, f, c, o): z = x·K + h₋₁·R + b; i = σ(z_i), f = σ(z_f), g = act(z_c), o = σ(z_o);
///   c = f·c₋₁ + i·g; h = o·act(c)
/// - `gru` (gates z, r, h): with `resetAfter` (Keras default, bias `(2, 3·units)` = input and
///   recurrent bias): z = σ(x_z + h₋₁R_z + b′_z), r = σ(x_r + h₋₁R_r + b′_r),
///   hh = act(x_h + r·(h₋₁R_h + b′_h)); without it (bias `(3·units)`): hh = act(x_h + (r·h₋₁)·R_h);
///   then h = z·h₋₁ + (1 − z)·hh. Here x_g = x·K_g + b_g and σ is the recurrent activation.
public enum RecurrentCellKind: Sendable, Equatable {
    case simple
    case lstm
    case gru(resetAfter: Bool)

    /// Number of fused gates: 1, 4 or 3.
    public var gateCount: Int {
        switch self {
        case .simple: return 1
        case .lstm: return 4
        case .gru: return 3
        }
    }
}

/// The shared driver of `SimpleRNN`, `LSTM` and `GRU`: Keras's `RNN` layer with one fused cell.
///
/// Input `(batch, timesteps, features)`; output `(batch, units)`, or `(batch, timesteps, units)`
/// with `returnSequences` (in processing order, so reversed in time with `goBackwards`, as Keras).
/// With `returnState`, `forwardWithStates` also returns the final `h` (and `c` for LSTM).
///
/// Kernels (Appleyard et al. 2016; oneDNN RNN design):
/// - forward: the input projection of all timesteps is one GEMM `(B·T, in) × (in, k·units)`;
///   each step then does one recurrent GEMM and one fused pointwise pass over all gates, which
///   leaves the activated gates in the workspace for backward;
/// - backward: BPTT per step overwrites the gates with their pre-activation gradients; the
///   kernel, recurrent-kernel and bias gradients and the input gradient are then GEMMs over all
///   timesteps at once;
/// - the batch is split across the cores for the recurrence (each core runs the whole sequence
///   for its rows with single-threaded BLAS), and the large GEMMs are split across the cores too.
///
/// Masking (Keras 3 backend `rnn`): at a step whose mask is 0 the state is carried unchanged and
/// the output repeats the previous output (zeros before the first real step).
///
/// Dropout (Keras 3 `DropoutRNNCell`): masks drawn once per batch and reused at every step. With
/// `recurrentDropout == 0` one input mask is shared by all gates (Keras implementation 2); with
/// `recurrentDropout > 0` Keras switches to implementation 1 and draws one input mask and one
/// recurrent mask per gate; Recurrent does the same.
public class RecurrentLayer: Layer {
    public var name: String
    public let typeName: String
    public let kind: RecurrentCellKind
    /// Dimensionality of the output and state.
    public let units: Int
    /// Activation of the candidate and output (Keras default tanh).
    public let activation: Activation
    /// Activation of the gates (Keras 3 default sigmoid; unused by SimpleRNN).
    public let recurrentActivation: Activation
    public let useBias: Bool
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
    /// LSTM only: initialise the forget-gate bias to 1 (Keras `unit_forget_bias`).
    public let unitForgetBias: Bool
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
    let cs = Buffer()           // LSTM: (B, T, U) c after each step
    let acs = Buffer()          // LSTM: (B, T, U) act(c)
    let rh = Buffer()           // GRU: (B, T, U) time order: recurrent h-part (after) or r·h₋₁ (before)
    let xDropped = Buffer()     // input times its dropout mask (shared-mask case)
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
    public private(set) var inputMasks: [[Float]] = []
    public private(set) var recurrentMasks: [[Float]] = []

    // Cache of the last forward.
    var lastInput: Tensor?
    var lastMask: Tensor?
    var lastTraining = false
    var lastBatch = 0, lastSteps = 0

    init(kind: RecurrentCellKind, typeName: String, name: String, units: Int, activation: Activation,
         recurrentActivation: Activation, useBias: Bool, returnSequences: Bool, returnState: Bool,
         goBackwards: Bool, dropout: Float, recurrentDropout: Float, unitForgetBias: Bool) {
        self.kind = kind
        self.typeName = typeName
        self.name = name
        self.units = units
        self.activation = activation
        self.recurrentActivation = recurrentActivation
        self.useBias = useBias
        self.returnSequences = returnSequences
        self.returnState = returnState
        self.goBackwards = goBackwards
        self.dropout = dropout
        self.recurrentDropout = recurrentDropout
        self.unitForgetBias = unitForgetBias
    }

    /// Keras `get_config` keys: `name`, `trainable`, `units`, `activation`,
    /// `recurrent_activation` (LSTM, GRU), `use_bias`, `return_sequences`, `return_state`,
    /// `go_backwards`, `zero_output_for_mask`, `dropout`, `recurrent_dropout`, and
    /// `unit_forget_bias` (LSTM) or `reset_after` (GRU). The initialisers are Keras's defaults and
    /// not configurable, so they are not written.
    public var config: [String: JSONValue] {
        var c = baseConfig.merging([
            "units": .number(Double(units)), "activation": .string(activation.rawValue), "use_bias": .bool(useBias),
            "return_sequences": .bool(returnSequences), "return_state": .bool(returnState),
            "go_backwards": .bool(goBackwards), "zero_output_for_mask": .bool(zeroOutputForMask),
            "dropout": JSONValue(dropout), "recurrent_dropout": JSONValue(recurrentDropout),
        ]) { $1 }
        switch kind {
        case .simple: break
        case .lstm:
            c["recurrent_activation"] = .string(recurrentActivation.rawValue)
            c["unit_forget_bias"] = .bool(unitForgetBias)
        case let .gru(resetAfter):
            c["recurrent_activation"] = .string(recurrentActivation.rawValue)
            c["reset_after"] = .bool(resetAfter)
        }
        return c
    }

    /// The options every recurrent layer reads from a configuration (see `config`), with Keras's
    /// defaults for missing keys but `units`.
    struct CommonOptions {
        var name: String, units: Int, activation: Activation, recurrentActivation: Activation, useBias: Bool
        var returnSequences: Bool, returnState: Bool, goBackwards: Bool, zeroOutputForMask: Bool
        var dropout: Float, recurrentDropout: Float

        init(_ r: ConfigReader, defaultName: String, hasRecurrentActivation: Bool) throws {
            name = try r.name(default: defaultName)
            units = try r.required("units", "a positive integer", ConfigReader.int)
            activation = try r.optional("activation", .tanh, "an activation name", ConfigReader.activation)
            if hasRecurrentActivation {
                recurrentActivation = try r.optional("recurrent_activation", .sigmoid, "an activation name", ConfigReader.activation)
            } else {
                recurrentActivation = .sigmoid
            }
            useBias = try r.optional("use_bias", true, "true or false", ConfigReader.bool)
            returnSequences = try r.optional("return_sequences", false, "true or false", ConfigReader.bool)
            returnState = try r.optional("return_state", false, "true or false", ConfigReader.bool)
            goBackwards = try r.optional("go_backwards", false, "true or false", ConfigReader.bool)
            zeroOutputForMask = try r.optional("zero_output_for_mask", false, "true or false", ConfigReader.bool)
            dropout = try r.optional("dropout", 0, "a number in [0, 1)", ConfigReader.float)
            recurrentDropout = try r.optional("recurrent_dropout", 0, "a number in [0, 1)", ConfigReader.float)
            _ = try r.trainable()
        }
    }

    /// Keras keys of a recurrent layer that do not change what Recurrent computes: the seed of
    /// the dropout masks (Recurrent draws its own) and the initialisers (Keras's defaults).
    static let ignoredKerasKeys: Set<String> = ["seed", "kernel_initializer", "recurrent_initializer", "bias_initializer"]

    var gateCount: Int { kind.gateCount }
    /// Whether the C row kernels (Keras default activations tanh and sigmoid) apply.
    var usesFusedKernels: Bool {
        activation == .tanh && (kind == .simple || recurrentActivation == .sigmoid) && kind != .gru(resetAfter: false)
    }
    var gateWidth: Int { kind.gateCount * units }
    var isGRUResetAfter: Bool { kind == .gru(resetAfter: true) }

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
        if useBias {
            var b: Tensor
            if isGRUResetAfter {
                b = Tensor(shape: [2, g])
            } else {
                b = Tensor(shape: [g])
                if kind == .lstm && unitForgetBias {
                    for j in units..<(2 * units) { b.data[j] = 1 }
                }
            }
            ps.append(Parameter(name: "bias", value: b))
        }
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

    public func forward(_ input: Tensor, mask: Tensor?, training: Bool) throws -> Tensor {
        try forwardWithStates(input, mask: mask, training: training)[0]
    }

    /// Runs the layer and returns `[output, h]` (`[output, h, c]` for LSTM); `h` and `c` are the
    /// final states `(batch, units)`. Throws on a wrong shape, NaN/Inf input or a bad mask.
    public func forwardWithStates(_ input: Tensor, mask: Tensor?, training: Bool) throws -> [Tensor] {
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
        beginForward(input: input, mask: mask, training: training, B: B, T: T)
        runForward(input, mask: mask, B: B, T: T)
        if !recordsForBackward { lastInput = nil }
        return collectOutputs(B: B, T: T)
    }

    /// Remembers what `backward` needs of this call (`input` nil when nothing is kept) and
    /// draws the call's dropout masks.
    func beginForward(input: Tensor?, mask: Tensor?, training: Bool, B: Int, T: Int) {
        lastInput = input
        lastMask = mask
        lastTraining = training
        lastBatch = B
        lastSteps = T
        drawDropoutMasks(batch: B, training: training)
    }

    func drawDropoutMasks(batch B: Int, training: Bool) {
        inputMasks = []
        recurrentMasks = []
        guard training else { return }
        let perGate = recurrentDropout > 0
        func draw(_ n: Int, _ rate: Float) -> [Float] {
            let scale = 1 / (1 - rate)
            return (0..<n).map { _ in rng.uniform() < rate ? 0 : scale }
        }
        if dropout > 0 {
            inputMasks = (0..<(perGate ? gateCount : 1)).map { _ in draw(B * inputDim, dropout) }
        }
        if recurrentDropout > 0 {
            recurrentMasks = (0..<gateCount).map { _ in draw(B * units, recurrentDropout) }
        }
    }

    func collectOutputs(B: Int, T: Int) -> [Tensor] {
        let U = units
        let h = hs.pointer
        var last = Tensor(shape: [B, U])
        last.withUnsafeMutableBufferPointer { p in
            for b in 0..<B { (p.baseAddress! + b * U).update(from: h + (b * T + T - 1) * U, count: U) }
        }
        var out: [Tensor]
        if returnSequences {
            var seq = Tensor(uncheckedShape: [B, T, U], data: Array(UnsafeBufferPointer(start: h, count: B * T * U)))
            if zeroOutputForMask, let mask = lastMask { zeroMaskedSteps(&seq, mask: mask) }
            out = [seq, last]
        } else {
            out = [last, last]
        }
        if kind == .lstm {
            var c = Tensor(shape: [B, U])
            let cp = cs.pointer
            c.withUnsafeMutableBufferPointer { p in
                for b in 0..<B { (p.baseAddress! + b * U).update(from: cp + (b * T + T - 1) * U, count: U) }
            }
            out.append(c)
        }
        return out
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

    /// A new, unbuilt layer with the same configuration, for `Bidirectional`'s backward direction.
    public func makeCopy(name: String, goBackwards: Bool) -> RecurrentLayer {
        let copy: RecurrentLayer
        switch kind {
        case .simple:
            copy = SimpleRNN(units, activation: activation, useBias: useBias, returnSequences: returnSequences,
                             returnState: returnState, goBackwards: goBackwards, dropout: dropout,
                             recurrentDropout: recurrentDropout, name: name)
        case .lstm:
            copy = LSTM(units, activation: activation, recurrentActivation: recurrentActivation, useBias: useBias,
                        unitForgetBias: unitForgetBias, returnSequences: returnSequences, returnState: returnState,
                        goBackwards: goBackwards, dropout: dropout, recurrentDropout: recurrentDropout, name: name)
        case let .gru(resetAfter):
            copy = GRU(units, activation: activation, recurrentActivation: recurrentActivation, useBias: useBias,
                       resetAfter: resetAfter, returnSequences: returnSequences, returnState: returnState,
                       goBackwards: goBackwards, dropout: dropout, recurrentDropout: recurrentDropout, name: name)
        }
        copy.zeroOutputForMask = zeroOutputForMask
        return copy
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) throws -> Tensor? {
        try backwardWithStates(gradOutput, stateGradients: [], needsInputGradient: needsInputGradient)
    }

    /// Backpropagates the gradient of the output and, optionally, of the final states
    /// (`[dh]` or `[dh, dc]`, each `(batch, units)`; empty for none).
    public func backwardWithStates(_ gradOutput: Tensor, stateGradients: [Tensor?],
                                   needsInputGradient: Bool) throws -> Tensor? {
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
        let stateCount = kind == .lstm ? 2 : 1
        guard stateGradients.count <= stateCount else {
            throw RecurrentError.invalidValue(where: name, expected: "at most \(stateCount) state gradients (h\(stateCount == 2 ? ", c" : ""))",
                                              found: "\(stateGradients.count)")
        }
        for g in stateGradients {
            if let g, g.shape != [B, U] {
                throw RecurrentError.shapeMismatch(where: name, expected: "a state gradient of shape \([B, U])",
                                                   found: "shape \(g.shape)")
            }
        }
        var gradOutput = gradOutput
        if returnSequences && zeroOutputForMask, let mask = lastMask { zeroMaskedSteps(&gradOutput, mask: mask) }
        lastInput = nil
        return runBackward(input, gradOutput: gradOutput, stateGradients: stateGradients,
                           B: B, T: T, needsInputGradient: needsInputGradient)
    }
}
