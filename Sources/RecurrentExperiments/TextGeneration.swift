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
    public static let minimumMaxlen = OptionFloor(2, "the model reads maxlen − 1 words and predicts the next")

    /// - Parameters:
    ///   - lines: one text per line (headline, sentence).
    ///   - numWords: keep the `numWords − 1` most frequent words (nil: all).
    ///   - maxlen: pad sequences to this length, cutting longer ones keeping their ends (Keras's
    ///   `pad_sequences` with pre-padding and pre-truncating; nil: the longest).
    /// - Throws: `invalidValue` when no line has two known words, or `maxlen` is below 2;
    ///   `invalidConfiguration` naming `maxlen` when the padded sequences would not fit in memory.
    public init(lines: [String], numWords: Int? = nil, maxlen: Int? = nil) throws {
        if let maxlen, maxlen < Self.minimumMaxlen.minimum {
            throw RecurrentError.invalidValue(where: "text generation data", expected: "maxlen ≥ \(Self.minimumMaxlen.minimum) (\(Self.minimumMaxlen.reason))", found: "\(maxlen)")
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
    func train(_ model: Sequential, _ run: ExperimentRun) throws -> (History, Double) {
        try model.build(inputShape: [maxlen - 1], seed: run.seed)
        try model.compile(optimizer: run.makeOptimizer(), loss: .categoricalCrossentropy, metrics: ["accuracy"])
        run.log(model.summary())
        return try timed {
            try model.fit(x: x, y: y, batchSize: run.batchSize, epochs: run.epochs, verbose: run.options.verbose)
        }
    }

    /// The generator of `model` with these data's tokenizer and input length.
    func generator(_ model: Sequential) -> TextGenerator { TextGenerator(model: model, tokenizer: tokenizer, inputLength: maxlen - 1) }
}

/// `textgen-rnn`: the lecture's three Korean sentences; Embedding(vocab, 10) → SimpleRNN(32) →
/// Dense(vocab, softmax), Adam, 200 epochs; then greedy generation from the first word of each
/// sentence, which should give the sentence back ('경마장에' → '경마장에 있는 말이 뛰고 있다').
public struct TextGenerationRNNExperiment: Experiment {
    public static let sentences = ["경마장에 있는 말이 뛰고 있다", "그의 말이 법이다", "가는 말이 고와야 오는 말이 곱다"]
    public init() {}

    public var specification: ExperimentSpecification { Self.specification }
    /// Every word of the three sentences is kept, and they are all the data: no vocabulary
    /// size or limit to set.
    static let specification = ExperimentSpecification(
        name: "textgen-rnn", summary: "Embedding → SimpleRNN(32) → Dense(softmax) on the lecture's three Korean sentences; generates continuations",
        defaults: ExperimentDefaults(units: 32, epochs: 200, batchSize: 32, optimizer: "adam"),
        accepts: [.maxlen(TextGenerationData.minimumMaxlen)],
        body: TextGenerationRNNExperiment.body)

    static func body(_ run: ExperimentRun) throws -> ExperimentOutcome {
        let data = try TextGenerationData(lines: sentences, maxlen: run.options.maxlen)
        let model = Sequential(name: "textgen_rnn") {
            Embedding(inputDim: data.vocabularySize, outputDim: 10)
            SimpleRNN(run.units, dropout: run.dropout, recurrentDropout: run.recurrentDropout)
            Dense(data.vocabularySize, activation: .softmax)
        }
        let (history, seconds) = try data.train(model, run)
        var rng = RandomGenerator(seed: run.seed)
        let train = try evaluateOrNaN(model, x: data.x, y: data.y)
        try requireFinite(train["loss"]!, of: run.name, history: history, output: run.options.output)
        let generator = data.generator(model)
        var generated: [(String, String)] = []
        var reproduced = 0
        for sentence in sentences {
            let words = sentence.split(separator: " ").map(String.init)
            let text = try generator.generate(seed: words[0], words: words.count - 1, rng: &rng)
            generated.append((words[0], text))
            if text == sentence { reproduced += 1 }
            run.log("\(words[0]) → \(text)")
        }
        generator.attach()
        let rows = [("sentences reproduced from their first word", "\(reproduced) of \(sentences.count)"),
                    ("training accuracy", percent(train["accuracy"]!)), ("vocabulary", "\(data.vocabularySize)")]
            + generated.map { ("from '\($0.0)'", $0.1) }
        return ExperimentOutcome(
            model: model, history: history, seconds: seconds, title: "textgen-rnn: the lecture's three sentences", chartTitle: "textgen-rnn",
            results: ["train_loss": .number(train["loss"]!), "train_accuracy": .number(train["accuracy"]!),
                      "sentences_reproduced": .number(Double(reproduced)), "generated": .array(generated.map { .string($0.1) })],
            rows: rows,
            metrics: ["train_loss": train["loss"]!, "train_accuracy": train["accuracy"]!, "sentences_reproduced": Double(reproduced)])
    }
}

/// `textgen-lstm`: the New York Times headlines of April 2018 (1,214 other than "Unknown"),
/// cleaned as the lecture does (ASCII only, punctuation removed, lower case); word-level prefix
/// sequences; Embedding(vocab, 10) → LSTM(128) → Dense(vocab, softmax), adam, 200 epochs; then
/// greedy generation from a few first words.
public struct TextGenerationLSTMExperiment: Experiment {
    public init() {}

    public var specification: ExperimentSpecification { Self.specification }
    static let specification = ExperimentSpecification(
        name: "textgen-lstm", summary: "Embedding → LSTM(128) → Dense(softmax) on New York Times headlines; generates headlines",
        defaults: ExperimentDefaults(units: 128, epochs: 200, batchSize: 32, optimizer: "adam"),
        accepts: [.vocabularySize(.vocabulary), .maxlen(TextGenerationData.minimumMaxlen), .limit(.sample)],
        body: TextGenerationLSTMExperiment.body)

    static func body(_ run: ExperimentRun) throws -> ExperimentOutcome {
        let (headlines, report) = try NYTHeadlines.load(files: [NYTHeadlines.lectureFile], from: run.data)
        run.log(report.summary())
        let lines = run.limited(headlines.map(\.text).filter { $0 != "Unknown" }.map(NYTHeadlines.preprocess))
        let data = try TextGenerationData(lines: lines, numWords: run.options.vocabularySize, maxlen: run.options.maxlen)
        run.log("\(lines.count) headlines, \(data.x.shape[0]) prefix sequences, vocabulary \(data.vocabularySize), length \(data.maxlen)")
        let model = Sequential(name: "textgen_lstm") {
            Embedding(inputDim: data.vocabularySize, outputDim: 10)
            LSTM(run.units, dropout: run.dropout, recurrentDropout: run.recurrentDropout)
            Dense(data.vocabularySize, activation: .softmax)
        }
        let (history, seconds) = try data.train(model, run)
        try requireFinite(evaluateOrNaN(model, x: data.x, y: data.y)["loss"]!, of: run.name, history: history, output: run.options.output)
        var rng = RandomGenerator(seed: run.seed)
        let generator = data.generator(model)
        var generated: [(String, String)] = []
        for seed in ["i", "how to", "trump", "the"] {
            let text = try generator.generate(seed: seed, words: 10, rng: &rng)
            generated.append((seed, text))
            run.log("\(seed) → \(text)")
        }
        generator.attach()
        let last = history.history["accuracy"]?.last ?? .nan, loss = history.history["loss"]?.last ?? .nan
        let rows = [("headlines", "\(lines.count)"), ("prefix sequences", "\(data.x.shape[0])"),
                    ("vocabulary", "\(data.vocabularySize)"), ("training accuracy (last epoch)", percent(last))]
            + generated.map { ("from '\($0.0)'", $0.1) }
        return ExperimentOutcome(
            model: model, history: history, seconds: seconds, title: "textgen-lstm: New York Times headlines", chartTitle: "textgen-lstm",
            results: ["train_accuracy": .number(last), "train_loss": .number(loss), "generated": .array(generated.map { .string($0.1) })],
            rows: rows, metrics: ["train_accuracy": last, "train_loss": loss])
    }
}
