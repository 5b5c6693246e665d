import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

/// The lecture's Korean cleaning, stop words and tokenisation: the rules on hand-written strings,
/// then the whole NSMC test split and a Keras Tokenizer on NSMC reviews against fixtures/text.py
/// (counts and checksums computed by Python's `re` and Keras; the reviews are read at test time
/// from the data directory and never copied into the repository).
@Suite("Korean text")
struct KoreanTextTests {
    // MARK: Rules

    @Test func cleaningKeepsOnlyHangulAndSpaces() {
        #expect(KoreanText.clean("아 더빙.. 진짜 짜증나네요 목소리") == "아 더빙 진짜 짜증나네요 목소리")
        #expect(KoreanText.clean("흠...포스터보고 초딩영화줄....오버연기조차 가볍지 않구나") == "흠포스터보고 초딩영화줄오버연기조차 가볍지 않구나")
        #expect(KoreanText.clean("!!! 123 abc ...") == "")
        // Leading spaces go (`^ +`); inner and trailing spaces stay, as in the lecture.
        #expect(KoreanText.clean("  ㅋㅋ 재밌다!!  ") == "ㅋㅋ 재밌다  ")
        #expect(KoreanText.clean("...  ㅎㅎ") == "ㅎㅎ")
    }

    @Test func characterClassBoundaries() {
        // Kept: ㄱ U+3131, ㅎ U+314E, ㅏ U+314F, ㅣ U+3163, 가 U+AC00, 힣 U+D7A3, the ASCII space.
        for kept in ["\u{3131}", "\u{314E}", "\u{314F}", "\u{3163}", "\u{AC00}", "\u{D7A3}"] {
            #expect(KoreanText.clean("x" + kept + "y") == kept, "U+\(String(kept.unicodeScalars.first!.value, radix: 16))")
        }
        // Dropped: the Hangul filler U+3164, archaic jamo (ㆍ U+318D), U+D7A4 after 힣, other
        // whitespace (tab, newline, no-break space, ideographic space), Latin, digits, emoji.
        for dropped in ["\u{3164}", "\u{318D}", "\u{D7A4}", "\t", "\n", "\u{00A0}", "\u{3000}", "a", "7", "😀"] {
            #expect(KoreanText.clean("가" + dropped + "나") == "가나", "U+\(String(dropped.unicodeScalars.first!.value, radix: 16))")
        }
    }

    @Test func normalisationComposesDecomposedHangulBeforeCleaning() {
        // 각 as conjoining jamo (U+1100 U+1161 U+11A8): outside the lecture's character class,
        // so without NFC the word would vanish.
        let decomposed = "\u{1100}\u{1161}\u{11A8} 영화"
        #expect(KoreanText.normalize(decomposed).unicodeScalars.map(\.value) == [0xAC01, 0x20, 0xC601, 0xD654])
        #expect(KoreanText.clean(decomposed).unicodeScalars.map(\.value) == [0xAC01, 0x20, 0xC601, 0xD654])
    }

    @Test func stopwordsAndTokenisation() throws {
        #expect(KoreanText.defaultStopwords.count == 18)
        #expect(KoreanText.removeStopwords(["영화", "가", "정말", "하다", "으로", "최고"]) == ["영화", "정말", "최고"])
        #expect(KoreanText.removeStopwords(["영화", "가"], stopwords: ["영화"]) == ["가"])
        #expect(KoreanText.words("  영화  정말\t최고\n") == ["영화", "정말", "최고"])
        #expect(KoreanText.characters("영화 좋아") == ["영", "화", "좋", "아"])
        #expect(KoreanText.characters("영화 좋아", includeSpaces: true) == ["영", "화", " ", "좋", "아"])
        let prep = KoreanPreprocessor()
        #expect(prep.words("이 영화 는 정말 최고!!") == ["영화", "정말", "최고"])
        #expect(try prep.tokens("...") == [])
        #expect(try KoreanPreprocessor(tokenization: .characters).tokens("이 영화 최고") == ["영", "화", "최", "고"])
    }

    // MARK: NSMC against Python

    /// The whole NSMC test split: read as pandas reads it, cleaned with the lecture's regexes,
    /// split on whitespace, stop words removed; every count and checksum equals Python's.
    @Test(.enabled(if: NSMCFiles.available("test"), "NSMC not found in the data directory (set RECURRENT_DATA)"))
    func nsmcTestSplitCleansAsPython() throws {
        let f = try NSMCFixture.load().test
        let (rows, documents) = try NSMCFiles.documents("test")
        #expect(rows == f.rows)
        #expect(documents.count == f.documents)
        #expect(fnv1a64(documents) == f.raw_checksum, "the documents as pandas.read_table reads them")
        let cleaned = documents.map(KoreanText.clean)
        #expect(fnv1a64(cleaned) == f.cleaned_checksum)
        #expect(cleaned.filter(\.isEmpty).count == f.empty_after_cleaning)
        let words = cleaned.map(KoreanText.words)
        #expect(words.map(\.count).reduce(0, +) == f.words)
        let kept = words.map { KoreanText.removeStopwords($0) }
        #expect(kept.map(\.count).reduce(0, +) == f.words_without_stopwords)
        #expect(fnv1a64(kept.map { $0.joined(separator: " ") }) == f.without_stopwords_checksum)
    }

    /// The lecture's vocabulary steps on NSMC reviews: a Keras Tokenizer on the cleaned words of
    /// the first train reviews, the rare words (threshold 3), then `Tokenizer(vocab_size,
    /// oov_token: "OOV")`, its sequences for test reviews and its coverage of them — all as Keras.
    @Test(.enabled(if: NSMCFiles.available("train") && NSMCFiles.available("test"), "NSMC not found in the data directory (set RECURRENT_DATA)"))
    func nsmcTokenizerMatchesKeras() throws {
        let f = try NSMCFixture.load().tokenizer
        let prep = KoreanPreprocessor()
        func tokens(_ split: String, _ count: Int) throws -> [[String]] {
            // Reviews that are empty after cleaning are dropped (the lecture's dropna); reviews
            // whose words are all stop words stay, as empty documents.
            var out: [[String]] = []
            for document in try NSMCFiles.documents(split, limit: count * 2).documents where out.count < count {
                if !KoreanText.clean(document).isEmpty { out.append(prep.words(document)) }
            }
            return out
        }
        let train = try tokens("train", f.train_documents)
        #expect(train.count == f.train_documents)
        var tokenizer = try Tokenizer()
        tokenizer.fitOnTexts(train)
        #expect(tokenizer.orderedWordIndex.count == f.word_index_size)
        #expect(fnv1a64(tokenizer.orderedWordIndex.map { "\($0.word)\t\($0.index)" }) == f.word_index_checksum)
        #expect(fnv1a64(tokenizer.wordCounts.map { "\($0.word)\t\($0.count)" }) == f.word_counts_checksum)

        let rare = tokenizer.rareWords(threshold: f.threshold)
        #expect(rare.vocabularySize == f.word_index_size)
        #expect(rare.rareWordCount == f.rare_count)
        #expect(rare.totalFrequency == f.total_frequency)
        #expect(rare.rareFrequency == f.rare_frequency)
        #expect(rare.suggestedNumWords == f.vocab_size)

        var final = try Tokenizer(numWords: rare.suggestedNumWords, oovToken: "OOV")
        final.fitOnTexts(train)
        let test = try tokens("test", f.test_documents)
        #expect(test.count == f.test_documents)
        let sequences = final.textsToSequences(test)
        #expect(fnv1a64(sequences.map { $0.map(String.init).joined(separator: " ") }) == f.sequences_checksum)
        let coverage = final.coverage(of: test)
        #expect(coverage.tokenCount == f.coverage_tokens)
        #expect(coverage.coveredTokenCount == f.coverage_covered_tokens)
        #expect(coverage.distinctTokenCount == f.coverage_distinct)
        #expect(coverage.coveredDistinctTokenCount == f.coverage_covered_distinct)
    }
}
