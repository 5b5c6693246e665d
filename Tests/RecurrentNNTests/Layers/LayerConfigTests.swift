import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

/// Layer configurations (Keras `get_config`) and `LayerRegistry`: every layer type round-trips
/// through its configuration, the rebuilt layer computes the same output with the same weights,
/// Keras's own configurations are read, and bad configurations throw errors that name the layer
/// and the key.
@Suite("Layer configurations and the layer registry")
struct LayerConfigTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let label: String
        /// The sample shape given to `build`; for an Embedding, `(timesteps)` of token ids.
        let inputShape: [Int]
        /// Token ids drawn from `0..<vocabulary` when set, else floats in [-1, 1).
        let vocabulary: Int?
        let make: @Sendable () -> any Layer
        var testDescription: String { label }
    }

    /// Every layer type, each with options away from Keras's defaults.
    static let cases: [Case] = [
        Case(label: "Embedding", inputShape: [7], vocabulary: 20) {
            Embedding(inputDim: 20, outputDim: 6, maskZero: true, embeddingsInitializer: .randomUniform(min: -0.1, max: 0.1), name: "emb")
        },
        Case(label: "Dense", inputShape: [7, 3], vocabulary: nil) {
            Dense(5, activation: .tanh, useBias: false, kernelInitializer: .heUniform, biasInitializer: .constant(0.5), name: "head")
        },
        Case(label: "Dense with bias", inputShape: [3], vocabulary: nil) {
            Dense(4, activation: .softmax, biasInitializer: .ones)
        },
        Case(label: "Dropout", inputShape: [7, 3], vocabulary: nil) { Dropout(rate: 0.3, seed: 42, name: "drop") },
        Case(label: "Dropout with a 64-bit seed", inputShape: [7, 3], vocabulary: nil) { Dropout(rate: 0.5, seed: UInt64.max - 1) },
        Case(label: "Conv1D", inputShape: [7, 3], vocabulary: nil) {
            Conv1D(filters: 4, kernelSize: 3, strides: 2, padding: .causal, activation: .relu, useBias: false,
                   kernelInitializer: .orthogonal(gain: 2), name: "conv")
        },
        Case(label: "Conv1D same", inputShape: [7, 3], vocabulary: nil) {
            Conv1D(filters: 2, kernelSize: 2, padding: .same, activation: .hardSigmoid)
        },
        Case(label: "MaxPooling1D", inputShape: [7, 3], vocabulary: nil) { MaxPooling1D(poolSize: 3, strides: 1, padding: .same, name: "pool") },
        Case(label: "GlobalMaxPooling1D", inputShape: [7, 3], vocabulary: nil) { GlobalMaxPooling1D(name: "gmp") },
        Case(label: "GlobalAveragePooling1D", inputShape: [7, 3], vocabulary: nil) { GlobalAveragePooling1D(name: "gap") },
        Case(label: "SimpleRNN", inputShape: [7, 3], vocabulary: nil) {
            SimpleRNN(4, activation: .relu, useBias: false, returnSequences: true, returnState: true, goBackwards: true,
                      dropout: 0.25, recurrentDropout: 0.125, name: "rnn")
        },
        Case(label: "LSTM", inputShape: [7, 3], vocabulary: nil) {
            LSTM(4, activation: .hardSigmoid, recurrentActivation: .hardSigmoid, unitForgetBias: false,
                 returnSequences: true, dropout: 0.1, name: "lstm_a")
        },
        Case(label: "GRU reset before", inputShape: [7, 3], vocabulary: nil) {
            GRU(4, resetAfter: false, goBackwards: true, recurrentDropout: 0.2, name: "gru_b")
        },
        Case(label: "GRU", inputShape: [7, 3], vocabulary: nil) { GRU(5, activation: .linear, recurrentActivation: .tanh) },
        Case(label: "Bidirectional GRU", inputShape: [7, 3], vocabulary: nil) {
            Bidirectional(GRU(3, returnSequences: true), mergeMode: .ave, name: "bi")
        },
        Case(label: "Bidirectional LSTM", inputShape: [7, 3], vocabulary: nil) {
            Bidirectional(LSTM(3, goBackwards: true), mergeMode: .mul)
        },
    ]

    static func input(_ c: Case, batch: Int = 3) -> Tensor {
        var rng = RandomGenerator(seed: 5)
        var x = Tensor(shape: [batch] + c.inputShape)
        for i in 0..<x.count {
            x.data[i] = c.vocabulary.map { Float(Int(rng.uniform() * Float($0)) % $0) } ?? rng.uniform(-1, 1)
        }
        return x
    }

    @Test(arguments: cases)
    func configRoundTrips(_ c: Case) throws {
        let layer = c.make()
        let config = layer.config
        let rebuilt = try LayerRegistry.make(typeName: layer.typeName, config: config)
        #expect(rebuilt.typeName == layer.typeName)
        #expect(rebuilt.name == layer.name)
        #expect(rebuilt.config == config)
        // And through JSON text, as a model file stores it.
        let text = JSONValue.object(config).description
        let parsed = try JSONValue.parse(Array(text.utf8), location: "test")
        #expect(try LayerRegistry.make(typeName: layer.typeName, config: parsed.objectValue ?? [:]).config == config)
        // Built, the configuration is unchanged.
        var rng = RandomGenerator(seed: 1)
        try layer.build(inputShape: c.inputShape, rng: &rng)
        #expect(layer.config == config)
    }

    @Test(arguments: cases)
    func rebuiltLayerComputesTheSame(_ c: Case) throws {
        let layer = c.make()
        var rng = RandomGenerator(seed: 1)
        try layer.build(inputShape: c.inputShape, rng: &rng)
        let rebuilt = try LayerRegistry.make(typeName: layer.typeName, config: layer.config)
        var other = RandomGenerator(seed: 2)
        try rebuilt.build(inputShape: c.inputShape, rng: &other)
        #expect(rebuilt.parameters.map(\.name) == layer.parameters.map(\.name))
        for (p, q) in zip(layer.parameters, rebuilt.parameters) { try q.assign(p.value, layer: rebuilt.name) }
        let x = Self.input(c)
        let y = try layer.forward(x, mask: nil, training: false)
        let z = try rebuilt.forward(x, mask: nil, training: false)
        #expect(y.shape == z.shape)
        #expect(y.data.map(\.bitPattern) == z.data.map(\.bitPattern), "\(c.label): outputs differ")
        #expect(layer.outputMask(input: x, mask: nil) == rebuilt.outputMask(input: x, mask: nil))
        #expect(try layer.outputShape(inputShape: c.inputShape) == rebuilt.outputShape(inputShape: c.inputShape))
    }

    @Test func frozenWeightsWriteTrainableFalse() throws {
        let layer = Dense(2)
        var rng = RandomGenerator(seed: 0)
        try layer.build(inputShape: [3], rng: &rng)
        #expect(layer.config["trainable"] == true)
        layer.parameters.forEach { $0.trainable = false }
        #expect(layer.config["trainable"] == false)
        #expect(GlobalMaxPooling1D().config["trainable"] == true)
    }

    @Test func kerasNamesAndValues() {
        // Spot checks of the values Keras writes (the fixture test below checks every key).
        let lstm = LSTM(8).config
        #expect(lstm["units"] == 8 && lstm["activation"] == "tanh" && lstm["recurrent_activation"] == "sigmoid")
        #expect(lstm["unit_forget_bias"] == true && lstm["dropout"] == 0 && lstm["name"] == "lstm")
        #expect(GRU(8).config["reset_after"] == true)
        #expect(SimpleRNN(8).config["recurrent_activation"] == nil)
        #expect(Conv1D(filters: 2, kernelSize: 5).config["kernel_size"] == [5])
        #expect(MaxPooling1D(poolSize: 4).config["strides"] == [4])
        #expect(Dropout(rate: 0.3).config["rate"] == 0.3)
        #expect(Dropout(rate: 0.3).config["seed"] == .some(.null))
        #expect(Dense(1).config["kernel_initializer"]?["class_name"] == "GlorotUniform")
        let bi = Bidirectional(LSTM(4)).config
        #expect(bi["merge_mode"] == "concat" && bi["layer"]?["class_name"] == "LSTM")
        #expect(bi["layer"]?["config"]?["name"] == "forward_lstm")
        #expect(bi["layer"]?["module"] == "keras.layers")
        #expect(bi["backward_layer"]?["config"]?["name"] == "backward_lstm")
        #expect(bi["backward_layer"]?["config"]?["go_backwards"] == true)
    }

    /// Keras's own `get_config()` output (fixtures/layer_configs.py) is read by the registry,
    /// and every key Recurrent writes has Keras's name and value.
    @Test func readsKerasConfigurations() throws {
        struct Entry: Decodable { let `case`: String; let class_name: String; let config: [String: JSONValue] }
        let url = Fixture.directory.appendingPathComponent("configs/keras_layer_configs.json")
        let entries = try JSONDecoder().decode([Entry].self, from: Data(contentsOf: url))
        #expect(entries.count == 11)
        for e in entries {
            let layer = try LayerRegistry.make(typeName: e.class_name, config: e.config)
            #expect(layer.typeName == e.class_name)
            Self.expectSubset(layer.config, of: e.config, path: e.case)
        }
    }

    /// Every key of `ours` is in `keras` with an equal value; initialisers are compared as
    /// `Initializer`s (Keras writes seeds and axes Recurrent does not have).
    static func expectSubset(_ ours: [String: JSONValue], of keras: [String: JSONValue], path: String) {
        for (key, value) in ours {
            let where_ = "\(path).\(key)"
            guard let theirs = keras[key] else { Issue.record("\(where_): not written by Keras"); continue }
            if key.hasSuffix("_initializer") {
                #expect(Initializer(config: value) == Initializer(config: theirs), "\(where_)")
            } else if let o = value.objectValue, let t = theirs.objectValue {
                expectSubset(o, of: t, path: where_)
            } else {
                #expect(value == theirs, "\(where_): \(value) here, \(theirs) in Keras")
            }
        }
    }

    @Test func errorsNameTheLayerAndTheKey() {
        func message(_ type: String, _ config: [String: JSONValue]) -> String {
            do { _ = try LayerRegistry.make(typeName: type, config: config); return "no error" } catch {
                guard case let .invalidConfiguration(location, message) = error as? RecurrentError else { return "\(error)" }
                return "\(location): \(message)"
            }
        }
        #expect(message("Attention", ["name": "att"]).contains("unknown layer type 'Attention'"))
        #expect(message("Attention", ["name": "att"]).contains("'att'"))
        #expect(message("LSTM", ["name": "enc"]) == "LSTM 'enc': key 'units': expected a positive integer, found nothing (the key is missing)")
        #expect(message("LSTM", ["units": "eight"]) == "LSTM: key 'units': expected a positive integer, found \"eight\"")
        #expect(message("LSTM", ["units": 1.5]).contains("key 'units'"))
        #expect(message("Dense", ["units": 2, "activation": "swish"]).contains("key 'activation': expected an activation name, found \"swish\""))
        #expect(message("Dense", ["units": 2, "use_bais": false]) == "Dense: unknown key 'use_bais' for Dense")
        #expect(message("GRU", ["units": 2, "stateful": true]).contains("key 'stateful': expected false"))
        #expect(message("Conv1D", ["filters": 2, "kernel_size": [3], "dilation_rate": [2]]).contains("key 'dilation_rate'"))
        #expect(message("Conv1D", ["filters": 2]).contains("key 'kernel_size'"))
        #expect(message("Conv1D", ["filters": 2, "kernel_size": [3, 3]]).contains("key 'kernel_size'"))
        #expect(message("MaxPooling1D", ["padding": "full"]).contains("key 'padding'"))
        #expect(message("Embedding", ["input_dim": 5]).contains("key 'output_dim'"))
        #expect(message("Dropout", [:]).contains("key 'rate'"))
        #expect(message("Dropout", ["rate": 0.5, "seed": -1]).contains("key 'seed'"))
        #expect(message("Bidirectional", ["layer": ["class_name": "Dense", "config": ["units": 2]]])
            .contains("key 'layer': expected a SimpleRNN, LSTM or GRU"))
        #expect(message("Bidirectional", ["layer": ["class_name": "LSTM", "config": ["units": -1, "go_backwards": 3]]])
            .contains("LSTM: key 'go_backwards'"))
        #expect(message("Bidirectional", ["merge_mode": nil, "layer": ["class_name": "LSTM", "config": ["units": 2]]])
            .contains("key 'merge_mode'"))
        #expect(message("Dense", ["units": 2, "kernel_initializer": "lecun_normal"]).contains("key 'kernel_initializer'"))
        // A backward layer other than the forward one with go_backwards toggled.
        var bi = Bidirectional(LSTM(3)).config
        bi["backward_layer"] = LayerRegistry.spec(of: LSTM(4, goBackwards: true, name: "backward_lstm"))
        #expect(message("Bidirectional", bi).contains("key 'backward_layer': expected LSTM"))
        // Values the layer checks when it is built (units ≤ 0, a rate ≥ 1) are still thrown by build.
        #expect(message("Dense", ["units": 0]) == "no error")
    }
}
