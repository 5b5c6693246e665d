import Foundation
import Testing
@testable import RecurrentTestSupport
@testable import Recurrent
import RecurrentExperiments

/// The lecture's experiments on a small slice of their real data (read from `RECURRENT_DATA`,
/// skipped when absent): each learns (the loss falls, accuracy beats chance), writes a complete
/// run folder, and its saved model reloads and gives the same outputs.
@Suite("Lecture experiments on slices of the real data", .serialized)
struct LectureExperimentTests {
    struct Case: Sendable, CustomStringConvertible {
        let experiment: String
        let dataset: String
        let limit: Int
        let epochs: Int
        let maxlen: Int?
        let chance: Double
        /// Where the lecture validates: `test` (the test set) or `split` (20% of the training data).
        let validation: String
        var description: String { experiment }
    }

    static let cases: [Case] = [
        Case(experiment: "spam-rnn", dataset: "sms_spam", limit: 600, epochs: 3, maxlen: nil, chance: 0.5, validation: "split"),
        Case(experiment: "reuters-lstm", dataset: "reuters", limit: 400, epochs: 3, maxlen: 60, chance: 1.0 / 46, validation: "test"),
        Case(experiment: "imdb-lstm", dataset: "imdb", limit: 300, epochs: 2, maxlen: 80, chance: 0.5, validation: "test"),
        Case(experiment: "imdb-gru", dataset: "imdb", limit: 300, epochs: 2, maxlen: 80, chance: 0.5, validation: "test"),
        Case(experiment: "imdb-cnn-lstm", dataset: "imdb", limit: 300, epochs: 2, maxlen: 80, chance: 0.5, validation: "test"),
        Case(experiment: "nsmc-lstm", dataset: "nsmc", limit: 600, epochs: 3, maxlen: nil, chance: 0.5, validation: "split"),
    ]

    @Test("A classification experiment learns on a slice, and its model reloads",
          .enabled(if: ExperimentTestData.available, "the shared datasets are not at \(ExperimentTestData.directory.path); set RECURRENT_DATA"),
          arguments: cases)
    func classification(_ c: Case) throws {
        let folder = ExperimentTestData.directory.appendingPathComponent(c.dataset)
        try #require(FileManager.default.fileExists(atPath: folder.path), "no \(c.dataset) data at \(folder.path); set RECURRENT_DATA")
        var o = ExperimentTests.options(c.experiment, limit: c.limit, epochs: c.epochs)
        o.maxlen = c.maxlen
        o.learningRate = c.experiment.hasPrefix("imdb") || c.experiment == "nsmc-lstm" ? 0.005 : nil
        defer { try? FileManager.default.removeItem(at: o.output) }
        let result = try Experiments.named(c.experiment).run(o)
        let history = try ExperimentTests.checkRunFolder(o.output, charts: ["loss.svg", "accuracy.svg"])
        let loss = try #require(history["loss"])
        #expect(loss.last! < loss.first!, "\(c.experiment): loss \(loss)")
        let accuracy = try #require(result.metrics["test_accuracy"])
        #expect(accuracy > c.chance, "\(c.experiment): test accuracy \(accuracy)")
        // The saved model gives the outputs recorded at the end of the run, bit for bit.
        let results = try JSONValue.parse(Data(contentsOf: o.output.appendingPathComponent("results.json")), location: "results.json")
        #expect(results["validation"]?.stringValue == c.validation, "\(c.experiment) validates as the lecture does")
        let evaluated = try #require(results["evaluated_epoch"]?.doubleValue)
        #expect(evaluated >= 1 && evaluated <= Double(c.epochs) && evaluated <= Double(loss.count))
        let inputs = try #require(results["sample_inputs"]?.arrayValue).map { $0.arrayValue!.map { Float($0.doubleValue!) } }
        let expected = try #require(results["sample_outputs"]?.arrayValue).map { Float($0.doubleValue!) }
        let model = try Sequential.load(from: o.output.appendingPathComponent("model.rnn"))
        let x = try Tensor(shape: [inputs.count, inputs[0].count], data: inputs.flatMap { $0 })
        #expect(try model.predict(x).data == expected)
        #expect(model.attachments["pipeline"] != nil)
    }

    @Test("A validation split replaces the lecture's validation on the test set; patience 0 keeps the last epoch; dropout options reach the layer",
          .enabled(if: ExperimentTestData.available, "the shared datasets are not at \(ExperimentTestData.directory.path); set RECURRENT_DATA"))
    func validationSplitOption() throws {
        var o = ExperimentTests.options("reuters-lstm", limit: 200, epochs: 2)
        o.maxlen = 30
        o.validationSplit = 0.25
        o.dropout = 0.1
        o.recurrentDropout = 0.2
        o.patience = 0
        defer { try? FileManager.default.removeItem(at: o.output) }
        _ = try Experiments.named("reuters-lstm").run(o)
        let results = try JSONValue.parse(Data(contentsOf: o.output.appendingPathComponent("results.json")), location: "results.json")
        #expect(results["validation"]?.stringValue == "split")
        #expect(results["validation_split"]?.doubleValue == 0.25)
        #expect(results["train_samples"]?.doubleValue == 200, "the split is taken inside fit, from the 200 training samples")
        #expect(results["evaluated_epoch"]?.doubleValue == 2, "patience 0: no checkpoint, the last epoch's model")
        #expect(results["stop_reason"] == nil)
        let history = try ExperimentTests.checkRunFolder(o.output, charts: ["loss.svg", "accuracy.svg"])
        #expect(history["val_loss"]?.count == 2, "validation metrics for both epochs")
        // The dropout options reach the recurrent layer and are saved with it.
        let model = try Sequential.load(from: o.output.appendingPathComponent("model.rnn"))
        let lstm = try #require(model.layers.first { $0.typeName == "LSTM" })
        #expect(lstm.config["dropout"]?.doubleValue.map(Float.init) == 0.1)
        #expect(lstm.config["recurrent_dropout"]?.doubleValue.map(Float.init) == 0.2)
    }

    @Test("nsmc-lstm samples new subword segmentations each epoch: the seed fixes them, and they change training",
          .enabled(if: ExperimentTestData.available, "the shared datasets are not at \(ExperimentTestData.directory.path); set RECURRENT_DATA"))
    func nsmcSubwordSampling() throws {
        func run(alpha: Float?) throws -> (history: [String: [Double]], alpha: Double?) {
            var o = ExperimentTests.options("nsmc-lstm", limit: 400, epochs: 2)
            o.samplingAlpha = alpha
            o.patience = 0
            defer { try? FileManager.default.removeItem(at: o.output) }
            _ = try Experiments.named("nsmc-lstm").run(o)
            let results = try JSONValue.parse(Data(contentsOf: o.output.appendingPathComponent("results.json")), location: "results.json")
            return (try ExperimentTests.checkRunFolder(o.output, charts: ["loss.svg", "accuracy.svg"]), results["sampling_alpha"]?.doubleValue)
        }
        let sampled = try run(alpha: nil), again = try run(alpha: nil), best = try run(alpha: 0)
        #expect(sampled.alpha == Double(NSMCLSTMExperiment.samplingAlpha) && best.alpha == 0)
        #expect(sampled.history == again.history, "the same seed samples the same segmentations")
        #expect(sampled.history["loss"] != best.history["loss"], "sampled segmentations change the training batches")
        // Validation uses the best segmentation in both runs, so only the weights differ there.
        #expect(sampled.history["val_loss"]?.count == 2 && best.history["val_loss"]?.count == 2)
    }

    @Test("spam-rnn's normalized tokens: digits as 0 and words seen once as <OOV>, saved so that predict repeats them; `words` is the lecture's Tokenizer",
          .enabled(if: ExperimentTestData.available, "the shared datasets are not at \(ExperimentTestData.directory.path); set RECURRENT_DATA"))
    func spamTokens() throws {
        func run(_ tokenization: String?, vocabularySize: Int? = nil) throws -> (model: Sequential, pipeline: TextPipeline, tokenizer: Tokenizer, results: JSONValue) {
            var o = ExperimentTests.options("spam-rnn", limit: 400, epochs: 1)
            o.tokenization = tokenization
            o.vocabularySize = vocabularySize
            o.patience = 0
            defer { try? FileManager.default.removeItem(at: o.output) }
            _ = try Experiments.named("spam-rnn").run(o)
            let model = try Sequential.load(from: o.output.appendingPathComponent("model.rnn"))
            let pipeline = try JSONDecoder().decode(TextPipeline.self, from: Data(try #require(model.attachments["pipeline"]).utf8))
            let tokenizer = try Tokenizer(json: try #require(model.attachments["tokenizer"]))
            let results = try JSONValue.parse(Data(contentsOf: o.output.appendingPathComponent("results.json")), location: "results.json")
            return (model, pipeline, tokenizer, results)
        }
        let normalized = try run(nil)
        #expect(normalized.results["tokenization"]?.stringValue == "normalized")
        // The optimizer as keras.optimizers.serialize writes it: spam-rnn's RMSprop, clipped and decayed.
        let optimizer = normalized.results["optimizer"]
        #expect(optimizer?["class_name"]?.stringValue == "RMSprop" && optimizer?["module"]?.stringValue == "keras.optimizers")
        #expect(optimizer?["config"]?["weight_decay"]?.doubleValue == 3 && optimizer?["config"]?["clipnorm"]?.doubleValue == 1)
        #expect(normalized.pipeline.normalizesDigits && normalized.tokenizer.oovToken == SpamRNNExperiment.oovToken)
        // The tokenizer was fitted on texts whose digits are all 0.
        #expect(!normalized.tokenizer.wordCounts.contains { $0.word.contains { "123456789".contains($0) } })
        #expect(normalized.tokenizer.wordCounts.contains { $0.word.contains("0") })
        // Kept: index 0 (padding), 1 (<OOV>) and every word seen twice or more; the Embedding has that many rows.
        let twiceOrMore = normalized.tokenizer.wordCounts.filter { $0.count >= 2 }.count
        #expect(normalized.tokenizer.numWords == twiceOrMore + 2)
        #expect(normalized.model.layers[0].config["input_dim"]?.intValue == twiceOrMore + 2)
        let once = try #require(normalized.tokenizer.wordCounts.first { $0.count == 1 }?.word)
        let attachments = normalized.model.attachments
        let seq = try normalized.pipeline.sequences(["call 09066358152 now", "call 01234567890 now", once, "zzqxv"], attachments: attachments)
        #expect(seq[0] == seq[1], "numbers of one shape are one token")
        #expect(seq[2] == [1] && seq[3] == [1], "a word seen once in training and an unseen word are both <OOV>")
        #expect(try normalized.pipeline.placeholderIds(attachments: attachments) == [1])
        // A vocabulary size keeps fewer words, never the words seen once.
        #expect(try run(nil, vocabularySize: 1_000_000).tokenizer.numWords == twiceOrMore + 2)
        #expect(try run(nil, vocabularySize: 20).tokenizer.numWords == 20)
        #expect { try run("subwords") } throws: { "\($0)".contains("spam-rnn takes normalized or words, found subwords") }

        let words = try run("words")
        #expect(words.results["tokenization"]?.stringValue == "words")
        #expect(!words.pipeline.normalizesDigits && words.tokenizer.oovToken == nil && words.tokenizer.numWords == nil)
        #expect(words.model.layers[0].config["input_dim"]?.intValue == words.tokenizer.wordIndex.count + 1)
        #expect(try words.pipeline.sequences(["zzqxv"], attachments: words.model.attachments) == [[]], "the lecture's Tokenizer drops unknown words")
        #expect(try words.pipeline.placeholderIds(attachments: words.model.attachments).isEmpty)
    }

    @Test("Every experiment checks its options when called from the library, before it reads any data; nsmc-lstm names the vocabulary size its characters need",
          .enabled(if: ExperimentTestData.available, "the shared datasets are not at \(ExperimentTestData.directory.path); set RECURRENT_DATA"))
    func libraryChecks() throws {
        for experiment in Experiments.all {
            var o = ExperimentTests.options(experiment.name, limit: 100, epochs: 1)
            o.dataDirectory = URL(fileURLWithPath: "/nonexistent")  // an unchecked run would fail on the data instead
            o.clipnorm = -1
            #expect { try experiment.run(o) } throws: { "\($0)".contains("clipnorm (--clipnorm)") }
        }
        var o = ExperimentTests.options("nsmc-lstm", limit: 200, epochs: 1)
        o.vocabularySize = 30
        defer { try? FileManager.default.removeItem(at: o.output) }
        #expect { try Experiments.named("nsmc-lstm").run(o) } throws: { error in
            let text = "\(error)"
            return text.contains("vocabularySize (--vocab-size): must be at least") && text.contains("found 30") && !text.contains("trainer_interface")
        }
    }

    @Test("A maxlen whose padded inputs would not fit in memory is an error naming --maxlen, not a crash",
          .enabled(if: ExperimentTestData.available, "the shared datasets are not at \(ExperimentTestData.directory.path); set RECURRENT_DATA"))
    func maxlenBeyondMemory() throws {
        var o = ExperimentTests.options("spam-rnn", limit: 100, epochs: 1)
        o.maxlen = 1_000_000_000  // 100 × 10^9 floats: 373 GiB
        defer { try? FileManager.default.removeItem(at: o.output) }
        #expect { try Experiments.named("spam-rnn").run(o) } throws: { error in
            let text = "\(error)"
            return text.contains("maxlen (--maxlen)") && text.contains("100 sequences of 1000000000 steps") && text.contains("GiB")
        }
    }

    @Test("A run that diverges throws, names the epoch, and leaves the previous run's folder as it was",
          .enabled(if: ExperimentTestData.available, "the shared datasets are not at \(ExperimentTestData.directory.path); set RECURRENT_DATA"))
    func divergedRun() throws {
        var o = ExperimentTests.options("spam-rnn", limit: 300, epochs: 1)
        defer { try? FileManager.default.removeItem(at: o.output) }
        _ = try Experiments.named("spam-rnn").run(o)
        let model = o.output.appendingPathComponent("model.rnn"), results = o.output.appendingPathComponent("results.json")
        let before = try (Data(contentsOf: model), Data(contentsOf: results))
        o.epochs = 2
        o.optimizer = "sgd"
        o.learningRate = 1e38
        o.clipnorm = 0
        #expect { try Experiments.named("spam-rnn").run(o) } throws: { error in
            let text = "\(error)"
            return text.contains("spam-rnn training") && text.lowercased().contains("epoch 1") && text.contains("nothing was written")
        }
        #expect(try Data(contentsOf: model) == before.0 && Data(contentsOf: results) == before.1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: o.output.path).allSatisfy { !$0.hasPrefix(".partial-") })
    }

    @Test("textgen-lstm learns on a slice of the headlines and generates from a saved model",
          .enabled(if: ExperimentTestData.available, "the shared datasets are not at \(ExperimentTestData.directory.path); set RECURRENT_DATA"))
    func textgenLSTM() throws {
        let folder = ExperimentTestData.directory.appendingPathComponent("nyt_articles")
        try #require(FileManager.default.fileExists(atPath: folder.path), "no NYT data at \(folder.path); set RECURRENT_DATA")
        var o = ExperimentTests.options("textgen-lstm", limit: 60, epochs: 8)
        o.learningRate = 0.01
        defer { try? FileManager.default.removeItem(at: o.output) }
        let result = try TextGenerationLSTMExperiment().run(o)
        let history = try ExperimentTests.checkRunFolder(o.output, charts: ["loss.svg", "accuracy.svg"])
        #expect(history["loss"]!.last! < history["loss"]!.first!)
        #expect(result.metrics["train_accuracy"]! > 0)
        let model = try Sequential.load(from: o.output.appendingPathComponent("model.rnn"))
        let tokenizer = try Tokenizer(json: try #require(model.attachments["tokenizer"]))
        var rng = RandomGenerator(seed: 3)
        let text = try TextGenerator.generate(model: model, tokenizer: tokenizer, inputLength: model.inputShape![0]!,
                                              seed: "the", words: 3, temperature: 0.8, topK: 5, rng: &rng)
        #expect(text.split(separator: " ").count == 4)
    }
}
