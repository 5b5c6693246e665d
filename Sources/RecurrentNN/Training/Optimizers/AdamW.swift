/// Keras 3 `AdamW` (keras/src/optimizers/adamw.py): `Adam` with decoupled weight decay, which
/// Keras's base optimizer applies before the Adam update: `w ← w − w · weightDecay · lr`.
///
/// Defaults as Keras: lr 0.001, weight decay 0.004, β₁ 0.9, β₂ 0.999, ε 1e-7, no amsgrad.
/// Keras requires a weight decay: setting `weightDecay` to nil makes `step` throw.
public final class AdamW: Adam {
    public init(learningRate: Float = 0.001, weightDecay: Float = 0.004, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-7, amsgrad: Bool = false,
                clipnorm: Float? = nil, clipvalue: Float? = nil, globalClipnorm: Float? = nil) {
        super.init(typeName: "AdamW", defaultName: "adam_w", learningRate: learningRate, beta1: beta1, beta2: beta2,
                   epsilon: epsilon, amsgrad: amsgrad, weightDecay: weightDecay,
                   clipnorm: clipnorm, clipvalue: clipvalue, globalClipnorm: globalClipnorm)
    }

    override func validateOwnHyperParameters() throws {
        guard weightDecay != nil else {
            throw configurationError("expected a weight decay (Keras AdamW requires one), found nil")
        }
        try super.validateOwnHyperParameters()
    }
}
