import Testing
@testable import RecurrentTestSupport
import Recurrent

/// SimpleRNN, LSTM and GRU against the Keras 3 golden files (Tests/Fixtures, see its
/// README): each layer is built from the fixture's config, gets the fixture's weights, runs the
/// fixture's input (and explicit mask) in inference mode through `forwardWithStates`, and must
/// reproduce Keras's output and states (relative 1e-5, absolute 1e-6) and, through
/// `backwardWithStates` with the loss weights as output and state gradients, the gradients of
/// `loss = Σ outputs · loss_weights` for the input and every weight (relative 1e-4, absolute 1e-6).
@Suite("Recurrent layers against Keras fixtures")
struct RecurrentFixtureTests {
    typealias Support = RecurrentFixtureSupport

    /// Every single-layer recurrent case (`gru_` includes `gru_reset_before_`): 12 SimpleRNN,
    /// 18 LSTM, 18 GRU and 18 GRU(reset_after=False) cases.
    static let cases: [String] =
        Fixture.all(prefix: "simple_rnn_") + Fixture.all(prefix: "lstm_") + Fixture.all(prefix: "gru_")

    /// The `<p>_mask_equiv_padded` / `<p>_mask_equiv_unpadded` pairs, by prefix `<p>`.
    static let equivalencePrefixes: [String] = cases
        .filter { $0.hasSuffix("_mask_equiv_padded") }
        .map { String($0.dropLast("_mask_equiv_padded".count)) }

    @Test("The fixture set is complete")
    func fixturesPresent() {
        #expect(Self.cases.count == 66, "found \(Self.cases.count) recurrent cases")
        #expect(Self.equivalencePrefixes.sorted() == ["gru", "gru_reset_before", "lstm"])
        for p in Self.equivalencePrefixes {
            #expect(Self.cases.contains(p + "_mask_equiv_unpadded"), "no \(p)_mask_equiv_unpadded")
        }
    }

    /// Builds the layer of a single-layer fixture with the fixture's weights.
    static func makeLayer(_ fixture: Fixture) throws -> RecurrentLayer {
        #expect(fixture.layers.count == 1, "\(fixture.name): \(fixture.layers.count) layers")
        let entry = fixture.layer
        // Plain RNN layers use Keras's default: masked steps repeat the previous output.
        #expect(entry.config.zeroOutputForMask != true, "\(fixture.name): zero_output_for_mask")
        let layer = try Support.makeRecurrent(entry.className, entry.config)
        #expect(layer.typeName == entry.className)
        try Support.load(entry, into: layer, inputShape: Array(fixture.input.shape.dropFirst()),
                         case: fixture.name)
        return layer
    }

    @Test(arguments: cases)
    func matchesKeras(_ name: String) throws {
        let fixture = try Fixture.load(name)
        let layer = try Self.makeLayer(fixture)
        let x = fixture.input.tensor
        let mask = fixture.mask?.tensor
        if let mask { #expect(mask.shape == Array(x.shape.prefix(2))) }

        // Forward: output, then h (and c) when return_state.
        let result = try layer.forwardWithStates(x, mask: mask, training: false)
        let outs = [result.output] + result.state.tensors
        let expectedCount = layer.returnState ? 1 + layer.stateCount : 1
        #expect(fixture.outputs.count == expectedCount, "\(name): \(fixture.outputs.count) outputs in the fixture")
        #expect(outs.count >= fixture.outputs.count, "\(name): \(outs.count) outputs from forwardWithStates")
        let labels = ["output", "h", "c"]
        for (i, expected) in fixture.outputs.enumerated() where i < outs.count {
            assertClose(outs[i], expected.tensor, rtol: Support.outputRtol, atol: Support.outputAtol,
                        "\(name) \(labels[i])")
        }
        #expect(try layer.outputShape(inputShape: Array(x.shape.dropFirst())) == Array(outs[0].shape.dropFirst()))

        // Backward: dLoss/dOutput = loss_weights[0], dLoss/dStates = the rest.
        #expect(fixture.lossWeights.count == fixture.outputs.count)
        let stateTensors = fixture.lossWeights.dropFirst().map { $0.tensor }
        let stateGradients = stateTensors.first.map { RecurrentState(h: $0, c: stateTensors.dropFirst().first) }
        let dx = try layer.backwardWithStates(fixture.lossWeights[0].tensor, stateGradients: stateGradients,
                                              needsInputGradient: true)
        let expectedDx = try #require(fixture.inputGradient, "\(name): no input gradient in the fixture")
        let actualDx = try #require(dx, "\(name): no input gradient")
        assertClose(actualDx, expectedDx.tensor, rtol: Support.gradRtol, atol: Support.gradAtol, "\(name) d input")
        #expect(Set(fixture.weightGradients.keys) == Set(fixture.layer.weights.map(\.name)))
        for w in fixture.layer.weights {
            let expected = try #require(fixture.gradient(weight: w.name), "\(name): no gradient for \(w.name)")
            let p = try #require(layer.parameter(named: w.name))
            assertClose(p.gradient, expected.tensor, rtol: Support.gradRtol, atol: Support.gradAtol,
                        "\(name) d \(w.name)")
        }
    }

    /// `<p>_mask_equiv_padded` holds one 4-step sequence post-padded (row 0), pre-padded (row 1)
    /// and padded on both sides (row 2); `<p>_mask_equiv_unpadded` is that sequence alone, same
    /// weights. The final states of every padded row must equal the unpadded sequence's, in
    /// Recurrent's own outputs (and in Keras's).
    @Test(arguments: equivalencePrefixes)
    func maskingEquivalence(_ prefix: String) throws {
        let padded = try Fixture.load(prefix + "_mask_equiv_padded")
        let unpadded = try Fixture.load(prefix + "_mask_equiv_unpadded")
        // The pair shares its weights.
        #expect(padded.layer.weights.map(\.name) == unpadded.layer.weights.map(\.name))
        for (a, b) in zip(padded.layer.weights, unpadded.layer.weights) {
            #expect(a.shape == b.shape && a.data == b.data, "\(prefix): weight \(a.name) differs between the pair")
        }
        #expect(unpadded.mask == nil)
        let mask = try #require(padded.mask, "\(prefix)_mask_equiv_padded has no mask").tensor

        let paddedLayer = try Self.makeLayer(padded)
        let unpaddedLayer = try Self.makeLayer(unpadded)
        #expect(paddedLayer.returnState && unpaddedLayer.returnState)
        let pr = try paddedLayer.forwardWithStates(padded.input.tensor, mask: mask, training: false)
        let ur = try unpaddedLayer.forwardWithStates(unpadded.input.tensor, mask: nil, training: false)
        let p = [pr.output] + pr.state.tensors, u = [ur.output] + ur.state.tensors
        let stateCount = paddedLayer.stateCount
        #expect(p.count == 1 + stateCount && u.count == 1 + stateCount)
        let B = padded.input.shape[0]
        #expect(unpadded.input.shape[0] == 1)
        let labels = ["h", "c"]
        for s in 1...stateCount where s < p.count && s < u.count {
            // Recurrent: each padded row's final state against the unpadded one.
            let reference = u[s]
            #expect(reference.shape[0] == 1)
            let U = reference.shape[1]
            for row in 0..<B {
                let state = Tensor(uncheckedShape: [1, U], data: Array(p[s].data[(row * U)..<((row + 1) * U)]))
                assertClose(state, reference, rtol: 0, atol: Support.equivalenceAtol,
                            "\(prefix) padded row \(row) final \(labels[s - 1]) vs unpadded")
            }
            // Keras: the same property holds for the fixture values.
            let kp = padded.outputs[s].tensor, ku = unpadded.outputs[s].tensor
            for row in 0..<B {
                let state = Tensor(uncheckedShape: [1, U], data: Array(kp.data[(row * U)..<((row + 1) * U)]))
                assertClose(state, ku, rtol: 0, atol: Support.equivalenceAtol,
                            "\(prefix) Keras padded row \(row) final \(labels[s - 1]) vs unpadded")
            }
        }
    }
}

/// `Bidirectional` and multi-layer `Sequential` stacks against the Keras 3 golden files, with the
/// same tolerances as the single-layer cases (outputs relative 1e-5, absolute 1e-6; gradients
/// relative 1e-4, absolute 1e-6).
@Suite("Bidirectional and stacked recurrent models against Keras fixtures")
struct RecurrentModelFixtureTests {
    typealias Support = RecurrentFixtureSupport

    /// `bidirectional_{lstm,gru}_{concat,sum,mul,ave}[_return_sequences]`, `_mask_pre`,
    /// `_mask_return_sequences`.
    static let bidirectionalCases = Fixture.all(prefix: "bidirectional_")
    /// Stacks run through `Sequential` (no explicit mask; Embedding(mask_zero) makes its own).
    static let sequentialCases = Fixture.all(prefix: "stacked_") + Fixture.all(prefix: "embedding_mask_zero_lstm")

    @Test("The fixture set is complete")
    func fixturesPresent() {
        #expect(Self.bidirectionalCases.count == 20, "found \(Self.bidirectionalCases.count) Bidirectional cases")
        #expect(Self.sequentialCases.count == 4, "found \(Self.sequentialCases)")
    }

    /// One `Bidirectional` layer, called directly with the fixture's explicit mask.
    @Test(arguments: bidirectionalCases)
    func bidirectionalMatchesKeras(_ name: String) throws {
        let fixture = try Fixture.load(name)
        #expect(fixture.layers.count == 1)
        let entry = fixture.layer
        #expect(entry.className == "Bidirectional")
        let inner = try #require(entry.config.layer, "\(name): no inner layer config").config
        let layer = try #require(try Support.makeLayer(entry) as? Bidirectional)
        #expect(layer.typeName == "Bidirectional")
        #expect(layer.mergeMode.rawValue == entry.config.mergeMode)
        #expect(layer.forwardLayer.typeName == entry.config.layer?.className)
        #expect(layer.backwardLayer.typeName == entry.config.layer?.className)
        #expect(layer.forwardLayer.goBackwards == (inner.goBackwards ?? false))
        #expect(layer.backwardLayer.goBackwards == !(inner.goBackwards ?? false))
        // Keras forces zero_output_for_mask = return_sequences on both directions.
        #expect(layer.forwardLayer.zeroOutputForMask == (inner.zeroOutputForMask ?? false))
        #expect(layer.backwardLayer.zeroOutputForMask == (inner.zeroOutputForMask ?? false))

        let x = fixture.input.tensor
        let inputShape = Array(x.shape.dropFirst())
        try Support.load(entry, into: layer, inputShape: inputShape, case: name)
        #expect(layer.parameters.count == entry.weights.count)

        let mask = fixture.mask?.tensor
        let y = try layer.forward(x, mask: mask, training: false)
        #expect(fixture.outputs.count == 1)
        assertClose(y, fixture.outputs[0].tensor, rtol: Support.outputRtol, atol: Support.outputAtol, "\(name) output")
        #expect(try layer.outputShape(inputShape: inputShape) == Array(y.shape.dropFirst()))
        let outMask = layer.outputMask(input: x, mask: mask)
        if layer.returnSequences, let mask {
            #expect(outMask?.shape == mask.shape && outMask?.data == mask.data, "\(name): output mask")
        } else {
            #expect(outMask == nil, "\(name): output mask")
        }

        let dx = try layer.backward(fixture.lossWeights[0].tensor, needsInputGradient: true)
        let expectedDx = try #require(fixture.inputGradient, "\(name): no input gradient in the fixture")
        let actualDx = try #require(dx, "\(name): no input gradient")
        assertClose(actualDx, expectedDx.tensor, rtol: Support.gradRtol, atol: Support.gradAtol, "\(name) d input")
        #expect(Set(fixture.weightGradients.keys) == Set(entry.weights.map(\.name)))
        for (weight, p) in Support.namedParameters(layer) {
            let expected = try #require(fixture.gradient(weight: weight), "\(name): no gradient for \(weight)")
            assertClose(p.gradient, expected.tensor, rtol: Support.gradRtol, atol: Support.gradAtol, "\(name) d \(weight)")
        }
    }

    /// The stacks through `Sequential`, which propagates masks between layers (Keras
    /// `compute_mask`); gradient keys are `"<layer index>/<weight>"`.
    @Test(arguments: sequentialCases)
    func sequentialMatchesKeras(_ name: String) throws {
        let fixture = try Fixture.load(name)
        #expect(fixture.layers.count >= 2)
        #expect(fixture.mask == nil, "\(name): Sequential takes no explicit mask")
        let layers = try fixture.layers.map { try Support.makeLayer($0) }
        for (entry, layer) in zip(fixture.layers, layers) {
            #expect(layer.typeName == entry.className)
            if let r = layer as? RecurrentLayer {
                #expect(r.zeroOutputForMask == (entry.config.zeroOutputForMask ?? false))
            }
        }
        let model = Sequential(layers)
        let x = fixture.input.tensor
        try model.build(inputShape: Array(x.shape.dropFirst()), seed: 1)
        #expect(model.layers.count == fixture.layers.count)
        for (entry, layer) in zip(fixture.layers, model.layers) {
            try Support.assign(entry, to: layer, case: name)
        }

        let y = try model.forward(x, training: false)
        #expect(fixture.outputs.count == 1)
        assertClose(y, fixture.outputs[0].tensor, rtol: Support.outputRtol, atol: Support.outputAtol, "\(name) output")

        let dx = try model.backward(fixture.lossWeights[0].tensor, needsInputGradient: true)
        if let expected = fixture.inputGradient {
            let dx = try #require(dx, "\(name): no input gradient")
            assertClose(dx, expected.tensor, rtol: Support.gradRtol, atol: Support.gradAtol, "\(name) d input")
        } else {
            #expect(dx == nil, "\(name): token-id input should have no gradient")
        }
        var keys: Set<String> = []
        for (i, layer) in model.layers.enumerated() {
            for (weight, p) in Support.namedParameters(layer) {
                keys.insert("\(i)/\(weight)")
                let expected = try #require(fixture.gradient(layer: i, weight: weight),
                                            "\(name): no gradient for \(i)/\(weight)")
                assertClose(p.gradient, expected.tensor, rtol: Support.gradRtol, atol: Support.gradAtol,
                            "\(name) d \(i)/\(weight)")
            }
        }
        #expect(Set(fixture.weightGradients.keys) == keys)
    }
}
