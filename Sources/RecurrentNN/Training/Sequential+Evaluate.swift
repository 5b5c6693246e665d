extension Sequential {
    /// The loss and metrics on a dataset (Keras `evaluate` with `return_dict=True`), with
    /// dropout off: `["loss": …, "accuracy": …]`, each the mean over all samples (the loss as
    /// the batch-size-weighted mean of batch losses, as Keras).
    /// - Throws: as `fit` for the data, and `invalidConfiguration` when not compiled.
    public func evaluate(x: Tensor, y: Tensor, batchSize: Int = 32) throws -> [String: Double] {
        guard let compiled else {
            throw RecurrentError.invalidConfiguration(where: "evaluate", message: "the model must be compiled first (compile(optimizer:loss:metrics:))")
        }
        let inputShape = try inputShapeBuildingIfNeeded(x)
        try Self.checkPair(x, y, inputShape: inputShape, where: "evaluate")
        try checkTokenIDs(x, where: "evaluate x")
        guard batchSize > 0 else {
            throw RecurrentError.invalidValue(where: "evaluate", expected: "a batch size > 0", found: "\(batchSize)")
        }
        let outputShape = try self.outputShape(forSample: Array(x.shape.dropFirst()))
        try compiled.loss.validate(outputShape: outputShape, target: y)
        let metrics = try compiled.metrics.map {
            try Metric.resolve($0, loss: compiled.loss, outputShape: outputShape, targetShape: Array(y.shape.dropFirst()))
        }
        return try evaluateLogs(x, y, batchSize: batchSize, loss: compiled.loss, metrics: metrics)
    }

    func evaluateLogs(_ x: Tensor, _ y: Tensor, batchSize: Int, loss: Loss, metrics: [Metric]) throws -> Logs {
        let n = x.shape[0]
        var lossTotal: Float = 0, lossCount: Float = 0
        var accumulators = metrics.map(MetricAccumulator.init)
        var start = 0
        while start < n {
            let range = start..<min(n, start + batchSize)
            let bx = x.rows(range), by = y.rows(range)
            let output = try withoutBackward { try forward(bx, training: false) }
            let (input, fromLogits, _) = lossInputs(output, loss: loss)
            let value = try loss.evaluate(input, target: by, fromLogits: fromLogits).loss
            lossTotal += value * Float(range.count)
            lossCount += Float(range.count)
            for i in accumulators.indices { try accumulators[i].update(output: output, target: by) }
            start = range.upperBound
        }
        return Self.logs(loss: lossTotal / lossCount, accumulators)
    }
}
