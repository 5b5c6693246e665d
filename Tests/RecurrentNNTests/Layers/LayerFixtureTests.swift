import Testing
@testable import RecurrentTestSupport
import Recurrent

/// The non-recurrent layers against Keras 3 golden files (Tests/Fixtures, see its
/// README): the layer gets the fixture's weights, runs the fixture's input (and mask) in
/// inference mode, and must reproduce Keras's output (1e-5) and the gradients of
/// `loss = Σ outputs · loss_weights` (relative 1e-4, absolute 1e-6).
@Suite("Layers against Keras fixtures")
struct LayerFixtureTests {
    static let outputTol: Float = 1e-5
    static let gradRtol: Float = 1e-4, gradAtol: Float = 1e-6

    /// Every single-layer case of the layers in Sources/RecurrentNN/Layers.
    static let cases: [String] =
        ["embedding"] + Fixture.all(prefix: "dense_") + Fixture.all(prefix: "conv1d_")
        + Fixture.all(prefix: "max_pooling1d_") + Fixture.all(prefix: "global_")
        + Fixture.all(prefix: "dropout_")

    /// The Recurrent layer for a fixture layer entry, from its Keras config.
    static func makeLayer(_ entry: Fixture.LayerEntry) throws -> any Layer {
        let c = entry.config
        let activation = try Activation(keras: c.activation ?? "linear")
        switch entry.className {
        case "Embedding":
            return Embedding(inputDim: c.inputDim!, outputDim: c.outputDim!, maskZero: c.maskZero ?? false)
        case "Dense":
            return Dense(c.units!, activation: activation, useBias: c.useBias ?? true)
        case "Conv1D":
            #expect((c.dilationRate ?? 1) == 1)
            return Conv1D(filters: c.filters!, kernelSize: c.kernelSize!, strides: c.strides ?? 1,
                              padding: try Padding(keras: c.padding ?? "valid"), activation: activation,
                              useBias: c.useBias ?? true)
        case "MaxPooling1D":
            return MaxPooling1D(poolSize: c.poolSize!, strides: c.strides,
                                    padding: try Padding(keras: c.padding ?? "valid"))
        case "GlobalMaxPooling1D":
            return GlobalMaxPooling1D()
        case "GlobalAveragePooling1D":
            return GlobalAveragePooling1D()
        case "Dropout":
            return Dropout(rate: Float(c.rate!))
        default:
            throw FixtureError(message: "no layer for Keras class \(entry.className)")
        }
    }

    @Test(arguments: cases)
    func matchesKeras(_ name: String) throws {
        let fixture = try Fixture.load(name)
        #expect(fixture.layers.count == 1)
        let entry = fixture.layer
        let layer = try Self.makeLayer(entry)
        #expect(layer.typeName == entry.className)
        let x = fixture.input.tensor
        var rng = RandomGenerator(seed: 1)
        try layer.build(inputShape: Array(x.shape.dropFirst()), rng: &rng)

        // Weights: the same names in the same (Keras `layer.weights`) order.
        #expect(layer.parameters.map(\.name) == entry.weights.map(\.name))
        for w in entry.weights {
            let p = try #require(layer.parameter(named: w.name), "\(name): no weight \(w.name)")
            try p.assign(w.tensor, layer: layer.name)
        }

        let mask = fixture.mask?.tensor
        let y = try layer.forward(x, mask: mask, training: false)
        #expect(fixture.outputs.count == 1)
        assertClose(y, fixture.outputs[0].tensor, rtol: Self.outputTol, atol: Self.outputTol, "\(name) output")
        #expect(try layer.outputShape(inputShape: Array(x.shape.dropFirst())) == Array(y.shape.dropFirst()))

        let dx = try layer.backward(fixture.lossWeights[0].tensor)
        if let expected = fixture.inputGradient {
            let dx = try #require(dx, "\(name): no input gradient")
            assertClose(dx, expected.tensor, rtol: Self.gradRtol, atol: Self.gradAtol, "\(name) d input")
        } else {
            #expect(dx == nil)
        }
        for w in entry.weights {
            let expected = try #require(fixture.gradient(weight: w.name), "\(name): no gradient for \(w.name)")
            assertClose(layer.parameter(named: w.name)!.gradient, expected.tensor,
                        rtol: Self.gradRtol, atol: Self.gradAtol, "\(name) d \(w.name)")
        }
    }

    /// The standalone `keras.layers.Activation` cases, through `Activation.apply` / `backward`
    /// (the code path of Dense and Conv1D).
    @Test(arguments: Fixture.all(prefix: "activation_"))
    func activationMatchesKeras(_ name: String) throws {
        let fixture = try Fixture.load(name)
        let activation = try Activation(keras: fixture.layer.config.activation!)
        var y = fixture.input.tensor
        let rowLength = y.shape.last!
        y.withUnsafeMutableBufferPointer { activation.apply($0.baseAddress!, count: $0.count, rowLength: rowLength) }
        assertClose(y, fixture.outputs[0].tensor, rtol: Self.outputTol, atol: Self.outputTol, "\(name) output")
        var g = fixture.lossWeights[0].tensor
        g.withUnsafeMutableBufferPointer { gp in
            y.withUnsafeBufferPointer { yp in
                activation.backward(grad: gp.baseAddress!, output: yp.baseAddress!, count: gp.count, rowLength: rowLength)
            }
        }
        assertClose(g, fixture.inputGradient!.tensor, rtol: Self.gradRtol, atol: Self.gradAtol, "\(name) d input")
    }
}
