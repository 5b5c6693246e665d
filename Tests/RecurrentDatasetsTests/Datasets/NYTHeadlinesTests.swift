import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

@Suite("NYT headlines loader")
struct NYTHeadlinesTests {
    @Test(.enabled(if: TestData.has(.nytArticles, NYTHeadlines.lectureFile), TestData.skipMessage(.nytArticles)))
    func lectureFile() throws {
        let (headlines, report) = try NYTHeadlines.load(files: [NYTHeadlines.lectureFile], from: TestData.directory)
        #expect(report.rowsRead == 1_324)
        #expect(headlines.count == 1_214)
        #expect(report.rowsDropped == 110)
        #expect(report.warnings.isEmpty && report.rejected.isEmpty)
        #expect(headlines.allSatisfy { $0.text != "Unknown" })
    }

    @Test func lectureCleaning() {
        // Non-ASCII dropped (the ’ too), ASCII punctuation dropped, lower-cased.
        #expect(NYTHeadlines.preprocess("Former N.F.L. Cheerleaders’ Settlement Offer: $1 and a Meeting With Goodell")
                == "former nfl cheerleaders settlement offer 1 and a meeting with goodell")
        #expect(NYTHeadlines.preprocess("Trump's “Big” Week — Café") == "trumps big week  caf")
    }

    @Test func prefixSequences() {
        #expect(NYTHeadlines.prefixSequences([[5, 6, 7, 8], [9], [], [1, 2]]) == [[5, 6], [5, 6, 7], [5, 6, 7, 8], [1, 2]])
    }

    @Test func malformedRowsAreNamedAndCounted() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let csv = "articleID,headline,source\na1,\"Hello, World\",NYT\na2,Unknown,NYT\na3,,NYT\na4,Too,many,fields\na5,\"open,NYT\n"
        let url = try folder.write("nyt_articles/ArticlesTest.csv", csv)
        let (headlines, report) = try NYTHeadlines.load(file: url)
        #expect(headlines == [NYTHeadline(text: "Hello, World", file: "ArticlesTest.csv", line: 2)])
        #expect(report.dropped.map(\.line) == [3])
        #expect(report.rejected.map(\.line) == [4, 5, 6])
        // Without a file list: every Articles*.csv of nyt_articles/.
        let all = try NYTHeadlines.load(from: DataDirectory(root: folder.url))
        #expect(all.report.files == ["ArticlesTest.csv"] && all.headlines == headlines)
        let noHeadline = try folder.write("nyt_articles/ArticlesBad.csv", "articleID,title\n1,x\n")
        #expect(throws: RecurrentError.fileFormat(location: "ArticlesBad.csv:1", message: "expected a header with a `headline` column")) {
            _ = try NYTHeadlines.load(file: noHeadline)
        }
    }
}
