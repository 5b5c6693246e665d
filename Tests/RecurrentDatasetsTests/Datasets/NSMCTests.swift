import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

@Suite("NSMC loader")
struct NSMCTests {
    @Test(.enabled(if: TestData.has(.nsmc, "ratings_test.txt"), TestData.skipMessage(.nsmc)))
    func realTestSplit() throws {
        let (reviews, report) = try NSMC.load(.test, from: TestData.directory)
        #expect(report.rowsRead == 50_000)
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        #expect(report.rowsRejected == 0)
        // The 3 empty documents (pandas NaN) are dropped, as the lecture's dropna, and named.
        #expect(report.rowsDropped == 3)
        #expect(report.dropped.allSatisfy { $0.file == "ratings_test.txt" && $0.line != nil })
        #expect(reviews.count == 49_997)
        // One level of the double quote escaping removed, as pandas.read_table does: the file has
        // `"""""""결혼은 … 징징징"""" 성현아 … 하냐."""` and pandas 3.1 reads the value below.
        let quoted = try #require(reviews.first { $0.id == 5_494_222 })
        #expect(quoted.document == "\"\"\"결혼은 현실이에요 징징징\"\" 성현아 벗겨놓고 이 정도 얘기 밖에 못 하냐.\"")
        #expect(quoted.label == 0)
    }

    @Test func malformedRowsAreNamedAndCounted() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let tsv = "id\tdocument\tlabel\n1\tgood\t1\n2\tNA\t0\nx\tbad id\t0\n4\tbad label\t7\n5\ttoo\tmany\t1\n6\t\t1\n7\t\"open\t0\n"
        let url = try folder.write("ratings_custom.txt", tsv)
        let (reviews, report) = try NSMC.load(file: url)
        #expect(reviews == [NSMCReview(id: 1, document: "good", label: 1, line: 2)])
        #expect(report.dropped.map(\.line) == [3, 7])  // "NA" and "" read as NaN in pandas
        #expect(report.rejected.map(\.line) == [4, 5, 6, 8])
        #expect(report.rejected.map(\.reason).joined(separator: "|").contains("integer id"))
        let kept = try NSMC.load(file: url, dropMissing: false).reviews
        #expect(kept.map(\.document) == ["good", nil, nil])
    }

    @Test func notUTF8IsAClearError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // "좋아" in cp949 (EUC-KR) is not UTF-8.
        let url = try folder.write("ratings_cp949.txt", Array("id\tdocument\tlabel\n1\t".utf8) + [0xC1, 0xC1, 0xBE, 0xC6] + Array("\t1\n".utf8))
        #expect {
            _ = try NSMC.load(file: url)
        } throws: { error in
            guard case let .fileFormat(location, message) = error as? RecurrentError else { return false }
            return location == "ratings_cp949.txt:2" && message.contains("iconv")
        }
    }
}
