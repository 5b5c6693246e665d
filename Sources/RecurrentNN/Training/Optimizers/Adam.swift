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
///     v ← v + (g² − v)(1 − β₂)      (g²: see `ParameterUpdate.squaredGradient` for Embedding tables)
///     amsgrad:  v̂ ← max(v̂, v), and v̂ replaces v below
///     w ← w − (m · α) / (√v + ε)
///
/// Slots: `momentum`, `velocity`, and `velocity_hat` with amsgrad, each the shape of its
/// parameter. Defaults as Keras: lr 0.001, β₁ 0.9, β₂ 0.999, ε 1e-7, no amsgrad, no weight
/// decay. `1 − β` is computed in double and rounded to float32, as Keras's Python arithmetic.
/// Clipping and weight decay: see `BaseOptimizer`. Every weight is updated each step, as Keras
/// does, by a C kernel (`rc_adam_update`, vectorised for AVX-512/AVX2 with runtime dispatch)
/// split across the cores; the rows of an Embedding table that the batch did not use have a
/// zero gradient, which is then not read.
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

    override func update(_ u: ParameterUpdate) {
        let alpha = Self.alpha(u.learningRate, beta1, beta2, Float(u.localStep))
        let c1 = Float(1 - KerasNumber.double(beta1)), c2 = Float(1 - KerasNumber.double(beta2))
        let epsilon = epsilon, amsgrad: Int32 = amsgrad ? 1 : 0
        if defersRows(of: u.parameter, rowsKnown: u.rowIsTouched != nil) {
            return deferredUpdate(u, c1: c1, c2: c2, alpha: alpha)
        }
        u.forEachPiece { rc_adam_update($0, c1, c2, alpha, epsilon, amsgrad) }
    }

    // MARK: Deferred rows
    //
    // Keras's Adam moves every row of an Embedding table at every step, also the rows the batch
    // did not use: their moments decay and their weights keep moving by α·m/(√v + ε). For a
    // large vocabulary that is a pass over three tables per step, bound by memory. Instead,
    // the rows a batch did not use are left as they are, and the steps they missed are replayed
    // (`rc_adam_replay`, the same arithmetic step by step, so bit-identical) when the rows are
    // next used, read by their Embedding, or read by anyone (`Parameter.value` applies every
    // deferred update first).
    //
    // Each weight has its own record (`Deferral`): the α of every step this optimizer deferred
    // rows of that weight in, and for each row the last of those steps applied to it. Steps in
    // which the weight was not updated (frozen, not passed, another model's step) are not in
    // it; an update of the weight that does not defer (a dense gradient, weight decay, …) first
    // applies what is pending and then drops the record.

    /// Whether the rows a batch did not use are deferred (bit-identical weights either way).
    var defersUntouchedRows = true
    /// Per weight with deferred rows.
    private var deferrals: [ObjectIdentifier: Deferral] = [:]

    final class Deferral {
        /// For each row, the last of the record's steps applied to it (1-based; 0: none).
        let applied: UnsafeMutablePointer<Int32>
        let rowCount: Int
        /// α of the record's steps, `alphas[k]` for step k (index 0 unused).
        var alphas: [Float] = [.nan]
        var steps: Int { alphas.count - 1 }
        init(rowCount: Int) {
            self.rowCount = rowCount
            applied = .allocate(capacity: max(rowCount, 1))
            applied.initialize(repeating: 0, count: max(rowCount, 1))
        }
        deinit { applied.deallocate() }
    }

    override func defersRows(of parameter: Parameter, rowsKnown: Bool) -> Bool {
        defersUntouchedRows && rowsKnown && !amsgrad && weightDecay == nil
    }

    override func resetDeferral() { deferrals = [:] }

    override func updatedWithoutDeferring(_ parameter: Parameter) {
        deferrals[ObjectIdentifier(parameter)] = nil
    }

    deinit {
        // Updates still pending are applied, so that a weight outliving its optimizer is right.
        // (The weak `owner` of this optimizer's deferrals already reads nil here.)
        for e in state.entries.values {
            let p = e.parameter
            if let d = p.deferred, d.owner == nil {
                p.deferred = nil
                applyDeferred(p, rows: nil)
            }
        }
    }

    private func deferredUpdate(_ u: ParameterUpdate, c1: Float, c2: Float, alpha: Float) {
        let p = u.parameter
        let record: Deferral
        if let r = deferrals[ObjectIdentifier(p)], r.rowCount == u.rowCount {
            record = r
        } else {
            // Every row is current (`step` applied anything pending before a record is made).
            record = Deferral(rowCount: u.rowCount)
            deferrals[ObjectIdentifier(p)] = record
        }
        record.alphas.append(alpha)
        let d = u.count / u.rowCount, step = record.steps, epsilon = epsilon
        let m = u.slots[0], v = u.slots[1], w = u.weight, applied = record.applied
        record.alphas.withUnsafeBufferPointer { a in
            let alphaAt = a.baseAddress!
            u.forEachRowRun { range, touched in
                guard touched else { return }
                for r in range {
                    let from = Int(applied[r]) + 1
                    if from < step { rc_adam_replay(w + r * d, m + r * d, v + r * d, d, c1, c2, alphaAt + from, step - from, epsilon) }
                    applied[r] = Int32(step)
                }
                var piece = u.piece((range.lowerBound * d)..<(range.upperBound * d), withGradient: true)
                rc_adam_update(&piece, c1, c2, alpha, epsilon, 0)
            }
        }
        if p.deferred == nil, let flags = u.rowIsTouched, UnsafeBufferPointer(start: flags, count: u.rowCount).contains(false) {
            p.deferred = DeferredRowUpdates(owner: self) { [weak self, unowned p] selected in self?.applyDeferred(p, rows: selected) }
        }
    }

    /// Replays the steps of its record that the rows `selected` (all when nil) of `p` missed.
    private func applyDeferred(_ p: Parameter, rows selected: UnsafeBufferPointer<Int32>?) {
        guard let record = deferrals[ObjectIdentifier(p)], let entry = state.entries[ObjectIdentifier(p)], entry.parameter === p,
              record.rowCount > 0 else { return }
        let c1 = Float(1 - KerasNumber.double(beta1)), c2 = Float(1 - KerasNumber.double(beta2))
        let d = p.count / record.rowCount, target = record.steps, epsilon = epsilon
        let m = entry.pointers[0], v = entry.pointers[1], applied = record.applied, rowCount = record.rowCount
        record.alphas.withUnsafeBufferPointer { a in
            let alphaAt = a.baseAddress!
            p.withStorage { wb in
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
