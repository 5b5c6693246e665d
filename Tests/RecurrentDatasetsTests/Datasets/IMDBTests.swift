import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

@Suite("IMDB loader")
struct IMDBTests {
    static let hasData = TestData.has(.imdb, "imdb_word_index.json")
        && IMDB.reviewSources.contains { TestData.has(.imdb, $0.hasSuffix("/") ? String($0.dropLast()) : $0) }

    /// Three reviews of Keras's `imdb.load_data(num_words=500)` (seed 113), copied from the
    /// Keras-derived subset `imdb/extras/keras_imdb_first5000train_1000test_num_words500.npz`:
    /// train examples 5 and 36 and test example 0 (`arr_0[5]`, `arr_0[36]`, `arr_2[0]`, labels from
    /// `arr_1`, `arr_3`). The whole subset is compared by `scripts/check-imdb-agreement.py`.
    static let kerasTrain5 = [1, 2, 128, 74, 12, 2, 163, 15, 4, 2, 2, 2, 2, 32, 85, 156, 45, 40, 148, 139, 121, 2, 2, 10,
                              10, 2, 173, 4, 2, 2, 16, 2, 8, 4, 226, 65, 12, 43, 127, 24, 2, 10, 10]
    static let kerasTrain36 = [1, 2, 13, 43, 161, 169, 4, 2, 2, 17, 2, 17, 4, 2, 122, 4, 2, 232, 5, 4, 2, 2, 232, 71,
                               184, 221, 261, 2, 161, 66, 376, 178, 76, 44, 98, 4, 85, 107, 2, 71, 6, 2, 5, 4, 424, 2,
                               200, 98, 161, 2, 56]
    static let kerasTest0 = [1, 2, 202, 14, 31, 6, 2, 10, 10, 2, 2, 5, 4, 360, 7, 4, 177, 2, 394, 354, 4, 123, 9, 2, 2,
                             2, 10, 10, 13, 92, 124, 89, 488, 2, 100, 28, 2, 14, 31, 23, 27, 2, 29, 220, 468, 8, 124, 14,
                             286, 170, 8, 157, 46, 5, 27, 239, 16, 179, 2, 38, 32, 25, 2, 451, 202, 14, 6, 2]

    @Test(.enabled(if: hasData, TestData.skipMessage(.imdb)))
    func matchesKerasSubset() throws {
        let dataset = try IMDB.load(from: TestData.directory, options: KerasSequenceOptions(numWords: 500), limit: 40)
        #expect(dataset.report.rowsRead == 50_000)
        #expect(dataset.report.warnings.isEmpty, "\(dataset.report.warnings)")
        #expect(dataset.train.count == 40 && dataset.test.count == 40)
        #expect(dataset.train.sequences[5] == Self.kerasTrain5)
        #expect(dataset.train.sequences[36] == Self.kerasTrain36)
        #expect(dataset.test.sequences[0] == Self.kerasTest0)
        let labels = [dataset.train.labels[5], dataset.train.labels[36], dataset.test.labels[0]]
        #expect(labels == [0, 0, 0])
        #expect(dataset.trainPaths[5].hasPrefix("aclImdb/train/neg/"))
    }

    @Test func kerasWordSplitting() {
        #expect(KerasDatasetWords.words("I <br /><br />didn't LIKE it...Á \u{85}really") == ["i", "br", "br", "didn't", "like", "it", "Á", "\u{85}really"])
        #expect(KerasDatasetWords.words("tab\tand\nnewline,  spaces\r") == ["tab", "and", "newline", "spaces\r"])
    }

    /// A tiny aclImdb: 2 positive and 2 negative train reviews, 1 + 1 test reviews, and a word index.
    static func writeTinyIMDB(_ folder: TemporaryFolder, badName: Bool = false) throws {
        try folder.write("imdb/imdb_word_index.json", "{\"the\": 1, \"film\": 2, \"good\": 3, \"bad\": 4, \"é\": 5}")
        try folder.write("imdb/aclImdb/train/pos/0_9.txt", "The film, the GOOD film!")
        try folder.write("imdb/aclImdb/train/pos/10_8.txt", "good good unknownword")
        try folder.write("imdb/aclImdb/train/neg/1_2.txt", "Bad. The <br />film is bad é")
        try folder.write("imdb/aclImdb/train/neg/2_1.txt", Array("bad ".utf8) + [0xFF, 0xFE])
        try folder.write("imdb/aclImdb/test/pos/0_10.txt", "good")
        try folder.write("imdb/aclImdb/test/neg/0_1.txt", "bad film")
        if badName { try folder.write("imdb/aclImdb/train/pos/notes.txt", "a stray file") }
    }

    @Test func optionsFollowKerasLoadData() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try Self.writeTinyIMDB(folder, badName: true)
        let directory = DataDirectory(root: folder.url)
        let all = try IMDB.load(from: directory)
        // Every review: start 1, ranks + 3, unknown words skipped; num_words defaults to the largest
        // id (8, the rank of "é" + 3) and Keras's `w < num_words` turns that id into the OOV 2.
        let byPath = Dictionary(uniqueKeysWithValues: zip(all.trainPaths, all.train.sequences))
        #expect(byPath["aclImdb/train/pos/0_9.txt"] == [1, 4, 5, 4, 6, 5])
        #expect(byPath["aclImdb/train/pos/10_8.txt"] == [1, 6, 6])
        #expect(byPath["aclImdb/train/neg/1_2.txt"] == [1, 7, 4, 5, 7, 2])
        #expect(all.report.rejected == [LoadReport.Entry(
            file: "aclImdb/train/pos/notes.txt", line: nil, reason: "expected a file name <id>_<rating>.txt")])
        #expect(all.report.notes.map(\.file) == ["aclImdb/train/neg/2_1.txt"])
        #expect(all.report.warnings.contains("train/pos reviews: expected 12500 (SOURCE.md), found 2"))

        // maxlen drops (Keras remove_long_seq keeps len < maxlen) and reports; skipTop and numWords → OOV.
        let short = try IMDB.load(from: directory, options: KerasSequenceOptions(numWords: 6, skipTop: 4, maxlen: 4))
        let shortByPath = Dictionary(uniqueKeysWithValues: zip(short.trainPaths, short.train.sequences))
        #expect(shortByPath == ["aclImdb/train/pos/10_8.txt": [2, 2, 2], "aclImdb/train/neg/2_1.txt": [2, 2]])
        #expect(short.report.dropped.map(\.file).sorted() == ["aclImdb/train/neg/1_2.txt", "aclImdb/train/pos/0_9.txt"])
        // oovChar nil removes instead; no start character.
        let removed = try IMDB.load(from: directory, options: KerasSequenceOptions(numWords: 6, startChar: nil, oovChar: nil))
        #expect(Dictionary(uniqueKeysWithValues: zip(removed.trainPaths, removed.train.sequences))["aclImdb/train/pos/0_9.txt"] == [4, 5, 4, 5])
        #expect(throws: RecurrentError.self) {
            _ = try IMDB.load(from: directory, options: KerasSequenceOptions(maxlen: 1))
        }
    }

    @Test func archiveGivesTheSameAsTheFolder() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try Self.writeTinyIMDB(folder)
        let fromFolder = try IMDB.load(from: DataDirectory(root: folder.url))
        var members: [TarBuilder.Member] = []
        for path in fromFolder.trainPaths + fromFolder.testPaths {
            let bytes = try [UInt8](Data(contentsOf: folder.url.appendingPathComponent("imdb/\(path)")))
            members.append(.init(name: path, contents: bytes))
        }
        try FileManager.default.removeItem(at: folder.url.appendingPathComponent("imdb/aclImdb"))
        try folder.write("imdb/aclImdb_v1.tar.gz", try TarBuilder.gzip(TarBuilder.archive(members.reversed())))
        let fromArchive = try IMDB.load(from: DataDirectory(root: folder.url))
        #expect(fromArchive.train == fromFolder.train && fromArchive.test == fromFolder.test)
        #expect(fromArchive.trainPaths == fromFolder.trainPaths)
    }

    @Test func missingFilesNameTheCommand() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect {
            _ = try IMDB.load(from: DataDirectory(root: folder.url))
        } throws: { error in
            guard case let .missingFile(path, hint) = error as? RecurrentError else { return false }
            return path.contains("imdb/aclImdb_v1_labeled.tar.gz") && hint.contains("recurrent datasets download imdb")
        }
    }
}
