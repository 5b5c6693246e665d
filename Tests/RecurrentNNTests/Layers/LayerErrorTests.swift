import Testing
@testable import RecurrentTestSupport
import Recurrent

/// Bad inputs and configurations throw a `RecurrentError` that names the layer.
@Suite("Layer input validation")
struct LayerErrorTests {
    @Test func embeddingRejectsBadIds() throws {
        let layer = Embedding(inputDim: 10, outputDim: 3, name: "tokens")
        try LayerTest.build(layer, [4])
        for bad: Float in [10, -1, 2.5, .nan, .infinity] {
            let x = try Tensor(shape: [2, 4], data: [1, 2, 3, 4, 5, 6, bad, 8])
            let error = LayerTest.expectError(naming: "tokens") { _ = try layer.forward(x, mask: nil, training: false) }
            guard case let .invalidValue(_, expected, found)? = error else {
                Issue.record("expected invalidValue for \(bad), got \(String(describing: error))")
                continue
            }
            #expect(expected.contains("0..<10"))
            #expect(found.contains("[1, 2]"), "position of the id: \(found)")
        }
        // Wrong rank: (batch, timesteps, 1).
        LayerTest.expectError(naming: "tokens") {
            _ = try layer.forward(Tensor(shape: [2, 4, 1]), mask: nil, training: false)
        }
        LayerTest.expectError(naming: "embedding") { try LayerTest.build(Embedding(inputDim: 0, outputDim: 3), [4]) }
        LayerTest.expectError(naming: "embedding") {
            _ = try Embedding(inputDim: 5, outputDim: 3).forward(Tensor(shape: [1, 2]), mask: nil, training: false)
        }
    }

    @Test func denseRejectsBadInput() throws {
        let layer = Dense(2)
        try LayerTest.build(layer, [3])
        LayerTest.expectError(naming: "dense") { _ = try layer.forward(Tensor(shape: [4]), mask: nil, training: false) }
        LayerTest.expectError(naming: "dense") { _ = try layer.forward(Tensor(shape: [4, 5]), mask: nil, training: false) }
        var x = Tensor(shape: [2, 3])
        x[1, 2] = .nan
        let error = LayerTest.expectError(naming: "dense") { _ = try layer.forward(x, mask: nil, training: false) }
        if case .nonFinite("dense", 5, _)? = error {} else {
            Issue.record("expected nonFinite at flat index 5, got \(String(describing: error))")
        }
        LayerTest.expectError(naming: "dense") { _ = try layer.outputShape(inputShape: [4]) }
        LayerTest.expectError(naming: "dense") { _ = try layer.backward(Tensor(shape: [2, 2])) }  // before forward
        _ = try layer.forward(Tensor(shape: [2, 3]), mask: nil, training: false)
        LayerTest.expectError(naming: "dense") { _ = try layer.backward(Tensor(shape: [3, 2])) }
        LayerTest.expectError(naming: "dense") { try LayerTest.build(Dense(0), [3]) }
        LayerTest.expectError(naming: "dense") {
            _ = try Dense(2).forward(Tensor(shape: [1, 3]), mask: nil, training: false)  // not built
        }
    }

    @Test func conv1dRejectsBadInput() throws {
        let layer = Conv1D(filters: 4, kernelSize: 3)
        try LayerTest.build(layer, [6, 2])
        LayerTest.expectError(naming: "conv1d") { _ = try layer.forward(Tensor(shape: [1, 6]), mask: nil, training: false) }
        LayerTest.expectError(naming: "conv1d") { _ = try layer.forward(Tensor(shape: [1, 6, 3]), mask: nil, training: false) }
        LayerTest.expectError(naming: "conv1d") { _ = try layer.forward(Tensor(shape: [1, 2, 2]), mask: nil, training: false) }
        var x = Tensor(shape: [1, 6, 2])
        x[0, 3, 1] = -.infinity
        LayerTest.expectError(naming: "conv1d") { _ = try layer.forward(x, mask: nil, training: false) }
        LayerTest.expectError(naming: "conv1d") { _ = try layer.outputShape(inputShape: [2, 2]) }
        LayerTest.expectError(naming: "conv1d") { try LayerTest.build(Conv1D(filters: 4, kernelSize: 0), [6, 2]) }
        LayerTest.expectError(naming: "conv1d") { try LayerTest.build(Conv1D(filters: 4, kernelSize: 2, strides: 0), [6, 2]) }
    }

    @Test func poolingRejectsBadInput() throws {
        let pool = MaxPooling1D()
        try LayerTest.build(pool, [6, 2])
        LayerTest.expectError(naming: "max_pooling1d") { _ = try pool.forward(Tensor(shape: [6, 2]), mask: nil, training: false) }
        LayerTest.expectError(naming: "max_pooling1d") { _ = try pool.forward(Tensor(shape: [1, 6, 3]), mask: nil, training: false) }
        LayerTest.expectError(naming: "max_pooling1d") { _ = try pool.forward(Tensor(shape: [1, 1, 2]), mask: nil, training: false) }
        var x = Tensor(shape: [1, 6, 2])
        x[0, 0, 0] = .nan
        LayerTest.expectError(naming: "max_pooling1d") { _ = try pool.forward(x, mask: nil, training: false) }
        LayerTest.expectError(naming: "max_pooling1d") { try LayerTest.build(MaxPooling1D(padding: .causal), [6, 2]) }
        LayerTest.expectError(naming: "max_pooling1d") { try LayerTest.build(MaxPooling1D(poolSize: 0), [6, 2]) }

        let gmax = GlobalMaxPooling1D(), gavg = GlobalAveragePooling1D()
        try LayerTest.build(gmax, [6, 2])
        try LayerTest.build(gavg, [6, 2])
        LayerTest.expectError(naming: "global_max_pooling1d") { _ = try gmax.forward(Tensor(shape: [1, 12]), mask: nil, training: false) }
        LayerTest.expectError(naming: "global_max_pooling1d") { _ = try gmax.forward(Tensor(shape: [1, 6, 3]), mask: nil, training: false) }
        LayerTest.expectError(naming: "global_average_pooling1d") { _ = try gavg.forward(x, mask: nil, training: false) }
        LayerTest.expectError(naming: "global_average_pooling1d") {
            _ = try gavg.forward(Tensor(shape: [1, 6, 2]), mask: Tensor(shape: [1, 5]), training: false)
        }
    }

    @Test func dropoutRejectsBadRateAndInput() throws {
        LayerTest.expectError(naming: "dropout") { _ = try Dropout(rate: 1.0).forward(Tensor(shape: [2, 3]), mask: nil, training: true) }
        LayerTest.expectError(naming: "dropout") { try LayerTest.build(Dropout(rate: -0.1), [3]) }
        LayerTest.expectError(naming: "dropout") { try LayerTest.build(Dropout(rate: .nan), [3]) }
        let layer = Dropout(rate: 0.2, name: "drop")
        var x = Tensor(shape: [2, 3])
        x[0, 1] = .nan
        LayerTest.expectError(naming: "drop") { _ = try layer.forward(x, mask: nil, training: true) }
    }

    @Test func paddingParsesKerasStrings() throws {
        #expect(try Padding(keras: "SAME") == .same)
        #expect(try Padding(keras: "causal") == .causal)
        LayerTest.expectError(naming: "Padding") { _ = try Padding(keras: "full") }
    }
}
