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
/// Steps 3–5 run fused in one C kernel pass per parameter (two with `clipnorm`, which needs
/// the norm first; `globalClipnorm` reads every gradient once before any update), over the
/// parameter's typed gradient (`Parameter.typedGradient`): a row gradient updates the rows
/// without a gradient without reading one. Parameters' gradients are never modified. The per-parameter slots are allocated at the first update of
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

    /// The optimizer's update of one parameter (Keras `update_step`), clip and weight decay
    /// included (the C kernels apply them per element). With `deferring`, the update of the
    /// rows a row gradient leaves at zero may be held back until `synchronize` (see `Adam`).
    func update(_ update: ParameterUpdate, deferring: Bool) {
        preconditionFailure("\(typeName) must override BaseOptimizer.update")
    }

    /// Whether this optimizer can hold back the update of the rows a row gradient of
    /// `parameter` leaves at zero. False here; see `Adam`.
    func defersRows(of parameter: Parameter) -> Bool { false }

    /// Called before `parameter`'s storage is lent to `update`: an update that does not defer
    /// applies what is pending first (see `Adam`).
    func willUpdate(_ parameter: Parameter, deferring: Bool) {}

    /// See `Optimizer.synchronize(_:)`. Nothing is ever pending here; see `Adam`.
    public func synchronize(_ parameters: [Parameter]) {}

    /// See `Optimizer.synchronize(_:rows:)`. Nothing is ever pending here; see `Adam`.
    public func synchronize(_ parameter: Parameter, rows: UnsafeBufferPointer<Int32>) {}

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
        try step(parameters, synchronizing: true)
    }

    public func step(_ parameters: [Parameter], synchronizing: Bool) throws {
        try validate()
        let lr = currentLearningRate
        guard lr.isFinite, lr >= 0 else {
            throw configurationError("expected a finite learning rate ≥ 0, found \(lr) from the schedule at step \(iterations)")
        }
        guard parameters.contains(where: \.trainable) else { return }
        var globalClip = GradientClip.none
        if let c = globalClipnorm {
            var total = 0.0
            for p in parameters where p.trainable && p.count > 0 { total += sumOfSquares(p.typedGradient) }
            globalClip = .byGlobalNorm(c, globalNorm: Float(total.squareRoot()))
        }
        let localStep = iterations + 1
        for p in parameters where p.trainable && p.count > 0 {
            var clip = globalClip
            if let c = clipnorm {
                clip = .byNorm(c, norm: GradientNorm.norm(sumOfSquares: sumOfSquares(p.typedGradient)))
            } else if let v = clipvalue {
                clip = .byValue(v)
            }
            update(p, clip: clip, learningRate: lr, localStep: localStep, synchronizing: synchronizing)
        }
        iterations += 1
        if synchronizing { synchronize(parameters) }
    }

    /// The squared L2 norm of a gradient as Keras sees it: for a gradient TensorFlow keeps as
    /// IndexedSlices (a row gradient) the norm is taken over the occurrences (`tf.clip_by_norm`
    /// and Keras's `global_norm` work on the slices' values), i.e. Σ of the per-occurrence
    /// squares, summed in ascending row order.
    private func sumOfSquares(_ gradient: Gradient) -> Double {
        switch gradient {
        case .dense(let t):
            t.withUnsafeBufferPointer { GradientNorm.sumOfSquares($0.baseAddress!, $0.count, partials: normPartials) }
        case .rows(let r):
            r.squares.withUnsafeBufferPointer { $0.reduce(0.0) { $0 + Double($1) } }
        }
    }

    /// One parameter's update from its typed gradient. A row gradient goes by rows when the clip
    /// keeps a zero gradient at zero (the rows without one are then not read), else scattered.
    private func update(_ p: Parameter, clip: GradientClip, learningRate lr: Float, localStep: Int, synchronizing: Bool) {
        let entry = state.entry(for: p, slotCount: slotNames.count)
        var gradient = p.typedGradient
        if case .rows(let r) = gradient, !clip.keepsZero {
            let all = [r.shape[0], r.width]
            gradient = .rows(RowGradient(shape: r.shape, rows: Array(0..<Int32(r.shape[0])),
                                         values: Tensor(uncheckedShape: all, data: r.scattered(r.values).data),
                                         squares: Tensor(uncheckedShape: all, data: r.scattered(r.squares).data)))
        }
        let (values, squares, rows): (Tensor, Tensor?, [Int32]?)
        switch gradient {
        case .dense(let t): (values, squares, rows) = (t, nil, nil)
        // Keras's clip_by_global_norm hands back dense tensors: the squares quirk is gone.
        case .rows(let r): (values, squares, rows) = (r.values, globalClipnorm == nil ? r.squares : nil, r.rows)
        }
        let defers = rows != nil && !synchronizing && defersRows(of: p)
        willUpdate(p, deferring: defers)
        let width = p.shape.dropFirst().reduce(1, *)
        values.withUnsafeBufferPointer { gb in
            (squares ?? Tensor(shape: [0])).withUnsafeBufferPointer { sb in
                (rows ?? []).withUnsafeBufferPointer { rb in
                    p.value.withUnsafeMutableBufferPointer { wb in
                        let u = ParameterUpdate(
                            parameter: p, weight: wb.baseAddress!, count: wb.count, slots: entry.pointers,
                            learningRate: lr, localStep: localStep, clip: clip, weightDecay: weightDecay,
                            gradient: gb.baseAddress!, squares: squares == nil ? nil : sb.baseAddress,
                            rows: rows == nil ? nil : rb, width: width)
                        update(u, deferring: defers)
                    }
                }
            }
        }
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
        synchronize([parameter])
        return state.tensors(of: parameter, names: slotNames)
    }

    /// Forgets the bookkeeping of held-back updates (after they were applied), when the state is
    /// replaced.
    func resetDeferral() {}

    public func restore(iterations: Int, slots: [(parameter: Parameter, slots: [String: Tensor])]) throws {
        guard iterations >= 0 else {
            throw RecurrentError.invalidValue(where: "\(typeName).restore", expected: "iterations ≥ 0", found: "\(iterations)")
        }
        // Updates held back under the old state are applied to the weights first.
        synchronize(state.entries.values.map(\.parameter))
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

/// Keras's serialized form of a schedule inside an optimizer config (`serialize_keras_object`).
func serializedSchedule(typeName: String, config: [String: JSONValue]) -> JSONValue {
    ["module": "keras.optimizers.schedules", "class_name": .string(typeName), "config": .object(config), "registered_name": nil]
}
