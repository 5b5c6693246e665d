import ArgumentParser
import Foundation
import Testing
@testable import RecurrentTestSupport
@testable import Recurrent
@testable import RecurrentCommands
import RecurrentExperiments

/// The `recurrent` tool's commands called in-process: parsed from arguments as the executable
/// parses them, and run against small models the tests save.
@Suite("Commands")
struct CommandTests {
    /// The parse error's message as the tool prints it, nil when the arguments parse.
    static func parseError(_ arguments: [String]) -> String? {
        do { _ = try RecurrentCommand.parseAsRoot(arguments); return nil } catch { return RecurrentCommand.message(for: error) }
    }

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("recurrent-commands-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("predict --model RUN_FOLDER prints label, probability and text for each text, as the saved classifier gives them")
    func predict() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (model, _, tokenizer) = try SmallTask.classifier()
        try model.save(to: dir.appendingPathComponent("model.rnn"))
        let command = try #require(try RecurrentCommand.parseAsRoot(["predict", "--model", dir.path, "free prize now", "zzz\nqqq"]) as? Predict)
        #expect(command.texts == ["free prize now", "zzz\nqqq"])
        var warnings: [String] = []
        let lines = try command.lines(try command.loadClassifier(), command.texts) { warnings.append($0) }
        let p = try model.predict(try padSequences(tokenizer.textsToSequences(["free prize now", "zzz qqq"]), maxlen: 5))
        #expect(lines.count == 2)
        for (i, text) in ["free prize now", "zzz qqq"].enumerated() {
            let q = p[i, 0]
            #expect(lines[i] == "\(q > 0.5 ? "spam" : "ham")\t\(String(format: "%.4f", q > 0.5 ? q : 1 - q))\t\(text)")
        }
        #expect(warnings == ["text 2 has no word the model knows; the prediction is the model's answer to unknown words only"])
    }

    @Test("predict and generate refuse a path without a model, and a model of the other kind")
    func wrongModels() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let predict = try #require(try RecurrentCommand.parseAsRoot(["predict", "--model", dir.path, "text"]) as? Predict)
        #expect { try predict.loadClassifier() } throws: { "\($0)".contains("is a folder without a model") }
        let plain = Sequential { Dense(1) }
        try plain.build(inputShape: [3], seed: 1)
        try plain.save(to: dir.appendingPathComponent("model.rnn"))
        #expect { try predict.loadClassifier() } throws: { "\($0)".contains("is not a text classifier") }
        let generate = try #require(try RecurrentCommand.parseAsRoot(["generate", "--model", dir.path, "--seed", "a"]) as? Generate)
        #expect { try generate.continuation() } throws: { "\($0)".contains("is not a text-generation model") }
    }

    @Test("generate --model continues the seed as TextGenerator does with the saved model")
    func generate() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try TextGenerationData(lines: TextGenerationRNNExperiment.sentences)
        let model = Sequential { Embedding(inputDim: data.vocabularySize, outputDim: 4); SimpleRNN(4); Dense(data.vocabularySize, activation: .softmax) }
        try model.build(inputShape: [data.maxlen - 1], seed: 2)
        TextGenerator(model: model, tokenizer: data.tokenizer, inputLength: data.maxlen - 1).attach()
        try model.save(to: dir.appendingPathComponent("model.rnn"))
        let command = try #require(try RecurrentCommand.parseAsRoot(
            ["generate", "--model", dir.path, "--seed", "그의", "--words", "3", "--temperature", "0.5", "--top-k", "2", "--random-seed", "9"]) as? Generate)
        var rng = RandomGenerator(seed: 9)
        let expected = try TextGenerator.generate(model: model, tokenizer: data.tokenizer, inputLength: data.maxlen - 1, seed: "그의",
                                                  words: 3, temperature: 0.5, topK: 2, rng: &rng)
        #expect(try command.continuation() == expected)
        #expect(expected.split(separator: " ").count == 4)
    }

    @Test("Bad flags are parse errors that name the flag, before anything runs")
    func parseErrors() {
        #expect(Self.parseError(["run", "timeseries", "--epochs", "2"]) == nil)
        #expect(Self.parseError(["run", "nope"])?.contains("unknown experiment 'nope'; the experiments are: timeseries") == true)
        #expect(Self.parseError(["run", "timeseries", "--units", "0"])?.contains("--units must be at least 1, found 0") == true)
        #expect(Self.parseError(["run", "spam-rnn", "--clipnorm=-1"])?.contains("clipnorm (--clipnorm): must be a finite number ≥ 0") == true)
        #expect(Self.parseError(["run", "imdb-lstm", "--tokenization", "words"])?.contains("only spam-rnn and nsmc-lstm take a tokenization, not imdb-lstm") == true)
        #expect(Self.parseError(["run", "timeseries", "--optimizer", "adagrad"])?.contains("--optimizer") == true)
        #expect(Self.parseError(["run", "timeseries", "--output", " "])?.contains("--output must name a folder") == true)
        #expect(Self.parseError(["run", "timeseries", "--log-format", "xml"]) != nil)
        #expect(Self.parseError(["predict"])?.contains("--model") == true)
        #expect(Self.parseError(["generate", "--model", "m", "--seed", "a", "--top-k", "0"])?.contains("--top-k must be ≥ 1, found 0") == true)
        #expect(Self.parseError(["generate", "--model", "m", "--seed", "a", "--temperature=-1"])?.contains("--temperature must be a finite number ≥ 0") == true)
        #expect(Self.parseError(["bench", "--cases", "Z"])?.contains("unknown case 'Z'") == true)
        #expect(Self.parseError(["frobnicate"]) != nil)
    }

    @Test("run EXPERIMENT writes the run folder with the options the flags give")
    func run() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("textgen-rnn")
        let command = try #require(try RecurrentCommand.parseAsRoot(
            ["run", "textgen-rnn", "--epochs", "2", "--units", "5", "--output", output.path, "--log-format", "silent"]) as? Run)
        let options = command.options()
        #expect(options.epochs == 2 && options.units == 5 && options.output.path == output.path && options.verbose == .silent)
        try command.run()
        let results = try JSONValue.parse(Data(contentsOf: output.appendingPathComponent("results.json")), location: "results.json")
        #expect(results["experiment"]?.stringValue == "textgen-rnn" && results["epochs"]?.intValue == 2)
        let model = try Sequential.load(from: output.appendingPathComponent("model.rnn"))
        #expect(model.layers.first { $0.typeName == "SimpleRNN" }?.config["units"]?.intValue == 5)
    }
}
