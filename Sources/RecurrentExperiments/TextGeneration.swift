import Foundation
import Recurrent
import RecurrentDatasets

/// Word-level text generation as the lecture does it (one-to-many): every line is tokenised,
/// each prefix of length ≥ 2 becomes a training sequence, pre-padded to the longest; the model
/// reads all but the last word and predicts the last one (softmax over the vocabulary,
/// categorical cross-entropy on one-hot targets).
public struct TextGenerationData: Sendable {
    public var tokenizer: Tokenizer
    /// `(samples, maxlen − 1)` token ids, pre-padded with 0.
    public var x: Tensor
    /// `(samples, vocabulary)` one-hot next words.
    public var y: Tensor
    /// The padded length of a whole sequence (inputs are one shorter).
    public var maxlen: Int
    /// `wordIndex.count + 1` (index 0 is padding).
    public var vocabularySize: Int

    /// The model reads `maxlen − 1` words and predicts the next.
    public static let minimumMaxlen = (size: 2, reason: "the model reads maxlen − 1 words and predicts the next")

    /// - Parameters:
    ///   - lines: one text per line (headline, sentence).
    ///   - numWords: keep the `numWords − 1` most frequent words (nil: all).
    ///   - maxlen: pad sequences to this length, cutting longer ones keeping their ends (Keras's
    ///   `pad_sequences` with pre-padding and pre-truncating; nil: the longest).
    /// - Throws: `invalidValue` when no line has two known words, or `maxlen` is below 2;
    ///   `invalidConfiguration` naming `maxlen` when the padded sequences would not fit in memory.
    public init(lines: [String], numWords: Int? = nil, maxlen: Int? = nil) throws {
        if let maxlen, maxlen < Self.minimumMaxlen.size {
            throw RecurrentError.invalidValue(where: "text generation data", expected: "maxlen ≥ \(Self.minimumMaxlen.size) (\(Self.minimumMaxlen.reason))", found: "\(maxlen)")
        }
        var tokenizer = try Tokenizer(numWords: numWords)
        tokenizer.fitOnTexts(lines)
        var sequences: [[Int]] = []
        for encoded in tokenizer.textsToSequences(lines) where encoded.count >= 2 {
            for end in 2...encoded.count { sequences.append(Array(encoded[..<end])) }
        }
        guard !sequences.isEmpty else {
            throw RecurrentError.invalidValue(where: "text generation data", expected: "lines with at least two known words",
                                              found: "\(lines.count) lines without any")
        }
        let longest = sequences.map(\.count).max()!
        let length = maxlen ?? longest
        try checkInputSize(samples: sequences.count, maxlen: length)
        let padded = try padSequences(sequences, maxlen: length, padding: .pre, truncating: .pre)
        let vocab = (numWords.map { min($0, tokenizer.wordIndex.count + 1) }) ?? tokenizer.wordIndex.count + 1
        let n = sequences.count
        var x = Tensor(shape: [n, length - 1])
        var labels: [Int] = []
        for i in 0..<n {
            for t in 0..<(length - 1) { x[i, t] = padded[i, t] }
            labels.append(Int(padded[i, length - 1]))
        }
        self.tokenizer = tokenizer
        self.x = x
        self.y = try toCategorical(labels, numClasses: vocab)
        self.maxlen = length
        self.vocabularySize = vocab
    }
}

extension TextGenerationData {
    /// Builds `model` for these inputs, compiles it as the lecture (categorical cross-entropy,
    /// Adam unless the options say otherwise, accuracy), prints its summary and trains it
    /// (batch 32, 200 epochs by default). Returns the history and the seconds it took.
    func train(_ model: Sequential, _ o: ExperimentOptions) throws -> (History, Double) {
        try model.build(inputShape: [maxlen - 1], seed: o.seed)
        try model.compile(optimizer: o.makeOptimizer(default: "adam"), loss: .categoricalCrossentropy, metrics: ["accuracy"])
        o.log(model.summary())
        return try timed {
            try model.fit(x: x, y: y, batchSize: o.batchSize ?? 32, epochs: o.epochs ?? 200, verbose: o.verbose)
        }
    }

    /// Saves what `recurrent generate` needs with the model: the tokenizer and the input length.
    func attach(to model: Sequential) {
        model.attachments["tokenizer"] = tokenizer.toJSON()
        model.attachments["generation"] = JSONValue.object(["input_length": .number(Double(maxlen - 1))]).description
    }
}

/// Sampling from a next-word model.
public enum TextGenerator {
    /// Continues `seed` by `words` words: each step tokenises the text so far, pre-pads it to
    /// `inputLength`, predicts the next-word distribution and picks a word: the most likely with
    /// `temperature` 0 (the lecture's greedy generation), otherwise a draw from
    /// p^(1/T) renormalised, restricted to the `topK` most likely words when given. Index 0
    /// (padding) and unknown indices are never picked.
    /// - Returns: the seed followed by the generated words, separated by spaces.
    /// - Throws: `invalidValue` for a negative temperature or word count, or `topK` < 1.
    public static func generate(model: Sequential, tokenizer: Tokenizer, inputLength: Int, seed: String, words: Int,
                                temperature: Double = 0, topK: Int? = nil, rng: inout RandomGenerator) throws -> String {
        guard words >= 0, temperature.isFinite, temperature >= 0, topK.map({ $0 >= 1 }) ?? true else {
            throw RecurrentError.invalidValue(where: "generate", expected: "words ≥ 0, a finite temperature ≥ 0 and top-k ≥ 1",
                                              found: "words \(words), temperature \(temperature), top-k \(topK.map(String.init) ?? "none")")
        }
        let byIndex = Dictionary(tokenizer.wordIndex.map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var text = seed
        for _ in 0..<words {
            let ids = tokenizer.textsToSequences([text])[0]
            let padded = try padSequences([ids], maxlen: inputLength, padding: .pre, truncating: .pre)
            let p = try model.predict(padded).data.map(Double.init)
            if let bad = p.first(where: { !$0.isFinite }) {
                throw RecurrentError.invalidValue(where: "generate", expected: "a model whose outputs are finite probabilities",
                                                  found: "\(bad): the model's weights are not finite (its training diverged)")
            }
            var candidates = (1..<p.count).filter { byIndex[$0] != nil }
            guard !candidates.isEmpty else { break }
            let next: Int
            if temperature == 0 {
                next = candidates.max { p[$0] < p[$1] }!
            } else {
                candidates.sort { p[$0] > p[$1] }
                if let topK { candidates = Array(candidates.prefix(topK)) }
                let weights = candidates.map { Foundation.pow(max(p[$0], 1e-30), 1 / temperature) }
                let total = weights.reduce(0, +)
                var u = Double(rng.uniform()) * total
                var pick = candidates.last!
                for (c, w) in zip(candidates, weights) {
                    u -= w
                    if u <= 0 { pick = c; break }
                }
                next = pick
            }
            // A seed that is empty or ends in a space gets no second space.
            text += (text.last?.isWhitespace ?? true ? "" : " ") + byIndex[next]!
        }
        return text
    }
}

/// `textgen-rnn`: the lecture's three Korean sentences; Embedding(vocab, 10) → SimpleRNN(32) →
/// Dense(vocab, softmax), Adam, 200 epochs; then greedy generation from the first word of each
/// sentence, which should give the sentence back ('경마장에' → '경마장에 있는 말이 뛰고 있다').
public struct TextGenerationRNNExperiment: Experiment {
    public let name = "textgen-rnn"
    public var task: ExperimentTask { .textGeneration }
    public let summary = "Embedding → SimpleRNN(32) → Dense(softmax) on the lecture's three Korean sentences; generates continuations"
    public init() {}

    public static let sentences = ["경마장에 있는 말이 뛰고 있다", "그의 말이 법이다", "가는 말이 고와야 오는 말이 곱다"]

    /// Every word of the three sentences is kept.
    public func minimumVocabularySize(tokenization: String?) -> (size: Int, reason: String)? { nil }
    public var minimumMaxlen: (size: Int, reason: String)? { TextGenerationData.minimumMaxlen }
    /// The three sentences are all the data.
    public var minimumLimit: (size: Int, reason: String)? { nil }

    public func run(_ o: ExperimentOptions) throws -> ExperimentResult {
        try o.check(for: self)
        let data = try TextGenerationData(lines: Self.sentences, maxlen: o.maxlen)
        let run = try RunFolder(o.output)  // after the data are ready, before training
        defer { run.discard() }  // a failed run leaves the previous one's files
        let model = Sequential(name: "textgen_rnn") {
            Embedding(inputDim: data.vocabularySize, outputDim: 10)
            SimpleRNN(o.units ?? 32, dropout: o.dropout ?? 0, recurrentDropout: o.recurrentDropout ?? 0)
            Dense(data.vocabularySize, activation: .softmax)
        }
        let (history, seconds) = try data.train(model, o)
        var rng = RandomGenerator(seed: o.seed)
        let train = try evaluateOrNaN(model, x: data.x, y: data.y)
        try requireFinite(train["loss"]!, of: name, history: history, output: o.output)
        var generated: [(String, String)] = []
        var reproduced = 0
        for sentence in Self.sentences {
            let words = sentence.split(separator: " ").map(String.init)
            let text = try TextGenerator.generate(model: model, tokenizer: data.tokenizer, inputLength: data.maxlen - 1,
                                                  seed: words[0], words: words.count - 1, rng: &rng)
            generated.append((words[0], text))
            if text == sentence { reproduced += 1 }
            o.log("\(words[0]) → \(text)")
        }
        data.attach(to: model)
        try model.save(to: run.file("model.rnn"))
        try run.writeHistory(history)
        let charts = try run.writeCurves(history, title: "textgen-rnn")
        let epochs = history.epochs.count
        try run.writeResults(["experiment": .string(name), "train_loss": .number(train["loss"]!),
                              "train_accuracy": .number(train["accuracy"]!), "sentences_reproduced": .number(Double(reproduced)),
                              "generated": .array(generated.map { .string($0.1) }), "epochs": .number(Double(epochs)),
                              "seconds_per_epoch": .number(seconds / Double(max(epochs, 1)))])
        let rows = [("sentences reproduced from their first word", "\(reproduced) of \(Self.sentences.count)"),
                    ("training accuracy", percent(train["accuracy"]!)), ("vocabulary", "\(data.vocabularySize)")]
            + generated.map { ("from '\($0.0)'", $0.1) }
        try run.writeIndex(title: "textgen-rnn: the lecture's three sentences", results: rows, summary: model.summary(), charts: charts)
        try run.publish()
        return ExperimentResult(experiment: name, metrics: ["train_loss": train["loss"]!, "train_accuracy": train["accuracy"]!,
                                                            "sentences_reproduced": Double(reproduced)],
                                epochsRun: epochs, secondsPerEpoch: seconds / Double(max(epochs, 1)), runFolder: o.output, notes: rows)
    }
}

/// `textgen-lstm`: the New York Times headlines of April 2018 (1,214 other than "Unknown"),
/// cleaned as the lecture does (ASCII only, punctuation removed, lower case); word-level prefix
/// sequences; Embedding(vocab, 10) → LSTM(128) → Dense(vocab, softmax), adam, 200 epochs; then
/// greedy generation from a few first words.
public struct TextGenerationLSTMExperiment: Experiment {
    public let name = "textgen-lstm"
    public var task: ExperimentTask { .textGeneration }
    public let summary = "Embedding → LSTM(128) → Dense(softmax) on New York Times headlines; generates headlines"
    public init() {}

    public var minimumMaxlen: (size: Int, reason: String)? { TextGenerationData.minimumMaxlen }

    public func run(_ o: ExperimentOptions) throws -> ExperimentResult {
        try o.check(for: self)
        let dir = o.dataDirectory.map { DataDirectory(root: $0) } ?? .resolve()
        let (headlines, report) = try NYTHeadlines.load(files: [NYTHeadlines.lectureFile], from: dir)
        o.log(report.summary())
        var lines = headlines.map(\.text).filter { $0 != "Unknown" }.map(NYTHeadlines.preprocess)
        if let limit = o.limit { lines = Array(lines.prefix(limit)) }
        let data = try TextGenerationData(lines: lines, numWords: o.vocabularySize, maxlen: o.maxlen)
        let run = try RunFolder(o.output)  // after the data are ready, before training
        defer { run.discard() }  // a failed run leaves the previous one's files
        o.log("\(lines.count) headlines, \(data.x.shape[0]) prefix sequences, vocabulary \(data.vocabularySize), length \(data.maxlen)")
        let model = Sequential(name: "textgen_lstm") {
            Embedding(inputDim: data.vocabularySize, outputDim: 10)
            LSTM(o.units ?? 128, dropout: o.dropout ?? 0, recurrentDropout: o.recurrentDropout ?? 0)
            Dense(data.vocabularySize, activation: .softmax)
        }
        let (history, seconds) = try data.train(model, o)
        try requireFinite(evaluateOrNaN(model, x: data.x, y: data.y)["loss"]!, of: name, history: history, output: o.output)
        var rng = RandomGenerator(seed: o.seed)
        var generated: [(String, String)] = []
        for seed in ["i", "how to", "trump", "the"] {
            let text = try TextGenerator.generate(model: model, tokenizer: data.tokenizer, inputLength: data.maxlen - 1,
                                                  seed: seed, words: 10, rng: &rng)
            generated.append((seed, text))
            o.log("\(seed) → \(text)")
        }
        data.attach(to: model)
        try model.save(to: run.file("model.rnn"))
        try run.writeHistory(history)
        let charts = try run.writeCurves(history, title: "textgen-lstm")
        let epochs = history.epochs.count
        let last = history.history["accuracy"]?.last ?? .nan
        try run.writeResults(["experiment": .string(name), "train_accuracy": .number(last),
                              "train_loss": .number(history.history["loss"]?.last ?? .nan),
                              "generated": .array(generated.map { .string($0.1) }), "epochs": .number(Double(epochs)),
                              "seconds_per_epoch": .number(seconds / Double(max(epochs, 1)))])
        let rows = [("headlines", "\(lines.count)"), ("prefix sequences", "\(data.x.shape[0])"),
                    ("vocabulary", "\(data.vocabularySize)"), ("training accuracy (last epoch)", percent(last))]
            + generated.map { ("from '\($0.0)'", $0.1) }
        try run.writeIndex(title: "textgen-lstm: New York Times headlines", results: rows, summary: model.summary(), charts: charts)
        try run.publish()
        return ExperimentResult(experiment: name, metrics: ["train_accuracy": last, "train_loss": history.history["loss"]?.last ?? .nan],
                                epochsRun: epochs, secondsPerEpoch: seconds / Double(max(epochs, 1)), runFolder: o.output, notes: rows)
    }
}
