import Foundation
import Testing
import Recurrent

// Loader for the Keras 3 golden fixtures in `Tests/Fixtures/*.json`, written by
// `fixtures/generate.py` (see `Fixtures/README.md` for the format and the Keras semantics notes).

/// A tensor as stored in a fixture: `data` is flat, row-major.
struct FixtureTensor: Decodable, Sendable {
    let shape: [Int]
    let data: [Float]

    /// The `RecurrentTensor.Tensor` with this shape and data.
    var tensor: Tensor { Tensor(uncheckedShape: shape, data: data) }
}

/// The selected `get_config()` keys of a fixture layer; absent keys are nil.
///
/// `kernelSize`, `strides`, `poolSize` and `dilationRate` accept a plain int or a 1-element
/// list. A class (not a struct) because `Bidirectional` nests a layer spec inside its config.
final class FixtureConfig: Decodable, Sendable {
    let units: Int?
    let activation: String?
    let recurrentActivation: String?
    let useBias: Bool?
    let returnSequences: Bool?
    let returnState: Bool?
    let goBackwards: Bool?
    let zeroOutputForMask: Bool?
    let resetAfter: Bool?
    let filters: Int?
    let kernelSize: Int?
    let strides: Int?
    let padding: String?
    let dilationRate: Int?
    let poolSize: Int?
    let inputDim: Int?
    let outputDim: Int?
    let maskZero: Bool?
    let rate: Double?
    let mergeMode: String?
    let keepdims: Bool?
    /// `Bidirectional` only: the wrapped (forward) layer.
    let layer: FixtureLayerSpec?

    private enum CodingKeys: String, CodingKey {
        case units, activation, filters, padding, rate, keepdims, layer
        case recurrentActivation = "recurrent_activation"
        case useBias = "use_bias"
        case returnSequences = "return_sequences"
        case returnState = "return_state"
        case goBackwards = "go_backwards"
        case zeroOutputForMask = "zero_output_for_mask"
        case resetAfter = "reset_after"
        case kernelSize = "kernel_size"
        case strides
        case dilationRate = "dilation_rate"
        case poolSize = "pool_size"
        case inputDim = "input_dim"
        case outputDim = "output_dim"
        case maskZero = "mask_zero"
        case mergeMode = "merge_mode"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        units = try c.decodeIfPresent(Int.self, forKey: .units)
        activation = try c.decodeIfPresent(String.self, forKey: .activation)
        recurrentActivation = try c.decodeIfPresent(String.self, forKey: .recurrentActivation)
        useBias = try c.decodeIfPresent(Bool.self, forKey: .useBias)
        returnSequences = try c.decodeIfPresent(Bool.self, forKey: .returnSequences)
        returnState = try c.decodeIfPresent(Bool.self, forKey: .returnState)
        goBackwards = try c.decodeIfPresent(Bool.self, forKey: .goBackwards)
        zeroOutputForMask = try c.decodeIfPresent(Bool.self, forKey: .zeroOutputForMask)
        resetAfter = try c.decodeIfPresent(Bool.self, forKey: .resetAfter)
        filters = try c.decodeIfPresent(Int.self, forKey: .filters)
        kernelSize = try Self.intOrList(c, .kernelSize)
        strides = try Self.intOrList(c, .strides)
        padding = try c.decodeIfPresent(String.self, forKey: .padding)
        dilationRate = try Self.intOrList(c, .dilationRate)
        poolSize = try Self.intOrList(c, .poolSize)
        inputDim = try c.decodeIfPresent(Int.self, forKey: .inputDim)
        outputDim = try c.decodeIfPresent(Int.self, forKey: .outputDim)
        maskZero = try c.decodeIfPresent(Bool.self, forKey: .maskZero)
        rate = try c.decodeIfPresent(Double.self, forKey: .rate)
        mergeMode = try c.decodeIfPresent(String.self, forKey: .mergeMode)
        keepdims = try c.decodeIfPresent(Bool.self, forKey: .keepdims)
        layer = try c.decodeIfPresent(FixtureLayerSpec.self, forKey: .layer)
    }

    private static func intOrList(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Int? {
        guard c.contains(key), try !c.decodeNil(forKey: key) else { return nil }
        if let v = try? c.decode(Int.self, forKey: key) { return v }
        let list = try c.decode([Int].self, forKey: key)
        guard list.count == 1 else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: c, debugDescription: "expected an int or a 1-element list, got \(list)")
        }
        return list[0]
    }
}

/// A nested layer description (`Bidirectional`'s `config.layer`): class name and config.
struct FixtureLayerSpec: Decodable, Sendable {
    let className: String
    let config: FixtureConfig

    private enum CodingKeys: String, CodingKey {
        case className = "class"
        case config
    }
}

/// One Keras 3 golden case: layers with their weights, an input (and optional explicit mask),
/// the Keras outputs, the loss weights and the gradients of
/// `loss = Σᵢ sum(outputs[i] * lossWeights[i])`.
struct Fixture: Decodable, Sendable {
    /// A named weight (Keras name; `forward/…`, `backward/…` for Bidirectional).
    struct Weight: Decodable, Sendable {
        let name: String
        let shape: [Int]
        let data: [Float]
        var tensor: Tensor { Tensor(uncheckedShape: shape, data: data) }
    }

    /// One layer of the case, in application order.
    struct LayerEntry: Decodable, Sendable {
        /// Keras class name, e.g. `LSTM`, `Bidirectional`, `Dense`.
        let className: String
        let config: FixtureConfig
        /// In Keras `layer.weights` order.
        let weights: [Weight]

        /// The weight called `name`, if any.
        func weight(_ name: String) -> Weight? { weights.first { $0.name == name } }

        private enum CodingKeys: String, CodingKey {
            case className = "class"
            case config, weights
        }
    }

    /// The case name (the file name without `.json`).
    let name: String
    let kerasVersion: String
    let layers: [LayerEntry]
    /// The input; token ids as floats for `Embedding`.
    let input: FixtureTensor
    /// The explicit `(batch, timesteps)` mask passed to the call, 1 = real step; nil when none
    /// (also for `Embedding(mask_zero=True)` cases, whose mask comes from the ids).
    let mask: FixtureTensor?
    /// The layer output(s): `[output]`, or `[output, h]` / `[output, h, c]` with `return_state`.
    let outputs: [FixtureTensor]
    /// dLoss/dOutputs[i]: the fixed random tensors the loss multiplies the outputs by.
    let lossWeights: [FixtureTensor]
    /// dLoss/dInput; nil for integer (token id) inputs.
    let inputGradient: FixtureTensor?
    /// dLoss/dWeight keyed as in the file: the weight name, prefixed with `"<layer index>/"`
    /// in multi-layer cases. Prefer `gradient(layer:weight:)`.
    let weightGradients: [String: FixtureTensor]

    /// All gradients keyed as in the file's `grads` object: `"input"` (when not null) and the
    /// weight keys of `weightGradients`.
    var grads: [String: FixtureTensor] {
        var all = weightGradients
        if let inputGradient { all["input"] = inputGradient }
        return all
    }

    /// The first (usually only) layer.
    var layer: LayerEntry { layers[0] }

    /// dLoss/d(weight `weight` of layer `layer`), applying the key convention of the file.
    func gradient(layer: Int = 0, weight: String) -> FixtureTensor? {
        weightGradients[layers.count == 1 ? weight : "\(layer)/\(weight)"]
    }

    private enum CodingKeys: String, CodingKey {
        case name = "case"
        case kerasVersion = "keras_version"
        case layers, input, mask, outputs, grads
        case lossWeights = "loss_weights"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        kerasVersion = try c.decode(String.self, forKey: .kerasVersion)
        layers = try c.decode([LayerEntry].self, forKey: .layers)
        input = try c.decode(FixtureTensor.self, forKey: .input)
        mask = try c.decodeIfPresent(FixtureTensor.self, forKey: .mask)
        outputs = try c.decode([FixtureTensor].self, forKey: .outputs)
        lossWeights = try c.decode([FixtureTensor].self, forKey: .lossWeights)
        var grads = try c.decode([String: FixtureTensor?].self, forKey: .grads)
        inputGradient = grads.removeValue(forKey: "input") ?? nil
        weightGradients = grads.compactMapValues { $0 }
    }

    // MARK: Files

    /// `Tests/Fixtures`, found relative to this source file.
    static var directory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // RecurrentTestSupport/
            .deletingLastPathComponent()  // Tests/
            .appendingPathComponent("Fixtures", isDirectory: true)
    }

    /// Loads `Fixtures/<name>.json`.
    static func load(_ name: String) throws -> Fixture {
        let url = directory.appendingPathComponent(name + ".json")
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw FixtureError(message: "cannot read fixture '\(name)' at \(url.path): \(error)")
        }
        do {
            return try JSONDecoder().decode(Fixture.self, from: data)
        } catch {
            throw FixtureError(message: "cannot decode fixture '\(name)': \(error)")
        }
    }

    /// The case names (file names without `.json`) starting with `prefix`, sorted.
    static func all(prefix: String = "") -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files
            .filter { $0.hasSuffix(".json") && $0.hasPrefix(prefix) }
            .map { String($0.dropLast(".json".count)) }
            .sorted()
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Expects `actual` to match `expected` elementwise within `atol + rtol * |expected|`
/// (NaN never matches). On failure records one issue (`Issue.record`) naming `what`, the number of bad
/// elements and the worst one (multi-index, actual, expected, difference).
func assertClose(
    _ actual: Tensor, _ expected: Tensor, rtol: Float, atol: Float, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.shape == expected.shape else {
        Issue.record(
            "\(what): shape \(actual.shape) != expected \(expected.shape)", sourceLocation: sourceLocation)
        return
    }
    var bad = 0
    var worst = -1
    var worstExcess = -Float.infinity
    var maxDiff: Float = 0
    for i in 0..<expected.count {
        let a = actual.data[i], e = expected.data[i]
        let diff = abs(a - e)
        let tol = atol + rtol * abs(e)
        let excess: Float = diff.isNaN ? .infinity : diff - tol
        if !diff.isNaN { maxDiff = max(maxDiff, diff) }
        if excess > 0 || diff.isNaN {
            bad += 1
            if excess > worstExcess { worstExcess = excess; worst = i }
        }
    }
    guard bad > 0 else { return }
    var index: [Int] = []
    var rest = worst
    for n in expected.shape.reversed() {
        index.insert(rest % max(n, 1), at: 0)
        rest /= max(n, 1)
    }
    let a = actual.data[worst], e = expected.data[worst]
    Issue.record(
        """
        \(what): \(bad) of \(expected.count) elements differ beyond rtol \(rtol), atol \(atol) \
        (shape \(expected.shape), max |diff| \(maxDiff)); worst at \(index) (flat \(worst)): \
        actual \(a), expected \(e), |diff| \(abs(a - e))
        """,
        sourceLocation: sourceLocation)
}

/// A subfolder of `Fixtures/` holding one kind of golden file (`losses/`, `text/`,
/// `optimizers/`, `fit/`, …): the case names and a typed decoder whose errors name the file.
struct FixtureFolder: Sendable {
    let directory: URL

    init(_ name: String) {
        directory = Fixture.directory.appendingPathComponent(name, isDirectory: true)
    }

    /// The file names without `.json` starting with `prefix`, sorted.
    func names(prefix: String = "") -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".json") && $0.hasPrefix(prefix) }
            .map { String($0.dropLast(".json".count)) }
            .sorted()
    }

    /// Decodes `<name>.json`.
    func decode<T: Decodable>(_ name: String, as: T.Type = T.self) throws -> T {
        let url = directory.appendingPathComponent(name + ".json")
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw FixtureError(message: "cannot read fixture '\(name)' at \(url.path): \(error)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw FixtureError(message: "cannot decode fixture '\(name)' at \(url.path): \(error)")
        }
    }
}
