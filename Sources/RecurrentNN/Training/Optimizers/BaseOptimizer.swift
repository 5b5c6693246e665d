import CKernels

/// What Keras's `BaseOptimizer` does around every optimizer's own update
/// (keras/src/optimizers/base_optimizer.py, `apply` and `_backend_apply_gradients`), shared by
/// `SGD`, `RMSprop`, `Adam` and `AdamW`. Not subclassable outside Recurrent.
///
/// One `step`:
/// 1. `validate()`: throws `invalidConfiguration` for a bad hyper-parameter, before changing
///    anything. Then the learning rate of this step: `schedule` at `iterations` (before the
///    increment, as Keras), else `learningRate`; a negative or non-finite one throws too.
/// 2. With no trainable parameter, nothing happens (Keras `apply` with no gradients returns
///    without incrementing `iterations`).
/// 3. Gradient clipping (see `GradientClip`): `clipnorm`, `globalClipnorm` or `clipvalue`.
/// 4. Weight decay when `weightDecay` is set: `w ← w − w · wd · lr` (float32, in that order).
/// 5. The optimizer's update of each trainable parameter, then `iterations += 1`.
///
/// Steps 3–5 run fused in one vectorised pass per parameter (two with `clipnorm`, which needs
/// the norm first; `globalClipnorm` reads every gradient once before any update). Parameters'
/// gradients are never modified. The per-parameter slots are allocated at the first update of
/// each parameter; after that a step allocates no buffers (a weight whose storage is shared
/// with another tensor is copied once, on write, as any `Tensor`).
///
/// Keras options not implemented: `use_ema`, `loss_scale_factor`,
/// `gradient_accumulation_steps`, `exclude_from_weight_decay` (the config reports them off).
public class BaseOptimizer: Optimizer {
    public let typeName: String
    /// Keras `name`; defaults to Keras's automatic name, the snake-case class name (`sgd`,
    /// `rm_sprop`, `adam`, `adam_w`).
    public var name: String
    public var learningRate: Float
    /// When set, `learningRate` is not used (Keras forbids setting a float learning rate on an
    /// optimizer built with a schedule; here the schedule simply wins).
    public var schedule: (any LearningRateSchedule)?
    /// Must be finite and > 0 when set (Keras silently ignores a value ≤ 0; here it throws).
    public var clipnorm: Float?
    /// Must be finite and > 0 when set.
    public var clipvalue: Float?
    /// Must be finite and > 0 when set.
    public var globalClipnorm: Float?
    /// Keras `weight_decay`: before the update, `w ← w − w · weightDecay · lr` for every trainable
    /// parameter; nil (the default except for `AdamW`) applies none. Must be finite and ≥ 0.
    public var weightDecay: Float?
    public private(set) var iterations = 0
    /// Keras's slot variable names of this optimizer, in order (e.g. `momentum`, `velocity`).
    public let slotNames: [String]

    let state = SlotStore()
    /// Per-worker partial sums for the clipping norms.
    private let normPartials: UnsafeMutablePointer<Double>

    init(typeName: String, defaultName: String, slotNames: [String], learningRate: Float, weightDecay: Float?,
         clipnorm: Float?, clipvalue: Float?, globalClipnorm: Float?) {
        self.typeName = typeName
        self.name = defaultName
        self.slotNames = slotNames
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.globalClipnorm = globalClipnorm
        normPartials = .allocate(capacity: Parallel.workerCount)
        normPartials.initialize(repeating: 0, count: Parallel.workerCount)
    }

    deinit { normPartials.deallocate() }

    // MARK: - For the subclasses

    /// Throws `invalidConfiguration` for an out-of-range hyper-parameter of the subclass.
    func validateOwnHyperParameters() throws {}

    /// The subclass's own `get_config()` keys.
    var ownConfig: [String: JSONValue] { [:] }

    /// The optimizer's update of one parameter (Keras `update_step`), with the gradient
    /// transform and the weight decay of `update` applied to each lane first.
    func update(_ update: ParameterUpdate) {
        preconditionFailure("\(typeName) must override BaseOptimizer.update")
    }

    // MARK: - Validation

    func configurationError(_ message: String) -> RecurrentError {
        .invalidConfiguration(where: typeName, message: message)
    }

    /// Checks every hyper-parameter; `step` calls it first, `makeOptimizer` after building.
    /// - Throws: `invalidConfiguration` for a learning rate (without a schedule) that is negative
    ///   or not finite, more than one clipping option, a clipping value that is not finite and
    ///   > 0, a weight decay that is not finite and ≥ 0, or a bad optimizer-specific value.
    public func validate() throws {
        if schedule == nil, !(learningRate.isFinite && learningRate >= 0) {
            throw configurationError("expected a finite learning rate ≥ 0, found learningRate \(learningRate)")
        }
        let clipCount = (clipnorm == nil ? 0 : 1) + (clipvalue == nil ? 0 : 1) + (globalClipnorm == nil ? 0 : 1)
        if clipCount > 1 {
            throw configurationError("only one of clipnorm, clipvalue and globalClipnorm can be set (Keras), found "
                + "clipnorm \(clipnorm.map { "\($0)" } ?? "nil"), clipvalue \(clipvalue.map { "\($0)" } ?? "nil"), "
                + "globalClipnorm \(globalClipnorm.map { "\($0)" } ?? "nil")")
        }
        func checkClip(_ key: String, _ value: Float?) throws {
            if let value, !(value.isFinite && value > 0) {
                throw configurationError("expected \(key) finite and > 0 (nil for no clipping), found \(value)")
            }
        }
        try checkClip("clipnorm", clipnorm)
        try checkClip("clipvalue", clipvalue)
        try checkClip("globalClipnorm", globalClipnorm)
        if let wd = weightDecay, !(wd.isFinite && wd >= 0) {
            throw configurationError("expected a finite weightDecay ≥ 0 (nil for none), found \(wd)")
        }
        try validateOwnHyperParameters()
    }

    // MARK: - Step

    public func step(_ parameters: [Parameter]) throws {
        try validate()
        let lr = currentLearningRate
        guard lr.isFinite, lr >= 0 else {
            throw configurationError("expected a finite learning rate ≥ 0, found \(lr) from the schedule at step \(iterations)")
        }
        guard parameters.contains(where: \.trainable) else { return }

        // The squared L2 norm of a gradient as Keras sees it: for a gradient TensorFlow keeps as
        // IndexedSlices (an Embedding table, `Parameter.gradientSquares`) the norm is taken over
        // the occurrences (`tf.clip_by_norm` and Keras's `global_norm` work on the slices' values),
        // i.e. Σ of the per-occurrence squares.
        func sumOfSquares(_ p: Parameter) -> Double {
            let t = p.gradientSquares ?? p.gradient
            return t.withUnsafeBufferPointer { b in
                if p.gradientSquares != nil { return b.reduce(0.0) { $0 + Double($1) } }
                return GradientNorm.sumOfSquares(b.baseAddress!, b.count, partials: normPartials)
            }
        }
        var globalClip = GradientClip.none
        if let c = globalClipnorm {
            var total = 0.0
            for p in parameters where p.trainable && p.count > 0 { total += sumOfSquares(p) }
            globalClip = .byGlobalNorm(c, globalNorm: Float(total.squareRoot()))
        }

        let localStep = iterations + 1
        for p in parameters where p.trainable && p.count > 0 {
            let entry = state.entry(for: p, slotCount: slotNames.count)
            p.gradient.withUnsafeBufferPointer { gb in
                let g = gb.baseAddress!
                var clip = globalClip
                if let c = clipnorm {
                    clip = .byNorm(c, norm: GradientNorm.norm(sumOfSquares: sumOfSquares(p)))
                } else if let v = clipvalue {
                    clip = .byValue(v)
                }
                // Keras's clip_by_global_norm hands back dense tensors: the squares quirk is gone.
                let squares = p.gradientSquares ?? Tensor(shape: [0])
                let hasSquares = p.gradientSquares != nil && globalClipnorm == nil
                // Rows an Embedding's backward did not write hold a zero gradient; when the clip
                // keeps zero at zero, the update of those rows needs no gradient read.
                let rows = clip.keepsZero ? p.rowIsTouched ?? [] : []
                // Updates deferred by another optimizer, or that this step will not defer
                // again, are applied before the weight is read.
                let defers = defersRows(of: p, rowsKnown: !rows.isEmpty)
                if let d = p.deferred, d.owner !== self || !defers {
                    p.applyDeferredUpdates()
                }
                if !defers { updatedWithoutDeferring(p) }
                squares.withUnsafeBufferPointer { sb in
                    rows.withUnsafeBufferPointer { rb in
                        p.withStorage { wb in
                            update(ParameterUpdate(parameter: p, weight: wb.baseAddress!, gradient: g, count: wb.count, slots: entry.pointers,
                                                   learningRate: lr, localStep: localStep, clip: clip, weightDecay: weightDecay,
                                                   squares: hasSquares ? sb.baseAddress : nil,
                                                   rowIsTouched: rb.isEmpty ? nil : rb.baseAddress, rowCount: rb.count))
                        }
                    }
                }
            }
        }
        iterations += 1
    }

    // MARK: - Config

    /// Keras's `get_config()`: the base keys (`name`, `learning_rate`, `weight_decay`,
    /// `clipnorm`, `global_clipnorm`, `clipvalue`, and the unimplemented options at their off
    /// values) and the optimizer's own. `learning_rate` is the float32 rate widened to a double
    /// (as Keras, which keeps it in a float32 variable), or the serialized schedule; for a
    /// schedule without a config (a closure) the base `learningRate`, so a loaded optimizer keeps
    /// its rate and only the closure has to be set again.
    /// Hyper-parameters are the decimals a Keras user writes (see `KerasNumber`).
    public var config: [String: JSONValue] {
        let lr: JSONValue
        if let schedule {
            lr = schedule.config.map { serializedSchedule(typeName: schedule.typeName, config: $0) } ?? .number(Double(learningRate))
        } else {
            lr = .number(Double(learningRate))
        }
        var c: [String: JSONValue] = [
            "name": .string(name), "learning_rate": lr, "weight_decay": KerasNumber.json(weightDecay),
            "clipnorm": KerasNumber.json(clipnorm), "global_clipnorm": KerasNumber.json(globalClipnorm),
            "clipvalue": KerasNumber.json(clipvalue), "use_ema": false, "ema_momentum": 0.99,
            "ema_overwrite_frequency": nil, "loss_scale_factor": nil, "gradient_accumulation_steps": nil,
        ]
        c.merge(ownConfig) { $1 }
        return c
    }

    // MARK: - State

    public func slots(of parameter: Parameter) -> [String: Tensor] {
        parameter.applyDeferredUpdates()
        return state.tensors(of: parameter, names: slotNames)
    }

    /// Whether this optimizer's update of `parameter` defers the rows its gradient left at zero
    /// (`rowsKnown`: the step knows which rows those are). False here; see `Adam`.
    func defersRows(of parameter: Parameter, rowsKnown: Bool) -> Bool { false }

    /// Forgets the bookkeeping of deferred updates (after they were applied), when the state is
    /// replaced.
    func resetDeferral() {}

    /// Called after a step updated every row of `parameter` (anything pending was applied before).
    func updatedWithoutDeferring(_ parameter: Parameter) {}

    public func restore(iterations: Int, slots: [(parameter: Parameter, slots: [String: Tensor])]) throws {
        guard iterations >= 0 else {
            throw RecurrentError.invalidValue(where: "\(typeName).restore", expected: "iterations ≥ 0", found: "\(iterations)")
        }
        // Updates put off under the old state are applied to the weights first.
        for e in state.entries.values where e.parameter.deferred?.owner === self { e.parameter.applyDeferredUpdates() }
        resetDeferral()
        var restored: [ObjectIdentifier: SlotStore.Entry] = [:]
        for (p, s) in slots where !s.isEmpty {
            guard Set(s.keys) == Set(slotNames) else {
                throw RecurrentError.invalidValue(where: "\(typeName) state of \(p.name)", expected: "slots \(slotNames)",
                                                  found: "slots \(s.keys.sorted())")
            }
            var buffers: [Buffer] = []
            for slot in slotNames {
                let t = s[slot]!
                guard t.shape == p.shape else {
                    throw RecurrentError.shapeMismatch(where: "\(typeName) state of \(p.name)", expected: "\(slot) of shape \(p.shape)",
                                                       found: "shape \(t.shape)")
                }
                let b = Buffer(count: t.count)
                t.withUnsafeBufferPointer { b.pointer.update(from: $0.baseAddress!, count: $0.count) }
                buffers.append(b)
            }
            restored[ObjectIdentifier(p)] = SlotStore.Entry(parameter: p, buffers: buffers)
        }
        state.entries = restored
        self.iterations = iterations
    }
}

/// One parameter's update: pointers to its `count` weights, its gradient and its slots (in
/// `slotNames` order), the learning rate and Keras's `local_step` (`iterations + 1`), and the
/// per-lane prologue: `gradient(_:)` clips, `decayed(_:)` applies the weight decay.
struct ParameterUpdate {
    typealias V = VectorMath.V
    let parameter: Parameter
    let weight: UnsafeMutablePointer<Float>
    let gradient: UnsafePointer<Float>
    let count: Int
    let slots: [UnsafeMutablePointer<Float>]
    let learningRate: Float
    let localStep: Int
    let clip: GradientClip
    let weightDecay: Float?
    /// `Parameter.gradientSquares` (an Embedding table), nil for dense gradients.
    let squares: UnsafePointer<Float>?
    /// `Parameter.rowIsTouched` (`rowCount` flags, rows of `count / rowCount` floats), nil for a
    /// dense gradient or a clip that would not keep a zero gradient at zero.
    var rowIsTouched: UnsafePointer<Bool>? = nil
    var rowCount = 0

    /// The clipped gradient of lanes `i..<i+k`.
    @inline(__always)
    func gradient(_ i: Int, _ k: Int) -> V { clip.apply(Lanes.load(gradient + i, k)) }

    /// The weights of lanes `i..<i+k` after weight decay: `w − w · wd · lr` (Keras
    /// `_apply_weight_decay`, float32 left to right).
    @inline(__always)
    func decayedWeight(_ i: Int, _ k: Int) -> V {
        let w = Lanes.load(weight + i, k)
        guard let wd = weightDecay else { return w }
        return w - (w * V(repeating: wd)) * V(repeating: learningRate)
    }

    /// Runs a C update kernel (`rc_adam_update`, `rc_rmsprop_update`) over the parameter in
    /// contiguous pieces, split across the cores like `forEachLanes`. With row flags, runs of
    /// rows that the backward left at zero go with a NULL gradient, so they are not read.
    /// - The squared gradient the kernel uses is g² of the clipped g, or, for a gradient Keras
    ///   keeps as IndexedSlices, `squares` scaled like g by a norm clip. With `clipvalue` on
    ///   such a weight the occurrences cannot be clipped one by one, so g² is used: the one
    ///   place where Recurrent's numbers can differ from Keras's.
    func forEachPiece(_ kernel: (UnsafePointer<rc_update>) -> Void) {
        if rowIsTouched != nil, rowCount > 0, count % rowCount == 0 {
            let d = count / rowCount
            return forEachRowRun { rows, touched in
                var u = piece((rows.lowerBound * d)..<(rows.upperBound * d), withGradient: touched)
                kernel(&u)
            }
        }
        let parts = max(1, min(Parallel.workerCount, count / Lanes.minChunk))
        Parallel.forEach(parts) { part in
            var u = piece((part * count / parts)..<((part + 1) * count / parts), withGradient: true)
            kernel(&u)
        }
    }

    /// For an update with row flags: runs `body(rows, touched)` over the runs of rows that the
    /// backward did or did not write, split across the cores by rows.
    func forEachRowRun(_ body: (_ rows: Range<Int>, _ touched: Bool) -> Void) {
        guard let touched = rowIsTouched, rowCount > 0 else { return }
        let parts = max(1, min(Parallel.workerCount, count / Lanes.minChunk))
        Parallel.forEach(parts) { part in
            var r = part * rowCount / parts
            let end = (part + 1) * rowCount / parts
            while r < end {
                var e = r + 1
                while e < end && touched[e] == touched[r] { e += 1 }
                body(r..<e, touched[r])
                r = e
            }
        }
    }

    /// The `rc_update` of the weights `range`, with their gradient or (for rows the backward
    /// left at zero) without.
    func piece(_ range: Range<Int>, withGradient: Bool) -> rc_update {
        let lo = range.lowerBound
        return rc_update(
            w: weight + lo, g: withGradient ? gradient + lo : nil, g2: squares.map { $0 + lo },
            s0: slots.count > 0 ? slots[0] + lo : nil, s1: slots.count > 1 ? slots[1] + lo : nil,
            s2: slots.count > 2 ? slots[2] + lo : nil,
            n: range.count, multiplier: clip.multiplier, divisor: clip.divisor, bound: clip.bound,
            scales: clip.scales ? 1 : 0, clamps: clip.clamps ? 1 : 0,
            weight_decay: weightDecay ?? 0, learning_rate: learningRate, decays: weightDecay != nil ? 1 : 0)
    }

    /// Runs `body(i, k)` over every lane group of the parameter (`k` = 16 but for the last), split across the cores.
    @inline(__always)
    func forEachLanes(_ body: (Int, Int) -> Void) {
        Lanes.forEachChunk(count) { range in
            var i = range.lowerBound
            while i < range.upperBound {
                let k = min(16, range.upperBound - i)
                body(i, k)
                i += k
            }
        }
    }
}

/// Keras's serialized form of a schedule inside an optimizer config (`serialize_keras_object`).
func serializedSchedule(typeName: String, config: [String: JSONValue]) -> JSONValue {
    ["module": "keras.optimizers.schedules", "class_name": .string(typeName), "config": .object(config), "registered_name": nil]
}
