import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

/// The optimizers follow Keras 3 step by step: every case of `fixtures/optimizers.py` is rebuilt
/// from its Keras `get_config()`, must report the same config, and after each of three steps must
/// hold Keras's variables and slot variables. Then: the Swift initialisers, the string
/// identifiers, config round trips, the errors, restoring a saved state, schedules, and
/// parameters large enough to be split across the cores.
@Suite("Optimizers")
struct OptimizerTests {
    /// The project's tolerance for optimizer steps: |Swift − Keras| ≤ 1e-6 + 1e-6 · |Keras|.
    /// Recurrent performs Keras's float32 operations in Keras's order; on these fixtures it
    /// matches bit for bit except with `global_clipnorm`, where TensorFlow's float32 sums of
    /// squares round differently from Recurrent's double ones (last-bit differences, ~1e-8).
    static let rtol: Float = 1e-6, atol: Float = 1e-6
    static let cases = OptimizerFixture.all()

    /// Runs `body` after `configure(object)`; for building optimizers with a schedule inline.
    static func configured<T: AnyObject>(_ object: T, _ configure: (T) -> Void) -> T {
        configure(object)
        return object
    }

    /// Expects `body` to throw `RecurrentError.invalidConfiguration` whose message contains `text`.
    static func expectInvalidConfiguration(_ text: String, sourceLocation: SourceLocation = #_sourceLocation,
                                           _ body: () throws -> Void) {
        let error = #expect(throws: RecurrentError.self, sourceLocation: sourceLocation) { try body() }
        guard let error else { return }
        guard case let .invalidConfiguration(_, message) = error else {
            Issue.record("expected invalidConfiguration, found \(error)", sourceLocation: sourceLocation)
            return
        }
        #expect(message.contains(text), "message '\(message)' does not mention '\(text)'", sourceLocation: sourceLocation)
    }

    // MARK: - Keras, step by step

    @Test func everyFixtureIsThere() {
        #expect(Self.cases.count == 25, "cases in Fixtures/optimizers: \(Self.cases)")
    }

    @Test(arguments: cases)
    func matchesKerasStepByStep(_ name: String) throws {
        let f = try OptimizerFixture.load(name)
        let optimizer = try makeOptimizer(typeName: f.optimizer.className, config: f.optimizer.config)
        #expect(optimizer.typeName == f.optimizer.className)
        #expect(optimizer.config == f.optimizer.config, "config differs from Keras's get_config()")
        let parameters = f.makeParameters()
        for (k, step) in f.steps.enumerated() {
            let lr = Double(optimizer.currentLearningRate)
            #expect(abs(lr - step.learningRate) <= Double(Self.atol) + Double(Self.rtol) * abs(step.learningRate),
                    "\(name) step \(k + 1): learning rate \(lr), Keras \(step.learningRate)")
            for (p, g) in zip(parameters, step.gradients) { p.gradient = g.tensor }
            try optimizer.step(parameters)
            #expect(optimizer.iterations == k + 1)
            for (i, p) in parameters.enumerated() {
                let what = "\(name) step \(k + 1) \(p.name)"
                #expect(p.gradient == step.gradients[i].tensor, "\(what): the gradient was modified")
                assertClose(p.value, step.variables[i].tensor, rtol: Self.rtol, atol: Self.atol, what)
                let slots = optimizer.slots(of: p)
                #expect(Set(slots.keys) == Set(step.slots[i].keys), "\(what): slots")
                for (slot, expected) in step.slots[i] {
                    guard let actual = slots[slot] else { continue }
                    assertClose(actual, expected.tensor, rtol: Self.rtol, atol: Self.atol, "\(what) \(slot)")
                }
            }
        }
    }

    /// The Swift initialisers spell the fixtures' Keras constructors: the same config, Keras
    /// defaults included.
    @Test func initialisersSpellTheKerasConstructors() throws {
        let decay = try ExponentialDecay(initialLearningRate: 0.1, decaySteps: 2, decayRate: 0.5)
        let staircase = try ExponentialDecay(initialLearningRate: 0.01, decaySteps: 2, decayRate: 0.5, staircase: true)
        let swift: [String: any Optimizer] = [
            "sgd": SGD(learningRate: 0.1),
            "sgd_defaults": SGD(),
            "sgd_momentum": SGD(learningRate: 0.1, momentum: 0.9),
            "sgd_nesterov": SGD(learningRate: 0.1, momentum: 0.9, nesterov: true),
            "sgd_weight_decay": SGD(learningRate: 0.1, momentum: 0.5, weightDecay: 0.05),
            "sgd_clipnorm": SGD(learningRate: 0.1, clipnorm: 1.0),
            "sgd_clipvalue": SGD(learningRate: 0.1, clipvalue: 0.3),
            "sgd_global_clipnorm": SGD(learningRate: 0.1, globalClipnorm: 1.5),
            "sgd_global_clipnorm_inactive": SGD(learningRate: 0.1, globalClipnorm: 7.0),
            "sgd_exponential_decay": Self.configured(SGD(momentum: 0.5)) { $0.schedule = decay },
            "rmsprop": RMSprop(learningRate: 0.01),
            "rmsprop_defaults": RMSprop(),
            "rmsprop_momentum": RMSprop(learningRate: 0.01, momentum: 0.9),
            "rmsprop_centered": RMSprop(learningRate: 0.01, rho: 0.8, epsilon: 1e-3, centered: true),
            "rmsprop_centered_momentum": RMSprop(learningRate: 0.01, rho: 0.7, momentum: 0.5, centered: true, weightDecay: 0.1),
            "adam": Adam(learningRate: 0.01),
            "adam_defaults": Adam(),
            "adam_amsgrad": Adam(learningRate: 0.01, beta2: 0.5, amsgrad: true),
            "adam_clipnorm": Adam(learningRate: 0.01, clipnorm: 1.0),
            "adam_global_clipnorm": Adam(learningRate: 0.01, globalClipnorm: 1.5),
            "adam_exponential_decay_staircase": Self.configured(Adam()) { $0.schedule = staircase },
            "adam_weight_decay": Adam(learningRate: 0.01, weightDecay: 0.1, clipvalue: 0.5),
            "adamw": AdamW(learningRate: 0.01),
            "adamw_defaults": AdamW(),
            "adamw_amsgrad": AdamW(learningRate: 0.01, weightDecay: 0.1, beta1: 0.8, beta2: 0.5, epsilon: 1e-3, amsgrad: true),
        ]
        #expect(Set(swift.keys) == Set(Self.cases))
        for (name, optimizer) in swift.sorted(by: { $0.key < $1.key }) {
            let f = try OptimizerFixture.load(name)
            #expect(optimizer.typeName == f.optimizer.className, "\(name)")
            #expect(optimizer.config == f.optimizer.config, "\(name): \(JSONValue.object(optimizer.config))")
        }
    }

    // MARK: - Factory and configs

    @Test(arguments: [("adam", "Adam"), ("ADAM", "Adam"), ("AdamW", "AdamW"), ("adamw", "AdamW"),
                      ("RMSprop", "RMSprop"), ("rmsprop", "RMSprop"), ("sgd", "SGD"), ("SGD", "SGD")])
    func kerasStringIdentifiersGiveKerasDefaults(_ identifier: String, _ typeName: String) throws {
        let optimizer = try makeOptimizer(identifier)
        #expect(optimizer.typeName == typeName)
        let keras = try OptimizerFixture.load(typeName.lowercased() + "_defaults")
        #expect(optimizer.config == keras.optimizer.config)
    }

    @Test func unknownIdentifierListsTheValidNames() {
        Self.expectInvalidConfiguration("adam, adamw, rmsprop, sgd") { _ = try makeOptimizer("adagrad") }
        Self.expectInvalidConfiguration("adam, adamw, rmsprop, sgd") { _ = try makeOptimizer(typeName: "Nadam", config: [:]) }
    }

    @Test func configRoundTrips() throws {
        let decay = try ExponentialDecay(initialLearningRate: 0.05, decaySteps: 100, decayRate: 0.96, staircase: true, name: "lr")
        let optimizers: [any Optimizer] = [
            SGD(learningRate: 0.3, momentum: 0.95, nesterov: true, weightDecay: 1e-4, clipvalue: 0.7),
            SGD(),
            RMSprop(learningRate: 0.002, rho: 0.95, momentum: 0.1, epsilon: 1e-6, centered: true, globalClipnorm: 2.5),
            Adam(learningRate: 3e-4, beta1: 0.85, beta2: 0.995, epsilon: 1e-8, amsgrad: true, clipnorm: 0.1),
            AdamW(weightDecay: 0.01, amsgrad: true),
            Self.configured(Adam()) { $0.schedule = decay; $0.name = "my_adam" },
        ]
        for optimizer in optimizers {
            let rebuilt = try makeOptimizer(typeName: optimizer.typeName, config: optimizer.config)
            #expect(rebuilt.typeName == optimizer.typeName)
            #expect(rebuilt.config == optimizer.config, "\(JSONValue.object(optimizer.config))")
            // Through JSON text as well (what a checkpoint stores).
            let text = JSONValue.object(optimizer.config).description
            #expect(try JSONValue.parse(Array(text.utf8), location: "config") == .object(optimizer.config))
        }
        // Hyper-parameters read as the decimals a Keras user writes.
        #expect(Adam(beta1: 0.85, clipnorm: 0.1).config["beta_1"] == 0.85)
        #expect(Adam(beta1: 0.85, clipnorm: 0.1).config["clipnorm"] == 0.1)
        #expect(Adam(learningRate: 0.01).config["learning_rate"] == .number(Double(Float(0.01))))
        // The schedule alone, in its serialized form.
        let serialized = try #require(Adam(learningRate: 1).configuredSchedule(decay).config["learning_rate"]?.objectValue)
        let schedule = try makeLearningRateSchedule(serialized)
        #expect(schedule.typeName == "ExponentialDecay")
        #expect(schedule.config == decay.config)
    }

    @Test func closureSchedulesCannotBeSavedButTheBaseRateIs() throws {
        let sgd = SGD(learningRate: 0.5)
        sgd.schedule = LearningRateClosure { _ in 0.1 }
        #expect(sgd.config["learning_rate"] == .number(0.5))
        let rebuilt = try makeOptimizer(typeName: "SGD", config: sgd.config)
        #expect(rebuilt.learningRate == 0.5 && rebuilt.schedule == nil)
    }

    @Test func badConfigsThrow() throws {
        let adam = Adam().config
        func with(_ key: String, _ value: JSONValue) -> [String: JSONValue] {
            var c = adam
            c[key] = value
            return c
        }
        Self.expectInvalidConfiguration("decay") { _ = try makeOptimizer(typeName: "Adam", config: with("decay", 0.1)) }
        Self.expectInvalidConfiguration("use_ema") { _ = try makeOptimizer(typeName: "Adam", config: with("use_ema", true)) }
        Self.expectInvalidConfiguration("gradient_accumulation_steps") {
            _ = try makeOptimizer(typeName: "Adam", config: with("gradient_accumulation_steps", 4))
        }
        Self.expectInvalidConfiguration("beta_1") { _ = try makeOptimizer(typeName: "Adam", config: with("beta_1", "high")) }
        Self.expectInvalidConfiguration("only one of") {
            _ = try makeOptimizer(typeName: "Adam", config: with("clipnorm", 1).merging(["clipvalue": 1]) { $1 })
        }
        Self.expectInvalidConfiguration("β₁") { _ = try makeOptimizer(typeName: "Adam", config: with("beta_1", 1.5)) }
        Self.expectInvalidConfiguration("weight decay") {
            _ = try makeOptimizer(typeName: "AdamW", config: ["weight_decay": nil])
        }
        let cosine: JSONValue = ["class_name": "CosineDecay", "config": ["initial_learning_rate": 0.1, "decay_steps": 10]]
        Self.expectInvalidConfiguration("ExponentialDecay") {
            _ = try makeOptimizer(typeName: "SGD", config: ["learning_rate": cosine])
        }
        Self.expectInvalidConfiguration("decay_steps") {
            _ = try makeLearningRateSchedule(["class_name": "ExponentialDecay", "config": ["initial_learning_rate": 0.1, "decay_rate": 0.5]])
        }
    }

    // MARK: - Errors in step

    static func parameter() -> Parameter {
        let p = Parameter(name: "w", value: Tensor(uncheckedShape: [2, 3], data: [0.5, -1, 2, 0.25, -0.75, 1.5]))
        p.gradient = Tensor(uncheckedShape: [2, 3], data: [0.3, -2, 1e-3, 0.7, -0.1, 4])
        return p
    }

    /// Expects `step` to throw invalidConfiguration mentioning `text` and to change nothing.
    static func expectStepThrows(_ optimizer: any Optimizer, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let p = parameter()
        let before = p.value, iterations = optimizer.iterations
        expectInvalidConfiguration(text, sourceLocation: sourceLocation) { try optimizer.step([p]) }
        #expect(p.value == before && optimizer.iterations == iterations && optimizer.slots(of: p).isEmpty,
                "\(optimizer.typeName) changed state before throwing", sourceLocation: sourceLocation)
    }

    @Test func moreThanOneClippingOptionThrowsBeforeChangingAnything() {
        Self.expectStepThrows(Adam(clipnorm: 1, clipvalue: 0.5), "only one of")
        Self.expectStepThrows(SGD(clipnorm: 1, globalClipnorm: 2), "only one of")
        Self.expectStepThrows(RMSprop(clipvalue: 1, globalClipnorm: 1), "only one of")
        let adam = Adam(clipnorm: 1)
        adam.globalClipnorm = 1
        Self.expectStepThrows(adam, "only one of")
    }

    @Test func badLearningRatesThrowBeforeChangingAnything() throws {
        Self.expectStepThrows(SGD(learningRate: -0.1), "learning rate")
        Self.expectStepThrows(Adam(learningRate: .nan), "learning rate")
        Self.expectStepThrows(RMSprop(learningRate: .infinity), "learning rate")
        // A schedule whose rate turns bad at the second step: the first step runs, the second throws.
        let sgd = SGD()
        sgd.schedule = LearningRateClosure { $0 == 0 ? 0.1 : -1 }
        let p = Self.parameter()
        try sgd.step([p])
        let afterFirst = p.value
        Self.expectInvalidConfiguration("schedule at step 1") { try sgd.step([p]) }
        #expect(sgd.iterations == 1 && p.value == afterFirst)
    }

    @Test func badHyperParametersThrow() {
        Self.expectStepThrows(SGD(momentum: 1.5), "momentum")
        Self.expectStepThrows(SGD(momentum: -0.1), "momentum")
        Self.expectStepThrows(RMSprop(rho: 1.5), "ρ")
        Self.expectStepThrows(RMSprop(epsilon: 0), "ε")
        Self.expectStepThrows(Adam(beta1: 1), "β₁")
        Self.expectStepThrows(Adam(beta2: -0.1), "β₁ and β₂")
        Self.expectStepThrows(Adam(epsilon: 0), "ε")
        Self.expectStepThrows(Self.configured(AdamW()) { $0.weightDecay = nil }, "weight decay")
        Self.expectStepThrows(SGD(weightDecay: -1), "weightDecay")
        Self.expectStepThrows(Adam(clipnorm: 0), "clipnorm")
        Self.expectStepThrows(SGD(clipvalue: -1), "clipvalue")
        Self.expectStepThrows(SGD(globalClipnorm: .nan), "globalClipnorm")
        Self.expectInvalidConfiguration("decaySteps") { _ = try ExponentialDecay(initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.5) }
    }

    // MARK: - Saving and restoring the state

    /// Two steps, save (config, iterations, weights, slots), rebuild a new optimizer and new
    /// parameters from what was saved, restore, then one more step on both: bit-identical.
    @Test(arguments: ["sgd", "sgd_momentum", "sgd_nesterov", "sgd_weight_decay", "rmsprop_centered_momentum",
                      "adam_amsgrad", "adam_exponential_decay_staircase", "adamw", "adam_global_clipnorm"])
    func restoreContinuesBitForBit(_ name: String) throws {
        let f = try OptimizerFixture.load(name)
        let a = try makeOptimizer(typeName: f.optimizer.className, config: f.optimizer.config)
        let pa = f.makeParameters()
        for step in f.steps.prefix(2) {
            for (p, g) in zip(pa, step.gradients) { p.gradient = g.tensor }
            try a.step(pa)
        }
        let saved = pa.map { (value: $0.value, slots: a.slots(of: $0)) }
        let b = try makeOptimizer(typeName: a.typeName, config: a.config)
        let pb = zip(pa, saved).map { Parameter(name: $0.name, value: $1.value) }
        try b.restore(iterations: a.iterations, slots: zip(pb, saved).map { ($0, $1.slots) })
        #expect(b.iterations == 2 && b.currentLearningRate == a.currentLearningRate)
        for ps in [pa, pb] {
            for (p, g) in zip(ps, f.steps[2].gradients) { p.gradient = g.tensor }
        }
        try a.step(pa)
        try b.step(pb)
        for (x, y) in zip(pa, pb) {
            #expect(x.value == y.value, "\(name) \(x.name)")
            #expect(a.slots(of: x) == b.slots(of: y), "\(name) \(x.name) slots")
        }
    }

    @Test func restoreRejectsStateThatDoesNotFitAndKeepsTheOld() throws {
        let adam = Adam()
        let p = Self.parameter()
        try adam.step([p])
        let before = adam.slots(of: p)
        let m = try #require(before["momentum"]), v = try #require(before["velocity"])
        func expectRejected(_ iterations: Int, _ slots: [String: Tensor], sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(throws: RecurrentError.self, sourceLocation: sourceLocation) { try adam.restore(iterations: iterations, slots: [(p, slots)]) }
            #expect(adam.iterations == 1 && adam.slots(of: p) == before, sourceLocation: sourceLocation)
        }
        expectRejected(3, ["momentum": m])
        expectRejected(3, ["momentum": m, "velocity": v, "velocity_hat": v])
        expectRejected(3, ["momentum": m, "velocity": Tensor(shape: [3, 2])])
        expectRejected(-1, ["momentum": m, "velocity": v])
        // An optimizer without slots (SGD without momentum) restores empty dictionaries.
        let sgd = SGD()
        try sgd.restore(iterations: 7, slots: [(p, [:])])
        #expect(sgd.iterations == 7 && sgd.slots(of: p).isEmpty)
    }

    // MARK: - Schedules and parameters

    @Test func closureScheduleIsEvaluatedAtIterationsBeforeEachStep() throws {
        let sgd = SGD()
        sgd.schedule = LearningRateClosure { Float($0 + 1) * 0.25 }
        let p = Self.parameter()
        for k in 0..<3 {
            let lr = Float(k + 1) * 0.25
            #expect(sgd.currentLearningRate == lr)
            let expected = zip(p.value.data, p.gradient.data).map { $0 - $1 * lr }
            try sgd.step([p])
            #expect(p.value.data == expected, "step \(k + 1)")
        }
    }

    @Test func frozenParametersAreSkippedAndNoTrainableParameterDoesNothing() throws {
        let adam = Adam()
        let frozen = Self.parameter()
        frozen.trainable = false
        let before = frozen.value
        try adam.step([frozen])
        #expect(adam.iterations == 0 && frozen.value == before && adam.slots(of: frozen).isEmpty)
        let p = Self.parameter()
        try adam.step([frozen, p])
        #expect(adam.iterations == 1 && frozen.value == before && adam.slots(of: frozen).isEmpty && !adam.slots(of: p).isEmpty)
    }

    static func randomParameter(_ name: String, count: Int, rng: inout RandomGenerator) -> Parameter {
        let p = Parameter(name: name, value: Tensor(uncheckedShape: [count], data: (0..<count).map { _ in rng.uniform(-1, 1) }))
        p.gradient = Tensor(uncheckedShape: [count], data: (0..<count).map { _ in rng.uniform(-1, 1) })
        return p
    }

    /// A parameter large enough to be split into chunks across the cores gets, element for
    /// element, exactly the update that a small parameter holding some of its elements gets
    /// (elementwise options only: clipvalue and weight decay).
    @Test func largeParametersAreUpdatedElementwiseWhateverTheSplit() throws {
        let n = 300_007
        let picked = [0, 1, 15, 16, 17, 65_535, 65_536, 65_537, n / 3, n / 2, n / 2 + 1, 2 * n / 3, n - 17, n - 16, n - 2, n - 1]
        let makers: [() -> any Optimizer] = [
            { AdamW(learningRate: 0.01, amsgrad: true, clipvalue: 0.5) },
            { RMSprop(momentum: 0.9, centered: true, weightDecay: 0.01, clipvalue: 0.8) },
            { SGD(momentum: 0.9, nesterov: true, weightDecay: 0.1) },
        ]
        for make in makers {
            var rng = RandomGenerator(seed: 7)
            let big = Self.randomParameter("big", count: n, rng: &rng)
            let small = Parameter(name: "small", value: Tensor(uncheckedShape: [picked.count], data: picked.map { big.value.data[$0] }))
            let (a, b) = (make(), make())
            for _ in 0..<3 {
                big.gradient = Tensor(uncheckedShape: [n], data: (0..<n).map { _ in rng.uniform(-1, 1) })
                small.gradient = Tensor(uncheckedShape: [picked.count], data: picked.map { big.gradient.data[$0] })
                try a.step([big])
                try b.step([small])
            }
            #expect(picked.map { big.value.data[$0] } == small.value.data, "\(a.typeName)")
            let bigSlots = a.slots(of: big), smallSlots = b.slots(of: small)
            for (slot, t) in smallSlots {
                #expect(picked.map { bigSlots[slot]!.data[$0] } == t.data, "\(a.typeName) \(slot)")
            }
        }
    }

    /// Norms of large gradients: after one SGD step from zero with lr 1, the step's norm is the
    /// clipping norm (per gradient, and over all gradients together).
    @Test func clippingNormsOfLargeGradients() throws {
        var rng = RandomGenerator(seed: 11)
        func norm(_ ps: [Parameter]) -> Double {
            ps.reduce(0.0) { $0 + $1.value.data.reduce(0.0) { $0 + Double($1) * Double($1) } }.squareRoot()
        }
        for (n, clip) in [(1_000_003, Float(2)), (100, Float(0.5))] {
            let p = Self.randomParameter("g", count: n, rng: &rng)
            p.value = Tensor(shape: [n])
            try SGD(learningRate: 1, clipnorm: clip).step([p])
            #expect(abs(norm([p]) - Double(clip)) <= 1e-6 * Double(clip), "clipnorm, \(n) elements: \(norm([p]))")
        }
        let ps = [Self.randomParameter("a", count: 700_001, rng: &rng), Self.randomParameter("b", count: 300_000, rng: &rng)]
        for p in ps { p.value = Tensor(shape: p.shape) }
        try SGD(learningRate: 1, globalClipnorm: 3).step(ps)
        #expect(abs(norm(ps) - 3) <= 3e-6, "global clipnorm: \(norm(ps))")
    }
}

extension Adam {
    /// This optimizer with `schedule` set (for one-line tests).
    fileprivate func configuredSchedule(_ schedule: any LearningRateSchedule) -> Adam {
        self.schedule = schedule
        return self
    }
}
