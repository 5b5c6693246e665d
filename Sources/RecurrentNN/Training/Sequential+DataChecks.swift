extension Sequential {
    /// The built input shape (nil for an unknown axis); an unbuilt model is built for the sample
    /// shape of `x` (with seed 0), as Keras builds a model on its first input.
    func inputShapeBuildingIfNeeded(_ x: Tensor) throws -> [Int?] {
        if let inputShape { return inputShape }
        guard x.rank >= 2 else {
            throw RecurrentError.shapeMismatch(where: name, expected: "a batch of samples (samples, …) to build the model from", found: "shape \(x.shape)")
        }
        try build(inputShape: Array(x.shape.dropFirst()))
        return Array(x.shape.dropFirst())
    }

    /// When the first layer takes token ids (`TokenInputLayer`, an `Embedding`), checks every
    /// id of the dataset before training, naming the sample (not the position in a batch).
    func checkTokenIDs(_ x: Tensor, where place: String) throws {
        guard let embedding = layers.first as? any TokenInputLayer else { return }
        let perSample = max(x.count / max(x.shape[0], 1), 1)
        let limit = Float(embedding.tokenCount)
        try x.withUnsafeBufferPointer { p in
            for i in 0..<p.count {
                let v = p[i]
                guard v >= 0, v < limit, v == v.rounded() else {
                    throw RecurrentError.invalidValue(
                        where: place, expected: "token ids that are integers in [0, \(embedding.tokenCount)) for layer \(embedding.name)",
                        found: "\(v) in sample \(i / perSample) at position \(i % perSample)")
                }
            }
        }
    }

    static func logs(loss: Float, _ accumulators: [MetricAccumulator]) -> Logs {
        var logs: Logs = ["loss": Double(loss)]
        for a in accumulators { logs[a.metric.name] = Double(a.result) }
        return logs
    }

    /// Checks `x` (finite, at least one sample, samples of `inputShape`, any length ≥ 1 on an
    /// unknown axis) and `y` (finite, one target per sample).
    static func checkPair(_ x: Tensor, _ y: Tensor, inputShape: [Int?], where place: String) throws {
        try Check.finite(x, layer: "\(place) x")
        try Check.finite(y, layer: "\(place) y")
        guard let n = x.shape.first, n > 0 else {
            throw RecurrentError.shapeMismatch(where: place, expected: "at least one sample", found: "x of shape \(x.shape)")
        }
        guard sample(Array(x.shape.dropFirst()), fits: inputShape) else {
            let axes = inputShape.map { $0.map(String.init) ?? "None" }
            throw RecurrentError.shapeMismatch(where: place, expected: "x of shape (samples, \(axes.joined(separator: ", ")))",
                                               found: "shape \(x.shape)")
        }
        guard y.shape.first == n else {
            throw RecurrentError.shapeMismatch(where: place, expected: "as many targets as samples (\(n))",
                                               found: "y of shape \(y.shape)")
        }
    }
}
