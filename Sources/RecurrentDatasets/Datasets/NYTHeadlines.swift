import Foundation
import RecurrentTensor

/// One headline of an NYT `Articles*.csv` file.
public struct NYTHeadline: Sendable, Equatable {
    /// The `headline` column as written.
    public var text: String
    /// The file and the line its row starts on (the header is line 1).
    public var file: String
    public var line: Int

    public init(text: String, file: String, line: Int) {
        self.text = text
        self.file = file
        self.line = line
    }
}

/// Headlines of the NYT comments dataset (Kaggle aashita/nyt-comments), the lecture's word-level
/// text-generation data.
///
/// File layout under `nyt_articles/` (nyt_articles/SOURCE.md): `Articles<Month><Year>.csv` — Jan to
/// May 2017 and Jan to April 2018, 9,335 articles in all; UTF-8 CSV with quoted fields and a header
/// of 15 or 16 columns, one of which is `headline`. The lecture uses `ArticlesApril2018.csv`:
/// 1,324 rows, 1,214 headlines other than "Unknown".
///
/// The lecture's preparation: `df['headline']`, drop the value `"Unknown"` (`dropped` in the report),
/// then `preprocess` each headline, fit a Keras Tokenizer and build `prefixSequences`.
public enum NYTHeadlines {
    /// The nine files with their documented row and non-"Unknown" headline counts (SOURCE.md).
    public static let knownFiles: [(name: String, rows: Int, headlines: Int)] = [
        ("ArticlesJan2017.csv", 850, 777), ("ArticlesFeb2017.csv", 885, 829),
        ("ArticlesMarch2017.csv", 949, 880), ("ArticlesApril2017.csv", 886, 831),
        ("ArticlesMay2017.csv", 996, 935), ("ArticlesJan2018.csv", 905, 821),
        ("ArticlesFeb2018.csv", 1_155, 1_066), ("ArticlesMarch2018.csv", 1_385, 1_250),
        ("ArticlesApril2018.csv", 1_324, 1_214),
    ]
    /// The lecture's file.
    public static let lectureFile = "ArticlesApril2018.csv"

    /// The headlines other than "Unknown" of the named files (default: every `Articles*.csv` of
    /// `nyt_articles/`, in name order), raw.
    /// - Throws: `RecurrentError.missingFile` for a named file that is absent (or when the folder
    ///   has no `Articles*.csv`); `RecurrentError.fileFormat` for a file without a `headline`
    ///   column or that is not UTF-8.
    public static func load(
        files: [String]? = nil, from directory: DataDirectory = .resolve()
    ) throws -> (headlines: [NYTHeadline], report: LoadReport) {
        var urls: [URL] = []
        if let files {
            urls = try files.map { try directory.requireFile($0, in: .nytArticles) }
        } else {
            let folder = directory.folder(.nytArticles)
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
                .filter { $0.hasPrefix("Articles") && $0.hasSuffix(".csv") }
                .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            guard !names.isEmpty else { throw directory.missing(folder.appendingPathComponent("Articles*.csv"), .nytArticles) }
            urls = names.map { folder.appendingPathComponent($0) }
        }
        var headlines: [NYTHeadline] = []
        var report = LoadReport(dataset: DatasetName.nytArticles.rawValue)
        for url in urls {
            let (some, fileReport) = try load(file: url)
            headlines += some
            report.merge(fileReport)
        }
        return (headlines, report)
    }

    /// The headlines other than "Unknown" of one `Articles*.csv` file.
    ///
    /// Rejected rows, by line: an unterminated quote, a field count other than the header's, an
    /// empty headline. Counts are checked for the nine known file names.
    public static func load(file url: URL) throws -> (headlines: [NYTHeadline], report: LoadReport) {
        let name = url.lastPathComponent
        var reader = DelimitedTextReader(bytes: try FileBytes.read(url), file: name, delimiter: UInt8(ascii: ","), encoding: .utf8)
        var report = LoadReport(dataset: DatasetName.nytArticles.rawValue)
        report.files.append(name)
        guard let header = try reader.next(), let column = header.fields.firstIndex(of: "headline") else {
            throw RecurrentError.fileFormat(location: "\(name):1", message: "expected a header with a `headline` column")
        }
        var headlines: [NYTHeadline] = []
        while let record = try reader.next() {
            report.rowsRead += 1
            let reject = { (reason: String) in report.rejected.append(.init(file: name, line: record.line, reason: reason)) }
            if let problem = record.problem { reject(problem); continue }
            guard record.fields.count == header.fields.count else {
                reject("expected \(header.fields.count) fields like the header, found \(record.fields.count)")
                continue
            }
            let text = record.fields[column]
            if text.isEmpty { reject("expected a headline, found an empty field"); continue }
            if text == "Unknown" {
                report.dropped.append(.init(file: name, line: record.line, reason: "headline \"Unknown\" (the lecture drops it)"))
                continue
            }
            headlines.append(NYTHeadline(text: text, file: name, line: record.line))
        }
        if let known = knownFiles.first(where: { $0.name == name }) {
            report.checkCount("\(name) rows", expected: known.rows, found: report.rowsRead, source: "SOURCE.md")
            report.checkCount("\(name) headlines other than Unknown", expected: known.headlines,
                              found: headlines.count, source: "SOURCE.md")
        }
        return (headlines, report)
    }

    /// The lecture's cleaning of one headline:
    /// `''.join(c for c in s.encode("utf8").decode("ascii", 'ignore') if c not in punctuation).lower()`
    /// — drop every non-ASCII character, drop the ASCII punctuation of Python's `string.punctuation`
    /// (``!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~``, apostrophe included: `Trump’s` → `trumps`), lower-case.
    /// Spaces stay as they are.
    public static func preprocess(_ headline: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in headline.unicodeScalars where scalar.isASCII {
            let value = UInt8(scalar.value)
            if pythonPunctuation[Int(value)] { continue }
            out.append(value >= 0x41 && value <= 0x5A ? Unicode.Scalar(value + 0x20) : scalar)
        }
        return String(out)
    }

    private static let pythonPunctuation: [Bool] = {
        var table = [Bool](repeating: false, count: 128)
        for byte in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".utf8 { table[Int(byte)] = true }
        return table
    }()

    /// The n-gram prefixes of each sequence, for a word-level language model (the lecture's
    /// `for i in range(1, len(encoded)): sequences.append(encoded[:i+1])`): `[a, b, c, d]` gives
    /// `[a, b]`, `[a, b, c]`, `[a, b, c, d]`. Sequences shorter than 2 give nothing. Sequences are
    /// taken in order, prefixes by increasing length.
    public static func prefixSequences(_ sequences: [[Int]]) -> [[Int]] {
        var out: [[Int]] = []
        out.reserveCapacity(sequences.reduce(0) { $0 + max(0, $1.count - 1) })
        for sequence in sequences where sequence.count >= 2 {
            for end in 2...sequence.count { out.append(Array(sequence[..<end])) }
        }
        return out
    }
}
