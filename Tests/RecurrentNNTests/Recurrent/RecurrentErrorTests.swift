import Testing
@testable import RecurrentTestSupport
import Recurrent

/// Bad inputs and configurations of the recurrent layers, `Bidirectional` and `Sequential` throw a
/// `RecurrentError` whose description names the layer and says what was expected and found.
@Suite("Recurrent input validation")
struct RecurrentErrorTests {
    enum Kind: String, CaseIterable, Sendable { case simple, lstm, gruAfter, gruBefore }

    static func make(_ kind: Kind, units: Int = 4, activation: Activation = .tanh,
                     recurrentActivation: Activation = .sigmoid, dropout: Float = 0,
                     recurrentDropout: Float = 0, returnSequences: Bool = false, name: String) -> RecurrentLayer {
        switch kind {
        case .simple:
            return SimpleRNN(units, activation: activation, returnSequences: returnSequences, dropout: dropout,
                             recurrentDropout: recurrentDropout, name: name)
        case .lstm:
            return LSTM(units, activation: activation, recurrentActivation: recurrentActivation,
                        returnSequences: returnSequences, dropout: dropout, recurrentDropout: recurrentDropout, name: name)
        case .gruAfter, .gruBefore:
            return GRU(units, activation: activation, recurrentActivation: recurrentActivation,
                       resetAfter: kind == .gruAfter, returnSequences: returnSequences, dropout: dropout,
                       recurrentDropout: recurrentDropout, name: name)
        }
    }

    static func build(_ layer: some Layer, _ shape: [Int]) throws {
        var rng = RandomGenerator(seed: 1)
        try layer.build(inputShape: shape, rng: &rng)
    }

    /// Expects `body` to throw a `RecurrentError` whose description contains `layer` and every
    /// string of `mentions`; returns the error.
    @discardableResult
    static func expectError(naming layer: String, mentioning mentions: [String] = ["expected", "found"],
                            sourceLocation: SourceLocation = #_sourceLocation,
                            _ body: () throws -> Void) -> RecurrentError? {
        LayerTest.expectError(naming: layer, mentioning: mentions, sourceLocation: sourceLocation, body)
    }

    @Test(arguments: Kind.allCases)
    func badInputsThrowNamingTheLayer(_ kind: Kind) throws {
        let name = "rnn_\(kind.rawValue)"
        let layer = Self.make(kind, name: name)
        try Self.build(layer, [5, 3])

        // Wrong rank: (batch, features) without the time axis.
        let rankError = Self.expectError(naming: name) { _ = try layer.forward(Tensor(shape: [2, 3]), mask: nil, training: false) }
        if case let .shapeMismatch(_, expected, found)? = rankError {
            #expect(expected.contains("rank-3") && found.contains("[2, 3]"), "\(expected) / \(found)")
        } else {
            Issue.record("wrong rank: expected shapeMismatch, got \(String(describing: rankError))")
        }
        // Rank 4 too.
        Self.expectError(naming: name) { _ = try layer.forward(Tensor(shape: [2, 5, 3, 1]), mask: nil, training: false) }

        // Wrong feature count.
        let featureError = Self.expectError(naming: name) {
            _ = try layer.forward(Tensor(shape: [2, 5, 4]), mask: nil, training: false)
        }
        if case let .shapeMismatch(_, expected, found)? = featureError {
            #expect(expected.contains("3") && found.contains("[2, 5, 4]"), "\(expected) / \(found)")
        } else {
            Issue.record("wrong features: expected shapeMismatch, got \(String(describing: featureError))")
        }

        // NaN and ±Inf, reported with their flat index.
        for bad: Float in [.nan, .infinity, -.infinity] {
            var x = Tensor(shape: [2, 5, 3])
            x[1, 2, 0] = bad
            let error = Self.expectError(naming: name) { _ = try layer.forward(x, mask: nil, training: true) }
            if case let .nonFinite(_, index, value)? = error {
                #expect(index == (1 * 5 + 2) * 3 + 0)
                #expect(value.isNaN == bad.isNaN && (bad.isNaN || value == bad))
            } else {
                Issue.record("\(bad): expected nonFinite, got \(String(describing: error))")
            }
        }

        // Masks of the wrong shape: wrong batch, wrong timesteps, rank 3.
        for maskShape in [[3, 5], [2, 4], [2, 5, 1]] {
            let error = Self.expectError(naming: name) {
                _ = try layer.forward(Tensor(shape: [2, 5, 3]), mask: Tensor(shape: maskShape, repeating: 1), training: false)
            }
            if case let .shapeMismatch(_, expected, found)? = error {
                #expect(expected.contains("[2, 5]") && found.contains("\(maskShape)"), "\(expected) / \(found)")
            } else {
                Issue.record("mask \(maskShape): expected shapeMismatch, got \(String(describing: error))")
            }
        }
    }

    @Test(arguments: Kind.allCases)
    func backwardMisuseThrows(_ kind: Kind) throws {
        for seq in [false, true] {
            let name = "rnn_\(kind.rawValue)_\(seq)"
            let layer = Self.make(kind, returnSequences: seq, name: name)
            try Self.build(layer, [5, 3])
            // Backward before any forward.
            Self.expectError(naming: name, mentioning: ["backward", "before forward"]) {
                _ = try layer.backward(Tensor(shape: seq ? [2, 5, 4] : [2, 4]))
            }
            _ = try layer.forward(Tensor(shape: [2, 5, 3], repeating: 0.5), mask: nil, training: true)
            // gradOutput of the wrong shape: the other mode's shape, a wrong batch, wrong units.
            for bad in [seq ? [2, 4] : [2, 5, 4], seq ? [3, 5, 4] : [3, 4], seq ? [2, 5, 3] : [2, 3]] {
                let error = Self.expectError(naming: name) { _ = try layer.backward(Tensor(shape: bad)) }
                if case let .shapeMismatch(_, expected, found)? = error {
                    #expect(expected.contains(seq ? "[2, 5, 4]" : "[2, 4]") && found.contains("\(bad)"), "\(expected) / \(found)")
                } else {
                    Issue.record("gradOutput \(bad): expected shapeMismatch, got \(String(describing: error))")
                }
            }
            // A state gradient of the wrong shape.
            Self.expectError(naming: name) {
                _ = try layer.backwardWithStates(Tensor(shape: seq ? [2, 5, 4] : [2, 4]), stateGradients: RecurrentState(h: Tensor(shape: [2, 5])),
                                                 needsInputGradient: true)
            }
            // A correct one still works afterwards.
            #expect(try layer.backward(Tensor(shape: seq ? [2, 5, 4] : [2, 4]))?.shape == [2, 5, 3])
        }
    }

    /// A second `backward` after one `forward` must either throw (naming the layer) or give the
    /// same gradients again; it must never return different numbers silently. (Found failing:
    /// backward overwrites the cached gate activations with gradients, see the report.)
    @Test(arguments: Kind.allCases)
    func secondBackwardIsNotSilentlyWrong(_ kind: Kind) throws {
        let name = "twice_\(kind.rawValue)"
        let layer = Self.make(kind, returnSequences: true, name: name)
        try Self.build(layer, [5, 3])
        var x = Tensor(shape: [2, 5, 3])
        for i in 0..<x.count { x.data[i] = Float(i % 7) * 0.1 - 0.3 }
        let y = try layer.forward(x, mask: nil, training: false)
        let g = Tensor(uncheckedShape: y.shape, data: y.data.map { $0 + 0.5 })
        let dx1 = try #require(try layer.backward(g))
        let grads1 = layer.parameters.map(\.gradient)
        do {
            let dx2 = try #require(try layer.backward(g))
            let sameInput = dx2 == dx1, sameWeights = layer.parameters.map(\.gradient) == grads1
            #expect(sameInput, "\(kind): second backward changed the input gradient")
            #expect(sameWeights, "\(kind): second backward changed the weight gradients")
        } catch let error as RecurrentError {
            #expect(error.description.contains(name), "\(error)")
        }
    }

    @Test(arguments: Kind.allCases)
    func badConfigurationsThrowAtBuild(_ kind: Kind) throws {
        // units 0 (and negative).
        for units in [0, -3] {
            let error = Self.expectError(naming: "cfg_units", mentioning: ["units", "\(units)"]) {
                try Self.build(Self.make(kind, units: units, name: "cfg_units"), [5, 3])
            }
            if case .invalidConfiguration? = error {} else { Issue.record("units \(units): got \(String(describing: error))") }
        }
        // Rates outside [0, 1).
        for rate: Float in [1.0, -0.1, 1.5] {
            Self.expectError(naming: "cfg_dropout", mentioning: ["dropout", "\(rate)"]) {
                try Self.build(Self.make(kind, dropout: rate, name: "cfg_dropout"), [5, 3])
            }
            Self.expectError(naming: "cfg_recurrent", mentioning: ["recurrentDropout", "\(rate)"]) {
                try Self.build(Self.make(kind, recurrentDropout: rate, name: "cfg_recurrent"), [5, 3])
            }
        }
        // Softmax is not elementwise: neither as activation nor as recurrent activation.
        Self.expectError(naming: "cfg_softmax", mentioning: ["softmax"]) {
            try Self.build(Self.make(kind, activation: .softmax, name: "cfg_softmax"), [5, 3])
        }
        if kind != .simple {
            Self.expectError(naming: "cfg_rsoftmax", mentioning: ["softmax"]) {
                try Self.build(Self.make(kind, recurrentActivation: .softmax, name: "cfg_rsoftmax"), [5, 3])
            }
        }
        // A build shape that is not (timesteps, features).
        for shape in [[3], [5, 3, 2], [5, 0]] {
            Self.expectError(naming: "cfg_shape") { try Self.build(Self.make(kind, name: "cfg_shape"), shape) }
        }
        // A failed build leaves the layer unbuilt.
        let layer = Self.make(kind, units: 0, name: "cfg_unbuilt")
        _ = try? Self.build(layer, [5, 3])
        #expect(!layer.isBuilt)
    }

    @Test(arguments: Kind.allCases)
    func forwardBeforeBuildThrows(_ kind: Kind) {
        let layer = Self.make(kind, name: "unbuilt_\(kind.rawValue)")
        let error = Self.expectError(naming: "unbuilt_\(kind.rawValue)", mentioning: ["build"]) {
            _ = try layer.forward(Tensor(shape: [2, 5, 3]), mask: nil, training: false)
        }
        if case .notBuilt? = error {} else { Issue.record("expected notBuilt, got \(String(describing: error))") }
    }

    @Test func bidirectionalRejectsBadGradients() throws {
        for (mode, seq) in [(MergeMode.concat, false), (.concat, true), (.sum, false), (.mul, true), (.ave, false)] {
            let bi = Bidirectional(LSTM(4, returnSequences: seq), mergeMode: mode, name: "bi")
            try Self.build(bi, [5, 3])
            let width = mode == .concat ? 8 : 4
            let good = seq ? [2, 5, width] : [2, width]
            Self.expectError(naming: "bi", mentioning: ["backward", "before forward"]) { _ = try bi.backward(Tensor(shape: good)) }
            _ = try bi.forward(Tensor(shape: [2, 5, 3], repeating: 0.1), mask: nil, training: false)
            let wrongWidth = seq ? [2, 5, mode == .concat ? 4 : 8] : [2, mode == .concat ? 4 : 8]
            for bad in [wrongWidth, seq ? [2, width] : [2, 5, width], seq ? [3, 5, width] : [3, width]] {
                let error = Self.expectError(naming: "bi") { _ = try bi.backward(Tensor(shape: bad)) }
                if case let .shapeMismatch(_, expected, found)? = error {
                    #expect(expected.contains("\(good)") && found.contains("\(bad)"), "\(mode) \(expected) / \(found)")
                } else {
                    Issue.record("\(mode) seq=\(seq) \(bad): expected shapeMismatch, got \(String(describing: error))")
                }
            }
            #expect(try bi.backward(Tensor(shape: good))?.shape == [2, 5, 3])
        }
        // The wrapped layers check their inputs too, naming the direction.
        let bi = Bidirectional(GRU(4), name: "bi")
        try Self.build(bi, [5, 3])
        Self.expectError(naming: "forward_gru") { _ = try bi.forward(Tensor(shape: [2, 5, 2]), mask: nil, training: false) }
        Self.expectError(naming: "gru") {
            _ = try bi.forward(Tensor(shape: [2, 5, 3]), mask: Tensor(shape: [2, 4], repeating: 1), training: false)
        }
    }

    @Test func sequentialBeforeBuildThrows() throws {
        let model = Sequential {
            Embedding(inputDim: 10, outputDim: 4)
            LSTM(3)
            Dense(1)
        }
        let error = Self.expectError(naming: "sequential", mentioning: ["build"]) {
            _ = try model.forward(Tensor(shape: [2, 5]))
        }
        if case .notBuilt? = error {} else { Issue.record("expected notBuilt, got \(String(describing: error))") }
        // predict (like fit and evaluate) builds an unbuilt model from its first input, as Keras.
        #expect(try model.predict(Tensor(shape: [2, 5])).shape == [2, 1])
        #expect(model.inputShape == [5])

        // Once built, a bad input is reported by the layer that meets it.
        Self.expectError(naming: "embedding") { _ = try model.forward(try Tensor(shape: [1, 5], data: [1, 2, 3, 4, 10])) }
        // A model whose shapes do not chain fails to build, naming the layer.
        let broken = Sequential { LSTM(3); LSTM(2) }  // LSTM(3) without returnSequences outputs (3): not (timesteps, features)
        Self.expectError(naming: "lstm_1") { try broken.build(inputShape: [5, 2]) }
    }
}
