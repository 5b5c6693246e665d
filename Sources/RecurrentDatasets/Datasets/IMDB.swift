import Foundation
import RecurrentTensor

/// Keras-style IMDB sequences rebuilt from the raw reviews.
public struct IMDBDataset: Sendable {
    /// 25,000 reviews in Keras's order (labels 1 = positive, 0 = negative), fewer with `maxlen`.
    public var train: LabeledSequences
    public var test: LabeledSequences
    /// The review file of each train / test example (`aclImdb/train/pos/576_10.txt`), same order.
    public var trainPaths: [String]
    public var testPaths: [String]
    public var report: LoadReport
}

/// The IMDB movie reviews of Keras's `imdb.load_data`, rebuilt from the Stanford Large Movie Review
/// Dataset v1.0 (Maas et al., ACL 2011) and Keras's `imdb_word_index.json`.
///
/// File layout under `imdb/` (imdb/SOURCE.md): the reviews as a folder `aclImdb/` or an archive
/// (`aclImdb_v1_labeled.tar.gz`, the labelled part repacked, or Stanford's `aclImdb_v1.tar.gz`), with
/// `aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt` — 12,500 files each, one UTF-8 review per
/// file — and `imdb_word_index.json` (88,584 words, ranks 1…88,584).
///
/// How a review becomes Keras's sequence (each step checked against the Keras-derived subset in
/// `imdb/extras/`, see `scripts/check-imdb-agreement.py`: 6,000 of 6,000 sequences identical):
/// 1. Order: Keras's `imdb.npz` holds, per split, the `pos` files sorted by file name (as strings:
///    `0_9.txt`, `1_7.txt`, `10_9.txt`, `100_7.txt`, …), then the `neg` files likewise.
/// 2. Shuffle (keras/src/datasets/imdb.py): `rng = np.random.RandomState(seed)`, the train indices
///    shuffled, then the test indices with the same generator (`NumpyRandomState`).
/// 3. Words: `KerasDatasetWords` (Keras 0.x `text_to_word_sequence` on bytes; `<br />` → `br`).
/// 4. Each word becomes its rank in the word index; words not in the index are skipped (Keras:
///    "words that were not seen in the training set … have simply been skipped").
/// 5. `KerasSequenceOptions` as in `load_data`: start character, `indexFrom`, `maxlen` (drops
///    sequences, recorded in the report), `numWords`/`skipTop` → `oovChar`.
public enum IMDB {
    public enum Split: String, Sendable, CaseIterable { case train, test }

    /// Review sources looked for in `imdb/`, in this order.
    public static let reviewSources = ["aclImdb/", "aclImdb_v1_labeled.tar.gz", "aclImdb_v1.tar.gz"]
    public static let wordIndexFile = "imdb_word_index.json"
    /// Documented counts (imdb/SOURCE.md).
    public static let expectedFilesPerFolder = 12_500
    public static let expectedWordIndexSize = 88_584

    /// Keras's `imdb.get_word_index()` from `imdb/imdb_word_index.json`.
    public static func wordIndex(from directory: DataDirectory = .resolve()) throws -> WordIndex {
        try WordIndex.load(json: directory.requireFile(wordIndexFile, in: .imdb))
    }

    /// Keras's `imdb.load_data(...)` from the files in `directory`.
    ///
    /// - Parameter limit: tokenize only the first `limit` reviews of each split after the shuffle
    ///   (the others are read but not returned; for quick looks). With `numWords` nil, Keras's
    ///   "largest id" rule then sees only those reviews.
    /// - Throws: `RecurrentError.missingFile` when the reviews or the word index are absent;
    ///   `RecurrentError.invalidValue` for bad options or when `maxlen` leaves a split empty (Keras
    ///   raises `ValueError` then); `RecurrentError.fileFormat` for a damaged archive.
    public static func load(
        from directory: DataDirectory = .resolve(), options: KerasSequenceOptions = .init(), limit: Int? = nil
    ) throws -> IMDBDataset {
        let reviews = try directory.firstExisting(reviewSources, in: .imdb)
        let index = try directory.requireFile(wordIndexFile, in: .imdb)
        return try load(reviews: reviews, wordIndex: index, options: options, limit: limit)
    }

    /// As `load(from:options:limit:)` for explicit paths: `reviews` is an `aclImdb` folder or a
    /// `.tar`/`.tar.gz` archive holding one, `wordIndex` a Keras word-index JSON file.
    public static func load(
        reviews: URL, wordIndex: URL, options: KerasSequenceOptions = .init(), limit: Int? = nil
    ) throws -> IMDBDataset {
        try options.validate("IMDB.load")
        if let limit, limit < 0 {
            throw RecurrentError.invalidValue(where: "IMDB.load", expected: "limit ≥ 0 or nil", found: "\(limit)")
        }
        var report = LoadReport(dataset: DatasetName.imdb.rawValue)
        let index = try WordIndex.load(json: wordIndex)
        report.files.append(wordIndex.lastPathComponent)
        report.checkCount("\(wordIndex.lastPathComponent) words", expected: expectedWordIndexSize,
                          found: index.count, source: "SOURCE.md")
        let files = try readReviews(reviews, report: &report)

        var rng = NumpyRandomState(seed: options.seed)
        var splits: [LabeledSequences] = []
        var paths: [[String]] = []
        for split in Split.allCases {
            // Keras's npz order: pos sorted by name, then neg sorted by name.
            let ordered = ["pos", "neg"].flatMap { label in
                (files[split]?[label] ?? []).sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            }
            let order = rng.shuffledIndices(ordered.count)
            let take = min(limit ?? order.count, order.count)
            var data = LabeledSequences(sequences: [], labels: [])
            var names: [String] = []
            for position in order.prefix(take) {
                let review = ordered[position]
                data.sequences.append(KerasSequences.offset(ranks(review.text, index, review.path, &report), options))
                data.labels.append(review.label)
                names.append(review.path)
            }
            KerasSequences.removeLong(&data, names: &names, options, report: &report)
            if data.count == 0, options.maxlen != nil, take > 0 {
                throw RecurrentError.invalidValue(
                    where: "IMDB.load", expected: "some \(split) sequences shorter than maxlen \(options.maxlen!)",
                    found: "none (Keras raises ValueError: increase maxlen)")
            }
            splits.append(data)
            paths.append(names)
        }
        let numWords = KerasSequences.effectiveNumWords(splits, options)
        for i in splits.indices { KerasSequences.applyVocabulary(&splits[i], numWords: numWords, options) }
        return IMDBDataset(train: splits[0], test: splits[1], trainPaths: paths[0], testPaths: paths[1], report: report)
    }

    /// One review file.
    struct Review {
        var path: String
        var name: String
        var label: Int
        var text: [UInt8]
    }

    /// The word ranks of one review (words not in the index skipped).
    static func ranks(_ text: [UInt8], _ index: WordIndex, _ path: String, _ report: inout LoadReport) -> [Int] {
        var ranks: [Int] = []
        var invalid = false
        text.withUnsafeBufferPointer { buffer in
            KerasDatasetWords.forEachWord(in: buffer) { word in
                if let rank = index.rank(bytes: word) {
                    ranks.append(rank)
                } else if !invalid, word.contains(where: { $0 >= 0x80 }), String(validating: word, as: UTF8.self) == nil {
                    invalid = true
                }
            }
        }
        if invalid {
            report.notes.append(.init(
                file: path, line: nil, reason: "not valid UTF-8; its words that are not UTF-8 match no index entry"))
        }
        return ranks
    }

    /// Reads every `{train,test}/{pos,neg}/<id>_<rating>.txt` of a folder or archive, by split and label.
    static func readReviews(_ source: URL, report: inout LoadReport) throws -> [Split: [String: [Review]]] {
        var files: [Split: [String: [Review]]] = [:]
        func add(_ path: String, _ contents: () throws -> [UInt8]) rethrows {
            // .../{train,test}/{pos,neg}/<name>
            let parts = path.split(separator: "/").map(String.init)
            guard parts.count >= 3, let split = Split(rawValue: parts[parts.count - 3]),
                  ["pos", "neg"].contains(parts[parts.count - 2]) else { return }
            let label = parts[parts.count - 2], name = parts[parts.count - 1]
            guard name.hasSuffix(".txt") else { return }
            report.rowsRead += 1
            let stem = name.dropLast(4).split(separator: "_")
            guard stem.count == 2, Int(stem[0]) != nil, let rating = Int(stem[1]), (1...10).contains(rating) else {
                report.rejected.append(.init(file: path, line: nil, reason: "expected a file name <id>_<rating>.txt"))
                return
            }
            files[split, default: [:]][label, default: []].append(
                Review(path: path, name: name, label: label == "pos" ? 1 : 0, text: try contents()))
        }
        if DataDirectory.exists(source, directory: true) {
            report.files.append(source.lastPathComponent + "/")
            for split in Split.allCases {
                for label in ["pos", "neg"] {
                    let folder = source.appendingPathComponent("\(split.rawValue)/\(label)", isDirectory: true)
                    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else {
                        report.warnings.append("\(folder.path): folder missing or unreadable")
                        continue
                    }
                    for name in names {
                        let url = folder.appendingPathComponent(name)
                        try add("\(source.lastPathComponent)/\(split.rawValue)/\(label)/\(name)") { try FileBytes.read(url) }
                    }
                }
            }
        } else {
            report.files.append(source.lastPathComponent)
            try TarArchive.forEachFile(in: source, include: { path in
                // Skip train/unsup (50,000 unlabelled reviews in Stanford's archive) without copying.
                (path.contains("/pos/") || path.contains("/neg/")) && path.hasSuffix(".txt")
            }) { entry in
                add(entry.path) { entry.contents }
            }
        }
        for split in Split.allCases {
            for label in ["pos", "neg"] {
                report.checkCount("\(split.rawValue)/\(label) reviews", expected: expectedFilesPerFolder,
                                  found: files[split]?[label]?.count ?? 0, source: "SOURCE.md")
            }
        }
        return files
    }
}
