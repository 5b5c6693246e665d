import CKernels

/// Keras 3 `SGD` (keras/src/optimizers/sgd.py): gradient descent, optionally with momentum.
///
///     momentum = 0:   w ← w − g · lr
///     momentum > 0:   m ← m · momentum − g · lr
///                     w ← w + m                              (nesterov: w ← w + (m · momentum − g · lr))
///
/// Slot: `momentum` (only when momentum ≠ 0), the shape of its parameter. Defaults as Keras:
/// lr 0.01, momentum 0, nesterov false. Clipping and weight decay: see `BaseOptimizer`.
public final class SGD: BaseOptimizer {
    /// In [0, 1] (checked by `step`).
    public let momentum: Float
    public let nesterov: Bool

    public init(learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float? = nil,
                clipnorm: Float? = nil, clipvalue: Float? = nil, globalClipnorm: Float? = nil) {
        self.momentum = momentum
        self.nesterov = nesterov
        super.init(typeName: "SGD", defaultName: "sgd", slotNames: momentum != 0 ? ["momentum"] : [],
                   learningRate: learningRate, weightDecay: weightDecay,
                   clipnorm: clipnorm, clipvalue: clipvalue, globalClipnorm: globalClipnorm)
    }

    override func validateOwnHyperParameters() throws {
        guard momentum.isFinite, (0...1).contains(momentum) else {
            throw configurationError("expected momentum in [0, 1] (Keras), found \(momentum)")
        }
    }

    override var ownConfig: [String: JSONValue] {
        ["momentum": KerasNumber.json(momentum), "nesterov": .bool(nesterov)]
    }

    override func update(_ u: ParameterUpdate, deferring: Bool) {
        let momentum = momentum, hasMomentum: Int32 = momentum != 0 ? 1 : 0, nesterov: Int32 = nesterov ? 1 : 0
        u.forEachPiece { rc_sgd_update($0, momentum, hasMomentum, nesterov) }
    }
}
