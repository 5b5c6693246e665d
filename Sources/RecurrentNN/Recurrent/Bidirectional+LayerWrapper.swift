extension Bidirectional: LayerWrapper {
    /// The forward and the backward layer, in the order of `parameters`.
    public var wrappedLayers: [any Layer] { [forwardLayer, backwardLayer] }
}
