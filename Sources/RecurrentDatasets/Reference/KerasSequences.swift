import RecurrentTensor

/// The arguments of Keras's `imdb.load_data` and `reuters.load_data`, with Keras's names and defaults
/// (keras/src/datasets/imdb.py, reuters.py).
public struct KerasSequenceOptions: Sendable, Equatable {
    /// Keep the `numWords` most frequent words: ids ≥ `numWords` become `oovChar`. nil (or 0, as
    /// Keras's `if not num_words`) keeps all, but then Keras sets `num_words` to the largest id in
    /// the data, and its `w < num_words` test turns that one largest id into `oovChar` too; this is
    /// reproduced.
    public var numWords: Int?
    /// Ids below `skipTop` become `oovChar`. Keras compares the id after `indexFrom` is added, and
    /// the start character too: with `skipTop > startChar` the start character becomes `oovChar`.
    public var skipTop: Int
    /// Drop (not cut) sequences whose length, start character included, is ≥ `maxlen`
    /// (Keras's `remove_long_seq` keeps `len(x) < maxlen`). nil or 0: keep all.
    public var maxlen: Int?
    /// The seed of the `numpy.random.RandomState` shuffle.
    public var seed: UInt32
    /// Prepended to every sequence; nil: none.
    public var startChar: Int?
    /// Replaces the ids cut by `numWords` or `skipTop`; nil: those ids are removed instead.
    public var oovChar: Int?
    /// Added to every word rank (rank 1 = most frequent word).
    public var indexFrom: Int

    public init(
        numWords: Int? = nil, skipTop: Int = 0, maxlen: Int? = nil, seed: UInt32 = 113,
        startChar: Int? = 1, oovChar: Int? = 2, indexFrom: Int = 3
    ) {
        self.numWords = numWords
        self.skipTop = skipTop
        self.maxlen = maxlen
        self.seed = seed
        self.startChar = startChar
        self.oovChar = oovChar
        self.indexFrom = indexFrom
    }

    /// - Throws: `RecurrentError.invalidValue` for negative counts.
    func validate(_ place: String) throws {
        if let numWords, numWords < 0 {
            throw RecurrentError.invalidValue(where: place, expected: "numWords ≥ 0 or nil", found: "\(numWords)")
        }
        if skipTop < 0 {
            throw RecurrentError.invalidValue(where: place, expected: "skipTop ≥ 0", found: "\(skipTop)")
        }
        if let maxlen, maxlen < 0 {
            throw RecurrentError.invalidValue(where: place, expected: "maxlen ≥ 0 or nil", found: "\(maxlen)")
        }
        if indexFrom < 0 {
            throw RecurrentError.invalidValue(where: place, expected: "indexFrom ≥ 0", found: "\(indexFrom)")
        }
    }
}

/// Integer sequences with one label each, as Keras's `(x, y)` pairs: `sequences[i]` is the word-id
/// sequence of example `i` (variable length), `labels[i]` its class.
public struct LabeledSequences: Sendable, Equatable {
    public var sequences: [[Int]]
    public var labels: [Int]

    public init(sequences: [[Int]], labels: [Int]) {
        self.sequences = sequences
        self.labels = labels
    }

    public var count: Int { labels.count }
}

/// The steps Keras's `load_data` applies after shuffling, shared by IMDB and Reuters.
enum KerasSequences {
    /// `[start_char] + [w + index_from for w in x]` (or without the start character).
    static func offset(_ ranks: [Int], _ options: KerasSequenceOptions) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(ranks.count + 1)
        if let start = options.startChar { out.append(start) }
        for rank in ranks { out.append(rank + options.indexFrom) }
        return out
    }

    /// `remove_long_seq(maxlen, x, y)`: keeps sequences with `len(x) < maxlen`; the dropped ones
    /// are recorded in `report` by `names[i]`.
    static func removeLong(
        _ data: inout LabeledSequences, names: inout [String], _ options: KerasSequenceOptions, report: inout LoadReport
    ) {
        guard let maxlen = options.maxlen, maxlen > 0 else { return }
        var kept = LabeledSequences(sequences: [], labels: [])
        var keptNames: [String] = []
        for i in 0..<data.count {
            if data.sequences[i].count < maxlen {
                kept.sequences.append(data.sequences[i])
                kept.labels.append(data.labels[i])
                keptNames.append(names[i])
            } else {
                report.dropped.append(.init(
                    file: names[i], line: nil,
                    reason: "length \(data.sequences[i].count) ≥ maxlen \(maxlen) (Keras remove_long_seq)"))
            }
        }
        data = kept
        names = keptNames
    }

    /// The `num_words` Keras uses: the option, or the largest id in `splits` when nil or 0.
    static func effectiveNumWords(_ splits: [LabeledSequences], _ options: KerasSequenceOptions) -> Int {
        if let numWords = options.numWords, numWords > 0 { return numWords }
        return splits.lazy.flatMap { $0.sequences }.compactMap { $0.max() }.max() ?? 0
    }

    /// `[w if skip_top <= w < num_words else oov_char for w in x]`, or with `oovChar` nil, the
    /// ids outside that range removed.
    static func applyVocabulary(_ data: inout LabeledSequences, numWords: Int, _ options: KerasSequenceOptions) {
        let skipTop = options.skipTop
        for i in 0..<data.sequences.count {
            if let oov = options.oovChar {
                for j in 0..<data.sequences[i].count {
                    let w = data.sequences[i][j]
                    if !(skipTop <= w && w < numWords) { data.sequences[i][j] = oov }
                }
            } else {
                data.sequences[i].removeAll { !(skipTop <= $0 && $0 < numWords) }
            }
        }
    }
}
