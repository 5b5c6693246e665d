import ArgumentParser
import Foundation
import Recurrent
import RecurrentExperiments

/// `recurrent run EXPERIMENT`: one of the lecture's experiments with its defaults, each
/// overridable; writes a run folder (model, history, charts, HTML page).
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one of the lecture's experiments and write its run folder.",
        discussion: "Experiments:\n" + Experiments.all.map { "  \($0.name.padding(toLength: 15, withPad: " ", startingAt: 0)) \($0.summary)" }.joined(separator: "\n"))

    @Argument(help: "The experiment: \(Experiments.all.map(\.name).joined(separator: ", ")).") var experiment: String
    @Option(help: "Units of the recurrent layer.") var units: Int?
    @Option(help: "Epochs.") var epochs: Int?
    @Option(name: .customLong("batch-size"), help: "Batch size.") var batchSize: Int?
    @Option(help: "Sequence length after padding.") var maxlen: Int?
    @Option(name: .customLong("vocab-size"), help: "Vocabulary size: the tokenizer's or dataset's num_words, with index 0 for padding (spam-rnn's normalized tokens: at most the words seen twice or more, plus 2; nsmc-lstm: SentencePiece pieces).") var vocabSize: Int?
    @Option(help: "Optimizer (adam, rmsprop, sgd, adamw).") var optimizer: String?
    @Option(name: .customLong("learning-rate"), help: "Learning rate.") var learningRate: Float?
    @Option(help: "Clip each gradient to this L2 norm (Keras clipnorm); 0 turns off an experiment's default clipping.") var clipnorm: Float?
    @Option(help: "Keras weight_decay: before each update w -= w * decay * learning rate, on every weight; 0 turns off an experiment's default (spam-rnn: 3).") var weightDecay: Float?
    @Option(help: "Dropout rate on the recurrent layer's inputs (Keras dropout; imdb-cnn-lstm keeps its own Dropout(0.2) layer).") var dropout: Float?
    @Option(name: .customLong("recurrent-dropout"), help: "Dropout rate on the recurrent layer's state (Keras recurrent_dropout).") var recurrentDropout: Float?
    @Option(name: .customLong("validation-split"), help: "Validate on this last fraction of the training data, in (0, 1), instead of the experiment's default (0.2, or the test set for reuters-lstm and imdb-*, as the lecture). Not for textgen-*.") var validationSplit: Double?
    @Option(help: "Early stopping patience in epochs (on val_loss), with the best epoch by val_acc checkpointed and evaluated; 0 turns both off. Text classification only.") var patience: Int?
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(name: .customLong("data-dir"), help: "Dataset folder (default: $RECURRENT_DATA, else the cache folder).") var dataDir: String?
    @Option(help: "Run folder (default: runs/EXPERIMENT).") var output: String?
    @Option(help: "Use at most this many training and test samples (quick runs).") var limit: Int?
    @Option(help: "Tokens: for nsmc-lstm subwords (SentencePiece, default) or words; for spam-rnn normalized (default: digits as 0, words seen once as one OOV token) or words (the lecture's Tokenizer).") var tokenization: String?
    @Option(name: .customLong("sampling-alpha"), help: "nsmc-lstm: subword regularization; each epoch trains on a new SentencePiece segmentation of each training review sampled with this alpha (smaller: more varied); 0 turns it off (default 0.1).") var samplingAlpha: Float?
    @Option(name: .customLong("log-format"), help: "Progress: auto, bar, lines, jsonl or silent.") var logFormat: Verbosity = .auto

    func validate() throws {
        guard Experiments.all.contains(where: { $0.name == experiment }) else {
            throw ValidationError("unknown experiment '\(experiment)'; the experiments are: \(Experiments.all.map(\.name).joined(separator: ", "))")
        }
        for (name, value) in [("--units", units), ("--epochs", epochs), ("--batch-size", batchSize), ("--maxlen", maxlen),
                              ("--vocab-size", vocabSize), ("--limit", limit)] {
            if let value, value < 1 { throw ValidationError("\(name) must be at least 1, found \(value)") }
        }
        if let optimizer {
            do { _ = try makeOptimizer(optimizer) } catch { throw ValidationError("--optimizer: \(error)") }
        }
        if let learningRate, !(learningRate.isFinite && learningRate >= 0) {
            throw ValidationError("--learning-rate must be a finite number ≥ 0, found \(learningRate)")
        }
        do { try options().check(for: Experiments.named(experiment)) } catch { throw ValidationError("\(error)") }
        if let output, output.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--output must name a folder, found an empty path")
        }
    }

    /// The options as the experiments take them.
    func options() -> ExperimentOptions {
        var o = ExperimentOptions(output: URL(fileURLWithPath: output ?? "runs/\(experiment)"))
        o.units = units; o.epochs = epochs; o.batchSize = batchSize; o.maxlen = maxlen; o.vocabularySize = vocabSize
        o.optimizer = optimizer; o.learningRate = learningRate; o.seed = seed; o.limit = limit; o.verbose = logFormat
        o.tokenization = tokenization; o.clipnorm = clipnorm; o.weightDecay = weightDecay; o.patience = patience
        o.dropout = dropout; o.recurrentDropout = recurrentDropout; o.validationSplit = validationSplit
        o.samplingAlpha = samplingAlpha
        return o
    }

    func run() throws {
        let e = try Experiments.named(experiment)
        var o = options()
        // With jsonl the standard output holds only JSON lines; everything else goes to stderr.
        if logFormat == .jsonLines { o.log = { standardErrorWriter($0 + "\n") } }
        o.dataDirectory = dataDir.map { URL(fileURLWithPath: $0) }
        o.log("BLAS \(BLAS.coreName), \(Parallel.workerCount) threads")
        let result = try e.run(o)
        if logFormat == .jsonLines {
            printResultRecord(result)
        } else {
            for (k, v) in result.metrics.sorted(by: { $0.key < $1.key }) { print("\(k): \(String(format: "%.4f", v))") }
            print("run folder: \(result.runFolder.path) (open index.html)")
        }
    }
}

/// With `--log-format jsonl`, a run's result as one JSON line on standard output:
/// `{"event": "result", "experiment": …, "run_folder": …, <metric>: <value>, …}`.
func printResultRecord(_ result: ExperimentResult) {
    var record: [String: JSONValue] = ["event": "result", "experiment": .string(result.experiment), "run_folder": .string(result.runFolder.path)]
    for (k, v) in result.metrics { record[k] = .number(v) }
    print(JSONValue.object(record).description)
}
