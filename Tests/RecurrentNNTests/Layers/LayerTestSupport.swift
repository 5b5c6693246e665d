import Testing
@testable import RecurrentTestSupport
import Recurrent

/// Helpers shared by the layer tests (names kept in one namespace so they cannot collide with
/// other suites' helpers).
enum LayerTest {
    /// A tensor of `shape` with values uniform in [lo, hi), fixed by `seed`.
    static func random(_ shape: [Int], seed: UInt64, _ lo: Float = -1, _ hi: Float = 1) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        var t = Tensor(shape: shape)
        for i in 0..<t.count { t.data[i] = rng.uniform(lo, hi) }
        return t
    }

    static func doubles(_ t: Tensor) -> [Double] { t.data.map(Double.init) }

    /// Builds `layer` for `inputShape` (without batch) with a fixed generator.
    static func build(_ layer: some Layer, _ inputShape: [Int], seed: UInt64 = 7) throws {
        var rng = RandomGenerator(seed: seed)
        try layer.build(inputShape: inputShape, rng: &rng)
    }

    /// Records one issue naming the worst element when |a − e| > atol + rtol·|e| anywhere.
    static func expectClose(_ actual: [Float], _ expected: [Double], rtol: Double, atol: Double, _ what: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        guard actual.count == expected.count else {
            Issue.record("\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
            return
        }
        var worst = -1, worstExcess = 0.0
        for i in 0..<actual.count {
            let err = abs(Double(actual[i]) - expected[i])
            let excess = err - (atol + rtol * abs(expected[i]))
            if !(excess <= worstExcess) { worstExcess = excess.isNaN ? .infinity : excess; worst = i }
        }
        if worst >= 0 {
            Issue.record(
                "\(what): element \(worst) is \(actual[worst]), expected \(expected[worst])",
                sourceLocation: sourceLocation)
        }
    }

    /// Expects `body` to throw a `RecurrentError` whose description names `layer` and contains
    /// every string of `mentions`; returns it.
    @discardableResult
    static func expectError(naming layer: String, mentioning mentions: [String] = [],
                            sourceLocation: SourceLocation = #_sourceLocation,
                            _ body: () throws -> Void) -> RecurrentError? {
        do {
            try body()
            Issue.record("expected a RecurrentError naming '\(layer)', nothing was thrown", sourceLocation: sourceLocation)
            return nil
        } catch let error as RecurrentError {
            let text = error.description
            #expect(text.contains(layer), "does not name '\(layer)': \(text)", sourceLocation: sourceLocation)
            for m in mentions {
                #expect(text.contains(m), "does not mention '\(m)': \(text)", sourceLocation: sourceLocation)
            }
            return error
        } catch {
            Issue.record("expected a RecurrentError, got \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }
}
