extension Sequential {
    /// One training step on a batch (Keras `train_on_batch`): forward in training mode, the
    /// loss (from the logits of a final `LogitsProducingLayer`, a sigmoid/softmax `Dense`, for
    /// cross-entropies, as Keras on TensorFlow), backward, and one optimizer update. Returns the
    /// batch loss (mean over the batch). The weights are current when it returns (nothing the
    /// optimizer held back is left pending, see `Optimizer.synchronize`).
    ///
    /// Shapes: `x` `(batch, …sample shape)`; `y` `(batch, k)` like the output for binary
    /// cross-entropy and MSE (`(batch)` also accepted when k = 1), `(batch)` or `(batch, 1)`
    /// class ids for sparse categorical cross-entropy.
    /// - Throws: layer errors, and `shapeMismatch`/`invalidValue` for targets that do not fit.
    @discardableResult
    public func trainOnBatch(_ x: Tensor, _ y: Tensor, loss: Loss, optimizer: any Optimizer) throws -> Float {
        try training(with: optimizer) { try trainStep(x, y, loss: loss, optimizer: optimizer).loss }
    }

    /// `trainOnBatch` on each `(x, y)` of `batches` in turn, synchronizing the optimizer once at
    /// the end instead of after every batch (Adam then holds the update of Embedding rows a batch
    /// did not use back until the rows are read, see `Adam`). Returns the batch losses in order;
    /// the weights are current when it returns, also when it throws.
    /// - Throws: as `trainOnBatch`, for the first batch that fails (the earlier ones stay trained).
    @discardableResult
    public func trainOnBatches(_ batches: some Sequence<(Tensor, Tensor)>, loss: Loss, optimizer: any Optimizer) throws -> [Float] {
        try training(with: optimizer) {
            try batches.map { x, y in try trainStep(x, y, loss: loss, optimizer: optimizer).loss }
        }
    }

    /// The loss on a batch without training (dropout off).
    public func evaluateLoss(_ x: Tensor, _ y: Tensor, loss: Loss) throws -> (loss: Float, output: Tensor) {
        let output = try withoutBackward { try forward(x, training: false) }
        let (logits, fromLogits, _) = lossInputs(output, loss: loss)
        return (try loss.evaluate(logits, target: y, fromLogits: fromLogits).loss, output)
    }

    /// Runs `body`, a training loop stepping `optimizer` with `step(_:synchronizing: false)`:
    /// every `RowReadingLayer` reads its rows through `optimizer` meanwhile, and when `body`
    /// ends (returning or throwing) the optimizer is synchronized and the layers let go of it.
    func training<R>(with optimizer: any Optimizer, _ body: () throws -> R) rethrows -> R {
        let readers = layers.compactMap { $0 as? any RowReadingLayer }
        let outer = readers.map(\.pendingRowUpdates)
        for o in outer { if let o, o !== optimizer { o.synchronize(parameters) } }
        for r in readers { r.pendingRowUpdates = optimizer }
        defer {
            optimizer.synchronize(parameters)
            for (r, o) in zip(readers, outer) { r.pendingRowUpdates = o }
        }
        return try body()
    }

    /// One step of a training loop (see `training(with:_:)`): forward in training mode, the
    /// loss, backward and `optimizer.step(_:synchronizing: false)`, which may leave updates
    /// pending. With `stopsOnNonFiniteLoss`, a NaN or infinite loss skips backward and the
    /// update (`updated` false), as `fit` stops there.
    func trainStep(_ x: Tensor, _ y: Tensor, loss: Loss, optimizer: any Optimizer,
                   stopsOnNonFiniteLoss: Bool = false) throws -> (loss: Float, output: Tensor, updated: Bool) {
        let output = try forward(x, training: true)
        let (input, fromLogits, logitsGiven) = lossInputs(output, loss: loss)
        let (value, grad) = try loss.evaluate(input, target: y, fromLogits: fromLogits)
        if stopsOnNonFiniteLoss && !value.isFinite { return (value, output, false) }
        try backward(grad, fromLogits: logitsGiven)
        try optimizer.step(parameters, synchronizing: false)
        return (value, output, true)
    }

    /// What the loss is computed from: the logits of a final `LogitsProducingLayer` whose
    /// activation matches the loss (then `headLogits`: the gradient is with respect to that
    /// layer's pre-activation), or the output itself, as logits when compiled with `fromLogits`.
    func lossInputs(_ output: Tensor, loss: Loss) -> (input: Tensor, fromLogits: Bool, headLogits: Bool) {
        if compiled?.fromLogits == true { return (output, true, false) }
        guard let head = layers.last as? any LogitsProducingLayer, let z = head.lastLogits else {
            return (output, false, false)
        }
        let matches = (loss == .binaryCrossentropy && head.activation == .sigmoid)
            || ((loss == .sparseCategoricalCrossentropy || loss == .categoricalCrossentropy) && head.activation == .softmax)
        return matches ? (z, true, true) : (output, false, false)
    }
}
