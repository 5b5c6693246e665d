import Testing
@testable import RecurrentTestSupport
import Recurrent

/// Building Recurrent layers from the Keras configs of the golden fixtures
/// (Tests/Fixtures, see its README), for `RecurrentFixtureTests`.
enum RecurrentFixtureSupport {
    /// Forward outputs: relative 1e-5 (absolute floor 1e-6).
    static let outputRtol: Float = 1e-5, outputAtol: Float = 1e-6
    /// Gradients: relative 1e-4, absolute 1e-6.
    static let gradRtol: Float = 1e-4, gradAtol: Float = 1e-6
    /// Masking equivalence of final states (absolute).
    static let equivalenceAtol: Float = 1e-6

    /// The `SimpleRNN`, `LSTM` or `GRU` for a Keras class name and config (Keras defaults for
    /// absent keys). Throws for another class.
    static func makeRecurrent(_ className: String, _ c: FixtureConfig) throws -> RecurrentLayer {
        guard let units = c.units else {
            throw FixtureError(message: "\(className) config has no units")
        }
        let activation = try Activation(keras: c.activation ?? "tanh")
        let recurrentActivation = try Activation(keras: c.recurrentActivation ?? "sigmoid")
        let useBias = c.useBias ?? true
        let returnSequences = c.returnSequences ?? false
        let returnState = c.returnState ?? false
        let goBackwards = c.goBackwards ?? false
        switch className {
        case "SimpleRNN":
            return SimpleRNN(units, activation: activation, useBias: useBias, returnSequences: returnSequences,
                             returnState: returnState, goBackwards: goBackwards)
        case "LSTM":
            return LSTM(units, activation: activation, recurrentActivation: recurrentActivation, useBias: useBias,
                        returnSequences: returnSequences, returnState: returnState, goBackwards: goBackwards)
        case "GRU":
            return GRU(units, activation: activation, recurrentActivation: recurrentActivation, useBias: useBias,
                       resetAfter: c.resetAfter ?? true, returnSequences: returnSequences,
                       returnState: returnState, goBackwards: goBackwards)
        default:
            throw FixtureError(message: "no recurrent layer for Keras class \(className)")
        }
    }

    /// The Recurrent layer for any layer entry of the recurrent and multi-layer fixtures.
    static func makeLayer(_ entry: Fixture.LayerEntry) throws -> any Layer {
        let c = entry.config
        switch entry.className {
        case "SimpleRNN", "LSTM", "GRU":
            return try makeRecurrent(entry.className, c)
        case "Bidirectional":
            guard let inner = c.layer else { throw FixtureError(message: "Bidirectional config has no layer") }
            guard let mode = MergeMode(rawValue: c.mergeMode ?? "concat") else {
                throw FixtureError(message: "unknown merge_mode \(c.mergeMode ?? "nil")")
            }
            return Bidirectional(try makeRecurrent(inner.className, inner.config), mergeMode: mode)
        case "Embedding":
            guard let inputDim = c.inputDim, let outputDim = c.outputDim else {
                throw FixtureError(message: "Embedding config needs input_dim and output_dim")
            }
            return Embedding(inputDim: inputDim, outputDim: outputDim, maskZero: c.maskZero ?? false)
        case "GlobalAveragePooling1D":
            return GlobalAveragePooling1D()
        default:
            throw FixtureError(message: "no layer for Keras class \(entry.className)")
        }
    }

    /// The weights of `layer` under their fixture (Keras) names, in Keras `layer.weights` order:
    /// a `Bidirectional`'s are `forward/<name>` then `backward/<name>`.
    static func namedParameters(_ layer: any Layer) -> [(name: String, parameter: Parameter)] {
        if let bi = layer as? Bidirectional {
            return bi.forwardLayer.parameters.map { ("forward/" + $0.name, $0) }
                + bi.backwardLayer.parameters.map { ("backward/" + $0.name, $0) }
        }
        return layer.parameters.map { ($0.name, $0) }
    }

    /// Assigns the fixture weights of `entry` to the built `layer`, checking that the layer has
    /// exactly these weights in this order.
    static func assign(_ entry: Fixture.LayerEntry, to layer: any Layer, case name: String,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let named = namedParameters(layer)
        #expect(named.map(\.name) == entry.weights.map(\.name), "\(name): weight names of \(layer.name)",
                sourceLocation: sourceLocation)
        for w in entry.weights {
            let p = try #require(named.first { $0.name == w.name }?.parameter,
                                 "\(name): no weight \(w.name) in \(layer.name)", sourceLocation: sourceLocation)
            try p.assign(w.tensor, layer: layer.name)
        }
    }

    /// Builds `layer` for `inputShape` (without batch) and assigns the weights of `entry`.
    static func load(_ entry: Fixture.LayerEntry, into layer: any Layer, inputShape: [Int], case name: String,
                     sourceLocation: SourceLocation = #_sourceLocation) throws {
        var rng = RandomGenerator(seed: 1)
        try layer.build(inputShape: inputShape, rng: &rng)
        try assign(entry, to: layer, case: name, sourceLocation: sourceLocation)
    }
}
