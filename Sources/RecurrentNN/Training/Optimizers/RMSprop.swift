import CKernels

/// Keras 3 `RMSprop` (keras/src/optimizers/rmsprop.py):
///
///     v ← ρ · v + (1 − ρ) · g²
///     centered:  a ← ρ · a + (1 − ρ) · g;   d = v − a² + ε      (else d = v + ε)
///     Δ = lr · g / √d                                        // Keras 3: epsilon inside the sqrt
///     momentum > 0:  m ← momentum · m + Δ;  w ← w − m          (else w ← w − Δ)
///
/// Slots: `velocity`, `momentum` (momentum > 0), `average_gradient` (centered), each the shape
/// of its parameter. Defaults as Keras: lr 0.001, ρ 0.9, momentum 0, ε 1e-7, not centered.
/// `1 − ρ` is computed in double and rounded to float32, as Keras's Python arithmetic.
/// Clipping and weight decay: see `BaseOptimizer`.
/// With `centered` on an `Embedding` table the denominator `velocity − average_grad² + ε` can
/// go negative, and the update NaN, when a token occurs several times in a batch: Keras's
/// TensorFlow backend (and so Recurrent) accumulates Σ g_occ² into `velocity` but (Σ g_occ)
/// into `average_grad` (see `RowGradient.squares`). `fit` then stops and says so.
public final class RMSprop: BaseOptimizer {
    /// In [0, 1].
    public let rho: Float
    /// In [0, 1]; 0 keeps no momentum slot.
    public let momentum: Float
    /// Finite and > 0.
    public let epsilon: Float
    public let centered: Bool

    public init(learningRate: Float = 0.001, rho: Float = 0.9, momentum: Float = 0, epsilon: Float = 1e-7,
                centered: Bool = false, weightDecay: Float? = nil,
                clipnorm: Float? = nil, clipvalue: Float? = nil, globalClipnorm: Float? = nil) {
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        super.init(typeName: "RMSprop", defaultName: "rm_sprop",
                   slotNames: ["velocity"] + (momentum > 0 ? ["momentum"] : []) + (centered ? ["average_gradient"] : []),
                   learningRate: learningRate, weightDecay: weightDecay,
                   clipnorm: clipnorm, clipvalue: clipvalue, globalClipnorm: globalClipnorm)
    }

    override func validateOwnHyperParameters() throws {
        guard rho.isFinite, (0...1).contains(rho), momentum.isFinite, (0...1).contains(momentum),
              epsilon.isFinite, epsilon > 0 else {
            throw configurationError("expected ρ and momentum in [0, 1] and ε > 0, found rho \(rho), momentum \(momentum), "
                + "epsilon \(epsilon)")
        }
    }

    override var ownConfig: [String: JSONValue] {
        ["rho": KerasNumber.json(rho), "momentum": KerasNumber.json(momentum), "epsilon": KerasNumber.json(epsilon),
         "centered": .bool(centered)]
    }

    override func update(_ u: ParameterUpdate, deferring: Bool) {
        let rho = rho, oneMinusRho = Float(1 - KerasNumber.double(rho)), epsilon = epsilon, momentum = momentum
        let hasMomentum: Int32 = momentum > 0 ? 1 : 0, centered: Int32 = centered ? 1 : 0
        u.forEachPiece { rc_rmsprop_update($0, rho, oneMinusRho, epsilon, momentum, hasMomentum, centered) }
    }
}
