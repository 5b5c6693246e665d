import CKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keras 3 `Adam` (keras/src/optimizers/adam.py), at step t = iterations + 1:
///
///     α = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ)                       (float32, β powers with powf)
///     m ← m + (g − m)(1 − β₁)
///     v ← v + (g² − v)(1 − β₂)      (g²: Σ g_occ² for a row gradient, see `RowGradient.squares`)
///     amsgrad:  v̂ ← max(v̂, v), and v̂ replaces v below
///     w ← w − (m · α) / (√v + ε)
///
/// Slots: `momentum`, `velocity`, and `velocity_hat` with amsgrad, each the shape of its
/// parameter. Defaults as Keras: lr 0.001, β₁ 0.9, β₂ 0.999, ε 1e-7, no amsgrad, no weight
/// decay. `1 − β` is computed in double and rounded to float32, as Keras's Python arithmetic.
/// Clipping and weight decay: see `BaseOptimizer`. Every weight is updated each step, as Keras
/// does, by a C kernel (`rc_adam_update`, vectorised for AVX-512/AVX2 with runtime dispatch)
/// split across the cores; the rows of an Embedding table that the batch did not use have a
/// zero gradient, which is not read, and in a training loop their update is held back until
/// they are read (see "Deferred rows" below: bit-identical weights, a fraction of the work).
public class Adam: BaseOptimizer {
    /// In [0, 1).
    public let beta1: Float
    /// In [0, 1).
    public let beta2: Float
    /// Finite and > 0.
    public let epsilon: Float
    public let amsgrad: Bool

    /// Keras 3 defaults; the values are checked (and a bad one thrown) by `step`.
    public convenience init(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7,
                            amsgrad: Bool = false, weightDecay: Float? = nil,
                            clipnorm: Float? = nil, clipvalue: Float? = nil, globalClipnorm: Float? = nil) {
        self.init(typeName: "Adam", defaultName: "adam", learningRate: learningRate, beta1: beta1, beta2: beta2,
                  epsilon: epsilon, amsgrad: amsgrad, weightDecay: weightDecay,
                  clipnorm: clipnorm, clipvalue: clipvalue, globalClipnorm: globalClipnorm)
    }

    init(typeName: String, defaultName: String, learningRate: Float, beta1: Float, beta2: Float, epsilon: Float,
         amsgrad: Bool, weightDecay: Float?, clipnorm: Float?, clipvalue: Float?, globalClipnorm: Float?) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        super.init(typeName: typeName, defaultName: defaultName,
                   slotNames: amsgrad ? ["momentum", "velocity", "velocity_hat"] : ["momentum", "velocity"],
                   learningRate: learningRate, weightDecay: weightDecay,
                   clipnorm: clipnorm, clipvalue: clipvalue, globalClipnorm: globalClipnorm)
    }

    override func validateOwnHyperParameters() throws {
        guard (0..<1).contains(beta1), (0..<1).contains(beta2), epsilon.isFinite, epsilon > 0 else {
            throw configurationError("expected β₁ and β₂ in [0, 1) and ε > 0, found beta1 \(beta1), beta2 \(beta2), "
                + "epsilon \(epsilon)")
        }
    }

    override var ownConfig: [String: JSONValue] {
        ["beta_1": KerasNumber.json(beta1), "beta_2": KerasNumber.json(beta2), "epsilon": KerasNumber.json(epsilon),
         "amsgrad": .bool(amsgrad)]
    }

    override func update(_ u: ParameterUpdate, deferring: Bool) {
        let alpha = Self.alpha(u.learningRate, beta1, beta2, Float(u.localStep))
        let c1 = Float(1 - KerasNumber.double(beta1)), c2 = Float(1 - KerasNumber.double(beta2))
        if deferring { return deferredUpdate(u, c1: c1, c2: c2, alpha: alpha) }
        let epsilon = epsilon, amsgrad: Int32 = amsgrad ? 1 : 0
        u.forEachPiece { rc_adam_update($0, c1, c2, alpha, epsilon, amsgrad) }
    }

    // MARK: Deferred rows
    //
    // Keras's Adam moves every row of an Embedding table at every step, also the rows the batch
    // did not use: their moments decay and their weights keep moving by α·m/(√v + ε). For a
    // large vocabulary that is a pass over three tables per step, bound by memory. Instead, in a
    // training loop's steps (`step(_:synchronizing: false)`), the rows a batch did not use are
    // left as they are, and the steps they missed are replayed (`rc_adam_replay`, the same
    // arithmetic step by step, so bit-identical) when the rows are next used, when their
    // Embedding reads them (`synchronize(_:rows:)`), or when the loop synchronizes
    // (`synchronize(_:)`) before anything else reads the weights.
    //
    // Each weight has its own record here (`Deferral`): the α of every step this optimizer
    // deferred rows of that weight in, and for each row the last of those steps applied to it.
    // Steps in which the weight was not updated (frozen, not passed, another model's step) are
    // not in it; an update of the weight that does not defer (a dense gradient, weight decay,
    // a synchronizing step, …) first applies what is pending and then drops the record.

    /// Whether the rows a batch did not use are deferred (bit-identical weights either way).
    var defersUntouchedRows = true
    /// Per weight with deferred rows.
    private var deferrals: [ObjectIdentifier: Deferral] = [:]

    final class Deferral {
        /// The weight (kept alive, so that its identifier is not reused while recorded).
        let parameter: Parameter
        /// For each row, the last of the record's steps applied to it (1-based; 0: none).
        let applied: UnsafeMutablePointer<Int32>
        let rowCount: Int
        /// α of the record's steps, `alphas[k]` for step k (index 0 unused).
        var alphas: [Float] = [.nan]
        var steps: Int { alphas.count - 1 }
        init(parameter: Parameter, rowCount: Int) {
            self.parameter = parameter
            self.rowCount = rowCount
            applied = .allocate(capacity: max(rowCount, 1))
            applied.initialize(repeating: 0, count: max(rowCount, 1))
        }
        deinit { applied.deallocate() }
    }

    /// The number of steps whose update some rows of `parameter` still wait for (0: current).
    func pendingSteps(of parameter: Parameter) -> Int {
        guard let record = deferrals[ObjectIdentifier(parameter)], record.parameter === parameter else { return 0 }
        let current = UnsafeBufferPointer(start: record.applied, count: record.rowCount).min().map(Int.init) ?? record.steps
        return record.steps - current
    }

    override func defersRows(of parameter: Parameter) -> Bool {
        defersUntouchedRows && !amsgrad && weightDecay == nil
    }

    override func willUpdate(_ parameter: Parameter, deferring: Bool) {
        if !deferring { synchronize([parameter]) }
    }

    override func resetDeferral() { deferrals = [:] }

    deinit {
        // A caller of `step(_:synchronizing: false)` that never synchronized: what is pending is
        // applied, so that a weight outliving its optimizer is right.
        synchronize(deferrals.values.map(\.parameter))
    }

    public override func synchronize(_ parameters: [Parameter]) {
        guard !deferrals.isEmpty else { return }
        for p in parameters { applyDeferred(p, rows: nil) }
    }

    public override func synchronize(_ parameter: Parameter, rows: UnsafeBufferPointer<Int32>) {
        guard !deferrals.isEmpty else { return }
        applyDeferred(parameter, rows: rows)
    }

    private func deferredUpdate(_ u: ParameterUpdate, c1: Float, c2: Float, alpha: Float) {
        let p = u.parameter, rowCount = u.count / max(u.width, 1)
        let record: Deferral
        if let r = deferrals[ObjectIdentifier(p)], r.parameter === p, r.rowCount == rowCount {
            record = r
        } else {
            // Every row is current (`willUpdate` applied anything pending before a record is made).
            record = Deferral(parameter: p, rowCount: rowCount)
            deferrals[ObjectIdentifier(p)] = record
        }
        record.alphas.append(alpha)
        let d = u.width, step = record.steps, epsilon = epsilon
        let m = u.slots[0], v = u.slots[1], w = u.weight, applied = record.applied
        record.alphas.withUnsafeBufferPointer { a in
            let alphaAt = a.baseAddress!
            u.forEachTouchedRun { range, slot in
                for r in range {
                    let from = Int(applied[r]) + 1
                    if from < step { rc_adam_replay(w + r * d, m + r * d, v + r * d, d, c1, c2, alphaAt + from, step - from, epsilon) }
                    applied[r] = Int32(step)
                }
                var piece = u.piece((range.lowerBound * d)..<(range.upperBound * d), gradientAt: slot * d)
                rc_adam_update(&piece, c1, c2, alpha, epsilon, 0)
            }
        }
    }

    /// Replays the steps of its record that the rows `selected` (all when nil) of `p` missed.
    private func applyDeferred(_ p: Parameter, rows selected: UnsafeBufferPointer<Int32>?) {
        guard let record = deferrals[ObjectIdentifier(p)], record.parameter === p,
              let entry = state.entries[ObjectIdentifier(p)], entry.parameter === p, record.rowCount > 0 else { return }
        let c1 = Float(1 - KerasNumber.double(beta1)), c2 = Float(1 - KerasNumber.double(beta2))
        let d = p.count / record.rowCount, target = record.steps, epsilon = epsilon
        let m = entry.pointers[0], v = entry.pointers[1], applied = record.applied, rowCount = record.rowCount
        record.alphas.withUnsafeBufferPointer { a in
            let alphaAt = a.baseAddress!
            p.value.withUnsafeMutableBufferPointer { wb in
                let w = wb.baseAddress!
                func replay(_ r: Int) {
                    let from = Int(applied[r]) + 1
                    guard from <= target else { return }
                    rc_adam_replay(w + r * d, m + r * d, v + r * d, d, c1, c2, alphaAt + from, target - from + 1, epsilon)
                    applied[r] = Int32(target)
                }
                if let selected {
                    // Split by row parity, so that no row is replayed by two workers at once.
                    let parts = selected.count >= 512 ? min(Parallel.workerCount, 2) : 1
                    Parallel.forEach(parts) { part in
                        for id in selected where parts == 1 || Int(id) & 1 == part { replay(Int(id)) }
                    }
                } else {
                    let parts = max(1, min(Parallel.workerCount, rowCount / 64))
                    Parallel.forEach(parts) { part in
                        for r in (part * rowCount / parts)..<((part + 1) * rowCount / parts) { replay(r) }
                    }
                }
            }
        }
        // Every row is current: the record (and its α list) starts over with the next step.
        if selected == nil { deferrals[ObjectIdentifier(p)] = nil }
    }

    /// α = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ) in float32, in Keras's order.
    static func alpha(_ lr: Float, _ beta1: Float, _ beta2: Float, _ t: Float) -> Float {
        lr * (1 - powf(beta2, t)).squareRoot() / (1 - powf(beta1, t))
    }
}
