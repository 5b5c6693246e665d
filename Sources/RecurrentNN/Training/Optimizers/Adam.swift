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
        u.forEachPiece { rc_adam_update($0, c1, c2, alpha, epsilon, amsgrad) }
    }

    /// α = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ) in float32, in Keras's order.
    static func alpha(_ lr: Float, _ beta1: Float, _ beta2: Float, _ t: Float) -> Float {
        lr * (1 - powf(beta2, t)).squareRoot() / (1 - powf(beta1, t))
    }
}
