/// Hooks a layer adopts so that a container can treat it specially without naming its type.

/// A layer that can keep less in inference when no backward will follow (`Sequential`'s
/// `withoutBackward`, used by `predict` and `evaluate`). A wrapper forwards the setting to the
/// layers it wraps.
public protocol RecordsForBackward: AnyObject {
    /// Whether `forward` keeps what `backward` needs (true by default); a `backward` after a
    /// forward without it throws.
    var recordsForBackward: Bool { get set }
}

/// A layer that, in inference, can take its predecessor's input and do both layers' work at
/// once (a recurrent layer after an `Embedding` projects the token ids through a table, see
/// `TokenProjection`).
public protocol FusesPreviousLayer: Layer {
    /// `previous.forward(input)` followed by `forward`, in inference; `mask` is `previous`'s
    /// output mask. Returns nil, having changed nothing, when the shortcut does not apply (the
    /// caller then runs the two layers one after the other).
    /// - Throws: what the two layers would throw for this input.
    func forward(input: Tensor, through previous: any Layer, mask: Tensor?, training: Bool) throws -> Tensor?
}
