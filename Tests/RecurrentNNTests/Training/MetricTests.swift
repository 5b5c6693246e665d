import Testing
@testable import RecurrentTestSupport
import Recurrent

/// Metrics: what Keras's `compile` makes of each identifier (class, name, threshold) and the
/// result of that metric object after two batches, against Keras 3.
@Suite("Metrics")
struct MetricTests {
    static let goldenCases = LossFixtureFiles.all(prefix: "metric_")

    @Test func thereAreGoldenCases() {
        #expect(Self.goldenCases.count >= 18, "found \(Self.goldenCases.count) metric fixtures")
    }

    /// The Keras class of a kind, as the fixture names it.
    static func kerasClass(_ kind: Metric.Kind) -> (name: String, threshold: Float?) {
        switch kind {
        case .binaryAccuracy(let t): return ("BinaryAccuracy", t)
        case .categoricalAccuracy: return ("CategoricalAccuracy", nil)
        case .sparseCategoricalAccuracy: return ("SparseCategoricalAccuracy", nil)
        case .precision(let t): return ("Precision", t)
        case .recall(let t): return ("Recall", t)
        }
    }

    /// Resolution equals Keras's exactly, and so does the accumulated result: the state is float32
    /// like Keras's variables, and the sums are of whole counts (exact in float32) except binary
    /// accuracy on a width k > 1, which adds per-sample means (multiples of 1/k) over a batch;
    /// there TensorFlow's summation order could in principle move the last bit, and for these
    /// cases it does not.
    @Test(arguments: goldenCases)
    func matchesKeras(_ name: String) throws {
        let f = try MetricFixture.load(name)
        let metric = try Metric.resolve(f.identifier, loss: try Loss(keras: f.loss),
                                        outputShape: f.outputShape, targetShape: f.targetShape)
        let resolved = Self.kerasClass(metric.kind)
        #expect(resolved.name == f.resolvedClass, "\(name): resolved to \(metric.kind), Keras made a \(f.resolvedClass)")
        #expect(resolved.threshold == f.threshold, "\(name): threshold \(String(describing: resolved.threshold))")
        #expect(metric.name == f.metricName, "\(name): name '\(metric.name)', Keras '\(f.metricName)'")
        #expect(f.logKeys.contains(metric.name), "\(name): '\(metric.name)' is not a Keras log key \(f.logKeys)")

        var accumulator = MetricAccumulator(metric)
        #expect(accumulator.result == 0)
        for batch in f.batches {
            try accumulator.update(output: batch.output.tensor, target: batch.target.tensor)
        }
        #expect(accumulator.result == f.result, "\(name): \(accumulator.result), Keras \(f.result)")

        // reset forgets everything: the same batches give the same result again.
        accumulator.reset()
        #expect(accumulator.result == 0)
        for batch in f.batches {
            try accumulator.update(output: batch.output.tensor, target: batch.target.tensor)
        }
        #expect(accumulator.result == f.result, "\(name) after reset")
    }

    @Test func accuracyResolvesFromTheShapesAlone() throws {
        func kind(_ id: String, _ out: [Int], _ target: [Int], _ loss: Loss = .binaryCrossentropy) throws -> Metric.Kind {
            try Metric.resolve(id, loss: loss, outputShape: out, targetShape: target).kind
        }
        #expect(try kind("accuracy", [1], [1]) == .binaryAccuracy(threshold: 0.5))
        #expect(try kind("Accuracy", [1], []) == .binaryAccuracy(threshold: 0.5))
        #expect(try kind("acc", [5], [], .sparseCategoricalCrossentropy) == .sparseCategoricalAccuracy)
        #expect(try kind("acc", [5], [1], .sparseCategoricalCrossentropy) == .sparseCategoricalAccuracy)
        #expect(try kind("accuracy", [5], [5], .categoricalCrossentropy) == .categoricalAccuracy)
        // Keras 3 ignores the loss: multi-label binary outputs get categorical accuracy.
        #expect(try kind("accuracy", [3], [3], .binaryCrossentropy) == .categoricalAccuracy)
        #expect(try Metric.resolve("ACC", loss: .binaryCrossentropy, outputShape: [1], targetShape: [1]).name == "ACC")
    }

    @Test(arguments: ["f1_score", "auc", "Binary_Accuracy", "PRECISION", "mse", ""])
    func unknownIdentifierListsTheValidNames(_ identifier: String) {
        do {
            _ = try Metric.resolve(identifier, loss: .binaryCrossentropy, outputShape: [1], targetShape: [1])
            Issue.record("'\(identifier)' was accepted")
        } catch let RecurrentError.invalidConfiguration(where: _, message: m) {
            #expect(m.contains("'\(identifier)'"), "\(m)")
            for name in ["accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
                         "precision", "recall"] {
                #expect(m.contains("'\(name)'"), "the message does not list \(name): \(m)")
            }
        } catch {
            Issue.record("expected invalidConfiguration, got \(error)")
        }
    }

    @Test func accuracyNeedsAFeatureAxis() {
        #expect(throws: RecurrentError.self) {
            _ = try Metric.resolve("accuracy", loss: .meanSquaredError, outputShape: [], targetShape: [])
        }
    }

    @Test func updateRejectsShapesThatDoNotFit() {
        let p = Tensor(uncheckedShape: [2, 3], data: [0.1, 0.2, 0.7, 0.5, 0.3, 0.2])
        let cases: [(Metric.Kind, Tensor)] = [
            (.categoricalAccuracy, Tensor(uncheckedShape: [2], data: [2, 0])),
            (.sparseCategoricalAccuracy, p),
            (.binaryAccuracy(threshold: 0.5), Tensor(uncheckedShape: [2], data: [1, 0])),
            (.precision(threshold: 0.5), Tensor(uncheckedShape: [3, 3], data: Array(repeating: 0, count: 9))),
            (.recall(threshold: 0.5), Tensor(uncheckedShape: [2, 1], data: [1, 0])),
        ]
        for (kind, target) in cases {
            var m = MetricAccumulator(Metric(name: "m", kind: kind))
            do {
                try m.update(output: p, target: target)
                Issue.record("\(kind): target \(target.shape) was accepted")
            } catch let RecurrentError.shapeMismatch(where: w, expected: _, found: found) {
                #expect(w == "metric 'm'" && found.contains("\(target.shape)"), "\(kind): \(w) \(found)")
            } catch {
                Issue.record("\(kind): expected shapeMismatch, got \(error)")
            }
        }
        var m = MetricAccumulator(Metric(name: "m", kind: .categoricalAccuracy))
        #expect(throws: RecurrentError.self) { try m.update(output: Tensor(uncheckedShape: [6], data: p.data), target: p) }
    }
}
