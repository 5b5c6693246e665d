@testable import RecurrentTestSupport
import Foundation
import Recurrent

// Loader for the Keras 3 optimizer fixtures in `Tests/Fixtures/optimizers/*.json`,
// written by `fixtures/optimizers.py` (see `Fixtures/optimizers/README.md` for the format).

/// One Keras optimizer case: the optimizer's class and `get_config()`, the initial variables,
/// and three successive steps with their gradients and the Keras values after each.
struct OptimizerFixture: Decodable, Sendable {
    struct Variable: Decodable, Sendable {
        let name: String
        let shape: [Int]
        let data: [Float]
        var tensor: Tensor { Tensor(uncheckedShape: shape, data: data) }
    }

    struct OptimizerSpec: Decodable, Sendable {
        /// Keras class name: `SGD`, `RMSprop`, `Adam`, `AdamW`.
        let className: String
        /// `optimizer.get_config()`.
        let config: [String: JSONValue]

        private enum CodingKeys: String, CodingKey {
            case className = "class"
            case config
        }
    }

    struct Step: Decodable, Sendable {
        /// The learning rate this step used (float32 widened), read before the step.
        let learningRate: Double
        /// One per variable, in order.
        let gradients: [FixtureTensor]
        /// The variables after the step.
        let variables: [FixtureTensor]
        /// Per variable, its slots by Keras name after the step.
        let slots: [[String: FixtureTensor]]

        private enum CodingKeys: String, CodingKey {
            case learningRate = "learning_rate"
            case gradients, variables, slots
        }
    }

    let name: String
    let kerasVersion: String
    let optimizer: OptimizerSpec
    /// The initial variables.
    let variables: [Variable]
    let steps: [Step]

    private enum CodingKeys: String, CodingKey {
        case name = "case"
        case kerasVersion = "keras_version"
        case optimizer, variables, steps
    }

    /// Loads `Fixtures/optimizers/<name>.json`.
    static func load(_ name: String) throws -> OptimizerFixture { try FixtureFolder("optimizers").decode(name) }

    /// The case names, sorted.
    static func all() -> [String] { FixtureFolder("optimizers").names() }

    /// Fresh parameters holding the initial variables.
    func makeParameters() -> [Parameter] {
        variables.map { Parameter(name: $0.name, value: $0.tensor) }
    }
}
