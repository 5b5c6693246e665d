import Testing
@testable import RecurrentTestSupport
import Recurrent

/// Parameter counts of the lecture's models, Keras names and output shapes, and how each layer
/// treats a mask (as Keras 3 does).
@Suite("Layer shapes, names, parameter counts and masks")
struct LayerShapeTests {
    struct CountCase: CustomStringConvertible, Sendable {
        var label: String
        var inputShape: [Int]
        var expected: Int
        var make: @Sendable () throws -> any Layer
        var description: String { label }
    }

    static let counts: [CountCase] = [
        CountCase(label: "Embedding(8921, 32)", inputShape: [100], expected: 285_472) { Embedding(inputDim: 8921, outputDim: 32) },
        CountCase(label: "Embedding(1000, 120)", inputShape: [500], expected: 120_000) { Embedding(inputDim: 1000, outputDim: 120) },
        CountCase(label: "Embedding(5000, 120)", inputShape: [500], expected: 600_000) { Embedding(inputDim: 5000, outputDim: 120) },
        CountCase(label: "Conv1D(64, 5) on 120 channels", inputShape: [500, 120], expected: 38_464) { Conv1D(filters: 64, kernelSize: 5) },
        CountCase(label: "Dense(1) on 32", inputShape: [32], expected: 33) { Dense(1, activation: .sigmoid) },
        CountCase(label: "Dense(46) on 120", inputShape: [120], expected: 5_566) { Dense(46, activation: .softmax) },
        CountCase(label: "Dense(1) on 120", inputShape: [120], expected: 121) { Dense(1) },
        CountCase(label: "Dense(1) on 55", inputShape: [55], expected: 56) { Dense(1) },
        CountCase(label: "Dense(1) on 128", inputShape: [128], expected: 129) { Dense(1) },
        CountCase(label: "MaxPooling1D", inputShape: [496, 64], expected: 0) { MaxPooling1D() },
        CountCase(label: "Dropout(0.5)", inputShape: [64], expected: 0) { Dropout(rate: 0.5) },
        CountCase(label: "GlobalMaxPooling1D", inputShape: [10, 64], expected: 0) { GlobalMaxPooling1D() },
        CountCase(label: "GlobalAveragePooling1D", inputShape: [10, 64], expected: 0) { GlobalAveragePooling1D() },
    ]

    @Test(arguments: counts)
    func parameterCount(_ c: CountCase) throws {
        let layer = try c.make()
        try LayerTest.build(layer, c.inputShape)
        #expect(layer.parameterCount == c.expected)
        #expect(layer.isBuilt)
        for p in layer.parameters { #expect(p.gradient.shape == p.value.shape) }
    }

    @Test func kerasNamesAndWeightOrder() throws {
        let layers: [(any Layer, String, String, [String])] = [
            (Embedding(inputDim: 5, outputDim: 2), "embedding", "Embedding", ["embeddings"]),
            (Dense(3), "dense", "Dense", ["kernel", "bias"]),
            (Dense(3, useBias: false), "dense", "Dense", ["kernel"]),
            (Dropout(rate: 0.1), "dropout", "Dropout", []),
            (Conv1D(filters: 2, kernelSize: 3), "conv1d", "Conv1D", ["kernel", "bias"]),
            (MaxPooling1D(), "max_pooling1d", "MaxPooling1D", []),
            (GlobalMaxPooling1D(), "global_max_pooling1d", "GlobalMaxPooling1D", []),
            (GlobalAveragePooling1D(), "global_average_pooling1d", "GlobalAveragePooling1D", []),
        ]
        for (layer, name, typeName, weights) in layers {
            #expect(layer.name == name)
            #expect(layer.typeName == typeName)
            try LayerTest.build(layer, layer is Embedding ? [4] : [6, 4])
            #expect(layer.parameters.map(\.name) == weights, "\(typeName)")
        }
    }

    @Test func kernelShapesAndInitialisers() throws {
        let conv = Conv1D(filters: 64, kernelSize: 5)
        try LayerTest.build(conv, [500, 120])
        #expect(conv.kernel!.value.shape == [5, 120, 64])
        #expect(conv.bias!.value.data.allSatisfy { $0 == 0 })
        // glorot_uniform with the receptive field: limit sqrt(6 / (5·120 + 5·64)).
        let limit = (6.0 / Float(5 * 120 + 5 * 64)).squareRoot()
        #expect(conv.kernel!.value.data.allSatisfy { abs($0) <= limit })
        #expect(conv.kernel!.value.data.map(abs).max()! > 0.9 * limit)

        let emb = Embedding(inputDim: 1000, outputDim: 120)
        try LayerTest.build(emb, [500])
        #expect(emb.embeddings!.value.data.allSatisfy { $0 >= -0.05 && $0 < 0.05 })

        let dense = Dense(46)
        try LayerTest.build(dense, [120])
        let dl = (6.0 / Float(120 + 46)).squareRoot()
        #expect(dense.kernel!.value.data.allSatisfy { abs($0) <= dl })
    }

    /// Keras output lengths: valid floor((T − k)/s) + 1; same and causal ceil(T/s).
    @Test(arguments: [
        (Padding.valid, 500, 5, 1, 496), (.valid, 7, 3, 2, 3), (.valid, 8, 3, 3, 2),
        (.same, 7, 3, 2, 4), (.same, 500, 5, 1, 500), (.same, 10, 4, 3, 4),
        (.causal, 7, 3, 2, 4), (.causal, 500, 5, 1, 500),
    ])
    func conv1dOutputLength(padding: Padding, steps: Int, kernel: Int, strides: Int, expected: Int) throws {
        let conv = Conv1D(filters: 2, kernelSize: kernel, strides: strides, padding: padding)
        try LayerTest.build(conv, [steps, 3])
        #expect(try conv.outputShape(inputShape: [steps, 3]) == [expected, 2])
    }

    /// TensorFlow's SAME puts the odd padded step on the right: for T = 4, k = 2, s = 1 the
    /// last output reads (x[3], 0), the first (x[0], x[1]).
    @Test func samePaddingPutsTheExtraStepOnTheRight() throws {
        let conv = Conv1D(filters: 1, kernelSize: 2, padding: .same, useBias: false)
        try LayerTest.build(conv, [4, 1])
        conv.kernel!.value = try Tensor(shape: [2, 1, 1], data: [1, 10])
        let y = try conv.forward(try Tensor(shape: [1, 4, 1], data: [1, 2, 3, 4]), mask: nil, training: false)
        #expect(y.data == [21, 32, 43, 4])
        // Causal: (0, x[0]), (x[0], x[1]), …
        let causal = Conv1D(filters: 1, kernelSize: 2, padding: .causal, useBias: false)
        try LayerTest.build(causal, [4, 1])
        causal.kernel!.value = try Tensor(shape: [2, 1, 1], data: [1, 10])
        let yc = try causal.forward(try Tensor(shape: [1, 4, 1], data: [1, 2, 3, 4]), mask: nil, training: false)
        #expect(yc.data == [10, 21, 32, 43])
    }

    /// Keras 3 masking: Embedding(mask_zero) makes the mask; Dense and Dropout pass it on;
    /// Conv1D, the pooling layers and the global poolings drop it.
    @Test func maskPropagation() throws {
        let x3 = LayerTest.random([2, 6, 4], seed: 3)
        let mask = try Tensor(shape: [2, 6], data: [1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0])
        let dense = Dense(3)
        try LayerTest.build(dense, [6, 4])
        #expect(dense.outputMask(input: x3, mask: mask) == mask)
        // Dense does not apply the mask: masked steps are computed like any other.
        let yMasked = try dense.forward(x3, mask: mask, training: false)
        #expect(yMasked == (try dense.forward(x3, mask: nil, training: false)))
        #expect(try Dropout(rate: 0.3).outputMask(input: x3, mask: mask) == mask)
        let conv = Conv1D(filters: 2, kernelSize: 2)
        try LayerTest.build(conv, [6, 4])
        #expect(conv.outputMask(input: x3, mask: mask) == nil)
        #expect(try MaxPooling1D().outputMask(input: x3, mask: mask) == nil)
        #expect(GlobalMaxPooling1D().outputMask(input: x3, mask: mask) == nil)
        #expect(GlobalAveragePooling1D().outputMask(input: x3, mask: mask) == nil)
        let emb = Embedding(inputDim: 5, outputDim: 2)
        #expect(emb.outputMask(input: try Tensor(shape: [1, 3], data: [0, 1, 2]), mask: nil) == nil)
    }
}
