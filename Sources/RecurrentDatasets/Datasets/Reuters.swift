import Foundation
import RecurrentTensor

/// Keras-style Reuters sequences rebuilt from the Reuters-21578 SGML files.
public struct ReutersDataset: Sendable {
    /// 8,982 newswires (with the defaults), labels 0…45 (`labelNames`).
    public var train: LabeledSequences
    /// 2,246 newswires.
    public var test: LabeledSequences
    /// The frequency-ranked index of every word of the 11,228 bodies (30,979 words).
    public var wordIndex: WordIndex
    /// The topic of each label, Keras's `reuters.get_label_names()` order.
    public var labelNames: [String]
    /// The NEWID attribute of each train / test newswire, same order.
    public var trainNewIDs: [Int]
    public var testNewIDs: [Int]
    public var report: LoadReport
}

/// Keras's `reuters.load_data`: newswires of Reuters-21578 (Distribution 1.0, David D. Lewis; for
/// research purposes only) labelled with 46 topics, rebuilt from the SGML files.
///
/// File layout under `reuters/` (reuters/SOURCE.md): a folder `reuters21578/` or the archive
/// `reuters21578.tar.gz`, holding `reut2-000.sgm` … `reut2-021.sgm` (21,578 `<REUTERS>` documents;
/// ASCII except one byte 0xFC in reut2-017.sgm, so the files are read as latin-1).
///
/// Which documents and text, as Keras's original `make_reuters_dataset` (Keras 0.x,
/// keras/datasets/reuters.py, 2015) built `reuters.pkl`, reproduced step by step:
/// 1. The `.sgm` files in name order; in each, every `<TOPICS>` element (the `TOPICS="YES/NO/BYPASS"`
///    attribute is ignored) whose content is not empty: 11,367 documents. Its label is its
///    first topic (the script cut the content at the first `</`).
/// 2. The body is the text from the first `<BODY>` after that `<TOPICS>` up to the next `</`. For
///    the 990 documents with topics but no body of their own this is the next document's body
///    (and for the last one of reut2-006.sgm, which has no later body, the five characters after
///    `<TOPICS><D>ea`); kept, and listed under `LoadReport.notes`. Entities stay as written, so
///    `&lt;` gives the word `lt` and the closing `&#3;` the word `3`.
/// 3. Topics labelling at least `minDocumentsPerTopic` (15) documents are kept: 46 topics, 11,228
///    documents. Labels are numbered in order of first appearance, which gives exactly Keras's
///    `get_label_names()` list (cocoa, grain, veg-oil, earn, acq, …).
/// 4. Words: `KerasDatasetWords`; the index ranks words by frequency over the kept bodies (Keras's
///    `Tokenizer.fit_on_texts`): 30,979 words, the size of Keras's `reuters_word_index.json`,
///    starting the, of, to, in, said, and, a, mln, 3, for, vs, dlrs. Words of equal frequency are
///    ranked by first occurrence; Keras's 2015 Tokenizer kept its counts in a Python 2 dict, so its
///    order among equal counts is not reproducible.
/// 5. `load_data`: one `np.random.RandomState(seed)` shuffle of all 11,228, then `KerasSequenceOptions`
///    (start, `indexFrom`, `maxlen`, `numWords`, `skipTop`), then the first `int(n * (1 - testSplit))`
///    are train: 8,982 / 2,246.
///
/// The document order and label numbering are checked (label names against Keras's list); the
/// word ids of Keras's `reuters.npz` are not available here to compare with.
public enum Reuters {
    /// Sources looked for in `reuters/`, in this order.
    public static let sources = ["reuters21578/", "reuters21578.tar.gz"]

    /// Keras's `reuters.get_label_names()` (keras/src/datasets/reuters.py).
    public static let kerasLabelNames = [
        "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee",
        "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx",
        "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
        "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
        "dlr", "gas", "silver", "wpi", "hog", "lead",
    ]

    /// Documented counts (reuters/SOURCE.md and Keras's documentation).
    public static let expectedDocuments = 21_578
    public static let expectedWithTopics = 11_367
    public static let expectedKept = 11_228
    public static let expectedWords = 30_979

    /// Keras's `reuters.load_data(...)` from the files in `directory`.
    ///
    /// - Parameters:
    ///   - testSplit: the test fraction, 0 ≤ `testSplit` ≤ 1.
    ///   - minDocumentsPerTopic: topics with fewer documents are left out (15 in Keras's script).
    /// - Throws: `RecurrentError.missingFile` when absent, `RecurrentError.invalidValue` for bad options.
    public static func load(
        from directory: DataDirectory = .resolve(), options: KerasSequenceOptions = .init(),
        testSplit: Double = 0.2, minDocumentsPerTopic: Int = 15
    ) throws -> ReutersDataset {
        let source = try directory.firstExisting(sources, in: .reuters)
        return try load(source: source, options: options, testSplit: testSplit, minDocumentsPerTopic: minDocumentsPerTopic)
    }

    /// As `load(from:…)` for an explicit `reuters21578` folder or `.tar(.gz)` archive of `.sgm` files.
    public static func load(
        source: URL, options: KerasSequenceOptions = .init(), testSplit: Double = 0.2, minDocumentsPerTopic: Int = 15
    ) throws -> ReutersDataset {
        try options.validate("Reuters.load")
        guard testSplit >= 0, testSplit <= 1 else {
            throw RecurrentError.invalidValue(where: "Reuters.load", expected: "0 ≤ testSplit ≤ 1", found: "\(testSplit)")
        }
        var report = LoadReport(dataset: DatasetName.reuters.rawValue)
        let files = try readSGMFiles(source, report: &report)
        var wires: [Wire] = []
        var documents = 0
        for (name, text) in files {
            documents += count("<REUTERS ", in: text)
            wires += extractWires(text, file: name, report: &report)
        }
        report.rowsRead = documents
        report.checkCount("documents", expected: expectedDocuments, found: documents, source: "SOURCE.md")
        report.checkCount("documents with topics", expected: expectedWithTopics, found: wires.count, source: "SOURCE.md")

        // Keep the topics with enough documents; number labels by first appearance.
        var topicCounts: [String: Int] = [:]
        for wire in wires { topicCounts[wire.topic, default: 0] += 1 }
        var labelOf: [String: Int] = [:]
        var labelNames: [String] = []
        var kept: [Wire] = []
        for wire in wires {
            guard topicCounts[wire.topic, default: 0] >= minDocumentsPerTopic else {
                report.dropped.append(.init(
                    file: wire.file, line: wire.line,
                    reason: "NEWID \(wire.newID): topic \(wire.topic) labels \(topicCounts[wire.topic]!) < \(minDocumentsPerTopic) documents"))
                continue
            }
            if labelOf[wire.topic] == nil {
                labelOf[wire.topic] = labelNames.count
                labelNames.append(wire.topic)
            }
            kept.append(wire)
        }
        if minDocumentsPerTopic == 15 {
            report.checkCount("kept documents", expected: expectedKept, found: kept.count, source: "Keras reuters.load_data docs")
            if labelNames != kerasLabelNames {
                report.warnings.append("label names: expected Keras's get_label_names() order, found \(labelNames)")
            }
        }

        // Tokenizer.fit_on_texts: counts in a Python 2 dict, items sorted by count (stable). Words
        // get ids in order of first occurrence (the dict's insertion order).
        var idOf: [[UInt8]: Int] = [:]
        var words: [[UInt8]] = []
        var counts: [Int] = []
        var bodies: [[Int]] = []
        bodies.reserveCapacity(kept.count)
        for wire in kept {
            var ids: [Int] = []
            wire.body.withUnsafeBufferPointer { text in
                KerasDatasetWords.forEachWord(in: text) { word in
                    if let id = idOf[word] {
                        counts[id] += 1
                        ids.append(id)
                    } else {
                        idOf[word] = words.count
                        ids.append(words.count)
                        words.append(word)
                        counts.append(1)
                    }
                }
            }
            bodies.append(ids)
        }
        let ranked = Python2Dict.iterationOrder(words).enumerated()
            .sorted { counts[$0.element] != counts[$1.element] ? counts[$0.element] > counts[$1.element] : $0.offset < $1.offset }
            .map(\.element)
        var rankOf = [Int](repeating: 0, count: words.count)
        for (i, id) in ranked.enumerated() { rankOf[id] = i + 1 }
        if minDocumentsPerTopic == 15 {
            report.checkCount("distinct words", expected: expectedWords, found: words.count, source: "Keras reuters_word_index.json")
        }

        // load_data: shuffle, offsets, maxlen, vocabulary, split.
        var rng = NumpyRandomState(seed: options.seed)
        let order = rng.shuffledIndices(kept.count)
        var all = LabeledSequences(sequences: [], labels: [])
        var names: [String] = []
        for i in order {
            all.sequences.append(KerasSequences.offset(bodies[i].map { rankOf[$0] }, options))
            all.labels.append(labelOf[kept[i].topic]!)
            names.append(String(kept[i].newID))
        }
        KerasSequences.removeLong(&all, names: &names, options, report: &report)
        let numWords = KerasSequences.effectiveNumWords([all], options)
        KerasSequences.applyVocabulary(&all, numWords: numWords, options)
        let cut = Int(Double(all.count) * (1 - testSplit))
        let ids = names.map { Int($0)! }
        return ReutersDataset(
            train: LabeledSequences(sequences: Array(all.sequences[..<cut]), labels: Array(all.labels[..<cut])),
            test: LabeledSequences(sequences: Array(all.sequences[cut...]), labels: Array(all.labels[cut...])),
            wordIndex: WordIndex(bytes: Dictionary(uniqueKeysWithValues: words.indices.map {
                (Array(TextEncoding.latin1String(words[$0]).utf8), rankOf[$0])
            })),
            labelNames: labelNames,
            trainNewIDs: Array(ids[..<cut]), testNewIDs: Array(ids[cut...]), report: report)
    }

    /// A document with a topic: its file, the line of its `<TOPICS>`, NEWID, first topic, body bytes (latin-1).
    struct Wire {
        var file: String
        var line: Int
        var newID: Int
        var topic: String
        var body: [UInt8]
    }

    /// The `.sgm` files of a folder or archive, sorted by name, as bytes (latin-1).
    static func readSGMFiles(_ source: URL, report: inout LoadReport) throws -> [(String, [UInt8])] {
        var files: [(String, [UInt8])] = []
        let isSGM = { (name: String) in name.hasPrefix("reut2-") && name.hasSuffix(".sgm") }
        if DataDirectory.exists(source, directory: true) {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: source.path)) ?? []
            for name in names where isSGM(name) {
                files.append((name, try FileBytes.read(source.appendingPathComponent(name))))
            }
        } else {
            try TarArchive.forEachFile(in: source, include: { isSGM(($0 as NSString).lastPathComponent) }) { entry in
                files.append(((entry.path as NSString).lastPathComponent, entry.contents))
            }
        }
        files.sort { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        report.files += files.map(\.0)
        report.checkCount("reut2-*.sgm files", expected: 22, found: files.count, source: "SOURCE.md")
        return files
    }

    /// The documents with a non-empty `<TOPICS>` of one file (latin-1 bytes), with Keras's script's body rule.
    static func extractWires(_ bytes: [UInt8], file: String, report: inout LoadReport) -> [Wire] {
        bytes.withUnsafeBufferPointer { text in
            let topicsTag = Array("<TOPICS>".utf8), bodyTag = Array("<BODY>".utf8)
            let close = Array("</".utf8), endTag = Array("</REUTERS>".utf8), newIDTag = Array("NEWID=\"".utf8)
            var wires: [Wire] = []
            var cursor = 0
            var line = 1, lineCountedTo = 0
            while let tag = ByteSearch.find(topicsTag, in: text, from: cursor) {
                cursor = tag + topicsTag.count
                // Python: topics = s[:s.find('</')]  (s[:-1] when there is no '</')
                let topicsEnd = ByteSearch.find(close, in: text, from: cursor) ?? (text.count - 1)
                guard topicsEnd > cursor else { continue }
                let topic = TextEncoding.latin1String(text[cursor..<topicsEnd])
                    .replacingOccurrences(of: "<D>", with: "").replacingOccurrences(of: "</D>", with: "")
                line += ByteSearch.count(0x0A, in: text, lineCountedTo..<tag)
                lineCountedTo = tag
                let newID = lastNewID(in: text, before: tag, tag: newIDTag)
                // Python: body = s[s.find('<BODY>') + 6:]; s.find gives -1 when there is none.
                let bodyTagAt = ByteSearch.find(bodyTag, in: text, from: cursor)
                let bodyStart = bodyTagAt.map { $0 + bodyTag.count } ?? (cursor + 5)
                let bodyEnd = ByteSearch.find(close, in: text, from: bodyStart) ?? (text.count - 1)
                let body = Array(text[bodyStart..<max(bodyStart, bodyEnd)])
                let documentEnd = ByteSearch.find(endTag, in: text, from: cursor) ?? text.count
                if bodyTagAt == nil {
                    report.notes.append(.init(
                        file: file, line: line,
                        reason: "NEWID \(newID): no <BODY> follows in the file; as Keras's script, the body is the text 5 "
                            + "characters after <TOPICS> (\(TextEncoding.latin1String(body).debugDescription))"))
                } else if let start = bodyTagAt, start > documentEnd {
                    report.notes.append(.init(
                        file: file, line: line,
                        reason: "NEWID \(newID): no <BODY>; as Keras's script, it takes the next document's body "
                            + "(NEWID \(lastNewID(in: text, before: start, tag: newIDTag)))"))
                }
                wires.append(Wire(file: file, line: line, newID: newID, topic: topic, body: body))
            }
            return wires
        }
    }

    /// The NEWID attribute of the last `<REUTERS …>` tag before `position` (0 if none).
    static func lastNewID(in text: UnsafeBufferPointer<UInt8>, before position: Int, tag: [UInt8]) -> Int {
        var i = position - tag.count
        while i >= 0 {
            if text[i] == tag[0], text[i..<(i + tag.count)].elementsEqual(tag) {
                let start = i + tag.count
                var end = start
                while end < text.count, text[end] != UInt8(ascii: "\"") { end += 1 }
                return Int(TextEncoding.latin1String(text[start..<end])) ?? 0
            }
            i -= 1
        }
        return 0
    }

    static func count(_ pattern: String, in bytes: [UInt8]) -> Int {
        let pattern = Array(pattern.utf8)
        return bytes.withUnsafeBufferPointer { text in
            var n = 0, from = 0
            while let i = ByteSearch.find(pattern, in: text, from: from) { n += 1; from = i + pattern.count }
            return n
        }
    }
}
