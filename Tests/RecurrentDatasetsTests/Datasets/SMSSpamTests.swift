import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

@Suite("SMS spam loader")
struct SMSSpamTests {
    @Test(.enabled(if: TestData.has(.smsSpam, "spam.csv"), TestData.skipMessage(.smsSpam)))
    func realFileAndLecturePreparation() throws {
        let (messages, report) = try SMSSpam.load(from: TestData.directory)
        #expect(report.rowsRead == 5_572)
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        #expect(report.rowsRejected == 0)
        #expect(report.rowsRepaired == 50)
        // Line 97: the message split at its commas into the unnamed columns, rejoined.
        let spilled = try #require(messages.first { $0.line == 97 })
        #expect(spilled.text.hasSuffix("Get Usher and Britney. FML, PO Box 5249, MK17 92H. 450Ppw 16\""))
        #expect(report.repaired.first == LoadReport.Entry(
            file: "spam.csv", line: 97, reason: "text continued in 2 unnamed column(s); rejoined with \",\""))

        let split = try SMSSpam.prepare(messages, report: report)
        #expect(split.report.rowsDropped == 403)
        #expect(split.report.warnings.isEmpty, "\(split.report.warnings)")
        // train_test_split(test_size=0.2, random_state=0, stratify=y) on 5,169 rows.
        #expect(split.trainTexts.count == 4_135)
        #expect(split.testTexts.count == 1_034)
        #expect(split.trainLabels.count { $0 == 1 } == 522)
        #expect(split.testLabels.count { $0 == 1 } == 131)
        #expect(Set(split.trainTexts).isDisjoint(with: split.testTexts))
    }

    @Test func malformedRowsAreNamedAndCounted() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let csv = "v1,v2,,,\r\nham,Hello there,,,\r\nspam,\"Win \\\"\"cash\\\"\" now\", call 0800,,\r\n"
            + "maybe,Unknown label,,,\r\nham,,,,\r\nham,a,b,c,d,e\r\nspam,\"never closed,,,\r\nham,lost,,,"
        let url = try folder.write("spam.csv", Array(csv.utf8) + [0xE5, 0xA3])
        let (messages, report) = try SMSSpam.load(file: url)
        #expect(report.rowsRead == 6)
        #expect(messages.map(\.line) == [2, 3])
        #expect(messages[1].text == "Win \\\"cash\\\" now, call 0800")
        #expect(report.repaired == [LoadReport.Entry(
            file: "spam.csv", line: 3, reason: "text continued in 1 unnamed column(s); rejoined with \",\"")])
        #expect(report.rejected.map(\.line) == [4, 5, 6, 7])
        #expect(report.rejected[0].reason.contains("ham or spam"))
        #expect(report.rejected[1].reason.contains("empty"))
        #expect(report.rejected[2].reason.contains("at most 5 fields"))
        #expect(report.rejected[3].reason.contains("still open"))
        #expect(report.warnings.contains { $0.hasPrefix("spam.csv rows: expected 5572") })
    }

    @Test func wrongHeaderAndMissingFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = try folder.write("spam.csv", "label,text\nham,hi\n")
        #expect(throws: RecurrentError.fileFormat(location: "spam.csv:1", message: "expected the header `v1,v2,,,` of the Kaggle spam.csv")) {
            _ = try SMSSpam.load(file: url)
        }
        #expect {
            _ = try SMSSpam.load(from: DataDirectory(root: folder.url.appendingPathComponent("none")))
        } throws: { error in
            guard case let .missingFile(path, hint) = error as? RecurrentError else { return false }
            return path.hasSuffix("none/sms_spam/spam.csv") && hint.contains("recurrent datasets download sms_spam")
        }
    }
}
