/// What a checkpoint needs, beyond weights and optimizer state, for a resumed `fit` to continue
/// exactly as an uninterrupted one: the epochs completed, the shuffling generator and every
/// layer's dropout generators (xoshiro256** states, as decimal strings so no precision is lost
/// in JSON), and the compile configuration (loss and metric identifiers).
extension Sequential {
    /// The training state as JSON (stored in the model file's `training` metadata).
    public var trainingState: JSONValue {
        func words(_ g: RandomGenerator) -> JSONValue { .array(g.state.map { .string(String($0)) }) }
        var layers: [String: JSONValue] = [:]
        for layer in self.layers where !layer.randomGenerators.isEmpty {
            layers[layer.name] = .array(layer.randomGenerators.map(words))
        }
        return ["completed_epochs": .number(Double(completedEpochs)), "training_generator": words(trainingGenerator),
                "layer_generators": .object(layers)]
    }

    /// Restores what `trainingState` saved.
    /// - Throws: `fileFormat` naming `location` when a key is missing or malformed, or a layer
    ///   named there is not in the model; nothing is changed then.
    public func restoreTrainingState(_ state: JSONValue, location: String) throws {
        func generator(_ v: JSONValue?, _ what: String) throws -> RandomGenerator {
            guard let a = v?.arrayValue, let words = Optional(a.compactMap { $0.stringValue.flatMap { UInt64($0) } }),
                  words.count == a.count, let g = RandomGenerator(state: words) else {
                throw RecurrentError.fileFormat(location: location, message: "training state: \(what) must be 4 unsigned 64-bit integers as strings, not all zero")
            }
            return g
        }
        guard let epochs = state["completed_epochs"]?.intValue, epochs >= 0 else {
            throw RecurrentError.fileFormat(location: location, message: "training state: expected completed_epochs ≥ 0")
        }
        let shuffle = try generator(state["training_generator"], "training_generator")
        var perLayer: [(any Layer, [RandomGenerator])] = []
        for (name, value) in state["layer_generators"]?.objectValue ?? [:] {
            guard let layer = layers.first(where: { $0.name == name }) else {
                throw RecurrentError.fileFormat(location: location, message: "training state: generators for layer \(name), which the model does not have")
            }
            let gens = try (value.arrayValue ?? []).enumerated().map { try generator($1, "layer \(name) generator \($0)") }
            guard gens.count == layer.randomGenerators.count else {
                throw RecurrentError.fileFormat(location: location, message: "training state: layer \(name) has \(layer.randomGenerators.count) generators, the file \(gens.count)")
            }
            perLayer.append((layer, gens))
        }
        completedEpochs = epochs
        trainingGenerator = shuffle
        for (layer, gens) in perLayer { layer.randomGenerators = gens }
    }
}
