import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

@Suite("Reuters loader")
struct ReutersTests {
    static let hasData = TestData.has(.reuters, "reuters21578") || TestData.has(.reuters, "reuters21578.tar.gz")

    /// Keras's `reuters.load_data(num_words=10000)` `train_data[10]` (label 3), as printed in
    /// F. Chollet, *Deep Learning with Python*, listing 4.11 (and in many copies of it).
    static let kerasTrain10 = [1, 245, 273, 207, 156, 53, 74, 160, 26, 14, 46, 296, 26, 39, 74, 2979, 3554, 14, 46,
                               4689, 4329, 86, 61, 3499, 4795, 14, 61, 451, 4329, 17, 12]
    /// Entries of Keras's `reuters.get_word_index()` as printed by a public tutorial script
    /// (`{10996: 'mdbl', 16260: 'fawc', 12089: 'degussa', 8803: 'woods', 13796: 'hanging', …}`); words
    /// of low frequency, so their ranks depend on the tie order (`Python2Dict`).
    static let kerasRanks = ["mdbl": 10_996, "fawc": 16_260, "degussa": 12_089, "woods": 8_803, "hanging": 13_796]

    @Test(.enabled(if: hasData, TestData.skipMessage(.reuters)))
    func reproducesKeras() throws {
        let dataset = try Reuters.load(from: TestData.directory, options: KerasSequenceOptions(numWords: 10_000))
        #expect(dataset.report.rowsRead == 21_578)
        #expect(dataset.report.warnings.isEmpty, "\(dataset.report.warnings)")
        #expect(dataset.report.notes.count == 990)
        #expect(dataset.labelNames == Reuters.kerasLabelNames)
        #expect(dataset.train.count == 8_982 && dataset.test.count == 2_246)
        #expect(dataset.wordIndex.count == 30_979)
        #expect(dataset.train.sequences[10] == Self.kerasTrain10)
        #expect(dataset.train.labels[10] == 3)
        for (word, rank) in Self.kerasRanks { #expect(dataset.wordIndex.rank(of: word) == rank, "\(word)") }
    }

    static func document(_ id: Int, topics: [String], body: String?) -> String {
        let topicText = topics.map { "<D>\($0)</D>" }.joined()
        let text = body.map { "<BODY>\($0)</BODY>" } ?? "<TITLE>NO BODY</TITLE>"
        return "<REUTERS TOPICS=\"YES\" NEWID=\"\(id)\">\n<TOPICS>\(topicText)</TOPICS>\n<TEXT>\(text)</TEXT>\n</REUTERS>\n"
    }

    @Test func kerasScriptRulesOnSmallFiles() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let first = Self.document(1, topics: ["grain", "wheat"], body: "Wheat &lt;up> said.\nReuter\n&#3;")
            + Self.document(2, topics: [], body: "no topic, not counted")
            + Self.document(3, topics: ["earn"], body: nil)  // takes document 4's body, as Keras's script
            + Self.document(4, topics: ["earn"], body: "Net profit up")
            + Self.document(5, topics: ["rare"], body: "only once")
        try folder.write("reuters/reuters21578/reut2-000.sgm", Array(first.utf8))
        // A latin-1 byte (0xFC, ü) in a body.
        let latin1Document = Self.document(6, topics: ["grain"], body: "M\u{1}NCHEN grain")
        let latin1Bytes: [UInt8] = Array(latin1Document.utf8).map { $0 == 1 ? 0xFC : $0 }
        try folder.write("reuters/reuters21578/reut2-001.sgm", latin1Bytes)
        let dataset = try Reuters.load(
            from: DataDirectory(root: folder.url), options: KerasSequenceOptions(seed: 113), testSplit: 0.25,
            minDocumentsPerTopic: 2)
        #expect(dataset.report.rowsRead == 6)
        #expect(dataset.labelNames == ["grain", "earn"])  // first topic only; "rare" has 1 < 2 documents
        #expect(dataset.report.dropped.map(\.reason) == ["NEWID 5: topic rare labels 1 < 2 documents"])
        #expect(dataset.report.notes.count == 1 && dataset.report.notes[0].reason.contains("NEWID 3"))
        #expect(dataset.train.count == 3 && dataset.test.count == 1)  // int(4 * 0.75)
        // Entities stay as written: "&lt;" gives "lt", "&#3;" gives "3"; latin-1 0xFC is "ü".
        #expect(dataset.wordIndex.rank(of: "lt") != nil && dataset.wordIndex.rank(of: "3") != nil)
        #expect(dataset.wordIndex.rank(of: "m\u{FC}nchen") != nil)
        // Documents 3 and 4 have the same (borrowed) body.
        let byID = Dictionary(uniqueKeysWithValues: zip(dataset.trainNewIDs + dataset.testNewIDs,
                                                         dataset.train.sequences + dataset.test.sequences))
        #expect(byID[3] == byID[4])
        #expect(throws: RecurrentError.self) {
            _ = try Reuters.load(from: DataDirectory(root: folder.url), testSplit: 2)
        }
    }
}
