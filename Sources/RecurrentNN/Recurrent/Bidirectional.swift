/// How `Bidirectional` combines its two directions (Keras `merge_mode`).
public enum MergeMode: String, Sendable, CaseIterable {
    /// Forward features, then backward features: width `2·units`.
    case concat
    case sum
    case mul
    /// (forward + backward) / 2.
    case ave
}

/// Keras `Bidirectional` (keras/src/layers/rnn/bidirectional.py): runs `layer` forward and a copy
/// of it backward (`goBackwards` toggled) over the same input and mask, and merges the outputs.
///
/// Input `(batch, timesteps, features)`. Output `(batch, units)` or, with `returnSequences`,
/// `(batch, timesteps, units)`, times 2 on the last axis for `concat`. With `returnSequences` the
/// backward output is flipped back into input order before merging, and both directions output
/// zeros at masked steps (Keras sets `zero_output_for_mask = return_sequences` on both).
/// Weights: the forward layer's, then the backward layer's (twice the wrapped layer's count).
public final class Bidirectional: Layer, RecordsForBackward {
    public var name: String
    public let typeName = "Bidirectional"
    public let forwardLayer: RecurrentLayer
    public let backwardLayer: RecurrentLayer
    public let mergeMode: MergeMode

    public var parameters: [Parameter] { forwardLayer.parameters + backwardLayer.parameters }
    public var isBuilt: Bool { forwardLayer.isBuilt && backwardLayer.isBuilt }
    public var returnSequences: Bool { forwardLayer.returnSequences }

    /// The forward layer's generator, then the backward layer's.
    public var randomGenerators: [RandomGenerator] {
        get { forwardLayer.randomGenerators + backwardLayer.randomGenerators }
        set {
            guard newValue.count == 2 else { return }
            forwardLayer.randomGenerators = [newValue[0]]
            backwardLayer.randomGenerators = [newValue[1]]
        }
    }

    /// Both directions' `recordsForBackward` (reads the forward one's).
    public var recordsForBackward: Bool {
        get { forwardLayer.recordsForBackward }
        set {
            forwardLayer.recordsForBackward = newValue
            backwardLayer.recordsForBackward = newValue
        }
    }

    private var lastForward: Tensor?
    private var lastBackward: Tensor?

    /// - Parameters:
    ///   - layer: the forward layer; its copy with `goBackwards` toggled runs the other way.
    ///     They are named `forward_<name>` and `backward_<name>`, where `<name>` is the layer's
    ///     name without a `forward_` prefix (Keras: `removeprefix`), so a rebuilt wrapper keeps
    ///     the names.
    ///   - mergeMode: how outputs are combined (Keras default `concat`).
    public init(_ layer: RecurrentLayer, mergeMode: MergeMode = .concat, name: String = "bidirectional") {
        self.name = name
        self.mergeMode = mergeMode
        layer.zeroOutputForMask = layer.returnSequences
        let base = layer.name.hasPrefix("forward_") ? String(layer.name.dropFirst("forward_".count)) : layer.name
        forwardLayer = layer
        backwardLayer = layer.makeCopy(name: "backward_" + base, goBackwards: !layer.goBackwards)
        forwardLayer.name = "forward_" + base
    }

    /// Keras `get_config` keys: `name`, `trainable`, `merge_mode`, `layer` and `backward_layer`,
    /// the two directions as Keras serialises them (`LayerRegistry.spec(of:)`: `{"module":
    /// "keras.layers", "class_name": "LSTM", "config": {…}, "registered_name": null}`). Keras
    /// needs `backward_layer` to rebuild a wrapper whose layer goes backwards (without it, Keras
    /// makes both directions go backwards and raises).
    public var config: [String: JSONValue] {
        baseConfig.merging([
            "merge_mode": .string(mergeMode.rawValue),
            "layer": LayerRegistry.spec(of: forwardLayer),
            "backward_layer": LayerRegistry.spec(of: backwardLayer),
        ]) { $1 }
    }

    /// Rebuilds the wrapper and its layer from `config` (`layer` required: a `SimpleRNN`, `LSTM`
    /// or `GRU` as `{"class_name", "config"}`; `merge_mode` default concat). `backward_layer`,
    /// when given, must be what Recurrent builds: the layer with `go_backwards` toggled, named
    /// `backward_<name>` (Keras allows any layer there).
    /// - Throws: `invalidConfiguration` naming the layer and the key that is missing or invalid,
    ///   or any error of the wrapped layer's configuration.
    public convenience init(config: [String: JSONValue]) throws {
        let r = ConfigReader(typeName: "Bidirectional", config: config)
        let mergeMode = try r.optional("merge_mode", .concat, "'concat', 'sum', 'mul' or 'ave'") { v in
            v.stringValue.flatMap(MergeMode.init(rawValue:))
        }
        let spec = try r.required("layer", "{\"class_name\": \"LSTM\", \"config\": {…}} of a SimpleRNN, LSTM or GRU") { v -> (String, [String: JSONValue])? in
            guard let type = v["class_name"]?.stringValue, let c = v["config"]?.objectValue else { return nil }
            return (type, c)
        }
        guard let inner = try LayerRegistry.make(typeName: spec.0, config: spec.1) as? RecurrentLayer else {
            throw r.error("layer", expected: "a SimpleRNN, LSTM or GRU", found: .string(spec.0))
        }
        self.init(inner, mergeMode: mergeMode, name: try r.name(default: "bidirectional"))
        let expected = backwardLayer.config
        _ = try r.optional("backward_layer", expected, "\(backwardLayer.typeName) \(expected) (the layer with go_backwards toggled)") { v in
            guard let type = v["class_name"]?.stringValue, let c = v["config"]?.objectValue,
                  let config = try? LayerRegistry.make(typeName: type, config: c).config, config == expected else { return nil }
            return config
        }
        _ = try r.trainable()
        try r.finish()
    }

    public func build(inputShape: [Int], rng: inout RandomGenerator) throws {
        try forwardLayer.build(inputShape: inputShape, rng: &rng)
        try backwardLayer.build(inputShape: inputShape, rng: &rng)
    }

    public func outputShape(inputShape: [Int]) throws -> [Int] {
        var s = try forwardLayer.outputShape(inputShape: inputShape)
        if mergeMode == .concat { s[s.count - 1] *= 2 }
        return s
    }

    public func outputMask(input: Tensor, mask: Tensor?) -> Tensor? { returnSequences ? mask : nil }

    public func forward(_ input: Tensor, mask: Tensor?, training: Bool) throws -> Tensor {
        let yf = try forwardLayer.forward(input, mask: mask, training: training)
        var yb = try backwardLayer.forward(input, mask: mask, training: training)
        if returnSequences { yb = Self.reverseTime(yb) }
        lastForward = yf
        lastBackward = yb
        let U = forwardLayer.units, rows = yf.count / U
        switch mergeMode {
        case .concat:
            var out = Tensor(shape: Array(yf.shape.dropLast()) + [2 * U])
            out.withUnsafeMutableBufferPointer { o in
                for r in 0..<rows {
                    for u in 0..<U {
                        o[r * 2 * U + u] = yf.data[r * U + u]
                        o[r * 2 * U + U + u] = yb.data[r * U + u]
                    }
                }
            }
            return out
        case .sum: return Tensor(uncheckedShape: yf.shape, data: zip(yf.data, yb.data).map { $0 + $1 })
        case .mul: return Tensor(uncheckedShape: yf.shape, data: zip(yf.data, yb.data).map { $0 * $1 })
        case .ave: return Tensor(uncheckedShape: yf.shape, data: zip(yf.data, yb.data).map { ($0 + $1) / 2 })
        }
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) throws -> Tensor? {
        guard let yf = lastForward, let yb = lastBackward else {
            throw RecurrentError.invalidConfiguration(where: name, message: "backward called before forward")
        }
        let U = forwardLayer.units, rows = yf.count / U
        var expected = yf.shape
        if mergeMode == .concat { expected[expected.count - 1] *= 2 }
        guard gradOutput.shape == expected else {
            throw RecurrentError.shapeMismatch(where: name, expected: "an output gradient of shape \(expected)",
                                               found: "shape \(gradOutput.shape)")
        }
        var df = Tensor(shape: yf.shape), db = Tensor(shape: yf.shape)
        let g = gradOutput.data
        for r in 0..<rows {
            for u in 0..<U {
                let i = r * U + u
                switch mergeMode {
                case .concat: df.data[i] = g[r * 2 * U + u]; db.data[i] = g[r * 2 * U + U + u]
                case .sum: df.data[i] = g[i]; db.data[i] = g[i]
                case .mul: df.data[i] = g[i] * yb.data[i]; db.data[i] = g[i] * yf.data[i]
                case .ave: df.data[i] = g[i] / 2; db.data[i] = g[i] / 2
                }
            }
        }
        if returnSequences { db = Self.reverseTime(db) }
        let dxf = try forwardLayer.backward(df, needsInputGradient: needsInputGradient)
        let dxb = try backwardLayer.backward(db, needsInputGradient: needsInputGradient)
        guard needsInputGradient, var dx = dxf, let dxb else { return nil }
        for i in 0..<dx.count { dx.data[i] += dxb.data[i] }
        return dx
    }

    /// Reverses a `(batch, timesteps, features)` tensor along the time axis.
    static func reverseTime(_ x: Tensor) -> Tensor {
        let B = x.shape[0], T = x.shape[1], F = x.shape[2]
        var out = Tensor(shape: x.shape)
        for b in 0..<B {
            for t in 0..<T {
                for f in 0..<F { out.data[(b * T + t) * F + f] = x.data[(b * T + T - 1 - t) * F + f] }
            }
        }
        return out
    }
}
