import Foundation
import RecurrentTensor

/// One review of NSMC.
public struct NSMCReview: Sendable, Equatable {
    /// The Naver review id (column `id`).
    public var id: Int
    /// The review text as pandas reads it; nil where pandas reads NaN (an empty field, or one of
    /// pandas' default NA strings such as `NA` or `null`).
    public var document: String?
    /// 0 = negative (rating 1–4), 1 = positive (rating 9–10).
    public var label: Int
    /// The line of the file the row starts on (the header is line 1).
    public var line: Int

    public init(id: Int, document: String?, label: Int, line: Int) {
        self.id = id
        self.document = document
        self.label = label
        self.line = line
    }
}

/// The Naver sentiment movie corpus v1.0 (e9t/nsmc, Lucy Park; CC0), official split.
///
/// File layout (nsmc/SOURCE.md): `nsmc/ratings_train.txt` (150,000 rows: 75,173 negative,
/// 74,827 positive) and `nsmc/ratings_test.txt` (50,000 rows: 24,827 / 25,173); UTF-8, LF,
/// tab-separated, header `id\tdocument\tlabel`.
///
/// Parsing follows `pandas.read_table` with its defaults, as the lecture reads the files:
/// - quoting (QUOTE_MINIMAL, `"`, doubled quotes; see `DelimitedTextReader`): upstream wrote the
///   files with pandas twice, so 623 train and 233 test documents containing `"` are wrapped in
///   quotes with doubled inner quotes; pandas removes one level of that escaping, and so does this
///   loader (`"""a ""b"""` reads `"a "b"`). A plain split on tabs removes none.
/// - NaN: an empty document, or one equal to a pandas default NA string (`""`, `#N/A`, `N/A`,
///   `NA`, `NULL`, `NaN`, `None`, `n/a`, `nan`, `null`, `<NA>`, `-NaN`, `-nan`, `#NA`, `#N/A N/A`,
///   `-1.#IND`, `-1.#QNAN`, `1.#IND`, `1.#QNAN`; pandas `STR_NA_VALUES`), reads as nil. The known files
///   have 5 (train) and 3 (test) such rows, all empty; `load` drops them by default, as the lecture
///   does with `dropna`, and lists them under `LoadReport.dropped`.
///
/// Checked against pandas 3.1 `read_table` on both files: see `scripts/check-nsmc-pandas.py`.
public enum NSMC {
    public enum Split: String, Sendable, CaseIterable {
        case train, test
        /// `ratings_train.txt` / `ratings_test.txt`.
        public var fileName: String { "ratings_\(rawValue).txt" }
    }

    /// Documented counts per split (nsmc/SOURCE.md): rows, label 0, label 1, empty documents.
    public static func expectedCounts(_ split: Split) -> (rows: Int, negative: Int, positive: Int, empty: Int) {
        switch split {
        case .train: return (150_000, 75_173, 74_827, 5)
        case .test: return (50_000, 24_827, 25_173, 3)
        }
    }

    /// pandas' default NA strings (`pandas._libs.parsers.STR_NA_VALUES`).
    public static let pandasNAStrings: Set<String> = [
        "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
        "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
    ]

    /// Reads one split from `directory` (`nsmc/ratings_<split>.txt`).
    /// - Parameter dropMissing: drop the rows whose document is NaN (the lecture's `dropna`).
    /// - Throws: `RecurrentError.missingFile` when absent; see `load(file:…)`.
    public static func load(
        _ split: Split, from directory: DataDirectory = .resolve(), dropMissing: Bool = true
    ) throws -> (reviews: [NSMCReview], report: LoadReport) {
        let url = try directory.requireFile(split.fileName, in: .nsmc)
        return try load(file: url, dropMissing: dropMissing, expected: expectedCounts(split))
    }

    /// Reads an NSMC-format file.
    ///
    /// Rejected rows, named by line: an unterminated quote, a field count other than 3 (pandas
    /// fails on more and reads fewer as NaN), an `id` that is not an integer, a `label` other than
    /// 0 or 1.
    /// - Parameter expected: counts to check (a warning for each mismatch); nil for other files.
    /// - Throws: `RecurrentError.fileFormat` for a header other than `id, document, label` or text
    ///   that is not UTF-8 (naming the line).
    public static func load(
        file url: URL, dropMissing: Bool = true,
        expected: (rows: Int, negative: Int, positive: Int, empty: Int)? = nil
    ) throws -> (reviews: [NSMCReview], report: LoadReport) {
        let name = url.lastPathComponent
        var reader = DelimitedTextReader(
            bytes: try FileBytes.read(url), file: name, delimiter: UInt8(ascii: "\t"), encoding: .utf8)
        var report = LoadReport(dataset: DatasetName.nsmc.rawValue)
        report.files.append(name)
        guard let header = try reader.next(), header.fields == ["id", "document", "label"] else {
            throw RecurrentError.fileFormat(location: "\(name):1", message: "expected the header id<TAB>document<TAB>label")
        }
        var reviews: [NSMCReview] = []
        reviews.reserveCapacity(expected?.rows ?? 0)
        var missing = 0
        var labelCounts = [0, 0]
        while let record = try reader.next() {
            report.rowsRead += 1
            let reject = { (reason: String) in
                report.rejected.append(.init(file: name, line: record.line, reason: reason))
            }
            if let problem = record.problem { reject(problem); continue }
            guard record.fields.count == 3 else {
                reject("expected 3 tab-separated fields, found \(record.fields.count)")
                continue
            }
            guard let id = Int(record.fields[0]) else {
                reject("expected an integer id, found \(record.fields[0].debugDescription)")
                continue
            }
            guard let label = Int(record.fields[2]), label == 0 || label == 1 else {
                reject("expected label 0 or 1, found \(record.fields[2].debugDescription)")
                continue
            }
            labelCounts[label] += 1
            let text = record.fields[1]
            let document: String? = pandasNAStrings.contains(text) ? nil : text
            if document == nil {
                missing += 1
                if dropMissing {
                    report.dropped.append(.init(
                        file: name, line: record.line,
                        reason: "document \(text.debugDescription) reads as NaN in pandas; dropped as the lecture's dropna"))
                    continue
                }
            }
            reviews.append(NSMCReview(id: id, document: document, label: label, line: record.line))
        }
        if let expected {
            report.checkCount("\(name) rows", expected: expected.rows, found: report.rowsRead, source: "SOURCE.md")
            report.checkCount("\(name) label 0", expected: expected.negative, found: labelCounts[0], source: "SOURCE.md")
            report.checkCount("\(name) label 1", expected: expected.positive, found: labelCounts[1], source: "SOURCE.md")
            report.checkCount("\(name) empty documents", expected: expected.empty, found: missing, source: "SOURCE.md")
        }
        return (reviews, report)
    }
}
