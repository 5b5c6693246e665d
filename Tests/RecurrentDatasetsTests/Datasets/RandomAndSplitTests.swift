import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

/// `NumpyRandomState` against NumPy 2.4 and `TrainTestSplit` against scikit-learn 1.9, from
/// `fixtures/numpy_random_state.py` and `fixtures/train_test_split.py`.
@Suite("NumPy RandomState and scikit-learn split")
struct RandomAndSplitTests {
    struct RandomFixture: Decodable {
        struct Raw: Decodable { let seed: UInt32; let first: [UInt32]; let from620: [UInt32] }
        struct Summary: Decodable { let n: Int; let first: [Int]; let last: [Int]; let checksum: Int }
        struct Shuffle: Decodable { let seed: UInt32; let sizes: [Int]; let permutations: [[Int]]?; let summaries: [Summary]? }
        struct RandInt: Decodable { let seed: UInt32; let high: UInt64; let values: [UInt64] }
        let raw: [Raw]
        let shuffles: [Shuffle]
        let randint64: [RandInt]
    }

    @Test func rawOutputsMatchNumPy() throws {
        let fixture = try datasetFixture("numpy_random_state", as: RandomFixture.self)
        for raw in fixture.raw {
            var rng = NumpyRandomState(seed: raw.seed)
            let values = (0..<640).map { _ in rng.nextUInt32() }
            #expect(Array(values[..<20]) == raw.first, "seed \(raw.seed)")
            #expect(Array(values[620..<640]) == raw.from620, "seed \(raw.seed)")
        }
    }

    @Test func shufflesMatchNumPy() throws {
        let fixture = try datasetFixture("numpy_random_state", as: RandomFixture.self)
        for shuffle in fixture.shuffles {
            var rng = NumpyRandomState(seed: shuffle.seed)
            for (k, n) in shuffle.sizes.enumerated() {
                let p = rng.shuffledIndices(n)
                if let permutations = shuffle.permutations {
                    #expect(p == permutations[k], "seed \(shuffle.seed) n \(n)")
                }
                if let summary = shuffle.summaries?[k] {
                    #expect(Array(p.prefix(50)) == summary.first, "seed \(shuffle.seed) n \(n)")
                    #expect(Array(p.suffix(50)) == summary.last, "seed \(shuffle.seed) n \(n)")
                    #expect(p.enumerated().reduce(0) { $0 + $1.offset * $1.element } == summary.checksum)
                }
            }
        }
    }

    @Test func sixtyFourBitIntervalsMatchNumPyRandint() throws {
        let fixture = try datasetFixture("numpy_random_state", as: RandomFixture.self)
        for case_ in fixture.randint64 {
            var rng = NumpyRandomState(seed: case_.seed)
            #expect((0..<case_.values.count).map { _ in rng.randomInterval(case_.high - 1) } == case_.values)
        }
    }

    struct SplitFixture: Decodable {
        struct Case: Decodable {
            let `case`: String
            let labels: [Int]
            let test_size: Double
            let random_state: UInt32
            let stratify: Bool
            let train: [Int]
            let test: [Int]
        }
        let cases: [Case]
    }

    @Test func trainTestSplitMatchesScikitLearn() throws {
        for c in try datasetFixture("train_test_split", as: SplitFixture.self).cases {
            let (train, test) = try TrainTestSplit.split(
                labels: c.labels, testSize: c.test_size, randomState: c.random_state, stratify: c.stratify)
            #expect(train == c.train, "\(c.case)")
            #expect(test == c.test, "\(c.case)")
        }
    }

    @Test func splitRejectsWhatScikitLearnRejects() {
        #expect(throws: RecurrentError.self) { _ = try TrainTestSplit.split(labels: [0, 1], testSize: 1.5, randomState: 0, stratify: false) }
        #expect(throws: RecurrentError.self) { _ = try TrainTestSplit.split(labels: [0, 0, 0, 1], testSize: 0.5, randomState: 0, stratify: true) }
    }
}
