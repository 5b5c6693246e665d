import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

@Suite("Data directory and catalogue")
struct DataDirectoryTests {
    @Test func resolution() {
        #expect(DataDirectory.resolve(environment: ["RECURRENT_DATA": "/data/x"]).root.path == "/data/x")
        #if os(macOS)
        #expect(DataDirectory.resolve(environment: ["HOME": "/home/u"]).root.path == "/home/u/Library/Caches/recurrent/data")
        #else
        #expect(DataDirectory.resolve(environment: ["HOME": "/home/u"]).root.path == "/home/u/.cache/recurrent/data")
        #expect(DataDirectory.resolve(environment: ["HOME": "/home/u", "XDG_CACHE_HOME": "/c"]).root.path == "/c/recurrent/data")
        #endif
        #expect(DataDirectory(path: "/d").url("ratings_train.txt", in: .nsmc).path == "/d/nsmc/ratings_train.txt")
    }

    @Test func missingFileError() {
        let error = RecurrentError.missingFile(path: "/d/nsmc/ratings_train.txt", hint: "get it")
        #expect(error.description == "/d/nsmc/ratings_train.txt: expected a file here, found none; get it")
        #expect(throws: RecurrentError.self) { _ = try DataDirectory(path: "/nonexistent").requireFile("x", in: .reuters) }
    }

    @Test("The download hint of a chosen data directory names it, quoted for the shell when it must be")
    func downloadHintNamesTheFolder() {
        #expect(DataDirectory(path: "/tmp/my-data").downloadHint(.smsSpam) == "get it with `recurrent datasets download sms_spam --data-dir /tmp/my-data`")
        #expect(DataDirectory(path: "/tmp/no data").downloadHint(.nsmc).hasSuffix("--data-dir '/tmp/no data'`"))
        #expect(DataDirectory(path: "/tmp/it's").downloadHint(.nsmc).hasSuffix(#"--data-dir '/tmp/it'\''s'`"#))
    }

    @Test func digestsOfKnownVectors() throws {
        // FIPS 180-2 and RFC 1321 test vectors for "abc".
        #expect(FileDigest.hex(of: Array("abc".utf8), .sha256) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(FileDigest.hex(of: Array("abc".utf8), .md5) == "900150983cd24fb0d6963f7d28e17f72")
    }

    @Test(.enabled(if: TestData.has(.smsSpam, "spam.csv"), TestData.skipMessage(.smsSpam)))
    func catalogueChecksumMatchesRealFile() throws {
        let file = try #require(DatasetCatalog.entry(.smsSpam).requirements.first?.alternatives.first)
        #expect(try file.digests[0].matches(TestData.directory.url(file.path, in: .smsSpam)))
    }

    @Test func catalogueCoversEveryDataset() {
        #expect(DatasetCatalog.all.map(\.name) == DatasetName.allCases)
        for entry in DatasetCatalog.all {
            // Either downloadable, or with instructions to get it by hand.
            #expect(!entry.downloads.isEmpty || entry.manualSteps != nil, "\(entry.name)")
            for download in entry.downloads {
                #expect(entry.requirements.contains { $0.alternatives.contains { $0.path == download.path } }, "\(download.path)")
            }
        }
    }
}
