/// The lecture's pipeline for a Korean review in one value: `KoreanText.clean`, split into
/// words, drop stop words (whole words), then tokenise the remaining words into words,
/// characters or SentencePiece subwords.
///
/// ```swift
/// let prep = KoreanPreprocessor()                       // words, the lecture's stop words
/// let tokens = try reviews.map(prep.tokens)            // [[String]]
/// var tokenizer = try Tokenizer(oovToken: "<OOV>")
/// tokenizer.fitOnTexts(tokens)
/// ```
///
/// Stop words are matched against whitespace words before character or subword tokenisation,
/// so a stop word inside a longer word is kept. (The lecture removes them after Okt's
/// morphological analysis, which splits particles off; whitespace words rarely equal a particle.)
public struct KoreanPreprocessor: Sendable {
    /// How the cleaned words become tokens.
    public enum Tokenization: Sendable {
        /// Each whitespace-separated word is a token.
        case words
        /// Each character (grapheme cluster) is a token; spaces are dropped.
        case characters
        /// The words, joined by single spaces, encoded to SentencePiece pieces (`▁` marks a word start).
        case subwords(SentencePieceModel)
    }

    public var tokenization: Tokenization
    /// Whole words to drop; default the lecture's (`KoreanText.defaultStopwords`).
    public var stopwords: [String] { didSet { stopwordSet = Set(stopwords.map(Word.init)) } }
    private var stopwordSet: Set<Word>

    public init(tokenization: Tokenization = .words, stopwords: [String] = KoreanText.defaultStopwords) {
        self.tokenization = tokenization
        self.stopwords = stopwords
        self.stopwordSet = Set(stopwords.map(Word.init))
    }

    /// The cleaned words of `text` without stop words.
    public func words(_ text: String) -> [String] {
        KoreanText.removeStopwords(KoreanText.words(KoreanText.clean(text)), stopwords: stopwordSet)
    }

    /// The tokens of `text`; empty when nothing Korean is left (the lecture drops such reviews).
    /// - Throws: `RecurrentError` from SentencePiece (subwords only).
    public func tokens(_ text: String) throws -> [String] {
        let words = words(text)
        switch tokenization {
        case .words: return words
        case .characters: return words.flatMap { KoreanText.characters($0) }
        case let .subwords(model): return words.isEmpty ? [] : try model.encodeAsPieces(words.joined(separator: " "))
        }
    }
}
