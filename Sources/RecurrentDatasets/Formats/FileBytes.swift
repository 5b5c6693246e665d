import Foundation
import RecurrentTensor

/// Reads whole files as bytes, with errors that name the file.
enum FileBytes {
    /// The contents of `url`.
    /// - Throws: `RecurrentError.fileFormat` when the file cannot be read.
    static func read(_ url: URL) throws -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: url, options: .mappedIfSafe))
        } catch {
            throw RecurrentError.fileFormat(location: url.path, message: "cannot read the file: \(error.localizedDescription)")
        }
    }
}
