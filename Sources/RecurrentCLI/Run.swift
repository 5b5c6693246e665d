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
    @Option(name: .customLong("vocab-size"), help: "Vocabulary size.") var vocabSize: Int?
    @Option(help: "Optimizer (adam, rmsprop, sgd, adamw).") var optimizer: String?
    @Option(name: .customLong("learning-rate"), help: "Learning rate.") var learningRate: Float?
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(name: .customLong("data-dir"), help: "Dataset folder (default: $RECURRENT_DATA, else the cache folder).") var dataDir: String?
    @Option(help: "Run folder (default: runs/EXPERIMENT).") var output: String?
    @Option(help: "Use at most this many training and test samples (quick runs).") var limit: Int?
    @Option(name: .customLong("log-format"), help: "Progress: auto, bar, lines, jsonl or silent.") var logFormat: Verbosity = .auto

    func validate() throws {
        guard Experiments.all.contains(where: { $0.name == experiment }) else {
            throw ValidationError("unknown experiment '\(experiment)'; the experiments are: \(Experiments.all.map(\.name).joined(separator: ", "))")
        }
        for (name, value) in [("--units", units), ("--epochs", epochs), ("--batch-size", batchSize), ("--maxlen", maxlen),
                              ("--vocab-size", vocabSize), ("--limit", limit)] {
            if let value, value < 1 { throw ValidationError("\(name) must be at least 1, found \(value)") }
        }
    }

    func run() throws {
        let e = try Experiments.named(experiment)
        var o = ExperimentOptions(output: URL(fileURLWithPath: output ?? "runs/\(experiment)"))
        o.units = units; o.epochs = epochs; o.batchSize = batchSize; o.maxlen = maxlen; o.vocabularySize = vocabSize
        o.optimizer = optimizer; o.learningRate = learningRate; o.seed = seed; o.limit = limit; o.verbose = logFormat
        o.dataDirectory = dataDir.map { URL(fileURLWithPath: $0) }
        print("BLAS \(BLAS.coreName), \(Parallel.workerCount) threads")
        let result = try e.run(o)
        for (k, v) in result.metrics.sorted(by: { $0.key < $1.key }) { print("\(k): \(String(format: "%.4f", v))") }
        print("run folder: \(result.runFolder.path) (open index.html)")
    }
}
