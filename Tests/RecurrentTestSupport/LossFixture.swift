import Foundation
import Recurrent

// Loaders for the Keras 3 golden files of losses and metrics in
// `Tests/Fixtures/losses/`, written by `fixtures/losses_metrics.py` (see the
// README.md there for the format).

/// One loss case (`loss_<case>.json`): a Keras loss object on fixed outputs and targets.
struct LossFixture: Decodable, Sendable {
    let name: String
    /// The Keras loss identifier, e.g. `binary_crossentropy`.
    let loss: String
    let fromLogits: Bool
    /// `(batch, k)` probabilities/predictions, or logits when `fromLogits`.
    let output: FixtureTensor
    let target: FixtureTensor
    /// The loss with reduction `"sum_over_batch_size"`.
    let value: Float
    /// d value / d output (`tf.GradientTape`).
    let gradient: FixtureTensor

    private enum CodingKeys: String, CodingKey {
        case name = "case"
        case fromLogits = "from_logits"
        case loss, output, target, value, gradient
    }

    static func load(_ name: String) throws -> LossFixture { try LossFixtureFiles.decode(name) }
}

/// One metric case (`metric_<case>.json`): what `model.compile(metrics: [identifier])` resolved
/// and the metric's result after two `update_state` calls.
struct MetricFixture: Decodable, Sendable {
    struct Batch: Decodable, Sendable {
        let output: FixtureTensor
        let target: FixtureTensor
    }

    let name: String
    let identifier: String
    let loss: String
    let outputShape: [Int]
    let targetShape: [Int]
    /// The Keras class, e.g. `BinaryAccuracy`.
    let resolvedClass: String
    /// The metric's name, i.e. its log key.
    let metricName: String
    let threshold: Float?
    /// Keys of `model.evaluate(return_dict=True)`.
    let logKeys: [String]
    let batches: [Batch]
    let result: Float

    private enum CodingKeys: String, CodingKey {
        case name = "case"
        case outputShape = "output_shape"
        case targetShape = "target_shape"
        case resolvedClass = "resolved_class"
        case metricName = "name"
        case logKeys = "log_keys"
        case identifier, loss, threshold, batches, result
    }

    static func load(_ name: String) throws -> MetricFixture { try LossFixtureFiles.decode(name) }
}

enum LossFixtureFiles {
    /// `Tests/Fixtures/losses`.
    static let folder = FixtureFolder("losses")
    static func all(prefix: String) -> [String] { folder.names(prefix: prefix) }
    static func decode<T: Decodable>(_ name: String) throws -> T { try folder.decode(name) }
}
