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
        let (train, validation, metrics) = try fitData(x: x, y: y, inputShape: inputShape, validationSplit: validationSplit,
                                                       validationData: validationData, loss: compiled.loss, metrics: compiled.metrics)
        let loop = FitLoop(model: self, compiled: compiled, train: train, validation: validation, metrics: metrics,
                           batchSize: batchSize, shuffle: shuffle, epochInputs: epochInputs,
                           callbacks: callbacks, verbose: verbose, epochs: epochs)
        try training(with: compiled.optimizer) { try loop.run(from: initialEpoch, to: epochs) }
        return loop.history
    }

    /// The training and validation data of `fit`, checked, and its metrics resolved.
    private func fitData(x: Tensor, y: Tensor, inputShape: [Int?], validationSplit: Double, validationData: Dataset?,
                         loss: Loss, metrics: [String]) throws -> (Dataset, Dataset?, [Metric]) {
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
        try loss.validate(outputShape: outputShape, target: train.y)
        if let validation {
            try Self.checkPair(validation.x, validation.y, inputShape: inputShape, where: "fit validation data")
            try loss.validate(outputShape: self.outputShape(forSample: Array(validation.x.shape.dropFirst())), target: validation.y)
        }
        let resolved = try metrics.map {
            try Metric.resolve($0, loss: loss, outputShape: outputShape, targetShape: Array(train.y.shape.dropFirst()))
        }
        try checkTokenIDs(train.x, where: "fit x")
        if let validation { try checkTokenIDs(validation.x, where: "fit validation x") }
        return (train, validation, resolved)
    }
}

/// The epochs of one `fit` call: its data, callbacks and running logs. The optimizer's held-back
/// updates (see `Optimizer.synchronize`) are applied before anything but the training steps
/// reads the weights: validation, `onEpochEnd` and `onTrainEnd`, and the batch hooks when a
/// callback `readsWeightsEachBatch`.
private final class FitLoop {
    let model: Sequential
    let compiled: CompileConfiguration
    var train: Dataset
    let validation: Dataset?
    let metrics: [Metric]
    let batchSize: Int, steps: Int
    let shuffle: Bool
    let epochInputs: ((_ epoch: Int) throws -> Tensor)?
    let callbacks: [any Callback]
    let history = History()
    let progressLogger: ProgressLogger?
    let synchronizesEachBatch: Bool
    var lastLogs: Logs = [:]

    init(model: Sequential, compiled: CompileConfiguration, train: Dataset, validation: Dataset?, metrics: [Metric],
         batchSize: Int, shuffle: Bool, epochInputs: ((_ epoch: Int) throws -> Tensor)?,
         callbacks: [any Callback], verbose: Verbosity, epochs: Int) {
        self.model = model
        self.compiled = compiled
        self.train = train
        self.validation = validation
        self.metrics = metrics
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.epochInputs = epochInputs
        steps = (train.x.shape[0] + batchSize - 1) / batchSize
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
        progressLogger = all.last as? ProgressLogger
        for case let progress as ProgressLogger in all {
            progress.epochs = epochs
            progress.steps = steps
        }
        self.callbacks = all
        synchronizesEachBatch = all.contains { $0.readsWeightsEachBatch }
    }

    func synchronize() { compiled.optimizer.synchronize(model.parameters) }

    func run(from initialEpoch: Int, to epochs: Int) throws {
        model.stopTraining = false
        for c in callbacks { try c.onTrainBegin(model: model) }
        for epoch in stride(from: initialEpoch, to: epochs, by: 1) {
            for c in callbacks { try c.onEpochBegin(model: model, epoch: epoch) }
            try replaceInputs(epoch: epoch)
            guard var logs = try trainEpoch(epoch) else { break }
            synchronize()
            if let validation {
                let v = try model.evaluateLogs(validation.x, validation.y, batchSize: batchSize, loss: compiled.loss, metrics: metrics)
                for (k, value) in v { logs["val_" + k] = value }
            }
            model.completedEpochs = epoch + 1
            for c in callbacks { try c.onEpochEnd(model: model, epoch: epoch, logs: &logs) }
            lastLogs = logs
            if model.stopTraining { break }
        }
        if model.stopTraining && history.stopReason == nil { history.stopReason = "stopped by a callback" }
        synchronize()
        for c in callbacks { try c.onTrainEnd(model: model, logs: lastLogs) }
    }

    /// With `epochInputs`, this epoch's training inputs, checked as `x` was.
    func replaceInputs(epoch: Int) throws {
        guard let epochInputs else { return }
        let x = try epochInputs(epoch)
        let place = "fit epochInputs (epoch \(epoch + 1))"
        guard x.shape == train.x.shape else {
            throw RecurrentError.shapeMismatch(where: place, expected: "x of shape \(train.x.shape) (the training samples, validation excluded)",
                                               found: "shape \(x.shape)")
        }
        try Check.finite(x, layer: "\(place) x")
        try model.checkTokenIDs(x, where: place)
        train.x = x
    }

    /// The training steps of one epoch; returns its logs, or nil when training diverged (a
    /// non-finite loss, or a non-finite value inside the network: the data were checked finite).
    func trainEpoch(_ epoch: Int) throws -> Logs? {
        let n = train.x.shape[0]
        // A fresh permutation of 0..<n each epoch, drawn from the saved generator alone, so
        // a resumed run draws the same orders.
        var order = Array(0..<n)
        if shuffle { order.shuffle(using: &model.trainingGenerator) }
        var lossTotal: Float = 0, lossCount: Float = 0
        var accumulators = metrics.map(MetricAccumulator.init)
        var logs: Logs = [:]
        for step in 0..<steps {
            if synchronizesEachBatch { synchronize() }
            for c in callbacks { try c.onTrainBatchBegin(model: model, batch: step) }
            let indices = order[(step * batchSize)..<min(n, (step + 1) * batchSize)]
            let by = train.y.rows(indices)
            let outcome: (loss: Float, output: Tensor, updated: Bool)
            do {
                outcome = try model.trainStep(train.x.rows(indices), by, loss: compiled.loss,
                                              optimizer: compiled.optimizer, stopsOnNonFiniteLoss: true)
            } catch let RecurrentError.nonFinite(place, _, found) {
                stop("Epoch \(epoch + 1), step \(step + 1)/\(steps): training diverged (\(found) inside \(place))", logs: logs)
                return nil
            }
            // Keras's loss tracker: Mean with sample_weight = batch size (float32 variables).
            lossTotal += outcome.loss * Float(indices.count)
            lossCount += Float(indices.count)
            for i in accumulators.indices { try accumulators[i].update(output: outcome.output, target: by) }
            logs = Sequential.logs(loss: lossTotal / lossCount, accumulators)
            if synchronizesEachBatch { synchronize() }
            if !outcome.updated {
                stop("Epoch \(epoch + 1), step \(step + 1)/\(steps): the loss is \(outcome.loss)", logs: logs)
                for c in callbacks { try c.onTrainBatchEnd(model: model, batch: step, logs: logs) }
                return nil
            }
            for c in callbacks { try c.onTrainBatchEnd(model: model, batch: step, logs: logs) }
            if model.stopTraining { break }
        }
        return logs
    }

    func stop(_ what: String, logs: Logs) {
        let reason = what + "; training stopped (no checkpoint is written for this epoch)"
        history.stopReason = reason
        progressLogger?.stopped(reason: reason)
        lastLogs = logs
    }
}
