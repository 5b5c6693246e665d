import Foundation
import Synchronization

/// A model file format that `Sequential.load(from:)` can read, recognised by the file's first
/// bytes rather than its extension.
///
/// The core reads its own format (`.rnn`, safetensors with a Recurrent header; see `ModelFile`).
/// Other modules register theirs with `ModelFormats.register(_:)`: the model-exchange module's
/// Keras `.keras` (a zip, `PK\u{3}\u{4}`) and `.h5` (HDF5, `\u{89}HDF\r\n\u{1A}\n`) readers, for
/// example, so that every command taking `--model` reads them without knowing they exist.
public protocol ModelFormat: Sendable {
    /// A short name for messages, e.g. `"Keras 3 (.keras)"`.
    var name: String { get }
    /// Whether a file starting with `prefix` is in this format. `prefix` holds the first
    /// `ModelFormats.prefixLength` bytes (fewer for a shorter file); the test must be cheap
    /// and must not throw.
    func recognizes(prefix: [UInt8]) -> Bool
    /// Reads the model at `url`: architecture, weights, and whatever else the format keeps
    /// (compile and optimizer state, attachments).
    /// - Throws: `RecurrentError.fileFormat` naming the path and what is wrong; nothing is
    ///   returned half-loaded.
    func loadModel(from url: URL) throws -> Sequential
}

/// The formats `Sequential.load(from:)` tries, in registration order, before the core's own.
public enum ModelFormats {
    /// How many leading bytes `ModelFormat.recognizes(prefix:)` sees.
    public static let prefixLength = 16

    private static let registry = Mutex<[any ModelFormat]>([])

    /// Adds `format`; a format of the same `name` registered before is replaced, so registering
    /// twice is harmless. Thread-safe.
    public static func register(_ format: any ModelFormat) {
        registry.withLock { formats in
            formats.removeAll { $0.name == format.name }
            formats.append(format)
        }
    }

    /// The registered formats, in order (the core's own `.rnn` format is not listed: it is
    /// always tried last).
    public static var registered: [any ModelFormat] { registry.withLock { $0 } }

    /// The registered format that recognizes the file at `url`, or nil (then the core's own
    /// reader runs and reports any problem with the file, including that it does not exist).
    static func format(of url: URL) -> (any ModelFormat)? {
        let formats = registered
        guard !formats.isEmpty, let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: prefixLength) else { return nil }
        let prefix = [UInt8](data)
        return formats.first { $0.recognizes(prefix: prefix) }
    }
}
