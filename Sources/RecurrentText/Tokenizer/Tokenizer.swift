import RecurrentTensor

/// Keras's legacy text tokenizer (`keras.preprocessing.text.Tokenizer`, in Keras 3
/// keras/src/legacy/preprocessing/text.py), with the same options, defaults, results and JSON.
///
/// Fitting counts every word (`wordCounts`, in first-seen order) and the documents each word
/// occurs in (`wordDocs`), then numbers the words by count, most frequent first, ties in
/// first-seen order (Keras sorts `word_counts.items()` with Python's stable sort, descending):
/// index 1 is the most frequent word, or the `oovToken` when one is set. Index 0 is never
/// assigned (it is the padding value). `wordIndex` keeps every word, whatever `numWords` says;
/// `numWords` acts when texts are converted: only indices `< numWords` are kept.
///
/// ```swift
/// var tokenizer = try Tokenizer(numWords: 1000, oovToken: "<OOV>")
/// tokenizer.fitOnTexts(trainTexts)
/// let sequences = tokenizer.textsToSequences(testTexts)     // [[Int]]
/// let x = try padSequences(sequences, maxlen: 30)           // (samples, 30)
/// ```
///
/// Texts are split with `textToWordSequence` (lowercase, filters replaced by `split`, split,
/// empty words dropped), or into single characters (Unicode scalars) with `charLevel`; filters
/// do not apply at character level (as in Keras). Pre-tokenised input (`[[String]]`) is taken as
/// is, only lowercased when `lower` (Keras's list input). Words are compared by Unicode scalars as
/// Python compares strings, not by Swift's canonical equivalence (normalise to NFC first, e.g.
/// with `KoreanText.normalize`, if your texts mix composed and decomposed forms).
///
/// Keras's `analyzer` argument (a Python callable) has no counterpart: tokenise yourself and fit
/// on `[[String]]`.
public struct Tokenizer: Sendable {
    /// Keras's default `filters`: ASCII punctuation except the apostrophe, plus tab and newline.
    public static let defaultFilters = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n"

    /// Keep only words with index `< numWords` when converting texts (so `numWords - 1` words);
    /// nil or 0 keeps all (Keras tests `if num_words`).
    public let numWords: Int?
    /// Characters replaced by `split` before splitting (word level only).
    public let filters: String
    /// Lowercase texts first (Python's `str.lower()`).
    public let lower: Bool
    /// The word separator (word level only).
    public let split: String
    /// Every character (Unicode scalar) is a token.
    public let charLevel: Bool
    /// When set, takes index 1 and replaces out-of-vocabulary words (and, with `numWords`, words
    /// with index `>= numWords`) in conversions; when nil such words are dropped.
    public let oovToken: String?
    /// The number of texts (and sequences) fitted so far.
    public internal(set) var documentCount: Int

    // Keras's tables, in Python's insertion order.
    var counts = OrderedDictionary<Word, Int>()  // word_counts
    var docs = OrderedDictionary<Word, Int>()  // word_docs
    var indexDocsTable = OrderedDictionary<Int, Int>()  // index_docs
    var index = OrderedDictionary<Word, Int>()  // word_index
    var words = OrderedDictionary<Int, Word>()  // index_word
    let splitter: WordSplitter

    /// A tokenizer with Keras's defaults unless given.
    ///
    /// - Parameters:
    ///   - numWords: keep indices `< numWords` in conversions; default nil (all).
    ///   - filters: default `Tokenizer.defaultFilters`.
    ///   - lower: default true.
    ///   - split: default one space.
    ///   - charLevel: default false.
    ///   - oovToken: default nil.
    ///   - documentCount: the starting document count (Keras's `document_count` keyword, used
    ///     when restoring); default 0.
    /// - Throws: `RecurrentError.invalidValue` when `numWords` or `documentCount` is negative or
    ///   `split` is empty.
    public init(
        numWords: Int? = nil, filters: String = Tokenizer.defaultFilters, lower: Bool = true,
        split: String = " ", charLevel: Bool = false, oovToken: String? = nil, documentCount: Int = 0
    ) throws {
        if let numWords, numWords < 0 {
            throw RecurrentError.invalidValue(where: "Tokenizer", expected: "numWords >= 0 or nil", found: "\(numWords)")
        }
        guard documentCount >= 0 else {
            throw RecurrentError.invalidValue(where: "Tokenizer", expected: "documentCount >= 0", found: "\(documentCount)")
        }
        guard !split.isEmpty else {
            throw RecurrentError.invalidValue(where: "Tokenizer", expected: "a non-empty split string", found: "\"\"")
        }
        self.numWords = numWords
        self.filters = filters
        self.lower = lower
        self.split = split
        self.charLevel = charLevel
        self.oovToken = oovToken
        self.documentCount = documentCount
        self.splitter = WordSplitter(filters: filters, lower: lower, split: split)
    }

    /// `numWords` as Keras uses it: nil when unset or 0.
    var wordLimit: Int? { (numWords ?? 0) > 0 ? numWords : nil }

    // MARK: Tokens

    /// The tokens the tokenizer sees in `text`: its words (`textToWordSequence` with this
    /// tokenizer's options) or, with `charLevel`, its Unicode scalars after lowercasing.
    public func tokens(in text: String) -> [String] { sequence(text).map(\.text) }

    func sequence(_ text: String) -> [Word] {
        if charLevel {
            let scalars = lower ? PythonString.lower(text) : Array(text.unicodeScalars)
            return scalars.map { Word(String($0)) }
        }
        return splitter.words(text).map(Word.init)
    }

    func sequence(_ tokens: [String]) -> [Word] {
        tokens.map { Word(lower ? PythonString.lowered($0) : $0) }
    }

    // MARK: Fitting

    /// Updates the vocabulary from texts (Keras's `fit_on_texts`): each text is one document.
    /// The word index is rebuilt over everything fitted so far.
    public mutating func fitOnTexts(_ texts: [String]) {
        let options = self  // the splitting options, unchanged by fitting
        fit(texts.lazy.map { options.sequence($0) })
    }

    /// Updates the vocabulary from pre-tokenised texts (Keras's `fit_on_texts` with lists): the
    /// tokens are lowercased when `lower`, not split or filtered.
    public mutating func fitOnTexts(_ texts: [[String]]) {
        let options = self  // the splitting options, unchanged by fitting
        fit(texts.lazy.map { options.sequence($0) })
    }

    /// Keras's `fit_on_sequences`: counts each sequence as a document and, for every distinct
    /// index in it, one document in `indexDocs` (used by the `tfidf` matrix). The word index is
    /// unchanged.
    public mutating func fitOnSequences(_ sequences: [[Int]]) {
        documentCount += sequences.count
        for seq in sequences {
            var seen = Set<Int>()
            for i in seq where seen.insert(i).inserted { indexDocsTable.add(1, to: i) }
        }
    }

    private mutating func fit(_ sequences: some Sequence<[Word]>) {
        for seq in sequences {
            documentCount += 1
            for w in seq { counts.add(1, to: w) }
            // Keras iterates `set(seq)`, whose order Python does not fix; first-seen order here.
            var seen = Set<Word>()
            for w in seq where seen.insert(w).inserted { docs.add(1, to: w) }
        }
        rebuildIndex()
    }

    /// Keras: `wcounts.sort(key=count, reverse=True)` (stable), the OOV token first, indices
    /// from 1 through `dict(zip(...))` (a repeated word keeps its first position and takes its
    /// last index), `index_word` inverted from that, `index_docs[word_index[w]] = word_docs[w]`.
    private mutating func rebuildIndex() {
        let ranked = counts.items.enumerated().sorted { a, b in
            a.element.1 != b.element.1 ? a.element.1 > b.element.1 : a.offset < b.offset
        }
        var vocabulary: [Word] = []
        vocabulary.reserveCapacity(ranked.count + 1)
        if let oovToken { vocabulary.append(Word(oovToken)) }
        vocabulary.append(contentsOf: ranked.map(\.element.0))
        index = OrderedDictionary(zip(vocabulary, 1...))
        words = OrderedDictionary(index.items.map { ($1, $0) })
        for (w, c) in docs.items {
            if let i = index[w] { indexDocsTable[i] = c }
        }
    }

    // MARK: Conversions

    /// Keras's `texts_to_sequences`: each text to its word indices. Unknown words, and words
    /// with index `>= numWords`, become the OOV index when `oovToken` is set and are dropped
    /// otherwise.
    public func textsToSequences(_ texts: [String]) -> [[Int]] { texts.map { indices(sequence($0)) } }

    /// `textsToSequences` for pre-tokenised texts (lowercased when `lower`).
    public func textsToSequences(_ texts: [[String]]) -> [[Int]] { texts.map { indices(sequence($0)) } }

    private func indices(_ seq: [Word]) -> [Int] {
        let limit = wordLimit
        let oovIndex = oovToken.flatMap { index[Word($0)] }
        var out: [Int] = []
        out.reserveCapacity(seq.count)
        for w in seq {
            if let i = index[w] {
                if let limit, i >= limit {
                    if let oovIndex { out.append(oovIndex) }
                } else {
                    out.append(i)
                }
            } else if let oovIndex {
                // Keras appends `word_index.get(oov_token)` here, None if the OOV token has no
                // index (never fitted); nothing is appended then.
                out.append(oovIndex)
            }
        }
        return out
    }

    /// Keras's `sequences_to_texts`: indices back to words joined by one space. Unknown indices
    /// (0 included) and indices `>= numWords` become the OOV token when set and are dropped
    /// otherwise.
    public func sequencesToTexts(_ sequences: [[Int]]) -> [String] {
        let limit = wordLimit
        let oovWord = oovToken.flatMap { index[Word($0)] }.flatMap { words[$0]?.text }
        return sequences.map { seq in
            var out: [String] = []
            for i in seq {
                if let w = words[i] {
                    if let limit, i >= limit {
                        if let oovWord { out.append(oovWord) }
                    } else {
                        out.append(w.text)
                    }
                } else if let oovWord {
                    out.append(oovWord)
                }
            }
            return out.joined(separator: " ")
        }
    }

    // MARK: Tables

    /// Keras's `word_counts`: every word fitted and how often it occurred, in first-seen order.
    public var wordCounts: [(word: String, count: Int)] { counts.items.map { ($0.text, $1) } }

    /// Keras's `word_docs`: in how many documents each word occurs, in first-seen order.
    public var wordDocs: [(word: String, count: Int)] { docs.items.map { ($0.text, $1) } }

    /// Keras's `word_index`: word → index from 1, the OOV token at 1 when set. In Swift's
    /// `[String: Int]` canonically equivalent spellings are one key (the lower index is kept);
    /// `index(of:)` distinguishes them as Python does.
    public var wordIndex: [String: Int] {
        Dictionary(index.items.map { ($0.text, $1) }, uniquingKeysWith: { min($0, $1) })
    }

    /// Keras's `word_index` in its dict order (by index, except that an OOV token which is also
    /// a fitted word sits first with that word's later index), words exactly as fitted.
    public var orderedWordIndex: [(word: String, index: Int)] { index.items.map { ($0.text, $1) } }

    /// Keras's `index_word`: index → word.
    public var indexWord: [Int: String] { Dictionary(uniqueKeysWithValues: words.items.map { ($0, $1.text) }) }

    /// Keras's `index_docs`: index → number of documents containing it.
    public var indexDocs: [Int: Int] { Dictionary(uniqueKeysWithValues: indexDocsTable.items.map { ($0, $1) }) }

    /// The words in index order: `vocabulary[i - 1]` has index `i` (when no index was lost to an
    /// OOV token that is also a word).
    public var vocabulary: [String] { words.items.sorted { $0.0 < $1.0 }.map(\.1.text) }

    /// The index of `word` (exact Unicode scalars), nil when not in the vocabulary.
    public func index(of word: String) -> Int? { index[Word(word)] }

    /// The word with index `index`, nil when none.
    public func word(at index: Int) -> String? { words[index]?.text }

    /// How often `word` occurred in the fitted texts, nil when never.
    public func count(of word: String) -> Int? { counts[Word(word)] }
}
