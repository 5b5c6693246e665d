import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import RecurrentTestSupport
@testable import Recurrent

@Suite("Run folders and charts")
struct RunFolderTests {
    @Test("A run folder holds parseable history files, SVG charts and an HTML page that links them")
    func runFolder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("recurrent-run-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (x, y) = SmallTask.data()
        let m = try SmallTask.model(dropout: false)
        let h = try m.fit(x: x, y: y, batchSize: 16, epochs: 3, validationSplit: 0.25, verbose: .silent)
        let run = try RunFolder(dir)
        try run.writeHistory(h)
        let charts = try run.writeCurves(h, title: "test")
        #expect(charts == ["loss.svg", "accuracy.svg"])
        try run.writeIndex(title: "test run", results: [("test accuracy", "50%")], summary: m.summary(), charts: charts)

        let csv = try String(contentsOf: run.file("history.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "epoch,accuracy,loss,val_accuracy,val_loss")
        #expect(csv.count == 4)
        #expect(Double(csv[1].split(separator: ",")[2]) == h.history["loss"]![0])
        let json = try JSONValue.parse(Data(contentsOf: run.file("history.json")), location: "history.json")
        #expect(json["history"]?["val_loss"]?.arrayValue?.compactMap(\.doubleValue) == h.history["val_loss"])
        for chart in charts {
            let svg = try String(contentsOf: run.file(chart), encoding: .utf8)
            #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
            #expect(svg.contains("<polyline"))
            // Well-formed XML.
            let parser = XMLParser(data: Data(svg.utf8))
            #expect(parser.parse(), "\(chart): \(parser.parserError.map { "\($0)" } ?? "")")
        }
        let html = try String(contentsOf: run.file("index.html"), encoding: .utf8)
        for chart in charts { #expect(html.contains("src=\"\(chart)\"")) }
        #expect(html.contains("lstm (LSTM)"))
    }

    @Test("A first run that fails leaves no empty folder behind; an existing folder stays")
    func discardedFirstRun() throws {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("recurrent-discard-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: parent) }
        let dir = parent.appendingPathComponent("run")
        let failed = try RunFolder(dir)
        try failed.writeResults(["run": 1])
        failed.discard()
        #expect(!FileManager.default.fileExists(atPath: dir.path))
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let again = try RunFolder(dir)
        again.discard()
        #expect(FileManager.default.fileExists(atPath: dir.path), "a folder that was there before the run stays")
    }

    @Test("A run is published whole: a later run replaces the files and removes the ones it did not write; a discarded run changes nothing")
    func publishing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("recurrent-publish-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        func contents(_ name: String) -> String? { try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8) }
        func visible() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") }.sorted() }

        let first = try RunFolder(dir)
        try first.writeResults(["run": 1])
        try first.writeChart(LineChart(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "a", values: [1, 2], color: LineChart.trainColor)]), as: "accuracy.svg")
        try Data("user notes".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        #expect(contents("results.json") == nil, "nothing is visible before publish")
        try first.publish()
        #expect(try visible() == ["accuracy.svg", "notes.txt", "results.json"])
        #expect(!FileManager.default.fileExists(atPath: first.staging.path))

        // A run that fails before publishing leaves the first run's files.
        let failed = try RunFolder(dir)
        try failed.writeResults(["run": 2])
        failed.discard()
        #expect(contents("results.json") == "{\"run\":1}\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".partial-") }.isEmpty)

        // The next run replaces results.json and removes the chart it did not draw; other files stay.
        let second = try RunFolder(dir)
        try second.writeResults(["run": 3, "loss": .number(.nan), "curve": [1, .number(-.infinity)]])
        try second.publish()
        #expect(try visible() == ["notes.txt", "results.json"])
        let json = try JSONValue.parse(Data(contentsOf: dir.appendingPathComponent("results.json")), location: "results.json")
        #expect(json["run"]?.doubleValue == 3)
        #expect(json["loss"]?.stringValue == "nan", "JSON has no NaN: written as a string, like history.json")
        #expect(json["curve"]?.arrayValue?.last?.stringValue == "-inf")
    }

    @Test("Publishing into a folder that holds no run replaces only the files it writes, and never a folder")
    func publishingNextToUserFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("recurrent-publish-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("loss.svg/deep"), withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: dir.appendingPathComponent("loss.svg/deep/file"))
        try Data("mine".utf8).write(to: dir.appendingPathComponent("accuracy.svg"))
        let run = try RunFolder(dir)
        try run.writeResults(["run": 1])
        try run.publish()
        #expect(try String(contentsOf: dir.appendingPathComponent("accuracy.svg"), encoding: .utf8) == "mine")
        #expect(try String(contentsOf: dir.appendingPathComponent("loss.svg/deep/file"), encoding: .utf8) == "keep")
        // A later run: the folder now holds a run, so the plain files of the list are the run's; the folder stays.
        let next = try RunFolder(dir)
        try next.writeResults(["run": 2])
        try next.publish()
        #expect(!fm.fileExists(atPath: dir.appendingPathComponent("accuracy.svg").path))
        #expect(try String(contentsOf: dir.appendingPathComponent("loss.svg/deep/file"), encoding: .utf8) == "keep")
    }

    @Test("A run folder under a file is refused, naming the file")
    func runFolderUnderAFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("recurrent-file-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("x".utf8).write(to: file)
        #expect { try RunFolder(file.appendingPathComponent("run")) } throws: { error in
            "\(error)".contains("\(file.path) is a file, not a folder")
        }
    }

    @Test("The legend goes where it hides the least of the lines")
    func legendPlacement() throws {
        // The legend box is the only rect with a grey stroke; returns its (x, y).
        func legend(_ values: [Double]) throws -> (Double, Double) {
            let svg = LineChart(title: "t", xLabel: "x", yLabel: "y",
                                series: [.init(name: "a", values: values, color: LineChart.trainColor)]).svg
            let line = try #require(svg.split(separator: "\n").first { $0.contains("stroke=\"#ccc\"") })
            func attribute(_ name: String) throws -> Double {
                let start = try #require(line.range(of: "\(name)=\"")).upperBound
                return try #require(Double(line[start...].prefix { $0 != "\"" }))
            }
            return (try attribute("x"), try attribute("y"))
        }
        // 640 × 400, plot from x 64 to 624 and y 40 to 348.
        let falling = try legend([1, 0.5, 0.3, 0.2, 0.1])   // a loss: top right is free
        #expect(falling.0 > 320 && falling.1 < 194)
        let rising = try legend([0.1, 0.8, 0.9, 0.95, 0.99]) // an accuracy near 1: bottom right is free
        #expect(rising.0 > 320 && rising.1 > 194)
    }

    @Test("Ticks are 1, 2 or 5 times a power of ten and cover the data")
    func ticks() {
        let small = LineChart.ticks(0.31, 0.69)
        #expect(small.count == 5 && small.first! <= 0.31 && small.last! >= 0.69)
        #expect(zip(small, small.dropFirst()).allSatisfy { abs(($1 - $0) - 0.1) < 1e-12 })
        let t = LineChart.ticks(1, 20)
        #expect(t.first! <= 1 && t.last! >= 20)
        #expect(t == [0, 5, 10, 15, 20])
    }
}
