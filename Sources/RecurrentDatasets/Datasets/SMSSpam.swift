import Foundation
import RecurrentTensor

/// One message of `spam.csv`.
public struct SMSMessage: Sendable, Equatable {
    /// `ham` or `spam` (column `v1`).
    public var label: String
    /// The message (column `v2`, rejoined with the unnamed columns where it spilled into them).
    public var text: String
    /// The line of `spam.csv` the row starts on (the header is line 1).
    public var line: Int

    public init(label: String, text: String, line: Int) {
        self.label = label
        self.text = text
        self.line = line
    }

    /// The lecture's label: ham 0, spam 1.
    public var labelID: Int { label == "spam" ? 1 : 0 }
}

/// The lecture's SMS spam preparation: duplicates dropped, labels 0/1, a stratified 80/20 split.
public struct SMSSpamSplit: Sendable {
    public var trainTexts: [String]
    /// 0 = ham, 1 = spam.
    public var trainLabels: [Int]
    public var testTexts: [String]
    public var testLabels: [Int]
    /// The load report with the duplicates listed under `dropped`.
    public var report: LoadReport
}

/// The Kaggle "SMS Spam Collection Dataset" (`sms_spam/spam.csv`, from the UCI SMS Spam
/// Collection of Almeida & Gómez Hidalgo).
///
/// File layout: CSV, latin-1, CRLF line endings, header `v1,v2,,,` — `v1` is `ham` or `spam`, `v2`
/// the text, then three unnamed columns. 5,572 rows: ham 4,825, spam 747 (sms_spam/SOURCE.md).
///
/// Quirk: 50 messages contain badly escaped quotes (`\"MIX\""`) that made the Kaggle conversion
/// split them at their commas into the unnamed columns; pandas' usual recipe (drop `Unnamed: 2..4`)
/// cuts those messages short. Each piece after the first starts where a comma was, with the space
/// that followed it in the original (`" PO Box 5249"`), so the loader rejoins the non-empty pieces
/// with `","` and lists each such row under `LoadReport.repaired`. Line 97 then reads
/// `… Get Usher and Britney. FML, PO Box 5249, MK17 92H. 450Ppw 16"`, the commas and spaces of the
/// UCI original (`… Britney. FML, PO Box 5249, MK17 92H. 450Ppw 16`); the backslashes and quotes the
/// conversion left (`\MIX\"` for `"MIX"`, the final `"`) are kept, as they are not recoverable
/// with certainty.
/// The text is kept as it is otherwise (mojibake such as `å£` for `£` included).
public enum SMSSpam {
    public static let fileName = "spam.csv"

    /// Documented counts (sms_spam/SOURCE.md).
    public static let expectedRows = 5_572
    public static let expectedHam = 4_825
    public static let expectedSpam = 747
    public static let expectedRepaired = 50
    public static let expectedDuplicates = 403
    public static let expectedUnique = 5_169

    /// Reads `spam.csv` from `directory` (`sms_spam/spam.csv`).
    /// - Throws: `RecurrentError.missingFile` when absent; see `load(file:)`.
    public static func load(from directory: DataDirectory = .resolve()) throws -> (messages: [SMSMessage], report: LoadReport) {
        try load(file: directory.requireFile(fileName, in: .smsSpam))
    }

    /// Reads a `spam.csv` file (latin-1).
    ///
    /// Rows that are rejected, by line: an unterminated quote; more fields than the header's five
    /// (pandas fails on such rows); `v1` other than `ham`/`spam`; an empty text.
    /// - Throws: `RecurrentError.fileFormat` when the header is not `v1,v2,…`.
    public static func load(file url: URL) throws -> (messages: [SMSMessage], report: LoadReport) {
        let name = url.lastPathComponent
        var reader = DelimitedTextReader(
            bytes: try FileBytes.read(url), file: name, delimiter: UInt8(ascii: ","), encoding: .latin1)
        var report = LoadReport(dataset: DatasetName.smsSpam.rawValue)
        report.files.append(name)
        guard let header = try reader.next(), header.fields.count >= 2,
              header.fields[0] == "v1", header.fields[1] == "v2" else {
            throw RecurrentError.fileFormat(
                location: "\(name):1", message: "expected the header `v1,v2,,,` of the Kaggle spam.csv")
        }
        let columns = header.fields.count
        var messages: [SMSMessage] = []
        while let record = try reader.next() {
            report.rowsRead += 1
            let reject = { (reason: String) in
                report.rejected.append(.init(file: name, line: record.line, reason: reason))
            }
            if let problem = record.problem { reject(problem); continue }
            guard record.fields.count <= columns else {
                reject("expected at most \(columns) fields like the header, found \(record.fields.count)")
                continue
            }
            let label = record.fields[0]
            guard label == "ham" || label == "spam" else {
                reject("expected label ham or spam in v1, found \(label.debugDescription)")
                continue
            }
            var pieces = Array(record.fields.dropFirst())
            while pieces.count > 1, pieces.last == "" { pieces.removeLast() }
            let text = pieces.joined(separator: ",")
            guard !text.isEmpty else { reject("expected a message in v2, found an empty field"); continue }
            if pieces.count > 1 {
                report.repaired.append(.init(
                    file: name, line: record.line,
                    reason: "text continued in \(pieces.count - 1) unnamed column(s); rejoined with \",\""))
            }
            messages.append(SMSMessage(label: label, text: text, line: record.line))
        }
        report.checkCount("\(name) rows", expected: expectedRows, found: report.rowsRead, source: "SOURCE.md")
        report.checkCount("\(name) ham rows", expected: expectedHam,
                          found: messages.count { $0.label == "ham" }, source: "SOURCE.md")
        report.checkCount("\(name) spam rows", expected: expectedSpam,
                          found: messages.count { $0.label == "spam" }, source: "SOURCE.md")
        report.checkCount("\(name) rows with text in the unnamed columns", expected: expectedRepaired,
                          found: report.rowsRepaired, source: "SOURCE.md")
        return (messages, report)
    }

    /// The lecture's preparation:
    /// 1. drop rows whose text repeats an earlier one, keeping the first (pandas
    ///    `drop_duplicates(subset=['v2'])`): 403 of 5,572, leaving 5,169 (ham 4,516, spam 653). The
    ///    rejoined texts are compared; on the known file that gives the same 403 as `v2` alone.
    /// 2. labels ham → 0, spam → 1;
    /// 3. `train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)`, reproduced by
    ///    `TrainTestSplit`: 4,135 train (ham 3,613, spam 522) and 1,034 test (ham 903, spam 131).
    ///
    /// - Throws: see `TrainTestSplit.split`.
    public static func prepare(
        _ messages: [SMSMessage], report: LoadReport, testSize: Double = 0.2, randomState: UInt32 = 0,
        stratify: Bool = true
    ) throws -> SMSSpamSplit {
        var report = report
        var firstLine: [String: Int] = [:]
        var unique: [SMSMessage] = []
        for message in messages {
            if let first = firstLine[message.text] {
                report.dropped.append(.init(file: fileName, line: message.line, reason: "duplicate of line \(first)"))
            } else {
                firstLine[message.text] = message.line
                unique.append(message)
            }
        }
        report.checkCount("duplicate texts", expected: expectedDuplicates, found: report.rowsDropped, source: "SOURCE.md")
        report.checkCount("unique texts", expected: expectedUnique, found: unique.count, source: "SOURCE.md")
        let labels = unique.map(\.labelID)
        let (train, test) = try TrainTestSplit.split(
            labels: labels, testSize: testSize, randomState: randomState, stratify: stratify)
        return SMSSpamSplit(
            trainTexts: train.map { unique[$0].text }, trainLabels: train.map { labels[$0] },
            testTexts: test.map { unique[$0].text }, testLabels: test.map { labels[$0] }, report: report)
    }
}
