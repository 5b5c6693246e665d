import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

/// Keras's legacy Tokenizer against golden files from Keras 3 (fixtures/text.py): every table in
/// Keras's order, conversions both ways and the four matrix modes, for each option set.
@Suite("Tokenizer against Keras")
struct TokenizerFixtureTests {
    static let cases = TextFixtureFiles.all(prefix: "tokenizer_")

    @Test func everyOptionSetHasAGoldenCase() {
        // Guards against a missing fixture folder silently running zero cases.
        #expect(Self.cases.count >= 14, "found \(Self.cases.count) tokenizer fixtures")
    }

    @Test(arguments: cases)
    func tablesMatchKeras(_ name: String) throws {
        let f = try TokenizerFixture.load(name)
        let tokenizer = try f.makeTokenizer()
        #expect(tokenizer.documentCount == f.documentCount)
        // word_counts and word_index in Keras's order (scalar-exact strings, as Python compares).
        #expect(tokenizer.wordCounts.map(\.word).map(scalars) == f.wordCounts.keys.map(scalars), "\(name) word_counts keys")
        #expect(tokenizer.wordCounts.map(\.count) == f.wordCounts.values, "\(name) word_counts values")
        let index = tokenizer.orderedWordIndex
        #expect(index.map(\.word).map(scalars) == f.wordIndex.keys.map(scalars), "\(name) word_index keys")
        #expect(index.map(\.index) == f.wordIndex.values, "\(name) word_index values")
        for (word, i) in zip(f.wordIndex.keys, f.wordIndex.values) {
            #expect(tokenizer.index(of: word) == i, "\(name): index of \(word)")
        }
        for (key, word) in zip(f.indexWord.keys, f.indexWord.values) {
            #expect(tokenizer.word(at: Int(key)!).map(scalars) == scalars(word), "\(name): word at \(key)")
        }
        #expect(tokenizer.indexWord.count == f.indexWord.keys.count, "\(name) index_word size")
        // word_docs and index_docs: Keras's order comes from a Python set, so compare as maps.
        let docs = Dictionary(tokenizer.wordDocs.map { (scalars($0.word), $0.count) }, uniquingKeysWith: { a, _ in a })
        #expect(tokenizer.wordDocs.count == f.wordDocs.keys.count, "\(name) word_docs size")
        #expect(docs == Dictionary(uniqueKeysWithValues: zip(f.wordDocs.keys.map(scalars), f.wordDocs.values)), "\(name) word_docs")
        #expect(tokenizer.indexDocs == Dictionary(uniqueKeysWithValues: zip(f.indexDocs.keys.map { Int($0)! }, f.indexDocs.values)), "\(name) index_docs")
    }

    @Test(arguments: cases)
    func conversionsMatchKeras(_ name: String) throws {
        let f = try TokenizerFixture.load(name)
        let tokenizer = try f.makeTokenizer()
        switch f.testTexts {
        case let .strings(texts): #expect(tokenizer.textsToSequences(texts) == f.sequences, "\(name) texts_to_sequences")
        case let .tokenLists(lists): #expect(tokenizer.textsToSequences(lists) == f.sequences, "\(name) texts_to_sequences")
        }
        #expect(tokenizer.sequencesToTexts(f.sequences).map(scalars) == f.texts.map(scalars), "\(name) sequences_to_texts")
        #expect(tokenizer.sequencesToTexts(f.extraSequences).map(scalars) == f.extraTexts.map(scalars), "\(name) sequences_to_texts of unknown ids")
    }

    /// Matrices within 1e-6: Keras computes them in float64, Recurrent stores Float (float32
    /// rounding of values up to ~10 is below 1e-6).
    @Test(arguments: cases)
    func matricesMatchKeras(_ name: String) throws {
        let f = try TokenizerFixture.load(name)
        let tokenizer = try f.makeTokenizer()
        for mode in Tokenizer.MatrixMode.allCases {
            let expected = try #require(f.matrices[mode.rawValue], "\(name): no \(mode) matrix")
            let actual: Tensor
            switch f.testTexts {
            case let .strings(texts): actual = try tokenizer.textsToMatrix(texts, mode: mode)
            case .tokenLists: actual = try tokenizer.sequencesToMatrix(f.sequences, mode: mode)
            }
            assertClose(
                actual, Tensor(uncheckedShape: expected.shape, data: expected.data.map(Float.init)),
                rtol: 0, atol: 1e-6, "\(name) texts_to_matrix(\(mode))")
        }
    }
}

/// A string's Unicode scalars: compares as Python compares strings (Swift's `==` identifies
/// canonically equivalent strings, such as "가" composed and decomposed).
func scalars(_ s: String) -> [UInt32] { s.unicodeScalars.map(\.value) }
