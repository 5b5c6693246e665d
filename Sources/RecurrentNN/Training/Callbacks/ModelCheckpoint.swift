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
    public let path: String
    public let monitor: String
    public let saveBestOnly: Bool
    public let mode: MonitorMode
    public let verbose: Bool
    /// The best monitored value saved so far.
    public private(set) var best: Double?
    /// The files written, in order.
    public private(set) var saved: [URL] = []
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
    }

    /// Fills `{epoch}`, `{epoch:02d}`, `{name}`, `{name:.4f}` (Python format specs `d`, `f`, `e`
    /// with a width and precision) from the epoch and the logs.
    /// - Throws: `invalidConfiguration` for a placeholder that is not logged.
    public static func format(_ pattern: String, epoch: Int, logs: Logs) throws -> String {
        var result = ""
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { result += rest[open...]; return result }
            let field = rest[rest.index(after: open)..<close]
            let parts = field.split(separator: ":", maxSplits: 1)
            let key = String(parts.first ?? "")
            let spec = parts.count > 1 ? String(parts[1]) : ""
            let value: Double
            if key == "epoch" { value = Double(epoch) }
            else if let v = logs[key] { value = v }
            else {
                throw RecurrentError.invalidConfiguration(
                    where: "ModelCheckpoint", message: "the path \(pattern) names {\(key)}, which is not logged; logged: epoch, \(logs.keys.sorted().joined(separator: ", "))")
            }
            if spec.isEmpty {
                result += key == "epoch" ? "\(epoch)" : "\(value)"
            } else if spec.hasSuffix("d") {
                result += String(format: "%" + spec.dropLast() + "ld", Int(value))
            } else {
                result += String(format: "%" + spec, value)
            }
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }
}
