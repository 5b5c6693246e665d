/// What a dataset loader did with every row it read: nothing is dropped or cut silently.
///
/// - `rowsRead`: data rows (records, documents, files) read, headers not counted.
/// - `repaired`: rows kept after a documented repair (e.g. SMS texts split across columns, rejoined).
/// - `rejected`: rows that could not be used (wrong field count, a label that is not a number, an
///   unterminated quote), each named by file and line with the reason.
/// - `dropped`: well-formed rows removed by a documented rule of the lecture or of Keras (empty
///   reviews, duplicate texts, "Unknown" headlines, sequences longer than `maxlen`).
/// - `notes`: rows kept as the reference procedure keeps them although they look odd (e.g. the
///   Reuters documents without a body, which Keras's 2015 script gave the next document's body).
/// - `warnings`: counts that differ from the ones documented for the known files (a different copy
///   of the data, or a damaged one); loading goes on.
public struct LoadReport: Sendable, Equatable, CustomStringConvertible {
    /// One row the report names: the file (as given to the loader, or an archive member), the
    /// 1-based line where the row starts (nil when rows are not lines, e.g. archive members), why.
    public struct Entry: Sendable, Equatable, CustomStringConvertible {
        public var file: String
        public var line: Int?
        public var reason: String

        public init(file: String, line: Int?, reason: String) {
            self.file = file
            self.line = line
            self.reason = reason
        }

        /// `file:line: reason`.
        public var description: String {
            if let line { return "\(file):\(line): \(reason)" }
            return "\(file): \(reason)"
        }
    }

    /// The dataset's name (`DatasetName.rawValue`, or a description for custom files).
    public var dataset: String
    /// The files read, in order.
    public var files: [String] = []
    public var rowsRead = 0
    public var repaired: [Entry] = []
    public var rejected: [Entry] = []
    public var dropped: [Entry] = []
    public var notes: [Entry] = []
    public var warnings: [String] = []

    public init(dataset: String) {
        self.dataset = dataset
    }

    public var rowsRepaired: Int { repaired.count }
    public var rowsRejected: Int { rejected.count }
    public var rowsDropped: Int { dropped.count }

    /// Adds a warning when `found` differs from the documented `expected` count.
    /// - Parameter what: what was counted, e.g. `"ratings_train.txt rows"`.
    /// - Parameter source: where the expected number comes from, e.g. `"SOURCE.md"`.
    public mutating func checkCount(_ what: String, expected: Int, found: Int, source: String) {
        guard expected != found else { return }
        warnings.append("\(what): expected \(expected) (\(source)), found \(found)")
    }

    /// Appends `other`'s files, rows and entries (for loaders that read several files).
    public mutating func merge(_ other: LoadReport) {
        files += other.files
        rowsRead += other.rowsRead
        repaired += other.repaired
        rejected += other.rejected
        dropped += other.dropped
        notes += other.notes
        warnings += other.warnings
    }

    /// A summary: the counts, then up to `limit` entries of each list and every warning.
    public func summary(limit: Int = 5) -> String {
        var lines = ["\(dataset): \(rowsRead) rows read from \(files.count) file(s); \(rowsRepaired) repaired, "
            + "\(rowsRejected) rejected, \(rowsDropped) dropped, \(notes.count) notes, \(warnings.count) warnings"]
        for (title, list) in [("repaired", repaired), ("rejected", rejected), ("dropped", dropped), ("note", notes)] {
            for entry in list.prefix(limit) { lines.append("  \(title): \(entry)") }
            if list.count > limit { lines.append("  … \(list.count - limit) more \(title)") }
        }
        for warning in warnings { lines.append("  warning: \(warning)") }
        return lines.joined(separator: "\n")
    }

    public var description: String { summary() }
}
