import Foundation
import Recurrent
import RecurrentDatasets

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

/// What an experiment's body hands the runner to write.
struct ExperimentOutcome {
    /// Saved as `model.rnn` unless the body saved one itself (the best checkpoint); its summary
    /// goes on the page.
    var model: Sequential
    var history: History
    /// Wall-clock seconds of training.
    var seconds: Double
    /// The page's title, and the training curves' title.
    var title: String
    var chartTitle: String
    /// Charts besides the training curves, by file name.
    var charts: [(name: String, chart: LineChart)] = []
    /// Entries of results.json besides `experiment`, `epochs` and `seconds_per_epoch`.
    var results: [String: JSONValue]
    /// The page's table, in order (also `ExperimentResult.notes`).
    var rows: [(String, String)]
    var metrics: [String: Double]
}

/// One run of an experiment as its body sees it: the options with the specification's defaults
/// filled in, and the run folder.
struct ExperimentRun {
    let options: ExperimentOptions
    let specification: ExperimentSpecification
    /// Where files written while training go (`folder.file("model.rnn")` for the checkpoint).
    let folder: RunFolder

    var name: String { specification.name }
    var defaults: ExperimentDefaults { specification.defaults }
    var units: Int { options.units ?? defaults.units }
    var epochs: Int { options.epochs ?? defaults.epochs }
    var batchSize: Int { options.batchSize ?? defaults.batchSize }
    var dropout: Float { options.dropout ?? 0 }
    var recurrentDropout: Float { options.recurrentDropout ?? 0 }
    var seed: UInt64 { options.seed }
    /// The chosen tokenization's name (the default when none was given).
    var tokenization: String? { specification.tokenization(options.tokenization)?.name }
    /// Where `fit` validates, nil when the experiment does not validate.
    var validation: Validation? {
        guard case let .validationSplit(fraction) = specification.accepted(.validationSplit) else { return nil }
        return (options.validationSplit ?? fraction).map(Validation.split) ?? .testSet
    }
    /// The early-stopping patience, nil for none (the option 0, or an experiment without it).
    var patience: Int? {
        guard case let .patience(fallback) = specification.accepted(.patience) else { return nil }
        let patience = options.patience ?? fallback
        return patience == 0 ? nil : patience
    }
    var samplingAlpha: Float? {
        guard case let .samplingAlpha(fallback) = specification.accepted(.samplingAlpha) else { return nil }
        return options.samplingAlpha ?? fallback
    }
    var data: DataDirectory { options.dataDirectory.map { DataDirectory(root: $0) } ?? .resolve() }

    func makeOptimizer() throws -> any Optimizer {
        try options.makeOptimizer(default: defaults.optimizer, clipnorm: defaults.clipnorm, weightDecay: defaults.weightDecay)
    }
    func log(_ message: String) { options.log(message) }
    /// `samples` limited to `options.limit`.
    func limited<T>(_ samples: [T]) -> [T] { options.limit.map { Array(samples.prefix($0)) } ?? samples }
}

/// Runs an experiment's specification and writes its run folder: the one place that assembles
/// results.json and index.html.
enum ExperimentRunner {
    /// Checks `options` against the specification, opens the run folder (staged; see
    /// `RunFolder`), runs the body, then writes model.rnn (unless the body checkpointed one),
    /// history.csv/json, the curves and extra charts, results.json and index.html, and publishes
    /// them. A run that throws leaves the folder's previous files as they were.
    /// - Throws: `invalidConfiguration` from `ExperimentOptions.check`; what the body or the
    ///   run folder throws.
    static func run(_ specification: ExperimentSpecification, _ options: ExperimentOptions) throws -> ExperimentResult {
        try options.check(for: specification)
        let folder = try RunFolder(options.output)
        defer { folder.discard() }  // a failed run leaves the previous one's files
        let outcome = try specification.body(ExperimentRun(options: options, specification: specification, folder: folder))
        let model = folder.file("model.rnn")
        if !FileManager.default.fileExists(atPath: model.path) { try outcome.model.save(to: model) }
        try folder.writeHistory(outcome.history)
        var charts = try folder.writeCurves(outcome.history, title: outcome.chartTitle)
        for (name, chart) in outcome.charts {
            try folder.writeChart(chart, as: name)
            charts.append(name)
        }
        let epochs = outcome.history.epochs.count
        let secondsPerEpoch = outcome.seconds / Double(max(epochs, 1))
        var results = outcome.results
        results["experiment"] = .string(specification.name)
        results["epochs"] = .number(Double(epochs))
        results["seconds_per_epoch"] = .number(secondsPerEpoch)
        try folder.writeResults(results)
        try folder.writeIndex(title: outcome.title, results: outcome.rows, summary: outcome.model.summary(), charts: charts)
        try folder.publish()
        return ExperimentResult(experiment: specification.name, metrics: outcome.metrics, epochsRun: epochs,
                                secondsPerEpoch: secondsPerEpoch, runFolder: options.output, notes: outcome.rows)
    }
}
