import Foundation
import RecurrentTensor

/// scikit-learn's `train_test_split(..., test_size=, random_state=, stratify=)`, which the lecture
/// uses for the SMS spam split (`test_size=0.2, random_state=0, stratify=y`), reproduced index for
/// index: scikit-learn draws from `numpy.random.RandomState(random_state)`, which
/// `NumpyRandomState` reproduces.
///
/// - Sizes (`_validate_shuffle_split`): `n_test = ceil(test_size * n)`, `n_train = n - n_test`.
/// - Not stratified (`ShuffleSplit`): `p = rng.permutation(n)`; test = `p[:n_test]`,
///   train = `p[n_test:]`.
/// - Stratified (`StratifiedShuffleSplit._iter_indices`): classes sorted; per-class train counts
///   from `_approximate_mode(class_counts, n_train)`, test counts from `_approximate_mode` of what is
///   left; each class's indices (ascending) are permuted and cut; train and test are permuted once more.
/// - `_approximate_mode` (sklearn/utils/extmath.py): floor of `count / total * n_draws`, then one
///   more for the classes with the largest remainders; ties broken with `rng.choice`, i.e. the first
///   entries of `rng.permutation(ties)`.
///
/// Checked against scikit-learn 1.9 in `Fixtures/datasets/train_test_split.json`
/// (`fixtures/train_test_split.py`).
public enum TrainTestSplit {
    /// The row indices of the train and test sets, in scikit-learn's order.
    ///
    /// - Parameters:
    ///   - labels: one class label per row (any integers); used for stratification.
    ///   - testSize: the test fraction, strictly between 0 and 1.
    ///   - randomState: scikit-learn's `random_state`.
    ///   - stratify: keep the class proportions in both sets (`stratify=labels`).
    /// - Throws: `RecurrentError.invalidValue` for a fraction outside (0, 1), an empty set, or (when
    ///   stratifying) a class with fewer than 2 rows or more classes than train or test rows, as
    ///   scikit-learn refuses them.
    public static func split(
        labels: [Int], testSize: Double, randomState: UInt32, stratify: Bool
    ) throws -> (train: [Int], test: [Int]) {
        let place = "TrainTestSplit"
        let n = labels.count
        guard testSize > 0, testSize < 1 else {
            throw RecurrentError.invalidValue(where: place, expected: "0 < testSize < 1", found: "\(testSize)")
        }
        let nTest = Int((testSize * Double(n)).rounded(.up))
        let nTrain = n - nTest
        guard nTrain > 0, nTest > 0 else {
            throw RecurrentError.invalidValue(
                where: place, expected: "non-empty train and test sets", found: "\(nTrain) train, \(nTest) test of \(n) rows")
        }
        var rng = NumpyRandomState(seed: randomState)
        guard stratify else {
            let permutation = rng.shuffledIndices(n)
            return (Array(permutation[nTest...]), Array(permutation[..<nTest]))
        }
        let classes = Array(Set(labels)).sorted()
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var members = [[Int]](repeating: [], count: classes.count)
        for (row, label) in labels.enumerated() { members[classIndex[label]!].append(row) }
        let counts = members.map(\.count)
        if let smallest = counts.min(), smallest < 2 {
            let few = zip(classes, counts).filter { $0.1 < 2 }.map { "\($0.0)" }
            throw RecurrentError.invalidValue(
                where: place, expected: "at least 2 rows per class to stratify", found: "classes \(few) with 1 row")
        }
        guard nTrain >= classes.count, nTest >= classes.count else {
            throw RecurrentError.invalidValue(
                where: place, expected: "at least one train and one test row per class (\(classes.count) classes)",
                found: "\(nTrain) train, \(nTest) test")
        }
        let trainCounts = approximateMode(counts, draws: nTrain, rng: &rng)
        let remaining = zip(counts, trainCounts).map { $0 - $1 }
        let testCounts = approximateMode(remaining, draws: nTest, rng: &rng)
        var train: [Int] = [], test: [Int] = []
        for c in 0..<classes.count {
            let permutation = rng.shuffledIndices(counts[c])
            let shuffled = permutation.map { members[c][$0] }
            train += shuffled[..<trainCounts[c]]
            test += shuffled[trainCounts[c]..<(trainCounts[c] + testCounts[c])]
        }
        rng.shuffle(&train)
        rng.shuffle(&test)
        return (train, test)
    }

    /// scikit-learn's `_approximate_mode(class_counts, n_draws, rng)`.
    static func approximateMode(_ counts: [Int], draws: Int, rng: inout NumpyRandomState) -> [Int] {
        let total = Double(counts.reduce(0, +))
        // numpy: class_counts / class_counts.sum() * n_draws, in float64.
        let continuous = counts.map { Double($0) / total * Double(draws) }
        var floored = continuous.map { $0.rounded(.down) }
        var needToAdd = draws - Int(floored.reduce(0, +))
        if needToAdd > 0 {
            let remainder = zip(continuous, floored).map { $0 - $1 }
            for value in Set(remainder).sorted(by: >) {
                let ties = remainder.indices.filter { remainder[$0] == value }
                let addNow = min(ties.count, needToAdd)
                // rng.choice(ties, size=addNow, replace=False) = ties[rng.permutation(len(ties))[:addNow]]
                let chosen = rng.shuffledIndices(ties.count).prefix(addNow).map { ties[$0] }
                for index in chosen { floored[index] += 1 }
                needToAdd -= addNow
                if needToAdd == 0 { break }
            }
        }
        return floored.map { Int($0) }
    }
}
