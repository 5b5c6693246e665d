import ArgumentParser
import Foundation
import Recurrent

/// `recurrent generate --model RUN_FOLDER --seed "..."`: continues a text with a trained
/// next-word model (textgen-rnn, textgen-lstm).
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Continue a text with a trained next-word model.")

    @Option(help: "A run folder of textgen-rnn or textgen-lstm (or its model.rnn).") var model: String
    @Option(help: "The text to continue.") var seed: String
    @Option(help: "How many words to add.") var words = 5
    @Option(help: "0 picks the most likely word (greedy); higher values sample more freely.") var temperature = 0.0
    @Option(name: .customLong("top-k"), help: "Sample only among the k most likely words.") var topK: Int?
    @Option(name: .customLong("random-seed"), help: "Seed of the sampling.") var randomSeed: UInt64 = 1

    func validate() throws {
        guard words >= 0 else { throw ValidationError("--words must be ≥ 0, found \(words)") }
        guard temperature.isFinite, temperature >= 0 else { throw ValidationError("--temperature must be a finite number ≥ 0, found \(temperature)") }
        if let topK, topK < 1 { throw ValidationError("--top-k must be ≥ 1, found \(topK)") }
    }

    func run() throws {
        print(try continuation())
    }

    /// The seed and the words the model in `--model` adds to it.
    /// - Throws: `CommandFailure` when the path holds no model or one without a tokenizer and
    ///   generation settings; as `TextGenerator.generate`.
    func continuation() throws -> String {
        let loaded = try TrainedModel.load(model)
        guard let generator = try TextGenerator.attached(to: loaded.model, location: "\(loaded.file.path) generation") else {
            throw CommandFailure("\(loaded.file.path) is not a text-generation model (it has no tokenizer and generation settings); train one with `recurrent run textgen-rnn` or `textgen-lstm`")
        }
        if generator.tokenizer.textsToSequences([seed])[0].isEmpty {
            FileHandle.standardError.write(Data("warning: no word of the seed is in the model's vocabulary; the continuation starts from nothing\n".utf8))
        }
        var rng = RandomGenerator(seed: randomSeed)
        return try generator.generate(seed: seed, words: words, temperature: temperature, topK: topK, rng: &rng)
    }
}

/// A model found from a run folder or a model file path.
struct TrainedModel {
    let model: Sequential
    let file: URL

    /// - Throws: a `CommandFailure` that says what was expected when the path holds no model.
    static func load(_ path: String) throws -> TrainedModel {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw CommandFailure("\(path): no such run folder or model file")
        }
        let file = isDir.boolValue ? URL(fileURLWithPath: path).appendingPathComponent("model.rnn") : URL(fileURLWithPath: path)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw CommandFailure("\(path) is a folder without a model (expected \(file.path)); train one with `recurrent run EXPERIMENT --output \(path)`")
        }
        return TrainedModel(model: try Sequential.load(from: file), file: file)
    }
}
