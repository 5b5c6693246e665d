import Foundation

/// Keras `ModelCheckpoint` (keras/src/callbacks/model_checkpoint.py): saves the model at the end
/// of every epoch, or only when the monitored value improves (`saveBestOnly`).
///
/// The file is a full checkpoint (`Sequential.save`): weights, optimizer state, the training
/// generators and the epoch, so `Sequential.load` followed by `fit(initialEpoch:)` continues the
/// run exactly. The path may hold Keras placeholders filled from the epoch (1-based) and the
/// logs, e.g. `"ckpt-{epoch:02d}-{val_loss:.2f}.rnn"`. Writes are atomic: a failed or
/// interrupted save leaves the previous file as it was, and an epoch whose loss is not finite is
/// never saved, so the last good checkpoint is kept.
public final class ModelCheckpoint: Callback {
    /// Its batch hooks read no weights.
    public var readsWeightsEachBatch: Bool { false }
    public let path: String
    public let monitor: String
    public let saveBestOnly: Bool
    public let mode: MonitorMode
    public let verbose: Bool
    /// The best monitored value saved so far.
    public private(set) var best: Double?
    /// The files written, in order.
    public private(set) var saved: [URL] = []
    /// The epochs (1-based) of `saved`.
    public private(set) var savedEpochs: [Int] = []
    private var monitorState: Monitor?
    private let output: @Sendable (String) -> Void

    /// Keras defaults: monitor `val_loss`, save every epoch, mode auto.
    public init(_ path: String, monitor: String = "val_loss", saveBestOnly: Bool = false, mode: MonitorMode = .auto,
                initialValueThreshold: Double? = nil, verbose: Bool = false,
                output: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.path = path
        self.monitor = monitor
        self.saveBestOnly = saveBestOnly
        self.mode = mode
        self.best = initialValueThreshold
        self.verbose = verbose
        self.output = output
    }

    public convenience init(_ url: URL, monitor: String = "val_loss", saveBestOnly: Bool = false, mode: MonitorMode = .auto,
                            verbose: Bool = false) {
        self.init(url.path, monitor: monitor, saveBestOnly: saveBestOnly, mode: mode, verbose: verbose)
    }

    public func onTrainBegin(model: Sequential) throws {
        monitorState = try Monitor(name: monitor, mode: mode, minDelta: 0, metrics: model.compiled?.metrics ?? [])
    }

    public func onEpochEnd(model: Sequential, epoch: Int, logs: inout Logs) throws {
        guard let monitorState else { return }
        if let loss = logs["loss"], !loss.isFinite { return }
        let file = try Self.format(path, epoch: epoch + 1, logs: logs)
        if saveBestOnly && logs[monitor] == nil {
            // Keras warns and saves anyway.
            output("Can save best model only with \(monitor) available.")
        }
        if saveBestOnly, let current = logs[monitor] {
            let bestText = best.map { String(format: "%.5f", $0) } ?? "None"
            guard monitorState.isImprovement(current, over: best) else {
                if verbose { output("\nEpoch \(epoch + 1): \(monitor) did not improve from \(bestText)") }
                return
            }
            if verbose {
                output("\nEpoch \(epoch + 1): \(monitor) improved from \(bestText) to \(String(format: "%.5f", current)), saving model to \(file)")
            }
            best = current
        } else if verbose {
            output("\nEpoch \(epoch + 1): saving model to \(file)")
        }
        let url = URL(fileURLWithPath: file)
        let folder = url.deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try model.save(to: url)
        saved.append(url)
        savedEpochs.append(epoch + 1)
    }

    /// Fills Python `str.format` placeholders, as Keras does with
    /// `filepath.format(epoch=epoch + 1, **logs)`: `{epoch}`, `{epoch:02d}`, `{epoch:03}`,
    /// `{val_loss:.2f}`, `{val_loss:.3}`, `{loss:.4e}`, `{{` and `}}` for braces. A spec is
    /// `[0][width][.precision][type]` with type `d`, `f`, `e`, `g` or none (Python's default:
    /// an integer as is, a float as `str` without a precision, else `pythonGeneral`: like `g`
    /// but scientific from exponent p − 1 on and always with a digit after the point).
    /// - Throws: `invalidConfiguration` for a name that is not logged, or a spec outside that
    ///   subset (fill characters, alignment, signs, `,`, `%`, …).
    /// Python's `format(value, ".{precision}")` (no type letter): `p` = max(precision, 1)
    /// significant digits; fixed-point when the decimal exponent is in [−4, p − 1), with at
    /// least one digit after the point and no trailing zeros beyond it; otherwise scientific
    /// (`1.23e+02`), trailing zeros of the mantissa removed. (Python's Format Specification
    /// Mini-Language, the "None" presentation type for floats.)
    static func pythonGeneral(_ value: Double, precision: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : value < 0 ? "-inf" : "inf" }
        let p = max(precision, 1)
        let scientific = String(format: "%.\(p - 1)e", value)  // rounded to p digits: "1.18e+00"
        let parts = scientific.split(separator: "e")
        let exponent = Int(parts[1])!
        func trimmed(_ digits: Substring) -> Substring {
            guard digits.contains(".") else { return digits }
            var d = digits
            while d.last == "0" { d = d.dropLast() }
            return d
        }
        if exponent >= -4 && exponent < p - 1 {
            var fixed = trimmed(Substring(String(format: "%.\(p - 1 - exponent)f", value)))
            if fixed.last == "." { fixed += "0" } else if !fixed.contains(".") { fixed += ".0" }
            return String(fixed)
        }
        var mantissa = trimmed(parts[0])
        if mantissa.last == "." { mantissa = mantissa.dropLast() }
        return mantissa + "e" + parts[1]
    }

    public static func format(_ pattern: String, epoch: Int, logs: Logs) throws -> String {
        func fail(_ message: String) -> RecurrentError { .invalidConfiguration(where: "ModelCheckpoint", message: message) }
        var result = ""
        var chars = Array(pattern)[...]
        while let c = chars.popFirst() {
            if c == "}" {
                guard chars.first == "}" else { throw fail("single '}' in the path \(pattern) (write '}}' for a brace)") }
                chars.removeFirst(); result.append("}"); continue
            }
            guard c == "{" else { result.append(c); continue }
            if chars.first == "{" { chars.removeFirst(); result.append("{"); continue }
            guard let close = chars.firstIndex(of: "}") else { throw fail("unclosed '{' in the path \(pattern)") }
            let field = String(chars[..<close])
            chars = chars[chars.index(after: close)...]
            let parts = field.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0]), spec = parts.count > 1 ? String(parts[1]) : ""
            let isInt = key == "epoch"
            let value: Double
            if isInt { value = Double(epoch) } else if let v = logs[key] { value = v } else {
                throw fail("the path \(pattern) names {\(key)}, which is not logged; logged: epoch, \(logs.keys.sorted().joined(separator: ", "))")
            }
            // [0][width][.precision][type]
            var rest = Substring(spec)
            let zero = rest.first == "0"
            let width = Int(rest.prefix { $0.isNumber }) ?? 0
            rest = rest.drop { $0.isNumber }
            var precision: Int?
            if rest.first == "." {
                rest = rest.dropFirst()
                guard let p = Int(rest.prefix { $0.isNumber }) else { throw fail("bad precision in {\(field)}") }
                precision = p
                rest = rest.drop { $0.isNumber }
            }
            guard rest.count <= 1, rest.isEmpty || "dfeg".contains(rest.first!) else {
                throw fail("unsupported format spec '\(spec)' in {\(field)}; use [0][width][.precision][d|f|e|g]")
            }
            let type = rest.first
            var text: String
            switch type {
            case "d":
                guard isInt || value == value.rounded() else { throw fail("{\(field)}: 'd' needs an integer, \(key) is \(value)") }
                text = String(Int(value))
            case "f": text = String(format: "%.\(precision ?? 6)f", value)
            case "e": text = String(format: "%.\(precision ?? 6)e", value)
            case "g": text = String(format: "%.\(precision ?? 6)g", value)
            default:
                if isInt { text = String(epoch) }
                else if let precision { text = pythonGeneral(value, precision: precision) } else { text = "\(value)" }
            }
            if text.count < width {
                let pad = String(repeating: zero ? "0" : " ", count: width - text.count)
                if zero, text.hasPrefix("-") { text = "-" + pad + text.dropFirst() } else { text = pad + text }
            }
            result += text
        }
        return result
    }
}
