import ArgumentParser
import Foundation
import Recurrent

/// `recurrent datasets list|download|dump`: where the lecture's datasets are, whether they are the
/// known files, fetching them, and printing what the loaders make of them.
struct Datasets: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, download and inspect the lecture's datasets.",
        discussion: """
            Data directory: --data-dir, else $RECURRENT_DATA, else \(DataDirectory.defaultRoot().path).
            Each dataset has a folder there: \(DatasetName.allCases.map(\.rawValue).joined(separator: ", ")).
            """,
        subcommands: [List.self, Download.self, Dump.self])

    struct DataOptions: ParsableArguments {
        @Option(name: .customLong("data-dir"), help: "The data directory (default: $RECURRENT_DATA or the user cache).")
        var dataDir: String?

        var directory: DataDirectory { dataDir.map { DataDirectory(path: $0) } ?? .resolve() }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each dataset: where its files are (or that they are missing) and whether their checksums match.")

        @OptionGroup var data: DataOptions
        @Flag(name: .customLong("no-verify"), help: "Do not compute checksums (faster).")
        var noVerify = false

        func run() throws {
            let directory = data.directory
            print("data directory: \(directory.root.path)")
            for entry in DatasetCatalog.all {
                print("\n\(entry.name.rawValue): \(entry.title)")
                print("  folder \(directory.folder(entry.name).path)")
                for requirement in entry.requirements {
                    var found = false
                    for file in requirement.alternatives {
                        let url = directory.url(file.path, in: entry.name)
                        guard FileManager.default.fileExists(atPath: url.path) else { continue }
                        found = true
                        let line: String
                        do { line = try status(file, url, directory, entry.name) } catch {
                            line = "UNREADABLE (\(error.localizedDescription))"
                        }
                        print("  \(requirement.what): \(file.path) — \(line)")
                    }
                    if !found {
                        let names = requirement.alternatives.map(\.path).joined(separator: " or ")
                        print("  \(requirement.what): MISSING (\(names)); \(directory.downloadHint(entry.name))")
                    }
                }
            }
        }

        private func status(_ file: KnownFile, _ url: URL, _ directory: DataDirectory, _ name: DatasetName) throws -> String {
            if file.isFolder {
                guard !file.contents.isEmpty else { return "found" + (file.note.map { " (\($0))" } ?? "") }
                var missing: [String] = [], mismatched: [String] = []
                for inner in file.contents {
                    let innerURL = directory.url(inner.path, in: name)
                    if !FileManager.default.fileExists(atPath: innerURL.path) {
                        missing.append(inner.path)
                    } else if !noVerify, try !matchesAny(inner, innerURL) {
                        mismatched.append(inner.path)
                    }
                }
                var parts = ["\(file.contents.count - missing.count)/\(file.contents.count) known files present"]
                if !noVerify { parts.append(mismatched.isEmpty ? "checksums match" : "CHECKSUM MISMATCH: \(mismatched.joined(separator: ", "))") }
                if !missing.isEmpty { parts.append("missing: \(missing.joined(separator: ", "))") }
                return parts.joined(separator: "; ")
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
            var text = "found, \(size) bytes"
            if noVerify || file.digests.isEmpty { return text }
            for digest in file.digests where try digest.matches(url) {
                text += ", \(digest.algorithm.rawValue) matches"
                if let note = file.note { text += " (\(note))" }
                return text
            }
            let shown = try file.digests.map { "\($0.algorithm.rawValue) \(try $0.compute(url).hex)" }.joined(separator: ", ")
            return text + ", CHECKSUM MISMATCH: expected \(file.digests.map(\.description).joined(separator: " or ")), found \(shown)"
        }

        private func matchesAny(_ file: KnownFile, _ url: URL) throws -> Bool {
            for digest in file.digests where try digest.matches(url) { return true }
            return file.digests.isEmpty
        }
    }

    struct Download: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch a dataset from its public source, resumably, checked against its checksum.",
            discussion: "Kaggle datasets (sms_spam, nyt_articles) need a login: the command prints how to get them by hand.")

        @Argument(help: "The dataset: \(DatasetName.allCases.map(\.rawValue).joined(separator: ", ")).")
        var name: DatasetName
        @OptionGroup var data: DataOptions
        @Option(name: .customLong("url-base"), help: "Fetch each file from URL-BASE/<file name> instead (a mirror).")
        var urlBase: String?

        func run() throws {
            let directory = data.directory
            let entry = DatasetCatalog.entry(name)
            let folder = directory.folder(name)
            guard !entry.downloads.isEmpty else {
                let steps = (entry.manualSteps ?? "").replacingOccurrences(of: "FOLDER", with: folder.path)
                print(steps)
                throw ExitCode(2)
            }
            for item in entry.downloads {
                var url = item.url
                if let urlBase {
                    guard let base = URL(string: urlBase) else {
                        throw ValidationError("--url-base: expected a URL, found \(urlBase)")
                    }
                    url = base.appendingPathComponent(item.url.lastPathComponent)
                }
                let destination = directory.url(item.path, in: name)
                print("\(url.absoluteString) → \(destination.path) (\(item.digest.algorithm.rawValue) from \(item.digestSource))")
                let reporter = ProgressLine()
                let outcome = try Downloader.download(url, to: destination, digest: item.digest) { now, total in
                    reporter.update(now, total)
                }
                switch outcome {
                case .alreadyPresent:
                    print("  already present, checksum matches")
                case let .downloaded(bytes, resumedFrom):
                    print("  \(bytes) bytes" + (resumedFrom > 0 ? ", resumed at byte \(resumedFrom)" : "") + ", checksum matches")
                }
            }
        }
    }

    /// Prints the progress of a download on one line, at most every 5 percent (or 8 MiB).
    final class ProgressLine: @unchecked Sendable {
        private let lock = NSLock()
        private var last: Int64 = -1

        func update(_ now: Int64, _ total: Int64?) {
            lock.lock()
            defer { lock.unlock() }
            let step = max((total ?? 0) / 20, 8 << 20)
            guard last < 0 || now - last >= step || now == total else { return }
            last = now
            let text = total.map { "\(now * 100 / max($0, 1))% of \($0) bytes" } ?? "\(now) bytes"
            FileHandle.standardError.write(Data("  \(text)\n".utf8))
        }
    }

    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print what a loader makes of a dataset, one JSON object per line (for the agreement scripts).",
            discussion: """
                imdb, reuters: {"label": L, "ids": [...]} per example, Keras's order (options as load_data).
                nsmc: {"line": N, "id": I, "document": "..." or null, "label": L} per row.
                sms_spam: {"line": N, "label": "ham", "text": "..."}; nyt_articles: {"file": F, "line": N, "headline": "..."}.
                The load report goes to standard error.
                """)

        @Argument(help: "The dataset.") var name: DatasetName
        @OptionGroup var data: DataOptions
        @Option(help: "train or test (imdb, reuters, nsmc).") var split = "train"
        @Option(help: "Print only the first N examples.") var limit: Int?
        @Option(name: .customLong("num-words"), help: "Keras num_words (imdb, reuters).") var numWords: Int?
        @Option(help: "Keras maxlen (imdb, reuters).") var maxlen: Int?
        @Flag(name: .customLong("keep-missing"), help: "nsmc: keep the rows pandas reads as NaN (document null).")
        var keepMissing = false

        func validate() throws {
            guard ["train", "test"].contains(split) else { throw ValidationError("--split: expected train or test, found \(split)") }
        }

        func run() throws {
            let directory = data.directory
            let options = KerasSequenceOptions(numWords: numWords, maxlen: maxlen)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var lines = 0
            func emit<T: Encodable>(_ value: T) throws {
                guard limit.map({ lines < $0 }) ?? true else { return }
                lines += 1
                print(String(decoding: try encoder.encode(value), as: UTF8.self))
            }
            struct Example: Encodable { var label: Int; var ids: [Int] }
            let report: LoadReport
            switch name {
            case .imdb:
                // Tokenize only what is printed, unless maxlen must see every review first.
                let dataset = try IMDB.load(from: directory, options: options, limit: maxlen == nil ? limit : nil)
                let part = split == "train" ? dataset.train : dataset.test
                for i in 0..<part.count { try emit(Example(label: part.labels[i], ids: part.sequences[i])) }
                report = dataset.report
            case .reuters:
                let dataset = try Reuters.load(from: directory, options: options)
                let part = split == "train" ? dataset.train : dataset.test
                for i in 0..<part.count { try emit(Example(label: part.labels[i], ids: part.sequences[i])) }
                report = dataset.report
            case .nsmc:
                struct Row: Encodable { var line: Int; var id: Int; var document: String?; var label: Int }
                let (reviews, loaded) = try NSMC.load(split == "train" ? .train : .test, from: directory, dropMissing: !keepMissing)
                for r in reviews { try emit(Row(line: r.line, id: r.id, document: r.document, label: r.label)) }
                report = loaded
            case .smsSpam:
                struct Row: Encodable { var line: Int; var label: String; var text: String }
                let (messages, loaded) = try SMSSpam.load(from: directory)
                for m in messages { try emit(Row(line: m.line, label: m.label, text: m.text)) }
                report = loaded
            case .nytArticles:
                struct Row: Encodable { var file: String; var line: Int; var headline: String }
                let (headlines, loaded) = try NYTHeadlines.load(from: directory)
                for h in headlines { try emit(Row(file: h.file, line: h.line, headline: h.text)) }
                report = loaded
            }
            FileHandle.standardError.write(Data((report.summary() + "\n").utf8))
        }
    }
}

extension DatasetName: ExpressibleByArgument {}
