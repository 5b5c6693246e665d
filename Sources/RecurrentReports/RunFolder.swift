import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RecurrentNN

/// The folder one experiment run writes (`recurrent run EXPERIMENT --output DIR`):
///
///     model.rnn        the trained model (with its tokenizer in the attachments)
///     history.csv      one row per epoch: epoch (1-based), then the logged values, sorted
///     history.json     {"epochs": [...], "history": {"loss": [...], ...}, "stop_reason": ...}
///     loss.svg         training and validation loss per epoch
///     accuracy.svg     training and validation accuracy per epoch (when logged)
///     <more>.svg       extra charts, e.g. predictions against targets
///     results.json     the test metrics and facts about the run
///     index.html       everything above on one page
///
/// A run writes its files into a hidden staging folder inside the run folder
/// (`.partial-<pid>`) and `publish` moves them into place at the end, so a run that fails,
/// diverges or is killed while it trains leaves the files of the previous run as they were.
/// Publishing first moves the previous run's files aside (into the staging folder), then moves
/// the new ones in, each by an atomic rename; if a move fails, the previous files are put back.
/// Only a process killed during those few renames can leave the folder part old, part new (the
/// previous files are then in `.partial-<pid>/previous`). Other files in the folder are left alone.
public struct RunFolder: Sendable {
    /// The run folder the files are published to.
    public let url: URL
    /// Where the files are written until `publish`.
    public let staging: URL
    /// Whether `init` created the run folder (so `discard` removes it again when left empty).
    let createdFolder: Bool

    /// The files a run may write. When the folder holds an earlier run (its `model.rnn` or
    /// `results.json`), `publish` replaces those of them that are plain files, including ones
    /// this run did not write, so the folder describes one run.
    public static let fileNames = ["model.rnn", "history.csv", "history.json", "loss.svg", "accuracy.svg",
                                   "predictions.svg", "results.json", "index.html"]

    /// Creates the run folder (and its parents) if needed, and a fresh staging folder in it;
    /// removes the staging folders of runs whose process has ended.
    /// - Throws: `RecurrentError.fileFormat` naming the folder when it cannot be created or
    ///   written: a path through a file, or a folder without write permission.
    public init(_ url: URL) throws {
        self.url = url
        staging = url.appendingPathComponent(".partial-\(getpid())")
        let fm = FileManager.default
        createdFolder = !fm.fileExists(atPath: url.path)
        // A file where a folder of the path should be.
        var ancestor = url.standardizedFileURL
        while ancestor.path != "/" {
            var isFolder: ObjCBool = false
            if fm.fileExists(atPath: ancestor.path, isDirectory: &isFolder) {
                if !isFolder.boolValue {
                    throw RecurrentError.fileFormat(location: url.path, message: "cannot create the run folder: \(ancestor.path) is a file, not a folder")
                }
                break
            }
            ancestor.deleteLastPathComponent()
        }
        for name in (try? fm.contentsOfDirectory(atPath: url.path)) ?? [] where name.hasPrefix(".partial-") {
            if let pid = Int32(name.dropFirst(".partial-".count)), pid == getpid() || kill(pid, 0) != 0 && errno == ESRCH {
                try? fm.removeItem(at: url.appendingPathComponent(name))
            }
        }
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            // The nearest folder that exists says why: not writable, else the system's reason.
            let reason = access(ancestor.path, W_OK) != 0
                ? (ancestor.path == url.standardizedFileURL.path ? "the folder is not writable" : "\(ancestor.path) is not writable")
                : "creating a folder in \(ancestor.path) failed: \(posixReason(error) ?? error.localizedDescription)"
            throw RecurrentError.fileFormat(location: url.path, message: "cannot create the run folder: \(reason)")
        }
    }

    /// Where `name` is written during the run.
    public func file(_ name: String) -> URL { staging.appendingPathComponent(name) }

    /// Moves the run's files into `url` (see the type's documentation) and removes the staging
    /// folder.
    /// - Throws: `RecurrentError.fileFormat` naming the file that could not be moved; the
    ///   previous run's files are then back in place.
    public func publish() throws {
        let fm = FileManager.default
        let written = ((try? fm.contentsOfDirectory(atPath: staging.path)) ?? []).filter { !$0.hasPrefix(".") }
        func isPlainFile(_ u: URL) -> Bool {
            (try? fm.attributesOfItem(atPath: u.path)[.type] as? FileAttributeType) == .typeRegular
        }
        func move(_ from: URL, _ to: URL) throws {
            guard rename(from.path, to.path) == 0 else {
                throw RecurrentError.fileFormat(location: to.path, message: "cannot move the run's file into place: \(String(cString: strerror(errno)))")
            }
        }
        // 1. The previous run's files aside.
        let previous = staging.appendingPathComponent("previous")
        let heldRun = isPlainFile(url.appendingPathComponent("model.rnn")) || isPlainFile(url.appendingPathComponent("results.json"))
        let aside = Self.fileNames.filter { (heldRun || written.contains($0)) && isPlainFile(url.appendingPathComponent($0)) }
        var movedAside: [String] = []
        var placed: [String] = []
        func restore() {
            for name in placed { try? move(url.appendingPathComponent(name), staging.appendingPathComponent(name)) }
            for name in movedAside { try? move(previous.appendingPathComponent(name), url.appendingPathComponent(name)) }
        }
        do {
            if !aside.isEmpty { try fm.createDirectory(at: previous, withIntermediateDirectories: true) }
            for name in aside {
                try move(url.appendingPathComponent(name), previous.appendingPathComponent(name))
                movedAside.append(name)
            }
            // 2. The new files in, model.rnn last.
            for name in written.sorted(by: { ($0 == "model.rnn" ? 1 : 0, $0) < ($1 == "model.rnn" ? 1 : 0, $1) }) {
                try move(staging.appendingPathComponent(name), url.appendingPathComponent(name))
                placed.append(name)
            }
        } catch {
            restore()
            throw error
        }
        try? fm.removeItem(at: staging)
    }

    /// Removes the staging folder and what it holds (nothing once published), and the run
    /// folder itself when `init` created it and nothing was published into it (a failed first
    /// run leaves no empty folder behind).
    public func discard() {
        let fm = FileManager.default
        try? fm.removeItem(at: staging)
        if createdFolder, (try? fm.contentsOfDirectory(atPath: url.path))?.isEmpty == true {
            try? fm.removeItem(at: url)
        }
    }

    /// Writes `history.csv` and `history.json`.
    public func writeHistory(_ history: History) throws {
        let keys = history.history.keys.sorted()
        var csv = (["epoch"] + keys).joined(separator: ",") + "\n"
        for (row, epoch) in history.epochs.enumerated() {
            csv += ([String(epoch + 1)] + keys.map { k in
                let v = history.history[k]!
                return row < v.count ? "\(v[row])" : ""
            }).joined(separator: ",") + "\n"
        }
        try write(csv, to: "history.csv")
        var hist: [String: JSONValue] = [:]
        for (k, v) in history.history { hist[k] = .array(v.map { $0.isFinite ? .number($0) : .string("\($0)") }) }
        let json: JSONValue = ["epochs": .array(history.epochs.map { .number(Double($0 + 1)) }), "history": .object(hist),
                               "stop_reason": history.stopReason.map { .string($0) } ?? .null]
        try write(json.description + "\n", to: "history.json")
    }

    /// Writes `loss.svg` and, when accuracy is logged, `accuracy.svg`; returns the file names.
    @discardableResult
    public func writeCurves(_ history: History, title: String) throws -> [String] {
        var written: [String] = []
        // Keras logs accuracy under the name the user gave it (`"accuracy"` or `"acc"`).
        let accuracyKey = history.history["accuracy"] != nil ? "accuracy" : "acc"
        for (metric, file) in [("loss", "loss"), (accuracyKey, "accuracy")] {
            guard let train = history.history[metric] else { continue }
            var series = [LineChart.Series(name: "training", values: train, color: LineChart.trainColor)]
            if let val = history.history["val_" + metric] {
                series.append(LineChart.Series(name: "validation", values: val, color: LineChart.validationColor, dashed: true))
            }
            let chart = LineChart(title: "\(title): \(metric)", xLabel: "epoch", yLabel: metric, series: series)
            try chart.write(to: self.file("\(file).svg"))
            written.append("\(file).svg")
        }
        return written
    }

    /// Writes a chart as `name`.
    public func writeChart(_ chart: LineChart, as name: String) throws {
        try chart.write(to: file(name))
    }

    /// Writes `results.json`.
    /// JSON has no NaN or infinity: such a number is written as a string (`"nan"`, `"inf"`), as
    /// in `history.json`.
    public func writeResults(_ results: [String: JSONValue]) throws {
        func finite(_ v: JSONValue) -> JSONValue {
            switch v {
            case let .number(d) where !d.isFinite: .string("\(d)")
            case let .array(a): .array(a.map(finite))
            case let .object(o): .object(o.mapValues(finite))
            default: v
            }
        }
        try write(finite(.object(results)).description + "\n", to: "results.json")
    }

    /// Writes `index.html`: the title, the results as a table, the model summary, and the charts.
    public func writeIndex(title: String, results: [(String, String)], summary: String, charts: [String], notes: [String] = []) throws {
        let esc = LineChart.escape
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(esc(title))</title>
        <style>
        body { font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1340px; color: #222; }
        table { border-collapse: collapse; margin: 1em 0; } td, th { border: 1px solid #ccc; padding: 4px 10px; text-align: left; }
        pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 13px; }
        .charts img { margin: 0.5em; border: 1px solid #ddd; }
        </style></head><body>
        <h1>\(esc(title))</h1>
        <table>\n
        """
        for (k, v) in results { html += "<tr><th>\(esc(k))</th><td>\(esc(v))</td></tr>\n" }
        html += "</table>\n"
        for note in notes { html += "<p>\(esc(note))</p>\n" }
        html += "<div class=\"charts\">\n"
        for c in charts { html += "<img src=\"\(esc(c))\" alt=\"\(esc(c))\" width=\"640\" height=\"400\">\n" }
        html += "</div>\n<h2>Model</h2>\n<pre>\(esc(summary))</pre>\n"
        html += "<p>Files: <a href=\"history.csv\">history.csv</a>, <a href=\"history.json\">history.json</a>, <a href=\"results.json\">results.json</a>, model.rnn</p>\n"
        html += "</body></html>\n"
        try write(html, to: "index.html")
    }

    func write(_ text: String, to name: String) throws {
        do {
            try Data(text.utf8).write(to: file(name), options: .atomic)
        } catch {
            throw RecurrentError.fileFormat(location: file(name).path, message: "cannot write: \(error.localizedDescription)")
        }
    }
}
