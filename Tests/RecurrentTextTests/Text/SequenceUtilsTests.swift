import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

/// `padSequences` and `toCategorical` against Keras 3 (fixtures/text.py).
@Suite("pad_sequences and to_categorical")
struct SequenceUtilsTests {
    @Test func padSequencesMatchesKerasForEveryCombination() throws {
        let f: PadSequencesFixture = try TextFixtureFiles.decode("pad_sequences")
        #expect(f.cases.count == 24)
        for c in f.cases {
            let out = try padSequences(
                f.sequences, maxlen: c.maxlen, padding: try #require(SequenceSide(rawValue: c.padding)),
                truncating: try #require(SequenceSide(rawValue: c.truncating)), value: Float(c.value))
            #expect(out == c.output.tensor, "maxlen \(String(describing: c.maxlen)) padding \(c.padding) truncating \(c.truncating) value \(c.value)")
        }
    }

    @Test func padSequencesDefaultsAreKeras() throws {
        // Keras's docstring example: pre-padding and pre-truncating with 0, maxlen the longest.
        let out = try padSequences([[1], [2, 3], [4, 5, 6]])
        #expect(out.shape == [3, 3])
        #expect(out.data == [0, 0, 1, 0, 2, 3, 4, 5, 6])
        #expect(try padSequences([[Int]]()).shape == [0, 0])
        #expect(try padSequences([[Float]]([[0.5], []]), maxlen: 2, padding: .post, value: -1).data == [0.5, -1, -1, -1])
    }

    @Test func padSequencesRejectsBadArguments() {
        #expect(throws: RecurrentError.self) { try padSequences([[1]], maxlen: -1) }
        #expect(throws: RecurrentError.self) { try padSequences([[1 << 25]]) }
    }

    @Test func toCategoricalMatchesKeras() throws {
        let f: ToCategoricalFixture = try TextFixtureFiles.decode("to_categorical")
        for c in f.cases {
            #expect(try toCategorical(c.labels, numClasses: c.numClasses) == c.output.tensor, "labels \(c.labels) classes \(String(describing: c.numClasses))")
        }
    }

    @Test func toCategoricalRejectsLabelsOutsideTheClasses() {
        #expect(throws: RecurrentError.self) { try toCategorical([0, 3], numClasses: 3) }
        #expect(throws: RecurrentError.self) { try toCategorical([-1, 1]) }
    }
}
