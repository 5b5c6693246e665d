import Foundation
import Recurrent

// Loaders for the Keras 3 golden files of text preprocessing in
// `Tests/Fixtures/text/`, written by `fixtures/text.py` (see the README.md there),
// and for the NSMC files read at test time from the data directory.

enum TextFixtureFiles {
    /// `Tests/Fixtures/text`.
    static let folder = FixtureFolder("text")
    static var directory: URL { folder.directory }
    static func all(prefix: String) -> [String] { folder.names(prefix: prefix) }
    static func decode<T: Decodable>(_ name: String, as: T.Type = T.self) throws -> T { try folder.decode(name) }
}

/// Strings or token lists: the texts of a fixture case.
enum FixtureTexts: Decodable, Sendable {
    case strings([String])
    case tokenLists([[String]])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode([String].self) { self = .strings(s) } else { self = .tokenLists(try c.decode([[String]].self)) }
    }
}

/// An ordered Python dict as `{"keys": [...], "values": [...]}`.
struct OrderedTable<Value: Decodable & Sendable & Equatable>: Decodable, Sendable {
    let keys: [String]
    let values: [Value]
}

/// One `tokenizer_<case>.json`.
struct TokenizerFixture: Decodable, Sendable {
    struct Options: Decodable, Sendable {
        let numWords: Int?
        let filters: String?
        let lower: Bool?
        let split: String?
        let charLevel: Bool?
        let oovToken: String?

        private enum CodingKeys: String, CodingKey {
            case filters, lower, split
            case numWords = "num_words"
            case charLevel = "char_level"
            case oovToken = "oov_token"
        }
    }

    struct Operation: Decodable, Sendable {
        let op: String
        let texts: FixtureTexts?
        let sequences: [[Int]]?
    }

    struct Matrix: Decodable, Sendable {
        let shape: [Int]
        let data: [Double]
    }

    let name: String
    let options: Options
    let operations: [Operation]
    let testTexts: FixtureTexts
    let documentCount: Int
    let wordCounts: OrderedTable<Int>
    let wordDocs: OrderedTable<Int>
    let indexDocs: OrderedTable<Int>
    let wordIndex: OrderedTable<Int>
    let indexWord: OrderedTable<String>
    let sequences: [[Int]]
    let extraSequences: [[Int]]
    let texts: [String]
    let extraTexts: [String]
    let matrices: [String: Matrix]
    let toJSON: String

    private enum CodingKeys: String, CodingKey {
        case name = "case"
        case options, operations, sequences, texts, matrices
        case testTexts = "test_texts"
        case documentCount = "document_count"
        case wordCounts = "word_counts"
        case wordDocs = "word_docs"
        case indexDocs = "index_docs"
        case wordIndex = "word_index"
        case indexWord = "index_word"
        case extraSequences = "extra_sequences"
        case extraTexts = "extra_texts"
        case toJSON = "to_json"
    }

    static func load(_ name: String) throws -> TokenizerFixture { try TextFixtureFiles.decode(name) }

    /// A tokenizer with the case's options and operations applied, as the fixture script did.
    func makeTokenizer() throws -> Tokenizer {
        var tokenizer = try Tokenizer(
            numWords: options.numWords, filters: options.filters ?? Tokenizer.defaultFilters,
            lower: options.lower ?? true, split: options.split ?? " ", charLevel: options.charLevel ?? false,
            oovToken: options.oovToken)
        for operation in operations {
            switch (operation.texts, operation.sequences) {
            case let (.strings(texts)?, _): tokenizer.fitOnTexts(texts)
            case let (.tokenLists(lists)?, _): tokenizer.fitOnTexts(lists)
            case let (nil, sequences?): tokenizer.fitOnSequences(sequences)
            default: throw FixtureError(message: "\(name): operation \(operation.op) has neither texts nor sequences")
            }
        }
        return tokenizer
    }
}

struct PadSequencesFixture: Decodable, Sendable {
    struct Case: Decodable, Sendable {
        let maxlen: Int?
        let padding: String
        let truncating: String
        let value: Int
        let output: FixtureTensor
    }

    let sequences: [[Int]]
    let cases: [Case]
}

struct ToCategoricalFixture: Decodable, Sendable {
    struct Case: Decodable, Sendable {
        let labels: [Int]
        let numClasses: Int?
        let output: FixtureTensor

        private enum CodingKeys: String, CodingKey {
            case labels, output
            case numClasses = "num_classes"
        }
    }

    let cases: [Case]
}

/// `nsmc.json`: counts and checksums of the lecture's cleaning and of a Keras Tokenizer.
struct NSMCFixture: Decodable, Sendable {
    struct TestSplit: Decodable, Sendable {
        let rows: Int
        let documents: Int
        let raw_checksum: String
        let cleaned_checksum: String
        let empty_after_cleaning: Int
        let words: Int
        let words_without_stopwords: Int
        let without_stopwords_checksum: String
    }

    struct TokenizerStats: Decodable, Sendable {
        let train_documents: Int
        let word_index_size: Int
        let word_index_checksum: String
        let word_counts_checksum: String
        let threshold: Int
        let rare_count: Int
        let total_frequency: Int
        let rare_frequency: Int
        let vocab_size: Int
        let test_documents: Int
        let sequences_checksum: String
        let coverage_tokens: Int
        let coverage_covered_tokens: Int
        let coverage_distinct: Int
        let coverage_covered_distinct: Int
    }

    let test: TestSplit
    let tokenizer: TokenizerStats

    static func load() throws -> NSMCFixture { try TextFixtureFiles.decode("nsmc") }
}

/// FNV-1a (64 bit) over the UTF-8 bytes of each string followed by a newline, as `fnv1a64` in
/// fixtures/text.py; lowercase hex.
func fnv1a64(_ strings: some Sequence<String>) -> String {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for s in strings {
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        h = (h ^ 0x0A) &* 0x0000_0100_0000_01B3
    }
    let hex = String(h, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}

/// The NSMC files in the data directory: `$RECURRENT_DATA/nsmc`, by default `../shared/data/nsmc`
/// relative to the package root (what CI sets up). Never copied into the repository.
enum NSMCFiles {
    static var dataDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["RECURRENT_DATA"], !path.isEmpty {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // RecurrentTestSupport/
            .deletingLastPathComponent()  // Tests/
            .deletingLastPathComponent()  // package root
            .appendingPathComponent("../shared/data", isDirectory: true)
            .standardizedFileURL
    }

    static func url(_ split: String) -> URL {
        dataDirectory.appendingPathComponent("nsmc/ratings_\(split).txt")
    }

    static func available(_ split: String) -> Bool { FileManager.default.fileExists(atPath: url(split).path) }

    /// The `document` column as `pandas.read_table` reads it with its defaults (as the lecture
    /// does): one level of CSV quoting removed, empty fields (pandas's NaN) skipped. The lines
    /// have exactly three tab-separated fields and no field holds a tab or a line break.
    static func documents(_ split: String, limit: Int = .max) throws -> (rows: Int, documents: [String]) {
        let data = try Data(contentsOf: url(split))
        var rows = 0
        var documents: [String] = []
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            let n = bytes.count
            // Bytewise: tab and newline never occur inside a UTF-8 multi-byte sequence.
            func next(_ byte: UInt8, from i: Int, to end: Int) -> Int {
                guard i < end, let p = memchr(bytes.baseAddress! + i, Int32(byte), end - i) else { return end }
                return UnsafePointer(p.assumingMemoryBound(to: UInt8.self)) - bytes.baseAddress!
            }
            var start = next(0x0A, from: 0, to: n) + 1  // after the header
            while start < n, documents.count < limit {  // with a limit, rows counts the lines read
                let end = next(0x0A, from: start, to: n)
                defer { start = end + 1 }
                guard end > start else { continue }
                rows += 1
                let tab1 = next(0x09, from: start, to: end)
                let tab2 = next(0x09, from: tab1 + 1, to: end)
                guard tab2 < end, next(0x09, from: tab2 + 1, to: end) == end else {
                    throw FixtureError(message: "NSMC \(split): line \(rows + 1) does not have 3 fields")
                }
                var field = UnsafeBufferPointer(rebasing: bytes[(tab1 + 1)..<tab2])
                var quoted = false
                if field.count >= 2, field.first == 0x22, field.last == 0x22 {
                    field = UnsafeBufferPointer(rebasing: field[(field.startIndex + 1)..<(field.endIndex - 1)])
                    quoted = true
                }
                var document = String(decoding: field, as: UTF8.self)
                if quoted { document = document.replacingOccurrences(of: "\"\"", with: "\"") }
                if !document.isEmpty { documents.append(document) }
            }
        }
        return (rows, documents)
    }
}
