/// Samples and targets: `x` `(samples, …sample shape)`, `y` `(samples, …)` as the loss expects.
public typealias Dataset = (x: Tensor, y: Tensor)

extension Sequential {
    /// Trains the model (Keras `fit`), with Keras's semantics:
    /// - `validationSplit` takes the **last** fraction of the samples, before any shuffling
    ///   (Keras: `split_at = floor(samples · (1 − split))`); `validationData` replaces it.
    /// - `shuffle` draws a new order of the training samples every epoch from the model's
    ///   seeded `trainingGenerator` (the same seed gives the same run).
    /// - The logged `loss` is the mean of the batch losses weighted by batch size, over the
    ///   epoch so far; metrics accumulate over the epoch; `val_…` are computed on the validation
    ///   data at the end of each epoch with dropout off.
    /// - A loss that is NaN or infinite stops training after that batch, with a message that
    ///   names the epoch and step (also in `History.stopReason`); no later checkpoint is written.
    ///   So does a NaN or infinity that appears inside the network (a layer's finiteness check),
    ///   since the data are checked to be finite before training.
    /// - `initialEpoch` continues a run: epochs are numbered from it (use `completedEpochs` of a
    ///   loaded checkpoint).
    ///
    /// - Parameters:
    ///   - x: `(samples, …sample shape given to build)`; `y`: targets (see `Loss`).
    ///   - batchSize: samples per step (Keras default 32).
    ///   - callbacks: run in order after the progress display; a `History` is always added last.
    ///   - epochInputs: when given, called at the start of each epoch (after the callbacks'
    ///     `onEpochBegin`) with the epoch's index; its result replaces the training inputs for
    ///     that epoch: the same samples in the same order, shape `(training samples, …)`, that is
    ///     the first `floor(samples · (1 − validationSplit))` rows of `x` when splitting. Targets
    ///     and validation data stay as given. This is what a Keras `PyDataset` whose
    ///     `on_epoch_end` redraws its inputs does; here for subword regularization (new
    ///     segmentations each epoch, `SentencePieceModel.sampleEncode`). Its inputs are checked
    ///     as `x` is (shape, finite, token ids), naming the epoch.
    /// - Returns: the `History` of this call.
    /// - Throws: before any training, `notBuilt`, `invalidConfiguration` (not compiled),
    ///   `shapeMismatch` / `invalidValue` for x and y of different lengths, an empty dataset, a
    ///   batch size or epoch count ≤ 0, a validation split outside [0, 1) or leaving no sample on
    ///   one side, targets that do not fit the loss (checked over the whole dataset); during
    ///   training, layer errors and errors thrown by callbacks.
    @discardableResult
    public func fit(x: Tensor, y: Tensor, batchSize: Int = 32, epochs: Int = 1, validationSplit: Double = 0,
                    validationData: Dataset? = nil, shuffle: Bool = true, callbacks: [any Callback] = [],
                    verbose: Verbosity = .auto, initialEpoch: Int = 0,
                    epochInputs: ((_ epoch: Int) throws -> Tensor)? = nil) throws -> History {
        guard let compiled else {
            throw RecurrentError.invalidConfiguration(where: "fit", message: "the model must be compiled first (compile(optimizer:loss:metrics:))")
        }
        let inputShape = try inputShapeBuildingIfNeeded(x)
        try Self.checkPair(x, y, inputShape: inputShape, where: "fit")
        guard batchSize > 0 else {
            throw RecurrentError.invalidValue(where: "fit", expected: "a batch size > 0", found: "\(batchSize)")
        }
        guard epochs > 0, initialEpoch >= 0 else {
            throw RecurrentError.invalidValue(where: "fit", expected: "epochs > 0 and initialEpoch ≥ 0 (epochs is the index of the last epoch, as in Keras; initialEpoch ≥ epochs runs nothing)",
                                              found: "epochs \(epochs), initialEpoch \(initialEpoch)")
        }
        guard validationSplit >= 0, validationSplit < 1 else {
            throw RecurrentError.invalidValue(where: "fit", expected: "a validation split in [0, 1)", found: "\(validationSplit)")
        }
        var train: Dataset = (x, y)
        var validation = validationData
        if validation == nil && validationSplit > 0 {
            let n = x.shape[0]
            let splitAt = Int((Double(n) * (1 - validationSplit)).rounded(.down))
            guard splitAt > 0, splitAt < n else {
                throw RecurrentError.invalidValue(
                    where: "fit", expected: "a validation split that leaves samples for training and validation",
                    found: "split \(validationSplit) of \(n) samples gives \(splitAt) for training")
            }
            train = (x.rows(0..<splitAt), y.rows(0..<splitAt))
            validation = (x.rows(splitAt..<n), y.rows(splitAt..<n))
        }
        let outputShape = try self.outputShape(forSample: Array(x.shape.dropFirst()))
        try compiled.loss.validate(outputShape: outputShape, target: train.y)
        if let validation {
            try Self.checkPair(validation.x, validation.y, inputShape: inputShape, where: "fit validation data")
            try compiled.loss.validate(outputShape: self.outputShape(forSample: Array(validation.x.shape.dropFirst())), target: validation.y)
        }
        let metrics = try compiled.metrics.map {
            try Metric.resolve($0, loss: compiled.loss, outputShape: outputShape, targetShape: Array(train.y.shape.dropFirst()))
        }

        let n = train.x.shape[0]
        let steps = (n + batchSize - 1) / batchSize
        try checkTokenIDs(train.x, where: "fit x")
        if let validation { try checkTokenIDs(validation.x, where: "fit validation x") }
        let history = History()
        // Keras's order: the user's callbacks, the History, then the progress display, which
        // thus shows what the callbacks logged. A ProgressLogger among the callbacks replaces
        // the default one.
        var all: [any Callback] = callbacks.filter { !($0 is ProgressLogger) }
        all.append(history)
        if let given = callbacks.first(where: { $0 is ProgressLogger }) {
            all.append(given)
        } else if verbose.resolved != .silent {
            all.append(ProgressLogger(verbose))
        }
        let progressLogger = all.last as? ProgressLogger
        for case let progress as ProgressLogger in all {
            progress.epochs = epochs
            progress.steps = steps
        }

        stopTraining = false
        for c in all { try c.onTrainBegin(model: self) }
        var lastLogs: Logs = [:]
        epochLoop: for epoch in stride(from: initialEpoch, to: epochs, by: 1) {
            for c in all { try c.onEpochBegin(model: self, epoch: epoch) }
            if let epochInputs {
                let x = try epochInputs(epoch)
                let place = "fit epochInputs (epoch \(epoch + 1))"
                guard x.shape == train.x.shape else {
                    throw RecurrentError.shapeMismatch(where: place, expected: "x of shape \(train.x.shape) (the training samples, validation excluded)",
                                                       found: "shape \(x.shape)")
                }
                try Check.finite(x, layer: "\(place) x")
                try checkTokenIDs(x, where: place)
                train.x = x
            }
            // A fresh permutation of 0..<n each epoch, drawn from the saved generator alone, so
            // a resumed run draws the same orders.
            var order = Array(0..<n)
            if shuffle { order.shuffle(using: &trainingGenerator) }
            var lossTotal: Float = 0, lossCount: Float = 0
            var accumulators = metrics.map(MetricAccumulator.init)
            var logs: Logs = [:]
            for step in 0..<steps {
                for c in all { try c.onTrainBatchBegin(model: self, batch: step) }
                let indices = order[(step * batchSize)..<min(n, (step + 1) * batchSize)]
                let bx = train.x.rows(indices), by = train.y.rows(indices)
                // The data were checked finite before training, so a non-finite value inside the
                // network means training diverged: it is reported like a NaN loss.
                let output: Tensor
                do {
                    output = try forward(bx, training: true)
                } catch let RecurrentError.nonFinite(place, _, found) {
                    let reason = "Epoch \(epoch + 1), step \(step + 1)/\(steps): training diverged (\(found) inside \(place)); training stopped (no checkpoint is written for this epoch)"
                    history.stopReason = reason
                    progressLogger?.stopped(reason: reason)
                    lastLogs = logs
                    break epochLoop
                }
                let (input, fromLogits, denseLogits) = lossInputs(output, loss: compiled.loss)
                let (value, grad) = try compiled.loss.evaluate(input, target: by, fromLogits: fromLogits)
                // Keras's loss tracker: Mean with sample_weight = batch size (float32 variables).
                lossTotal += value * Float(indices.count)
                lossCount += Float(indices.count)
                for i in accumulators.indices { try accumulators[i].update(output: output, target: by) }
                logs = Self.logs(loss: lossTotal / lossCount, accumulators)
                if !value.isFinite {
                    let reason = "Epoch \(epoch + 1), step \(step + 1)/\(steps): the loss is \(value); training stopped (no checkpoint is written for this epoch)"
                    history.stopReason = reason
                    progressLogger?.stopped(reason: reason)
                    for c in all { try c.onTrainBatchEnd(model: self, batch: step, logs: logs) }
                    lastLogs = logs
                    break epochLoop
                }
                try backward(grad, fromLogits: denseLogits)
                try compiled.optimizer.step(parameters)
                for c in all { try c.onTrainBatchEnd(model: self, batch: step, logs: logs) }
                if stopTraining { break }
            }
            if let validation {
                let v = try evaluateLogs(validation.x, validation.y, batchSize: batchSize, loss: compiled.loss, metrics: metrics)
                for (k, value) in v { logs["val_" + k] = value }
            }
            completedEpochs = epoch + 1
            for c in all { try c.onEpochEnd(model: self, epoch: epoch, logs: &logs) }
            lastLogs = logs
            if stopTraining { break }
        }
        if stopTraining && history.stopReason == nil { history.stopReason = "stopped by a callback" }
        // Updates an optimizer put off (see `DeferredRowUpdates`) are applied now, so that the
        // weights and the optimizer's state are current and the optimizer is not kept alive.
        for p in parameters { p.applyDeferredUpdates() }
        for c in all { try c.onTrainEnd(model: self, logs: lastLogs) }
        return history
    }

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

    /// When the first layer is an `Embedding`, checks every token id of the dataset before
    /// training, naming the sample (not the position in a batch).
    func checkTokenIDs(_ x: Tensor, where place: String) throws {
        guard let embedding = layers.first as? Embedding else { return }
        let perSample = max(x.count / max(x.shape[0], 1), 1)
        let limit = Float(embedding.inputDim)
        try x.withUnsafeBufferPointer { p in
            for i in 0..<p.count {
                let v = p[i]
                guard v >= 0, v < limit, v == v.rounded() else {
                    throw RecurrentError.invalidValue(
                        where: place, expected: "token ids that are integers in [0, \(embedding.inputDim)) for layer \(embedding.name)",
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
