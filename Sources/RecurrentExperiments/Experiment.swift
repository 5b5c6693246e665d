import Foundation
import Recurrent

/// Settings of one run of an experiment; nil means the lecture's default for that experiment.
public struct ExperimentOptions: Sendable {
    public var units: Int?
    public var epochs: Int?
    public var batchSize: Int?
    /// Sequence length after padding (text experiments).
    public var maxlen: Int?
    /// Vocabulary size (the `numWords` of the tokenizer or dataset; for spam-rnn's normalized
    /// tokens at most the words seen twice or more, plus 2, since the words seen once are `<OOV>`).
    public var vocabularySize: Int?
    /// A Keras optimizer name (`"adam"`, `"rmsprop"`, …).
    public var optimizer: String?
    public var learningRate: Float?
    /// Clip each gradient to this L2 norm (Keras's `clipnorm`); 0 turns clipping off. Nil is the
    /// experiment's default.
    public var clipnorm: Float?
    /// Keras's `weight_decay` for the optimizer: before each update `w ← w − w · weightDecay · lr`
    /// on every trainable weight. 0 turns off an experiment's default (spam-rnn: 3); nil is the
    /// experiment's default, else the optimizer's own (none, or AdamW's 0.004).
    public var weightDecay: Float?
    /// How the text is split into tokens, one of the experiment's `tokenizations`: for
    /// nsmc-lstm `subwords` (SentencePiece, the default) or `words`; for spam-rnn `normalized`
    /// (the default: digits as 0, words seen once as one out-of-vocabulary token) or `words`
    /// (the lecture's Tokenizer). Nil is the experiment's default.
    public var tokenization: String?
    /// Subword regularization (nsmc-lstm with subwords): every epoch trains on a new sampled
    /// SentencePiece segmentation of each training review, with this smoothing `alpha` (Kudo
    /// 2018; `SentencePieceModel.sampleEncode`); validation and test use the best segmentation.
    /// 0 turns sampling off; nil is the experiment's default (0.1 for nsmc-lstm).
    public var samplingAlpha: Float?
    /// The recurrent layer's `dropout` (on its inputs) and `recurrentDropout` (on its state),
    /// Keras's per-batch masks; nil is the experiment's default (0 in every experiment).
    public var dropout: Float?
    public var recurrentDropout: Float?
    /// Validate on this last fraction of the training data (Keras's `validation_split`), in (0, 1);
    /// nil is the experiment's default, the lecture's: 0.2 for timeseries, spam-rnn and nsmc-lstm,
    /// the test set for reuters-lstm and the IMDB models. Text generation does not validate.
    public var validationSplit: Double?
    /// Early stopping on `val_loss` after this many epochs without improvement, with the best
    /// epoch (by `val_acc`) checkpointed and evaluated; 0 turns both off. Nil is the
    /// experiment's default. Text classification only.
    public var patience: Int?
    public var seed: UInt64 = 1
    /// Where the datasets are (`RECURRENT_DATA` or the cache folder when nil).
    public var dataDirectory: URL?
    /// The run folder.
    public var output: URL
    /// Use at most this many training and test samples (small runs for tests), nil for all.
    public var limit: Int?
    public var verbose: Verbosity = .auto
    /// Where messages go (standard output by default).
    public var log: @Sendable (String) -> Void = { print($0) }

    public init(output: URL) { self.output = output }

    /// Checks the options that are not plain counts against `experiment`.
    /// - Throws: `invalidConfiguration` naming the option, what it accepts and what was found:
    ///   `clipnorm` and `weightDecay` must be finite and ≥ 0, `dropout` and `recurrentDropout` in [0, 1),
    ///   `validationSplit` in (0, 1) and not for text generation, `patience` ≥ 0 and only for
    ///   text classification, `tokenization` one of the experiment's `tokenizations`,
    ///   `vocabularySize` at least the experiment's `minimumVocabularySize`, `maxlen` and `limit`
    ///   at least its `minimumMaxlen` and `minimumLimit` (and refused where those are nil),
    ///   `samplingAlpha` finite, ≥ 0 and only for an experiment that tokenises into subwords.
    public func check(for experiment: any Experiment) throws {
        func fail(_ option: String, _ message: String) -> RecurrentError {
            .invalidConfiguration(where: option, message: message)
        }
        if let clipnorm, !(clipnorm.isFinite && clipnorm >= 0) {
            throw fail("clipnorm (--clipnorm)", "must be a finite number ≥ 0 (0 turns clipping off), found \(clipnorm)")
        }
        if let weightDecay, !(weightDecay.isFinite && weightDecay >= 0) {
            throw fail("weightDecay (--weight-decay)", "must be a finite number ≥ 0 (0 turns weight decay off), found \(weightDecay)")
        }
        for (option, rate) in [("dropout (--dropout)", dropout), ("recurrentDropout (--recurrent-dropout)", recurrentDropout)] {
            if let rate, !(rate >= 0 && rate < 1) { throw fail(option, "must be in [0, 1), found \(rate)") }
        }
        if let validationSplit {
            guard validationSplit > 0 && validationSplit < 1 else {
                throw fail("validationSplit (--validation-split)", "must be in (0, 1), found \(validationSplit)")
            }
            if experiment.task == .textGeneration {
                throw fail("validationSplit (--validation-split)", "\(experiment.name) trains on all its sequences and does not validate")
            }
        }
        if let tokenization, !experiment.tokenizations.contains(tokenization) {
            throw fail("tokenization (--tokenization)", experiment.tokenizations.isEmpty
                ? "only \(Experiments.all.filter { !$0.tokenizations.isEmpty }.map(\.name).joined(separator: " and ")) take a tokenization, not \(experiment.name)"
                : "\(experiment.name) takes \(experiment.tokenizations.joined(separator: " or ")), found \(tokenization)")
        }
        if let vocabularySize {
            guard let minimum = experiment.minimumVocabularySize(tokenization: tokenization) else {
                throw fail("vocabularySize (--vocab-size)", "\(experiment.name) has no vocabulary size to set")
            }
            guard vocabularySize >= minimum.size else {
                throw fail("vocabularySize (--vocab-size)", "must be at least \(minimum.size) for \(experiment.name) (\(minimum.reason)), found \(vocabularySize)")
            }
        }
        if let maxlen {
            guard let minimum = experiment.minimumMaxlen else {
                throw fail("maxlen (--maxlen)", "\(experiment.name) has no sequence length to set")
            }
            guard maxlen >= minimum.size else {
                throw fail("maxlen (--maxlen)", "must be at least \(minimum.size) for \(experiment.name) (\(minimum.reason)), found \(maxlen)")
            }
        }
        if let limit {
            guard let minimum = experiment.minimumLimit else {
                throw fail("limit (--limit)", "\(experiment.name) has no dataset to take a slice of")
            }
            guard limit >= minimum.size else {
                throw fail("limit (--limit)", "must be at least \(minimum.size) for \(experiment.name) (\(minimum.reason)), found \(limit)")
            }
            // The samples `fit` gets are split as Keras's validation_split: the first
            // ⌊n · (1 − split)⌋ train, the rest validate, and each part needs a sample.
            if experiment.task != .textGeneration, let split = validationSplit ?? experiment.defaultValidationSplit,
               split > 0 && split < 1 {
                func splits(_ limit: Int) -> Bool {
                    let n = experiment.fitSamples(limit: limit)
                    let train = Int((Double(n) * (1 - split)).rounded(.down))
                    return train >= 1 && n - train >= 1
                }
                if !splits(limit) {
                    // The smallest limit that splits, searched up to a bound (a split within
                    // 1e-16 of 0 or 1 leaves one side empty at any size).
                    let needed = (limit...max(limit, 1_000_000)).first(where: splits)
                    throw fail("limit (--limit)", needed.map {
                        "must be at least \($0) for \(experiment.name) with a validation split of \(split) (each side of the split needs a sample), found \(limit)"
                    } ?? "a validation split of \(split) leaves \(experiment.name) no training or no validation sample at any limit up to 1,000,000, found \(limit)")
                }
            }
        }
        if let samplingAlpha {
            guard samplingAlpha.isFinite && samplingAlpha >= 0 else {
                throw fail("samplingAlpha (--sampling-alpha)", "must be a finite number ≥ 0 (0 turns sampling off), found \(samplingAlpha)")
            }
            guard experiment.samplesSubwords else {
                throw fail("samplingAlpha (--sampling-alpha)", "subword sampling is for the experiments that tokenise into SentencePiece subwords (\(Experiments.all.filter(\.samplesSubwords).map(\.name).joined(separator: ", "))), not \(experiment.name)")
            }
            if samplingAlpha > 0 && tokenization == "words" {
                throw fail("samplingAlpha (--sampling-alpha)", "samples SentencePiece segmentations, so it needs subword tokens, found --tokenization words")
            }
        }
        if let patience {
            guard patience >= 0 else { throw fail("patience (--patience)", "must be ≥ 0 (0 turns early stopping off), found \(patience)") }
            if experiment.task != .classification {
                throw fail("patience (--patience)", "early stopping is for the text classification experiments (\(Experiments.all.filter { $0.task == .classification }.map(\.name).joined(separator: ", "))), not \(experiment.name)")
            }
        }
    }

    /// The optimizer named by `optimizer` (else `fallback`, the lecture's), with `learningRate`
    /// when one is given, and `clipnorm` and `weightDecay` (else the experiment's defaults,
    /// whatever the optimizer; 0 turns either off, AdamW then decaying by 0).
    /// - Throws: `invalidConfiguration` for an unknown name.
    public func makeOptimizer(default fallback: String, clipnorm defaultClipnorm: Float? = nil,
                              weightDecay defaultWeightDecay: Float? = nil) throws -> any Optimizer {
        let made = try RecurrentNN.makeOptimizer(optimizer ?? fallback)
        if let learningRate { made.learningRate = learningRate }
        let clip = clipnorm ?? defaultClipnorm
        made.clipnorm = clip == 0 ? nil : clip
        if let decay = weightDecay ?? defaultWeightDecay {
            // Keras's AdamW requires a weight decay; 0 is none.
            made.weightDecay = decay == 0 && made.typeName != "AdamW" ? nil : decay
        }
        return made
    }
}

/// What a run reports: the test metrics, and facts worth a line in RESULTS.md.
public struct ExperimentResult: Sendable {
    public var experiment: String
    /// The numbers that matter, named by what they measure, e.g.
    /// `["test_loss": 0.05, "test_accuracy": 0.982]`.
    public var metrics: [String: Double]
    public var epochsRun: Int
    public var secondsPerEpoch: Double
    public var runFolder: URL
    /// Extra facts (`"parameters": "131"`, generated text, …), in order.
    public var notes: [(String, String)] = []
}

/// What an experiment trains, which decides the options it takes.
public enum ExperimentTask: Sendable {
    /// Regression on a series (`timeseries`): validates on a split, no early stopping.
    case regression
    /// Next-word prediction (`textgen-*`): trains on all its sequences, no validation.
    case textGeneration
    /// Text classification: validation, early stopping and the best checkpoint.
    case classification
}

/// One experiment of the lecture, run from the library's public API only.
public protocol Experiment: Sendable {
    /// The command-line name, e.g. `timeseries`.
    var name: String { get }
    var task: ExperimentTask { get }
    /// Whether the experiment tokenises into SentencePiece subwords, and so takes
    /// `samplingAlpha` (false by default).
    var samplesSubwords: Bool { get }
    /// The values `ExperimentOptions.tokenization` takes, the default first; empty (the
    /// default) when the experiment has one way of tokenising.
    var tokenizations: [String] { get }
    /// The smallest `ExperimentOptions.vocabularySize` that keeps at least one word with
    /// `tokenization` (nil: the default), and why, for the error `check` gives below it; nil
    /// when the experiment has no vocabulary size to set.
    func minimumVocabularySize(tokenization: String?) -> (size: Int, reason: String)?
    /// The smallest `ExperimentOptions.maxlen` the model can take, and why; nil when the
    /// experiment has no sequence length to set (timeseries' windows are 3 steps). Default 1.
    var minimumMaxlen: (size: Int, reason: String)? { get }
    /// The smallest `ExperimentOptions.limit`, and why; nil when the experiment has no dataset to
    /// take a slice of (textgen-rnn's three sentences). Default 1.
    var minimumLimit: (size: Int, reason: String)? { get }
    /// The fraction of the training data validated on by default (Keras's `validation_split`),
    /// nil when the experiment validates on the test set or not at all. Default nil.
    var defaultValidationSplit: Double? { get }
    /// How many samples `fit` gets from `limit` samples (before its validation split); default
    /// `limit` (timeseries tests on a fifth of its windows first).
    func fitSamples(limit: Int) -> Int
    /// One line for `recurrent run --help`.
    var summary: String { get }
    func run(_ options: ExperimentOptions) throws -> ExperimentResult
}

extension Experiment {
    public var samplesSubwords: Bool { false }
    public var tokenizations: [String] { [] }
    /// `tokenization`, or the experiment's default (the first of `tokenizations`) when nil.
    public func tokenization(_ tokenization: String?) -> String? { tokenization ?? tokenizations.first }
    public func minimumVocabularySize(tokenization: String?) -> (size: Int, reason: String)? { (2, "index 0 is padding") }
    public var minimumMaxlen: (size: Int, reason: String)? { (1, "a sequence has at least one step") }
    public var minimumLimit: (size: Int, reason: String)? { (1, "a run needs a sample") }
    public var defaultValidationSplit: Double? { nil }
    public func fitSamples(limit: Int) -> Int { limit }
}

/// The experiments by name.
public enum Experiments {
    public static let all: [any Experiment] = [
        TimeSeriesExperiment(), TextGenerationRNNExperiment(), TextGenerationLSTMExperiment(), SpamRNNExperiment(),
        ReutersLSTMExperiment(), IMDBExperiment(.lstm), IMDBExperiment(.gru), IMDBExperiment(.cnnLSTM), NSMCLSTMExperiment(),
    ]

    /// - Throws: `invalidConfiguration` listing the valid names for an unknown one.
    public static func named(_ name: String) throws -> any Experiment {
        guard let e = all.first(where: { $0.name == name }) else {
            throw RecurrentError.invalidConfiguration(
                where: "recurrent run", message: "unknown experiment '\(name)'; the experiments are: \(all.map(\.name).joined(separator: ", "))")
        }
        return e
    }
}

/// `model.evaluate`, or `["loss": .nan]` when its weights are not finite (a layer then refuses
/// the activations of the one before with `nonFinite`), for `requireFinite` to report.
func evaluateOrNaN(_ model: Sequential, x: Tensor, y: Tensor, batchSize: Int = 32) throws -> [String: Double] {
    do { return try model.evaluate(x: x, y: y, batchSize: batchSize) } catch RecurrentError.nonFinite { return ["loss": .nan] }
}

/// Stops a run whose final model has a non-finite loss, before it publishes anything.
/// - Throws: `invalidValue` naming the experiment, the loss, the first epoch that logged a
///   non-finite value (or why training stopped) and the run folder, which is left as it was.
func requireFinite(_ loss: Double, of name: String, history: History, output: URL) throws {
    guard !loss.isFinite else { return }
    // The first epoch that logged a non-finite value (loss, val_loss, …).
    let diverged = history.history.compactMap { key, values in values.firstIndex { !$0.isFinite }.map { ($0, key, values[$0]) } }
        .min { ($0.0, $0.1) < ($1.0, $1.1) }
        .map { "\($0.1) became \($0.2) in epoch \($0.0 + 1)" }
    throw RecurrentError.invalidValue(
        where: "\(name) training", expected: "a model with a finite loss",
        found: "\(loss) (\(diverged ?? history.stopReason ?? "the weights are not finite")); nothing was written to \(output.path). A smaller learning rate or --clipnorm 1 may help")
}

/// Wall-clock seconds of `body`.
func timed<R>(_ body: () throws -> R) rethrows -> (R, Double) {
    let start = Date()
    let r = try body()
    return (r, Date().timeIntervalSince(start))
}

/// `value` formatted as a percentage with two decimals.
func percent(_ value: Double) -> String { String(format: "%.2f%%", 100 * value) }

/// Refuses `samples` sequences of `maxlen` steps whose float tensor would take more than a
/// quarter of `usableMemoryBytes()`: an `invalidConfiguration` error naming `maxlen (--maxlen)`,
/// since an allocation that fails is a crash, not an error. A coarse guard against sizes that
/// cannot work; a size that passes may still need more memory than there is once training
/// adds its activations.
func checkInputSize(samples: Int, maxlen: Int) throws {
    let bytes = 4 * Double(samples) * Double(maxlen)
    let memory = usableMemoryBytes()
    if bytes > memory / 4 {
        throw RecurrentError.invalidConfiguration(
            where: "maxlen (--maxlen)",
            message: "\(samples) sequences of \(maxlen) steps take \(gibibytes(bytes)) as floats, more than a quarter of the \(gibibytes(memory)) of memory; found maxlen \(maxlen)")
    }
}

/// `padSequences` for an experiment's inputs, after `checkInputSize`.
/// - Returns: `(sequences.count, maxlen)`, pre-padded and pre-truncated as Keras's defaults.
func paddedInputs(_ sequences: [[Int]], maxlen: Int) throws -> Tensor {
    try checkInputSize(samples: sequences.count, maxlen: maxlen)
    return try padSequences(sequences, maxlen: maxlen)
}
