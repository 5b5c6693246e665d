import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

/// Losses: every loss against Keras 3 (value and gradient, from probabilities and from logits,
/// edge cases), the gradient against central differences of an independent Double reference,
/// the Keras identifiers, and the checks before training.
@Suite("Losses")
struct LossTests {
    // MARK: - Golden values from Keras

    static let goldenCases = LossFixtureFiles.all(prefix: "loss_")

    @Test func everyLossHasGoldenCases() {
        // Guards against a missing fixture folder silently running zero cases.
        #expect(Self.goldenCases.count >= 21, "found \(Self.goldenCases.count) loss fixtures")
        for loss in Loss.allCases {
            #expect(Self.goldenCases.contains { $0.hasPrefix("loss_" + loss.rawValue) }, "no fixture for \(loss)")
        }
    }

    /// The project's loss tolerance: relative 1e-6 with an absolute floor of 1e-7 (Keras works in
    /// float32, `evaluate` in Double per element, so they differ by float32 round-off).
    @Test(arguments: goldenCases)
    func matchesKeras(_ name: String) throws {
        let f = try LossFixture.load(name)
        let loss = try Loss(keras: f.loss)
        let (value, gradient) = try loss.evaluate(f.output.tensor, target: f.target.tensor, fromLogits: f.fromLogits)
        #expect(abs(value - f.value) <= 1e-7 + 1e-6 * abs(f.value), "\(name): loss \(value), Keras \(f.value)")
        assertClose(gradient, f.gradient.tensor, rtol: 1e-6, atol: 1e-7, "\(name) gradient")
    }

    // MARK: - Gradient against finite differences

    struct GradientCase: CustomStringConvertible, Sendable {
        var loss: Loss
        var fromLogits: Bool
        /// Categorical: probability rows that do not sum to 1, and target rows that do not either.
        var unnormalized = false
        var description: String { "\(loss.rawValue)\(fromLogits ? " from logits" : "")\(unnormalized ? " unnormalized" : "")" }
    }

    static let gradientCases: [GradientCase] = [
        .init(loss: .binaryCrossentropy, fromLogits: false), .init(loss: .binaryCrossentropy, fromLogits: true),
        .init(loss: .categoricalCrossentropy, fromLogits: false), .init(loss: .categoricalCrossentropy, fromLogits: true),
        .init(loss: .categoricalCrossentropy, fromLogits: false, unnormalized: true),
        .init(loss: .categoricalCrossentropy, fromLogits: true, unnormalized: true),
        .init(loss: .sparseCategoricalCrossentropy, fromLogits: false),
        .init(loss: .sparseCategoricalCrossentropy, fromLogits: false, unnormalized: true),
        .init(loss: .sparseCategoricalCrossentropy, fromLogits: true),
        .init(loss: .meanSquaredError, fromLogits: false), .init(loss: .meanAbsoluteError, fromLogits: false),
    ]

    /// Random outputs away from the clip bounds (a central difference across a kink measures
    /// neither side) and targets of the loss's kind.
    static func inputs(_ c: GradientCase, batch: Int, k: Int, seed: UInt64) -> (output: Tensor, target: Tensor) {
        var rng = RandomGenerator(seed: seed)
        var output = Tensor(shape: [batch, k])
        for i in 0..<output.count {
            switch (c.loss, c.fromLogits) {
            case (.meanSquaredError, _), (.meanAbsoluteError, _): output.data[i] = rng.uniform(-2, 2)
            case (_, true): output.data[i] = rng.uniform(-4, 4)
            case (.categoricalCrossentropy, false), (.sparseCategoricalCrossentropy, false):
                output.data[i] = c.unnormalized ? rng.uniform(0.05, 1.5) : rng.uniform(0.05, 1)
            default: output.data[i] = rng.uniform(0.05, 0.95)
            }
        }
        if c.loss == .categoricalCrossentropy, !c.fromLogits, !c.unnormalized {
            for b in 0..<batch {
                let s = (0..<k).map { output.data[b * k + $0] }.reduce(0, +)
                for j in 0..<k { output.data[b * k + j] /= s }
            }
        }
        var target: Tensor
        switch c.loss {
        case .sparseCategoricalCrossentropy:
            target = Tensor(shape: [batch])
            for b in 0..<batch { target.data[b] = Float(b % k) }
        case .categoricalCrossentropy:
            target = Tensor(shape: [batch, k])
            for b in 0..<batch { target[b, (b * 2) % k] = 1 }
            // A label-smoothed row (sums to 1) and, unnormalized, a row summing to 0.5.
            for j in 0..<k { target[1, j] = target[1, j] * 0.9 + 0.1 / Float(k) }
            if c.unnormalized { for j in 0..<k { target[2, j] *= 0.5 } }
        case .binaryCrossentropy:
            target = Tensor(shape: [batch, k])
            for i in 0..<target.count { target.data[i] = i % 3 == 2 ? rng.uniform() : Float(i % 2) }
        case .meanSquaredError, .meanAbsoluteError:
            target = Tensor(shape: [batch, k])
            for i in 0..<target.count { target.data[i] = rng.uniform(-2, 2) }
        }
        return (output, target)
    }

    /// The Float gradient is the exact derivative of the value, so it differs from central
    /// differences of the Double reference only by its own float32 rounding (relative 6e-8,
    /// hence rtol 1e-6) and the differences' truncation and round-off error (below 1e-9 for
    /// these inputs and h = 1e-6, hence atol 1e-8). The values agree to float32 round-off (1e-6).
    @Test(arguments: gradientCases)
    func gradientIsTheDerivative(_ c: GradientCase) throws {
        let batch = 4, k = 3
        let (output, target) = Self.inputs(c, batch: batch, k: k, seed: 7)
        let (value, gradient) = try c.loss.evaluate(output, target: target, fromLogits: c.fromLogits)
        let o = output.data.map(Double.init), y = target.data.map(Double.init)
        let reference = LossReference.value(c.loss, fromLogits: c.fromLogits, output: o, target: y, batch: batch)
        #expect(abs(Double(value) - reference) <= 1e-6 * abs(reference), "\(c): loss \(value), Double reference \(reference)")
        let numeric = LossReference.gradient(c.loss, fromLogits: c.fromLogits, output: o, target: y, batch: batch)
        expectClose(gradient.data, numeric, rtol: 1e-6, atol: 1e-8, "\(c) gradient")
    }

    /// A clipped probability passes no gradient (Keras's `clip_by_value`), one at the bounds does.
    @Test func clippedProbabilitiesHaveZeroGradient() throws {
        let eps = Loss.epsilon
        let p = Tensor(uncheckedShape: [1, 5], data: [0, 1e-8, eps, 1 - eps, 1])
        let y = Tensor(uncheckedShape: [1, 5], data: [1, 1, 1, 0, 0])
        let g = try Loss.binaryCrossentropy.evaluate(p, target: y, fromLogits: false).gradient.data
        #expect(g[0] == 0 && g[1] == 0 && g[4] == 0, "\(g)")
        #expect(g[2] < 0 && g[3] > 0, "at the bounds the gradient passes: \(g)")
    }

    // MARK: - Keras identifiers

    @Test func kerasIdentifiers() throws {
        let expected: [String: Loss] = [
            "binary_crossentropy": .binaryCrossentropy, "BinaryCrossentropy": .binaryCrossentropy, "bce": .binaryCrossentropy,
            "categorical_crossentropy": .categoricalCrossentropy, "CategoricalCrossentropy": .categoricalCrossentropy,
            "sparse_categorical_crossentropy": .sparseCategoricalCrossentropy,
            "SparseCategoricalCrossentropy": .sparseCategoricalCrossentropy,
            "mean_squared_error": .meanSquaredError, "mse": .meanSquaredError, "MSE": .meanSquaredError,
            "MeanSquaredError": .meanSquaredError,
            "mean_absolute_error": .meanAbsoluteError, "mae": .meanAbsoluteError, "MAE": .meanAbsoluteError,
            "MeanAbsoluteError": .meanAbsoluteError,
        ]
        for (identifier, loss) in expected {
            #expect(try Loss(keras: identifier) == loss, "\(identifier)")
        }
        for loss in Loss.allCases {
            #expect(try Loss(keras: loss.rawValue) == loss)
        }
    }

    @Test(arguments: ["hinge", "Mse", "binary-crossentropy", "crossentropy", ""])
    func unknownIdentifierListsTheValidNames(_ identifier: String) {
        do {
            _ = try Loss(keras: identifier)
            Issue.record("'\(identifier)' was accepted")
        } catch let RecurrentError.invalidConfiguration(where: w, message: m) {
            #expect(w == "loss")
            #expect(m.contains("'\(identifier)'"), "\(m)")
            for name in ["binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
                         "mean_squared_error", "mse", "mean_absolute_error", "mae"] {
                #expect(m.contains("'\(name)'"), "the message does not list \(name): \(m)")
            }
        } catch {
            Issue.record("expected invalidConfiguration, got \(error)")
        }
    }

    // MARK: - Checks before training

    static func t(_ shape: [Int], _ data: [Float]) -> Tensor { Tensor(uncheckedShape: shape, data: data) }

    /// Expects `body` to throw `RecurrentError` whose description contains every string of `mentions`.
    static func expectError(_ mentions: [String], sourceLocation: SourceLocation = #_sourceLocation,
                            _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("nothing was thrown; expected an error mentioning \(mentions)", sourceLocation: sourceLocation)
        } catch let error as RecurrentError {
            for m in mentions {
                #expect(error.description.contains(m), "does not mention '\(m)': \(error)", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("expected a RecurrentError, got \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func validTargetsPass() throws {
        try Loss.binaryCrossentropy.validate(outputShape: [1], target: Self.t([3], [0, 1, 0.25]))
        try Loss.binaryCrossentropy.validate(outputShape: [2], target: Self.t([2, 2], [0, 1, 1, 0]))
        try Loss.categoricalCrossentropy.validate(outputShape: [3], target: Self.t([2, 3], [0, 1, 0, 0.05, 0.05, 0.9]))
        try Loss.sparseCategoricalCrossentropy.validate(outputShape: [3], target: Self.t([3], [0, 2, 1]))
        try Loss.sparseCategoricalCrossentropy.validate(outputShape: [3], target: Self.t([3, 1], [0, 2, 1]))
        try Loss.meanSquaredError.validate(outputShape: [2], target: Self.t([1, 2], [-5, 7]))
        try Loss.meanAbsoluteError.validate(outputShape: [1], target: Self.t([2], [-5, 7]))
    }

    @Test func categoricalOnAWidthOneOutput() {
        Self.expectError(["categorical_crossentropy needs a softmax output with ≥ 2 classes and one-hot targets; found output width 1",
                          "binary_crossentropy"]) {
            try Loss.categoricalCrossentropy.validate(outputShape: [1], target: Self.t([2, 1], [1, 1]))
        }
        Self.expectError(["sparse_categorical_crossentropy needs a softmax output with ≥ 2 classes", "found output width 1"]) {
            try Loss.sparseCategoricalCrossentropy.validate(outputShape: [1], target: Self.t([2], [0, 0]))
        }
    }

    @Test func targetsOfTheWrongKind() {
        // Class ids given to categorical cross-entropy, one-hot rows given to sparse.
        Self.expectError(["categorical_crossentropy", "(N, 3)", "(None,)", "sparse_categorical_crossentropy"]) {
            try Loss.categoricalCrossentropy.validate(outputShape: [3], target: Self.t([2], [0, 2]))
        }
        Self.expectError(["sparse_categorical_crossentropy", "(None, 3)", "use categorical_crossentropy"]) {
            try Loss.sparseCategoricalCrossentropy.validate(outputShape: [3], target: Self.t([1, 3], [0, 1, 0]))
        }
        Self.expectError(["categorical_crossentropy", "sum to 1", "sample 1"]) {
            try Loss.categoricalCrossentropy.validate(outputShape: [2], target: Self.t([2, 2], [0, 1, 0, 0]))
        }
        Self.expectError(["categorical_crossentropy", "[0, 1]", "sample 0, class 1"]) {
            try Loss.categoricalCrossentropy.validate(outputShape: [2], target: Self.t([1, 2], [0.5, -1]))
        }
    }

    @Test func valuesOutOfRangeNameTheSample() {
        Self.expectError(["binary_crossentropy", "[0, 1]", "1.5 at sample 3"]) {
            try Loss.binaryCrossentropy.validate(outputShape: [1], target: Self.t([4, 1], [0, 1, 0, 1.5]))
        }
        Self.expectError(["sparse_categorical_crossentropy", "[0, 4)", "4.0 at sample 2"]) {
            try Loss.sparseCategoricalCrossentropy.validate(outputShape: [4], target: Self.t([3], [0, 3, 4]))
        }
        Self.expectError(["sparse_categorical_crossentropy", "integer", "1.5 at sample 1"]) {
            try Loss.sparseCategoricalCrossentropy.validate(outputShape: [4], target: Self.t([3, 1], [0, 1.5, 2]))
        }
        Self.expectError(["sparse_categorical_crossentropy", "-1.0 at sample 0"]) {
            try Loss.sparseCategoricalCrossentropy.validate(outputShape: [4], target: Self.t([1], [-1]))
        }
        Self.expectError(["mean_squared_error targets (sample 1)", "nan"]) {
            try Loss.meanSquaredError.validate(outputShape: [2], target: Self.t([2, 2], [0, 0, .nan, 0]))
        }
    }

    @Test func shapesThatDoNotFit() {
        Self.expectError(["mean_squared_error", "(N, 2)", "(None, 3)"]) {
            try Loss.meanSquaredError.validate(outputShape: [2], target: Self.t([1, 3], [0, 0, 0]))
        }
        Self.expectError(["mean_absolute_error", "(N, 2)", "(None,)"]) {
            try Loss.meanAbsoluteError.validate(outputShape: [2], target: Self.t([2], [0, 0]))
        }
        Self.expectError(["binary_crossentropy", "(None, 1)", "use sparse_categorical_crossentropy"]) {
            try Loss.binaryCrossentropy.validate(outputShape: [3], target: Self.t([2, 1], [0, 2]))
        }
        // A sequence output (return_sequences) is not one vector per sample.
        Self.expectError(["binary_crossentropy", "(batch, k)", "(None, 5, 1)"]) {
            try Loss.binaryCrossentropy.validate(outputShape: [5, 1], target: Self.t([2, 5, 1], Array(repeating: 0, count: 10)))
        }
        Self.expectError(["mean_squared_error", "batch axis"]) {
            try Loss.meanSquaredError.validate(outputShape: [1], target: Self.t([], [1]))
        }
    }
}
