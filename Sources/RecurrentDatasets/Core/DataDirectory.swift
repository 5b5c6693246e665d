import Foundation
import RecurrentTensor

/// Where the datasets live: one folder per dataset (`nsmc/`, `imdb/`, `reuters/`, `sms_spam/`,
/// `nyt_articles/`, the raw values of `DatasetName`) under a root folder.
///
/// The root is, in this order: the `RECURRENT_DATA` environment variable; else the per-user cache
/// folder, `$XDG_CACHE_HOME/recurrent/data` or `~/.cache/recurrent/data` on Linux and
/// `~/Library/Caches/recurrent/data` on macOS. `recurrent datasets download` writes there.
public struct DataDirectory: Sendable, Equatable, CustomStringConvertible {
    /// The environment variable that overrides the default root.
    public static let environmentVariable = "RECURRENT_DATA"

    /// The root folder (it need not exist).
    public let root: URL

    /// A data directory rooted at `root`.
    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    /// A data directory rooted at the folder `path` (`~` is expanded).
    public init(path: String) {
        self.init(root: URL(fileURLWithPath: (path as NSString).expandingTildeInPath, isDirectory: true))
    }

    /// `RECURRENT_DATA` if set and not empty, else `defaultRoot(environment:)`.
    public static func resolve(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> DataDirectory {
        if let path = environment[environmentVariable], !path.isEmpty {
            return DataDirectory(path: path)
        }
        return DataDirectory(root: defaultRoot(environment: environment))
    }

    /// The per-user cache folder: `~/Library/Caches/recurrent/data` on macOS;
    /// `$XDG_CACHE_HOME/recurrent/data`, else `~/.cache/recurrent/data`, elsewhere.
    public static func defaultRoot(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> URL {
        let home = environment["HOME"].map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        #if os(macOS)
        let cache = home.appendingPathComponent("Library/Caches", isDirectory: true)
        #else
        let cache: URL
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            cache = URL(fileURLWithPath: xdg, isDirectory: true)
        } else {
            cache = home.appendingPathComponent(".cache", isDirectory: true)
        }
        #endif
        return cache.appendingPathComponent("recurrent/data", isDirectory: true)
    }

    public var description: String { root.path }

    /// The dataset's folder, `<root>/<name>`.
    public func folder(_ dataset: DatasetName) -> URL {
        root.appendingPathComponent(dataset.rawValue, isDirectory: true)
    }

    /// `<root>/<name>/<relativePath>` (whether or not it exists).
    public func url(_ relativePath: String, in dataset: DatasetName) -> URL {
        folder(dataset).appendingPathComponent(relativePath)
    }

    /// The file `relativePath` of `dataset`.
    ///
    /// - Throws: `RecurrentError.missingFile` naming the expected path and the command that gets it.
    public func requireFile(_ relativePath: String, in dataset: DatasetName) throws -> URL {
        let url = url(relativePath, in: dataset)
        guard Self.exists(url, directory: false) else {
            throw missing(url, dataset)
        }
        return url
    }

    /// The first of `candidates` (paths relative to the dataset's folder; a trailing `/` asks for a
    /// folder) that exists.
    ///
    /// - Throws: `RecurrentError.missingFile` naming the first candidate and the download command.
    public func firstExisting(_ candidates: [String], in dataset: DatasetName) throws -> URL {
        for candidate in candidates {
            let isDirectory = candidate.hasSuffix("/")
            let url = url(isDirectory ? String(candidate.dropLast()) : candidate, in: dataset)
            if Self.exists(url, directory: isDirectory) { return url }
        }
        let shown = candidates.map { url($0, in: dataset).path }.joined(separator: " or ")
        throw RecurrentError.missingFile(path: shown, hint: downloadHint(dataset))
    }

    func missing(_ url: URL, _ dataset: DatasetName) -> RecurrentError {
        .missingFile(path: url.path, hint: downloadHint(dataset))
    }

    /// How to get `dataset` into this data directory: the download command, with `--data-dir`
    /// when this is not the folder `resolve()` finds.
    public func downloadHint(_ dataset: DatasetName) -> String {
        // A folder other than the one `resolve()` finds was chosen explicitly (`--data-dir`):
        // the command must name it too, or it would download elsewhere.
        if root.standardizedFileURL.path != Self.resolve().root.standardizedFileURL.path {
            return "get it with `\(dataset.downloadCommand) --data-dir \(Self.shellQuoted(root.path))`"
        }
        return "get it with `\(dataset.downloadCommand)` (data directory \(root.path); set "
            + "\(Self.environmentVariable) to use another)"
    }

    /// `path` as a shell word: as it is when it holds only safe characters, else in single quotes.
    static func shellQuoted(_ path: String) -> String {
        let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+,:=@%")
        if !path.isEmpty && path.unicodeScalars.allSatisfy(safe.contains) { return path }
        return "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func exists(_ url: URL, directory: Bool) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return false }
        return isDirectory.boolValue == directory
    }
}
