/// Hooks a layer opts into so that `Sequential`, `fit` and the model files treat it specially
/// without naming its concrete type.

/// A layer whose output is an activation of logits it keeps (a `Dense` head with a sigmoid or
/// softmax): a cross-entropy is then computed from the logits and differentiated with respect
/// to them (`p − y`), stably and unclipped, as Keras does on the TensorFlow backend.
public protocol LogitsProducingLayer: Layer {
    /// The activation applied to the logits (only `.sigmoid` and `.softmax` keep logits).
    var activation: Activation { get }
    /// The pre-activation output of the last forward, the shape of the output; nil when the
    /// activation is neither sigmoid nor softmax, or before a forward.
    var lastLogits: Tensor? { get }
    /// Backpropagates dLoss/dLogits (skipping the activation); otherwise as `backward`.
    func backward(fromPreActivation gradLogits: Tensor, needsInputGradient: Bool) throws -> Tensor?
}

/// A layer whose input is token ids, integers in `0..<tokenCount` stored as `Float` (an
/// `Embedding`): `fit` and `evaluate` check every id of the data before they start.
public protocol TokenInputLayer: Layer {
    /// Ids run over `0..<tokenCount`.
    var tokenCount: Int { get }
}

/// A layer that reads only some rows of a weight (an `Embedding` looks rows up by id).
///
/// An optimizer may hold updates of rows a step did not use back until they are needed (Adam's
/// deferred rows, see `Adam`); while a training loop runs, such a layer brings the rows it is
/// about to read up to date through `pendingRowUpdates.synchronize(_:rows:)`. `fit` and
/// `trainOnBatch` set it for their duration and clear it, after synchronizing, when they end.
public protocol RowReadingLayer: Layer {
    /// The optimizer of the training loop in progress; nil outside one.
    var pendingRowUpdates: (any Optimizer)? { get set }
}

/// A layer that holds other layers and their weights (a `Bidirectional` wrapper): model files
/// name its weights `<layer>/<inner layer>/<weight>`, as Keras does.
public protocol LayerWrapper: Layer {
    /// The wrapped layers, in the order of `parameters`.
    var wrappedLayers: [any Layer] { get }
}
