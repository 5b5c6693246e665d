import ArgumentParser
import Foundation
import Recurrent
import RecurrentExperiments

/// `recurrent demo` (what `make demo` runs): the lecture's experiments that need no download
/// (`timeseries` on a generated series, `textgen-rnn` on its three Korean sentences), then
/// `spam-rnn` when the SMS spam data is found; prints each result and where the run folders are.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run timeseries and textgen-rnn (embedded data), then spam-rnn when its data is found.")

    @Option(help: "Folder for the run folders.") var output = "runs/demo"
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(name: .customLong("data-dir"), help: "Dataset folder (default: $RECURRENT_DATA, else the cache folder).") var dataDir: String?
    @Option(name: .customLong("log-format"), help: "Progress: auto, bar, lines, jsonl or silent.") var logFormat: Verbosity = .auto

    func run() throws {
        // With jsonl the standard output holds only JSON lines (one per epoch, one result per
        // experiment); everything else goes to stderr, as `run` does.
        let jsonLines = logFormat == .jsonLines
        let toStandardError: @Sendable (String) -> Void = { standardErrorWriter($0 + "\n") }
        let toStandardOutput: @Sendable (String) -> Void = { print($0) }
        let say = jsonLines ? toStandardError : toStandardOutput
        say("BLAS \(BLAS.coreName), \(Parallel.workerCount) threads")
        let data = dataDir.map { DataDirectory(path: $0) } ?? .resolve()
        var experiments: [any Experiment] = [TimeSeriesExperiment(), TextGenerationRNNExperiment()]
        let spam = data.url(SMSSpam.fileName, in: .smsSpam)
        if FileManager.default.fileExists(atPath: spam.path) {
            experiments.append(SpamRNNExperiment())
        } else {
            say("spam-rnn skipped: no \(spam.path); \(data.downloadHint(.smsSpam))")
        }
        var summary: [String] = []
        for e in experiments {
            say("\n=== \(e.name): \(e.summary)")
            var o = ExperimentOptions(output: URL(fileURLWithPath: output).appendingPathComponent(e.name))
            o.seed = seed
            o.verbose = logFormat
            o.dataDirectory = data.root
            o.log = say
            let start = Date()
            let result = try e.run(o)
            if jsonLines { printResultRecord(result) }
            // Four significant digits: 0.9797, 0.0225, and a count as itself (sentences_reproduced 3).
            let numbers = result.metrics.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4g", $0.value))" }
            summary.append("\(e.name): \(numbers.joined(separator: ", ")) (\(String(format: "%.0f", Date().timeIntervalSince(start))) s) → \(result.runFolder.path)/index.html")
        }
        say("\n=== Results")
        summary.forEach(say)
    }
}

extension Verbosity: ExpressibleByArgument {}
