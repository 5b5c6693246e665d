import Foundation

extension Sequential {
    /// Every weight with its name in model files, in model order (Keras's `model.weights`):
    /// `<layer>/<weight>` (`lstm/kernel`), and `<layer>/<direction layer>/<weight>` inside a
    /// `LayerWrapper` such as `Bidirectional` (`bidirectional/forward_lstm/kernel`, then the
    /// `backward_lstm` ones). `layer` is the name of the model's layer that holds it.
    public var namedParameters: [(name: String, layer: String, parameter: Parameter)] {
        layers.flatMap { layer -> [(name: String, layer: String, parameter: Parameter)] in
            if let b = layer as? any LayerWrapper {
                return b.wrappedLayers.flatMap { inner in
                    inner.parameters.map { ("\(b.name)/\(inner.name)/\($0.name)", b.name, $0) }
                }
            }
            return layer.parameters.map { ("\(layer.name)/\($0.name)", layer.name, $0) }
        }
    }

    /// The architecture as a model file stores it: `{"class_name": "Sequential", "config":
    /// {"name": …, "input_shape": [500], "layers": [{"module": "keras.layers", "class_name":
    /// "Embedding", "config": {…}, "registered_name": null}, …]}}` (each layer as Keras
    /// serialises it, `LayerRegistry.spec(of:)`); nil before `build`. An axis of unknown length
    /// is `null` (`"input_shape": [null]`, Keras's `None`).
    public var architecture: JSONValue? {
        guard let inputShape else { return nil }
        return [
            "class_name": "Sequential",
            "config": [
                "name": .string(name),
                "input_shape": .array(inputShape.map { $0.map { .number(Double($0)) } ?? .null }),
                "layers": .array(layers.map(LayerRegistry.spec(of:))),
            ],
        ]
    }

    /// The architecture and the weights (copies), ready to write; add the optimizer state,
    /// compile and training information and attachments as needed.
    /// - Throws: `notBuilt` before `build`.
    public func modelFile() throws -> ModelFile {
        guard let architecture else { throw RecurrentError.notBuilt(layer: name) }
        // Weights are current outside a training loop; inside one (a callback saving), what the
        // optimizer held back is applied first.
        compiled?.optimizer.synchronize(parameters)
        for case let r as any RowReadingLayer in layers { r.pendingRowUpdates?.synchronize(parameters) }
        return ModelFile(architecture: architecture, weights: namedParameters.map { ($0.name, $0.parameter.value) })
    }

    /// Writes everything needed to use the model again and to continue training it exactly
    /// (Keras `model.save`): the architecture, the weights, the model's `attachments` (merged
    /// with `attachments`, which win), and, once compiled, the loss and metrics, the optimizer
    /// with its state, and the training state (epochs done, shuffling and dropout generators).
    /// Written atomically (see `ModelFile.write(to:)`).
    /// - Throws: `notBuilt` before `build`; `fileFormat` naming `url` when it cannot be written.
    public func save(to url: URL, attachments: [String: String] = [:]) throws {
        var file = try checkpointFile()
        file.attachments.merge(attachments) { _, new in new }
        try file.write(to: url)
    }

    /// The model file `save(to:)` writes.
    /// - Throws: `notBuilt` before `build`.
    public func checkpointFile() throws -> ModelFile {
        var file = try modelFile()
        file.attachments = attachments
        if let compiled {
            file.optimizer = OptimizerState(compiled.optimizer, model: self)
            file.compile = ["loss": .string(compiled.loss.rawValue), "metrics": .array(compiled.metrics.map { .string($0) })]
        }
        file.training = trainingState
        return file
    }

    /// Reads a model written by `save(to:)` (or any `ModelFile`): rebuilt, built, with its
    /// weights and attachments and, when the file has them, compiled again with the saved loss,
    /// metrics and optimizer state, and with the training state restored, so that
    /// `fit(…, initialEpoch: model.completedEpochs)` continues the run exactly. An optimizer
    /// whose learning-rate schedule was a closure comes back without it (closures cannot be
    /// saved): set `schedule` again before training.
    /// - Throws: `fileFormat` naming the path, for every problem `ModelFile.read(from:)` and
    ///   `make(from:)` detect and for compile, optimizer or training information that does not
    ///   fit the model; nothing is returned half-loaded.
    ///
    /// A file another module's registered `ModelFormat` recognizes by its first bytes (a Keras
    /// file, say) is read by that format instead; see `ModelFormats`.
    public static func load(from url: URL) throws -> Sequential {
        if let format = ModelFormats.format(of: url) {
            do {
                return try format.loadModel(from: url)
            } catch let error as RecurrentError {
                throw error
            } catch {
                throw RecurrentError.fileFormat(location: url.path, message: "\(format.name): \(error.localizedDescription)")
            }
        }
        let file = try ModelFile.read(from: url)
        let model = try make(from: file, location: url.path)
        try model.restoreCheckpoint(file, location: url.path)
        return model
    }

    /// Applies a file's attachments, compile configuration, optimizer state and training state.
    func restoreCheckpoint(_ file: ModelFile, location: String) throws {
        func fail(_ message: String) -> RecurrentError { .fileFormat(location: location, message: message) }
        attachments = file.attachments
        if let compile = file.compile {
            guard let lossName = compile["loss"]?.stringValue, let loss = try? Loss(keras: lossName),
                  let metrics = compile["metrics"]?.arrayValue?.compactMap(\.stringValue) else {
                throw fail("expected compile information {\"loss\": name, \"metrics\": [names]}, found \(compile)")
            }
            let optimizer: any Optimizer
            if let state = file.optimizer {
                do {
                    optimizer = try makeOptimizer(typeName: state.typeName, config: state.config)
                    try state.restore(into: optimizer, model: self)
                } catch let error as RecurrentError {
                    throw fail("optimizer state: \(error)")
                }
            } else {
                optimizer = Adam()
            }
            do { try self.compile(optimizer: optimizer, loss: loss, metrics: metrics) } catch let error as RecurrentError {
                throw fail("compile information: \(error)")
            }
        }
        if let training = file.training { try restoreTrainingState(training, location: location) }
    }

    /// Rebuilds the model of `file`: each layer from its configuration (`LayerRegistry`), built
    /// for the saved input shape, then every weight checked against the architecture (all
    /// present, none unknown, each of the expected shape) before any is assigned. Weights that
    /// the architecture marks as not trainable are frozen again.
    /// - Throws: `fileFormat` (location "model file") for an architecture that is not a
    ///   Sequential, an unknown layer type or invalid layer configuration, one that does not
    ///   build, and a missing, unknown or misshapen weight (naming the layer and the weight).
    public static func make(from file: ModelFile) throws -> Sequential {
        try make(from: file, location: "model file")
    }

    static func make(from file: ModelFile, location: String) throws -> Sequential {
        func fail(_ message: String) -> RecurrentError { .fileFormat(location: location, message: message) }
        let arch = file.architecture
        guard arch["class_name"]?.stringValue == "Sequential", let config = arch["config"] else {
            throw fail("expected the architecture {\"class_name\": \"Sequential\", \"config\": {…}}, found class \(arch["class_name"]?.description ?? "none")")
        }
        let name = config["name"]?.stringValue ?? "sequential"
        // null: an axis of unknown length (files written before it have none).
        guard let shapeList = config["input_shape"]?.arrayValue, !shapeList.isEmpty,
              case let inputShape = shapeList.map({ $0 == .null ? nil : $0.intValue }),
              zip(shapeList, inputShape).allSatisfy({ $0 == .null || ($1 ?? 0) > 0 }) else {
            throw fail("expected the architecture's input_shape to be a list of positive integers or nulls, found \(config["input_shape"]?.description ?? "none")")
        }
        guard let specs = config["layers"]?.arrayValue else {
            throw fail("expected the architecture's layers to be a list, found \(config["layers"]?.description ?? "none")")
        }
        var layers: [any Layer] = []
        var trainable: [Bool] = []
        for (i, spec) in specs.enumerated() {
            guard let type = spec["class_name"]?.stringValue, let c = spec["config"]?.objectValue else {
                throw fail("expected layer \(i) of the architecture as {\"class_name\", \"config\"}, found \(spec)")
            }
            do {
                layers.append(try LayerRegistry.make(typeName: type, config: c))
            } catch let error as RecurrentError {
                throw fail("layer \(i) of the architecture: \(error)")
            }
            trainable.append(c["trainable"]?.boolValue ?? true)
        }
        let model = Sequential(layers, name: name)
        let names = layers.map(\.name)
        do {
            try model.build(inputShape: inputShape)
        } catch let error as RecurrentError {
            throw fail("the architecture does not build for input shape \(describe(inputShape)): \(error)")
        }
        guard model.layers.map(\.name) == names else {
            throw fail("expected unique layer names in the architecture, found \(names)")
        }
        for (layer, isTrainable) in zip(model.layers, trainable) where !isTrainable {
            layer.parameters.forEach { $0.trainable = false }
        }
        // Check every weight before assigning any.
        var given: [String: Tensor] = [:]
        for (weightName, tensor) in file.weights {
            guard given.updateValue(tensor, forKey: weightName) == nil else { throw fail("weight '\(weightName)' is given twice") }
        }
        let expected = model.namedParameters
        for (weightName, layer, parameter) in expected {
            guard let tensor = given[weightName] else {
                throw fail("layer '\(layer)': expected the weight '\(weightName)' of shape \(parameter.shape), found none")
            }
            guard tensor.shape == parameter.shape else {
                throw fail("layer '\(layer)': expected the weight '\(weightName)' of shape \(parameter.shape) (from the architecture), found shape \(tensor.shape)")
            }
        }
        let known = Set(expected.map(\.name))
        if let extra = file.weights.first(where: { !known.contains($0.name) }) {
            throw fail("expected only the weights of the architecture, found '\(extra.name)' as well")
        }
        for (weightName, _, parameter) in expected { parameter.value = given[weightName]! }
        return model
    }
}

extension OptimizerState {
    /// The state of `optimizer` for the weights of `model`: its type, configuration, iterations
    /// and every slot (`slots(of:)`) under the weight's name in model files. Slots come in model
    /// order, the slots of one weight sorted by name.
    public init(_ optimizer: any Optimizer, model: Sequential) {
        var slots: [(weight: String, slot: String, tensor: Tensor)] = []
        for (name, _, parameter) in model.namedParameters {
            let s = optimizer.slots(of: parameter)
            for key in s.keys.sorted() { slots.append((name, key, s[key]!)) }
        }
        self.init(typeName: optimizer.typeName, config: optimizer.config, iterations: optimizer.iterations, slots: slots)
    }

    /// Gives `optimizer` (built with this state's configuration by the caller) back its
    /// iterations and slots, matched to `model`'s weights by name.
    /// - Throws: `invalidConfiguration` when the optimizer's type differs or a slot names a
    ///   weight `model` does not have; the optimizer's own `restore` errors (a slot of the wrong
    ///   shape).
    public func restore(into optimizer: any Optimizer, model: Sequential) throws {
        guard optimizer.typeName == typeName else {
            throw RecurrentError.invalidConfiguration(
                where: "optimizer state", message: "expected an optimizer of type \(typeName), found \(optimizer.typeName)")
        }
        let parameters = Dictionary(model.namedParameters.map { ($0.name, $0.parameter) }, uniquingKeysWith: { a, _ in a })
        var grouped: [(parameter: Parameter, slots: [String: Tensor])] = []
        var index: [String: Int] = [:]
        for (weight, slot, tensor) in slots {
            guard let p = parameters[weight] else {
                throw RecurrentError.invalidConfiguration(
                    where: "optimizer state", message: "slot '\(slot)' belongs to weight '\(weight)', which the model does not have")
            }
            if let i = index[weight] { grouped[i].slots[slot] = tensor } else {
                index[weight] = grouped.count
                grouped.append((p, [slot: tensor]))
            }
        }
        try optimizer.restore(iterations: iterations, slots: grouped)
    }
}
