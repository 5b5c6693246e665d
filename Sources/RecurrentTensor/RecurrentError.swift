import Foundation

/// Every error Recurrent throws. Each case says where it happened (a layer name, a file and line,
/// or a function), what was expected and what was found, so the caller can act on it.
public enum RecurrentError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// A tensor's shape does not fit: `where` names the layer or function.
    case shapeMismatch(where: String, expected: String, found: String)
    /// A value is outside its allowed range (a token id beyond the vocabulary, a rate ≥ 1, …).
    case invalidValue(where: String, expected: String, found: String)
    /// An argument or configuration that cannot work (an unknown activation name, …).
    case invalidConfiguration(where: String, message: String)
    /// NaN or Inf in an input tensor.
    case nonFinite(where: String, index: Int, value: Float)
    /// A layer was used before `build` gave it weights.
    case notBuilt(layer: String)
    /// A file could not be read or has the wrong format; `location` names the file (and line).
    case fileFormat(location: String, message: String)
    /// A data file that is not where it is looked for: `path` is the expected location, `hint` says
    /// how to get it (e.g. `recurrent datasets download imdb`).
    case missingFile(path: String, hint: String)
    /// A download did not complete or did not verify: `url` is what was fetched.
    case downloadFailed(url: String, message: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(w, e, f): return "\(w): expected \(e), found \(f)"
        case let .invalidValue(w, e, f): return "\(w): expected \(e), found \(f)"
        case let .invalidConfiguration(w, m): return "\(w): \(m)"
        case let .nonFinite(w, i, v): return "\(w): expected finite values, found \(v) at flat index \(i)"
        case let .notBuilt(l): return "\(l): the layer has no weights yet; build it with an input shape first"
        case let .fileFormat(l, m): return "\(l): \(m)"
        case let .missingFile(p, h): return "\(p): expected a file here, found none; \(h)"
        case let .downloadFailed(u, m): return "\(u): \(m)"
        }
    }

    /// The same text as `description`, so `localizedDescription` shows it too.
    public var errorDescription: String? { description }
}

/// The POSIX reason (`strerror`, e.g. "Permission denied") under a Foundation file error, or nil
/// when there is none; for messages that say why a file could not be read or written.
public func posixReason(_ error: Error) -> String? {
    let ns = error as NSError
    let posix = ns.domain == NSPOSIXErrorDomain ? ns : ns.userInfo[NSUnderlyingErrorKey] as? NSError
    guard let posix, posix.domain == NSPOSIXErrorDomain else { return nil }
    return String(cString: strerror(Int32(posix.code)))
}
