import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How `fit` and `evaluate` report progress.
public enum Verbosity: String, Sendable, CaseIterable {
    /// `progressBar` when standard output is a terminal, else `epochLines` (Keras 3's `"auto"`
    /// is the bar; a bar redrawn with `\r` is unreadable in a log file).
    case auto
    /// Nothing (Keras `verbose=0`).
    case silent
    /// Keras 3's bar (`verbose=1`): `Epoch 1/3`, then
    /// `13/13 ━━━━━━━━━━━━━━━━━━━━ 1s 45ms/step - accuracy: 0.3000 - loss: 0.7922`.
    case progressBar = "bar"
    /// Keras `verbose=2`: `Epoch 1/3`, then one line at the end of each epoch.
    case epochLines = "lines"
    /// One JSON object per epoch on one line, for machines (`--log-format jsonl`).
    case jsonLines = "jsonl"

    /// `auto` made concrete for the current standard output.
    public var resolved: Verbosity {
        guard self == .auto else { return self }
        return isatty(1) != 0 ? .progressBar : .epochLines
    }
}

/// Writes text to standard output at once, for progress displays. C's buffered streams are
/// flushed first, so the text stays in order with what `print` wrote before it.
public let standardOutputWriter: @Sendable (String) -> Void = { text in
    fflush(nil)
    FileHandle.standardOutput.write(Data(text.utf8))
}

/// Keras 3's `ProgbarLogger` + `Progbar` (keras/src/callbacks/progbar_logger.py,
/// keras/src/utils/progbar.py): the progress display of `fit`. Values are shown as logged
/// (running means of the epoch), names sorted, each as `%.4f` (or `%.4e` when |v| ≤ 1e-3);
/// time per step excludes the first step once there are more, as Keras estimates it.
public final class ProgressLogger: Callback {
    /// Its batch hooks read no weights.
    public var readsWeightsEachBatch: Bool { false }
    public let verbosity: Verbosity
    /// Epochs and steps per epoch of the run; `fit` sets them before training.
    public var epochs = 1
    public var steps = 0
    private let output: @Sendable (String) -> Void
    private let clock: @Sendable () -> Double
    private var start = 0.0
    private var afterFirstStep: Double?
    private var lastUpdate = -1.0
    private var previousWidth = 0

    /// - Parameters:
    ///   - verbosity: `.auto` is resolved against standard output.
    ///   - output: where the text goes (standard output by default); `clock` gives seconds.
    public init(_ verbosity: Verbosity = .auto, output: @escaping @Sendable (String) -> Void = standardOutputWriter,
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.verbosity = verbosity.resolved
        self.output = output
        self.clock = clock
    }

    public func onEpochBegin(model: Sequential, epoch: Int) throws {
        start = clock()
        afterFirstStep = nil
        lastUpdate = -1
        previousWidth = 0
        if (verbosity == .progressBar || verbosity == .epochLines) && epochs > 1 {
            output("Epoch \(epoch + 1)/\(epochs)\n")
        }
    }

    public func onTrainBatchEnd(model: Sequential, batch: Int, logs: Logs) throws {
        guard verbosity == .progressBar else { return }
        let now = clock()
        let perStep = stepDuration(batch + 1, now)
        if now - lastUpdate < 0.05 && batch + 1 < steps { return }
        lastUpdate = now
        drawBar(current: batch + 1, logs: logs, perStep: perStep, now: now, finalize: false)
    }

    public func onEpochEnd(model: Sequential, epoch: Int, logs: inout Logs) throws {
        let now = clock()
        let perStep = stepDuration(steps, now)
        switch verbosity {
        case .progressBar:
            drawBar(current: steps, logs: logs, perStep: perStep, now: now, finalize: true)
        case .epochLines:
            let digits = String(steps).count
            var line = String(repeating: " ", count: max(0, digits - String(steps).count)) + "\(steps)/\(steps)"
            line += " - \(Self.seconds(now - start))s -\(Self.formatTime(perStep))"
            for k in logs.keys.sorted() { line += " - \(k): " + Self.value(logs[k]!, absolute: false) }
            output(line + "\n")
        case .jsonLines:
            var record: [String: JSONValue] = [
                "epoch": .number(Double(epoch + 1)), "epochs": .number(Double(epochs)), "steps": .number(Double(steps)),
                "seconds": .number(((now - start) * 1000).rounded() / 1000),
            ]
            for (k, v) in logs { record[k] = v.isFinite ? .number(v) : .string("\(v)") }
            output(JSONValue.object(record).description + "\n")
        default:
            break
        }
    }

    /// Reports that training stopped early (a NaN loss): on its own line after the bar, as a
    /// JSON object `{"event": "stopped", "reason": …}` in jsonl mode.
    public func stopped(reason: String) {
        switch verbosity {
        case .silent: break
        case .jsonLines: output(JSONValue.object(["event": "stopped", "reason": .string(reason)]).description + "\n")
        case .progressBar: output("\n" + reason + "\n")
        default: output(reason + "\n")
        }
    }

    private func stepDuration(_ current: Int, _ now: Double) -> Double {
        guard current > 0 else { return 0 }
        let d: Double
        if let after = afterFirstStep, current > 1 { d = (now - after) / Double(current - 1) }
        else { d = (now - start) / Double(current) }
        if current == 1 { afterFirstStep = now }
        return d
    }

    private func drawBar(current: Int, logs: Logs, perStep: Double, now: Double, finalize: Bool) {
        let target = max(steps, 1)
        let digits = String(target).count
        let count = String(repeating: " ", count: max(0, digits - String(current).count)) + "\(current)/\(target)"
        var bar = "\u{1b}[1m\(count)\u{1b}[0m "
        var special = 8
        let width = 20
        let done = Int(Double(width) * Double(current) / Double(target))
        if done > 0 {
            bar += "\u{1b}[32m" + String(repeating: "━", count: done) + "\u{1b}[0m"
            special += 9
        }
        bar += "\u{1b}[37m" + String(repeating: "━", count: width - done) + "\u{1b}[0m"
        special += 9
        var info: String
        if !finalize {
            let eta = perStep * Double(target - current)
            let e = Int(eta)
            let etaText = eta > 3600 ? String(format: "%d:%02d:%02d", e / 3600, (e % 3600) / 60, e % 60)
                : eta > 60 ? String(format: "%d:%02d", e / 60, e % 60) : "\(e)s"
            info = " \u{1b}[1m\(etaText)\u{1b}[0m"
        } else {
            info = " \u{1b}[1m\(Self.seconds(now - start))s\u{1b}[0m"
        }
        special += 8
        info += Self.formatTime(perStep)
        for k in logs.keys.sorted() { info += " - \(k): " + Self.value(logs[k]!, absolute: true) }
        let total = bar.count + info.count - special
        var message = String(repeating: "\u{8}", count: previousWidth) + "\r" + bar + info
        if previousWidth > total { message += String(repeating: " ", count: previousWidth - total) }
        if finalize { message += "\n" }
        output(message)
        previousWidth = total
    }

    /// Keras's `%.0f` of seconds (round half to even).
    static func seconds(_ s: Double) -> String { String(format: "%.0f", s) }

    /// Keras `_format_time`: ` 45ms/step`, ` 2s/step`, ` 830us/step`.
    static func formatTime(_ t: Double) -> String {
        if t >= 1 || t == 0 { return String(format: " %.0fs/step", t) }
        if t >= 1e-3 { return String(format: " %.0fms/step", t * 1000) }
        return String(format: " %.0fus/step", t * 1_000_000)
    }

    /// Keras's value format: `%.4f`, or `%.4e` for small values (the bar compares |v| with 1e-3,
    /// the epoch line compares v itself, as Keras does).
    static func value(_ v: Double, absolute: Bool) -> String {
        let big = absolute ? abs(v) > 1e-3 : v > 1e-3
        if !v.isFinite { return v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }
        return big ? String(format: "%.4f", v) : Self.pythonExponent(v)
    }

    /// Python's `%.4e` (two-digit exponent at least, e.g. `1.0000e-04`); C's is the same.
    static func pythonExponent(_ v: Double) -> String { String(format: "%.4e", v) }
}

/// Writes text to standard error at once.
public let standardErrorWriter: @Sendable (String) -> Void = { text in
    fflush(nil)
    FileHandle.standardError.write(Data(text.utf8))
}
