import Foundation
import Testing
@testable import RecurrentTestSupport
@testable import Recurrent
import RecurrentExperiments

/// Each experiment on a small slice of its data: it learns (the loss falls), its run folder's
/// files exist and parse, and the saved model reloads and predicts the same values.
@Suite("Experiments on small slices")
struct ExperimentTests {
    static func options(_ name: String, limit: Int?, epochs: Int) -> ExperimentOptions {
        var o = ExperimentOptions(output: FileManager.default.temporaryDirectory.appendingPathComponent("recurrent-\(name)-\(UUID().uuidString)"))
        o.limit = limit
        o.epochs = epochs
        o.verbose = .silent
        o.log = { _ in }
        o.dataDirectory = ExperimentTestData.directory
        return o
    }

    /// Checks the files every run folder has, and returns the history.
    static func checkRunFolder(_ url: URL, charts: [String]) throws -> [String: [Double]] {
        let fm = FileManager.default
        for f in ["model.rnn", "history.csv", "history.json", "results.json", "index.html"] + charts {
            #expect(fm.fileExists(atPath: url.appendingPathComponent(f).path), "\(f) missing in \(url.path)")
        }
        _ = try JSONValue.parse(Data(contentsOf: url.appendingPathComponent("results.json")), location: "results.json")
        let h = try JSONValue.parse(Data(contentsOf: url.appendingPathComponent("history.json")), location: "history.json")
        var history: [String: [Double]] = [:]
        for (k, v) in h["history"]?.objectValue ?? [:] { history[k] = v.arrayValue?.compactMap(\.doubleValue) }
        let html = try String(contentsOf: url.appendingPathComponent("index.html"), encoding: .utf8)
        for c in charts { #expect(html.contains("src=\"\(c)\"")) }
        return history
    }

    @Test("timeseries: SimpleRNN(10) → Dense(1) has 131 parameters, learns, and its model reloads")
    func timeseries() throws {
        let o = Self.options("timeseries", limit: 300, epochs: 8)
        defer { try? FileManager.default.removeItem(at: o.output) }
        let result = try TimeSeriesExperiment().run(o)
        let history = try Self.checkRunFolder(o.output, charts: ["loss.svg", "predictions.svg"])
        let loss = try #require(history["loss"])
        #expect(loss.last! < loss.first!)
        // Better than predicting the mean of a sine (variance 0.5 plus noise).
        #expect(result.metrics["test_loss"]! < 0.4)
        let model = try Sequential.load(from: o.output.appendingPathComponent("model.rnn"))
        #expect(model.parameterCount == 131)
        let (x, y, _) = TimeSeriesExperiment.data(seed: o.seed)
        let test = x.rows(240..<300)
        let reloaded = try model.compiledEvaluate(test, y.rows(240..<300))
        #expect(abs(reloaded - result.metrics["test_loss"]!) < 1e-6)
    }

    @Test("textgen-rnn: the lecture's three sentences come back from their first word")
    func textgenRNN() throws {
        let o = Self.options("textgen-rnn", limit: nil, epochs: 200)  // three sentences: nothing to slice
        defer { try? FileManager.default.removeItem(at: o.output) }
        let result = try TextGenerationRNNExperiment().run(o)
        let history = try Self.checkRunFolder(o.output, charts: ["loss.svg", "accuracy.svg"])
        #expect(history["loss"]!.last! < history["loss"]!.first!)
        #expect(result.metrics["sentences_reproduced"] == Double(TextGenerationRNNExperiment.sentences.count), "\(result.notes)")
        // The saved model and tokenizer generate the same text again.
        let model = try Sequential.load(from: o.output.appendingPathComponent("model.rnn"))
        let tokenizer = try Tokenizer(json: try #require(model.attachments["tokenizer"]))
        var rng = RandomGenerator(seed: 1)
        let text = try TextGenerator.generate(model: model, tokenizer: tokenizer, inputLength: 5, seed: "경마장에", words: 4, rng: &rng)
        #expect(text == "경마장에 있는 말이 뛰고 있다")
    }

    @Test("An experiment's default clipnorm applies unless the options set one; 0 turns it off")
    func clipnormOption() throws {
        var o = ExperimentOptions(output: FileManager.default.temporaryDirectory)
        #expect(try o.makeOptimizer(default: "rmsprop").clipnorm == nil)
        #expect(try o.makeOptimizer(default: "rmsprop", clipnorm: 1).clipnorm == 1)
        o.clipnorm = 0
        #expect(try o.makeOptimizer(default: "rmsprop", clipnorm: 1).clipnorm == nil)
        o.clipnorm = 0.5; o.optimizer = "adam"; o.learningRate = 0.01
        let adam = try o.makeOptimizer(default: "rmsprop", clipnorm: 1)
        #expect(adam.typeName == "Adam" && adam.clipnorm == 0.5 && adam.learningRate == 0.01)
    }

    @Test("An experiment's default weight decay applies unless the options set one; 0 turns it off (AdamW: decays by 0)")
    func weightDecayOption() throws {
        var o = ExperimentOptions(output: FileManager.default.temporaryDirectory)
        #expect(try o.makeOptimizer(default: "rmsprop").weightDecay == nil)
        #expect(try o.makeOptimizer(default: "adamw").weightDecay == 0.004)  // AdamW's own default
        #expect(try o.makeOptimizer(default: "rmsprop", weightDecay: 3).weightDecay == 3)
        o.optimizer = "adam"
        #expect(try o.makeOptimizer(default: "rmsprop", weightDecay: 3).weightDecay == 3)
        o.weightDecay = 0
        #expect(try o.makeOptimizer(default: "rmsprop", weightDecay: 3).weightDecay == nil)
        o.optimizer = "adamw"
        let adamw = try o.makeOptimizer(default: "rmsprop", weightDecay: 3)
        #expect(adamw.weightDecay == 0)
        try adamw.validate()
        o.weightDecay = 0.5; o.optimizer = nil
        #expect(try o.makeOptimizer(default: "rmsprop", weightDecay: 3).weightDecay == 0.5)
    }

    @Test("Options an experiment cannot take, or values out of range, are refused with the option's name")
    func optionChecks() throws {
        func message(_ experiment: String, _ change: (inout ExperimentOptions) -> Void) -> String? {
            var o = ExperimentOptions(output: FileManager.default.temporaryDirectory)
            change(&o)
            do { try o.check(for: Experiments.named(experiment)); return nil } catch { return "\(error)" }
        }
        #expect(message("spam-rnn") { $0.clipnorm = 0; $0.patience = 0; $0.dropout = 0; $0.validationSplit = 0.5 } == nil)
        #expect(message("timeseries") { $0.validationSplit = 0.1; $0.recurrentDropout = 0.3 } == nil)
        #expect(message("spam-rnn") { $0.clipnorm = -1 }?.contains("clipnorm (--clipnorm): must be a finite number ≥ 0") == true)
        #expect(message("spam-rnn") { $0.clipnorm = .infinity }?.contains("found inf") == true)
        #expect(message("spam-rnn") { $0.weightDecay = 0 } == nil)
        #expect(message("spam-rnn") { $0.weightDecay = -0.1 }?.contains("weightDecay (--weight-decay): must be a finite number ≥ 0") == true)
        #expect(message("imdb-lstm") { $0.weightDecay = .nan }?.contains("found nan") == true)
        #expect(message("imdb-lstm") { $0.dropout = 1 }?.contains("dropout (--dropout): must be in [0, 1), found 1.0") == true)
        #expect(message("imdb-gru") { $0.recurrentDropout = -0.1 }?.contains("--recurrent-dropout") == true)
        #expect(message("nsmc-lstm") { $0.validationSplit = 0 }?.contains("must be in (0, 1), found 0.0") == true)
        #expect(message("textgen-rnn") { $0.validationSplit = 0.2 }?.contains("textgen-rnn trains on all its sequences") == true)
        #expect(message("reuters-lstm") { $0.patience = -1 }?.contains("must be ≥ 0") == true)
        #expect(message("nsmc-lstm") { $0.samplingAlpha = 0.5 } == nil)
        #expect(message("nsmc-lstm") { $0.samplingAlpha = 0; $0.tokenization = "words" } == nil)
        #expect(message("nsmc-lstm") { $0.samplingAlpha = -1 }?.contains("samplingAlpha (--sampling-alpha): must be a finite number ≥ 0") == true)
        #expect(message("nsmc-lstm") { $0.samplingAlpha = 0.1; $0.tokenization = "words" }?.contains("needs subword tokens") == true)
        #expect(message("spam-rnn") { $0.tokenization = "words" } == nil)
        #expect(message("spam-rnn") { $0.tokenization = "subwords" }?.contains("spam-rnn takes normalized or words, found subwords") == true)
        #expect(message("nsmc-lstm") { $0.tokenization = "normalized" }?.contains("nsmc-lstm takes subwords or words, found normalized") == true)
        #expect(message("imdb-lstm") { $0.tokenization = "words" }?.contains("only spam-rnn and nsmc-lstm take a tokenization, not imdb-lstm") == true)
        #expect(message("spam-rnn") { $0.vocabularySize = 2 }?.contains("vocabularySize (--vocab-size): must be at least 3 for spam-rnn (index 0 is padding and 1 is <OOV>), found 2") == true)
        #expect(message("spam-rnn") { $0.vocabularySize = 2; $0.tokenization = "words" } == nil)
        #expect(message("reuters-lstm") { $0.vocabularySize = 4 }?.contains("must be at least 5 for reuters-lstm") == true)
        #expect(message("imdb-gru") { $0.vocabularySize = 5 } == nil)
        #expect(message("timeseries") { $0.vocabularySize = 5 }?.contains("timeseries has no vocabulary size to set") == true)
        #expect(message("textgen-rnn") { $0.vocabularySize = 5 }?.contains("textgen-rnn has no vocabulary size to set") == true)
        #expect(message("textgen-lstm") { $0.vocabularySize = 2 } == nil)
        #expect(message("nsmc-lstm") { $0.vocabularySize = 3 }?.contains("must be at least 4 for nsmc-lstm (SentencePiece") == true)
        #expect(message("nsmc-lstm") { $0.vocabularySize = 1; $0.tokenization = "words" }?.contains("at least 2") == true)
        let spam = message("spam-rnn") { $0.samplingAlpha = 0.1 }
        #expect(spam?.contains("not spam-rnn") == true && spam?.contains("nsmc-lstm") == true, "\(spam ?? "no error")")
        #expect(message("timeseries") { $0.maxlen = 500 }?.contains("maxlen (--maxlen): timeseries has no sequence length to set") == true)
        #expect(message("timeseries") { $0.limit = 9 }?.contains("limit (--limit): must be at least 10 for timeseries") == true)
        #expect(message("timeseries") { $0.limit = 10 } == nil)
        #expect(message("textgen-rnn") { $0.limit = 1 }?.contains("textgen-rnn has no dataset to take a slice of") == true)
        #expect(message("textgen-lstm") { $0.maxlen = 1 }?.contains("must be at least 2 for textgen-lstm (the model reads maxlen − 1 words") == true)
        #expect(message("imdb-cnn-lstm") { $0.maxlen = 7 }?.contains("maxlen (--maxlen): must be at least 8 for imdb-cnn-lstm (Conv1D(64, 5)") == true)
        #expect(message("imdb-cnn-lstm") { $0.maxlen = 8 } == nil)
        #expect(message("imdb-lstm") { $0.maxlen = 1 } == nil)
        // A validation split needs a sample on each side (Keras's ⌊n · (1 − split)⌋ train).
        #expect(message("spam-rnn") { $0.limit = 1 }?.contains("limit (--limit): must be at least 2 for spam-rnn with a validation split of 0.2") == true)
        #expect(message("spam-rnn") { $0.limit = 2 } == nil)
        #expect(message("reuters-lstm") { $0.limit = 1 } == nil, "validates on the test set")
        #expect(message("reuters-lstm") { $0.limit = 2; $0.validationSplit = 0.75 }?.contains("must be at least 4 for reuters-lstm with a validation split of 0.75") == true)
        #expect(message("spam-rnn") { $0.limit = 5; $0.validationSplit = 1e-17 }?.contains("leaves spam-rnn no training or no validation sample") == true,
                "1 − 1e-17 is 1.0: no limit splits (this once searched forever)")
        // timeseries fits on the first 80% of its windows: 14 windows give 11, ⌊11 · (1 − 0.9)⌋ = 1.
        #expect(message("timeseries") { $0.limit = 10; $0.validationSplit = 0.9 }?.contains("must be at least 14 for timeseries with a validation split of 0.9") == true)
        #expect(message("timeseries") { $0.limit = 14; $0.validationSplit = 0.9 } == nil)
        let timeseries = message("timeseries") { $0.patience = 3 }
        #expect(timeseries?.contains("not timeseries") == true && timeseries?.contains("imdb-cnn-lstm") == true, "\(timeseries ?? "no error")")
    }

    @Test("timeseries and textgen-rnn runs that diverge throw and leave the previous run's folder as it was")
    func divergedRuns() throws {
        for name in ["timeseries", "textgen-rnn"] {
            var o = Self.options(name, limit: name == "timeseries" ? 200 : nil, epochs: 2)
            defer { try? FileManager.default.removeItem(at: o.output) }
            _ = try Experiments.named(name).run(o)
            let results = o.output.appendingPathComponent("results.json")
            let before = try Data(contentsOf: results)
            o.optimizer = "sgd"
            o.learningRate = 1e38
            #expect(throws: RecurrentError.self, "\(name)") { try Experiments.named(name).run(o) }
            #expect(try Data(contentsOf: results) == before, "\(name)")
        }
    }

    @Test("Text generation data pad to a maxlen longer than the longest line, refuse one below 2; generation from an empty seed adds no leading space; an infinite temperature is refused")
    func textGenerationMaxlen() throws {
        let lines = TextGenerationRNNExperiment.sentences
        let longest = try TextGenerationData(lines: lines)
        #expect(longest.maxlen == 6 && longest.x.shape == [longest.x.shape[0], 5], "the longest sentence has 6 words")
        let padded = try TextGenerationData(lines: lines, maxlen: 9)
        #expect(padded.maxlen == 9 && padded.x.shape[1] == 8)
        // The same prefixes, pre-padded with 3 more zeros (Keras's pad_sequences).
        for i in 0..<padded.x.shape[0] {
            #expect((0..<3).allSatisfy { padded.x[i, $0] == 0 } && (0..<5).allSatisfy { padded.x[i, $0 + 3] == longest.x[i, $0] }, "row \(i)")
        }
        #expect(padded.y == longest.y)
        #expect(throws: RecurrentError.self) { try TextGenerationData(lines: lines, maxlen: 1) }
        #expect { try TextGenerationData(lines: lines, maxlen: 10_000_000_000) } throws: { "\($0)".contains("maxlen (--maxlen)") && "\($0)".contains("GiB") }
        let model = Sequential { Embedding(inputDim: longest.vocabularySize, outputDim: 4); SimpleRNN(4); Dense(longest.vocabularySize, activation: .softmax) }
        try model.build(inputShape: [5], seed: 1)
        var rng = RandomGenerator(seed: 1)
        let text = try TextGenerator.generate(model: model, tokenizer: longest.tokenizer, inputLength: 5, seed: "", words: 2, rng: &rng)
        #expect(!text.hasPrefix(" ") && text.split(separator: " ").count == 2, "\(text)")
        #expect(throws: RecurrentError.self) {
            try TextGenerator.generate(model: model, tokenizer: longest.tokenizer, inputLength: 5, seed: "그의", words: 1, temperature: .infinity, rng: &rng)
        }
    }

    @Test("A text pipeline normalizes digits only when asked, saves the choice, and reads pipelines saved before it as off")
    func pipelineDigits() throws {
        var pipeline = TextPipeline(kind: .tokenizer, maxlen: 10, labels: ["ham", "spam"])
        #expect(pipeline.prepare("Call 0906 6358152, win £1500!") == "Call 0906 6358152, win £1500!")
        pipeline.normalizesDigits = true
        #expect(pipeline.prepare("Call 0906 6358152, win £1500! ٣") == "Call 0000 0000000, win £0000! ٣", "ASCII digits only")
        #expect(pipeline.prepare("1\u{301} 2\u{FE0F}\u{20E3}") == "0\u{301} 0\u{FE0F}\u{20E3}", "a digit with marks after it, as Python's per-code-point replacement")
        let again = try JSONDecoder().decode(TextPipeline.self, from: Data(pipeline.json.utf8))
        #expect(again == pipeline)
        // A pipeline saved before the option existed (spam-rnn's, as written then).
        let old = #"{"kind":"tokenizer","maxlen":189,"korean":false,"labels":["ham","spam"],"indexFrom":3,"startChar":1,"oovChar":2}"#
        let decoded = try JSONDecoder().decode(TextPipeline.self, from: Data(old.utf8))
        #expect(!decoded.normalizesDigits && decoded.maxlen == 189 && decoded.numWords == nil && decoded.oovChar == 2)
    }

    @Test("An unknown experiment lists the valid ones")
    func unknown() {
        #expect { try Experiments.named("nope") } throws: { error in
            "\(error)".contains("timeseries")
        }
    }
}

extension Sequential {
    /// The compiled loss on (x, y).
    func compiledEvaluate(_ x: Tensor, _ y: Tensor) throws -> Double { try evaluate(x: x, y: y)["loss"]! }
}

/// The shared datasets folder for tests: `RECURRENT_DATA`, else `../shared/data` beside the package.
enum ExperimentTestData {
    /// Whether the datasets folder exists (the data tests are skipped, and say so, otherwise).
    static var available: Bool { FileManager.default.fileExists(atPath: directory.path) }

    static var directory: URL {
        if let env = ProcessInfo.processInfo.environment["RECURRENT_DATA"], !env.isEmpty { return URL(fileURLWithPath: env) }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared/data")
    }
}
