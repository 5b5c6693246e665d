import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

/// SentencePiece through the system library: training on Korean reviews (200 NSMC train reviews,
/// or a generated Korean corpus when the data is absent), encoding, decoding, saving, loading,
/// coverage and the errors.
@Suite("SentencePiece")
struct SentencePieceTests {
    /// 200 cleaned NSMC train reviews, or 200 generated Korean sentences without the data.
    static let corpus: [String] = {
        if NSMCFiles.available("train"), let docs = try? NSMCFiles.documents("train", limit: 400).documents {
            return Array(docs.map { KoreanText.words(KoreanText.clean($0)).joined(separator: " ") }.filter { !$0.isEmpty }.prefix(200))
        }
        return generatedKoreanCorpus(count: 200)
    }()

    /// Sentences of pseudo-random words made of common syllables (deterministic), enough distinct
    /// substrings for a vocabulary of `vocabularySize`.
    static func generatedKoreanCorpus(count: Int) -> [String] {
        let syllables = Array("영화정말재밌어요최고배우연기스토리감동지루하다별로음악결말보고싶시간아깝추천합니너무좋았평점주인공ㅋㅎ")
        var rng = RandomGenerator(seed: 7)
        func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        let words = (0..<300).map { _ in String((0..<(1 + pick(4))).map { _ in syllables[pick(syllables.count)] }) }
        return (0..<count).map { _ in (0..<(4 + pick(8))).map { _ in words[pick(words.count)] }.joined(separator: " ") }
    }

    /// Above the corpus's distinct characters (SentencePiece needs one piece per character it
    /// covers) and below the pieces a 200-sentence corpus can give.
    static let vocabularySize: Int = {
        let characters = Set(corpus.joined().unicodeScalars.filter { $0 != " " }).count
        return characters + 80
    }()

    @Test(arguments: [SentencePieceModel.ModelType.unigram, .bpe])
    func trainsEncodesAndDecodesKorean(_ type: SentencePieceModel.ModelType) throws {
        let model = try SentencePieceModel.train(Self.corpus, vocabularySize: Self.vocabularySize, modelType: type)
        #expect(model.vocabularySize == Self.vocabularySize)
        #expect(model.unknownID == 0 && model.bosID == 1 && model.eosID == 2 && model.padID == nil)
        #expect(try model.piece(forID: 0) == "<unk>")
        #expect(try model.isControl(1) && !model.isControl(5))
        for sentence in Self.corpus.prefix(50) {
            let ids = try model.encode(sentence)
            let pieces = try model.encodeAsPieces(sentence)
            #expect(ids.count == pieces.count && !ids.isEmpty)
            #expect(ids.allSatisfy { (0..<Self.vocabularySize).contains($0) })
            #expect(pieces.map(model.id(forPiece:)) == ids)
            #expect(try ids.map(model.piece(forID:)) == pieces)
            #expect(pieces.first?.hasPrefix("▁") == true, "a sentence starts a word")
            // Decoding gives the sentence back as the model normalised it: NFKC by default, which
            // turns compatibility jamo (ㅋ U+314B) into conjoining jamo (U+110F).
            let normalised = sentence.precomposedStringWithCompatibilityMapping
            #expect(scalars(try model.decode(ids)) == scalars(normalised))
            #expect(scalars(try model.decode(pieces: pieces)) == scalars(normalised))
        }
    }

    @Test func savesAndLoadsTheModelFile() throws {
        let model = try SentencePieceModel.train(Self.corpus, vocabularySize: Self.vocabularySize - 10)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("recurrent-spm-test-\(UUID().uuidString).model")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let loaded = try SentencePieceModel(contentsOf: url)
        #expect(loaded.serialized == model.serialized)
        #expect(loaded.pieces == model.pieces)
        for sentence in Self.corpus.suffix(20) { #expect(try loaded.encode(sentence) == model.encode(sentence)) }
    }

    @Test func coverageCountsUnknownPieces() throws {
        // Full character coverage on the training corpus: every piece of it is known.
        let full = try SentencePieceModel.train(Self.corpus, vocabularySize: Self.vocabularySize, characterCoverage: 1.0)
        let inCorpus = try full.coverage(of: Self.corpus)
        #expect(inCorpus.tokenCount > 0 && inCorpus.coveredTokenCount == inCorpus.tokenCount)
        // Characters never seen (Latin letters here) become <unk>.
        let mixed = try full.coverage(of: ["영화 xyz"])
        #expect(mixed.coveredTokenCount < mixed.tokenCount)
        #expect(try full.encode("xyz").contains(full.unknownID))
    }

    @Test func subwordTokenisationOfTheKoreanPipeline() throws {
        let model = try SentencePieceModel.train(Self.corpus, vocabularySize: Self.vocabularySize)
        let prep = KoreanPreprocessor(tokenization: .subwords(model))
        let review = "이 영화 정말 최고!!! ㅋㅋㅋ"
        let pieces = try prep.tokens(review)
        let words = prep.words(review).joined(separator: " ")
        #expect(scalars(try model.decode(pieces: pieces)) == scalars(words.precomposedStringWithCompatibilityMapping))
        #expect(try prep.tokens("?!") == [])
    }

    @Test func errorsAreRecurrentErrors() throws {
        #expect(throws: RecurrentError.self) { try SentencePieceModel.train(Self.corpus, vocabularySize: 0) }
        #expect(throws: RecurrentError.self) { try SentencePieceModel.train(Self.corpus, vocabularySize: 1000, characterCoverage: 1.5) }
        // More pieces than the corpus can give (hard_vocab_limit): SentencePiece's own message.
        do {
            _ = try SentencePieceModel.train(["가 나"], vocabularySize: 5000)
            Issue.record("expected training to fail")
        } catch let error as RecurrentError {
            #expect(error.description.contains("SentencePieceModel.train"))
        }
        let n = Self.vocabularySize
        let model = try SentencePieceModel.train(Self.corpus, vocabularySize: n)
        #expect(throws: RecurrentError.self) { try model.decode([0, n]) }
        #expect(throws: RecurrentError.self) { try model.decode([-1]) }
        #expect(throws: RecurrentError.self) { try model.piece(forID: n) }
        #expect(throws: RecurrentError.self) { try SentencePieceModel(serialized: Data("not a model".utf8)) }
        #expect(throws: RecurrentError.self) {
            try SentencePieceModel(contentsOf: URL(fileURLWithPath: "/nonexistent/recurrent.model"))
        }
    }

    /// Subword regularization: every sample is a segmentation of the same text, the seed fixes
    /// the samples, a small alpha gives segmentations other than the best one, and a large
    /// alpha gives back the best one (P^alpha concentrates on it).
    @Test func sampleEncodeSamplesSegmentationsOfTheSameText() throws {
        let model = try SentencePieceModel.train(Self.corpus, vocabularySize: Self.vocabularySize)
        let texts = Array(Self.corpus.prefix(60))
        let best = try texts.map(model.encode)
        let a = try model.sampleEncode(texts, alpha: 0.1, seed: 5)
        #expect(try model.sampleEncode(texts, alpha: 0.1, seed: 5) == a, "the same seed gives the same samples")
        #expect(try model.sampleEncode(texts, alpha: 0.1, seed: 6) != a, "another seed gives other samples")
        #expect(a.count == texts.count)
        for (sample, ids) in zip(a, best) {
            #expect(try model.decode(sample) == model.decode(ids), "a sample spells the same text")
        }
        let differing = zip(a, best).filter { $0 != $1 }.count
        #expect(differing > texts.count / 4, "alpha 0.1 samples other segmentations (\(differing) of \(texts.count) differ)")
        // More pieces than the best segmentation on average: it is the most probable, and the
        // unigram model's probability falls with each extra piece.
        #expect(a.map(\.count).reduce(0, +) > best.map(\.count).reduce(0, +))
        #expect(try model.sampleEncode(texts, alpha: 1000, seed: 5) == best)
        #expect(try model.sampleEncode(["", texts[0]], alpha: 0.1, seed: 1)[0] == [])
        #expect(try model.sampleEncode([], alpha: 0.1, seed: 1).isEmpty)
        #expect(throws: RecurrentError.self) { try model.sampleEncode(texts, alpha: -0.1, seed: 1) }
        #expect(throws: RecurrentError.self) { try model.sampleEncode(texts, alpha: .nan, seed: 1) }
        #expect(throws: RecurrentError.self) { try model.sampleEncode(texts, nbestSize: 513, alpha: 0.1, seed: 1) }
        #expect(try model.sampleEncode(texts, nbestSize: 1, alpha: 0.1, seed: 1) == best, "the 1-best is the best")
    }
}
