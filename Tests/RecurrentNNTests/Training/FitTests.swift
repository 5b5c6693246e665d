import Foundation
import Testing
@testable import RecurrentTestSupport
@testable import Recurrent

/// A Keras `fit` history (fixtures/fit.py): the model, its initial weights, data, and what Keras logged.
struct FitFixture: Decodable {
    struct Named: Decodable { let name: String; let shape: [Int]; let data: [Float] }
    struct Plain: Decodable { let shape: [Int]; let data: [Float] }
    struct Model: Decodable { let timesteps, vocab, embed, units, classes: Int; let cell: String; let mask_zero: Bool }
    struct Compile: Decodable { let optimizer: String; let optimizer_args: [String: Double]; let loss: String }
    struct Fit: Decodable { let batch_size, epochs: Int; let validation_split: Double }
    let model: Model
    let compile: Compile
    let fit: Fit
    let x: Plain
    let y: Plain
    let initial_weights: [Named]
    let history: [String: [Double]]
    let trained_weights: [Named]
    let evaluate: [String: Double]
    let predict: Plain

    static func load(_ name: String) throws -> FitFixture { try FixtureFolder("fit").decode(name) }

    static var names: [String] { FixtureFolder("fit").names() }

    /// The Swift model with the fixture's initial weights, compiled like the Keras one.
    func makeModel() throws -> Sequential {
        let rnn: RecurrentLayer = switch model.cell {
        case "GRU": GRU(model.units)
        case "SimpleRNN": SimpleRNN(model.units)
        default: LSTM(model.units)
        }
        let out = model.classes == 1 ? Dense(1, activation: .sigmoid) : Dense(model.classes, activation: .softmax)
        let m = Sequential { Embedding(inputDim: model.vocab, outputDim: model.embed, maskZero: model.mask_zero); rnn; out }
        try m.build(inputShape: [model.timesteps])
        let params = m.layers.flatMap { layer in layer.parameters.map { ("\(layer.name)/\($0.name)", $0) } }
        #expect(params.map(\.0) == initial_weights.map(\.name))
        for ((_, p), w) in zip(params, initial_weights) {
            try p.assign(Tensor(shape: w.shape, data: w.data), layer: w.name)
        }
        let lr = Float(compile.optimizer_args["learning_rate"] ?? 0.001)
        let optimizer: any Optimizer = compile.optimizer == "rmsprop" ? RMSprop(learningRate: lr) : Adam(learningRate: lr)
        optimizer.clipnorm = compile.optimizer_args["clipnorm"].map(Float.init)
        optimizer.weightDecay = compile.optimizer_args["weight_decay"].map(Float.init)
        try m.compile(optimizer: optimizer, loss: Loss(keras: compile.loss), metrics: ["accuracy"])
        return m
    }
}

@Suite("fit, evaluate and predict against Keras")
struct FitTests {
    @Test("3-epoch fit gives Keras's per-epoch loss and accuracy (rtol 1e-4)", arguments: FitFixture.names)
    func fitMatchesKeras(_ name: String) throws {
        let f = try FitFixture.load(name)
        let model = try f.makeModel()
        let x = try Tensor(shape: f.x.shape, data: f.x.data), y = try Tensor(shape: f.y.shape, data: f.y.data)
        let history = try model.fit(x: x, y: y, batchSize: f.fit.batch_size, epochs: f.fit.epochs,
                                    validationSplit: f.fit.validation_split, shuffle: false, verbose: .silent)
        #expect(Set(history.history.keys) == Set(f.history.keys))
        for (key, expected) in f.history {
            let got = history.history[key] ?? []
            #expect(got.count == expected.count, "\(key)")
            for (g, e) in zip(got, expected) {
                #expect(abs(g - e) <= 1e-4 * abs(e), "\(name) \(key): \(got) vs Keras \(expected)")
            }
        }
        // evaluate and predict after training, on the training inputs.
        let ev = try model.evaluate(x: x, y: y, batchSize: f.fit.batch_size)
        for (key, expected) in f.evaluate {
            #expect(abs((ev[key] ?? .nan) - expected) <= 1e-4 * abs(expected), "\(name) evaluate \(key): \(ev[key] ?? .nan) vs \(expected)")
        }
        let p = try model.predict(x, batchSize: f.fit.batch_size)
        #expect(p.shape == f.predict.shape)
        let worst = zip(p.data, f.predict.data).map { abs($0 - $1) / max(abs($1), 1e-3) }.max() ?? 0
        #expect(worst <= 1e-4, "\(name) predict: worst relative error \(worst)")
    }
}
