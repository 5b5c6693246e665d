extension Sequential {
    /// One training step on a batch: forward in training mode, the loss (from the logits of a
    /// final sigmoid/softmax `Dense` for cross-entropies, as Keras on TensorFlow), backward, and
    /// one optimizer update. Returns the batch loss (mean over the batch).
    ///
    /// Shapes: `x` `(batch, …sample shape)`; `y` `(batch, k)` like the output for binary
    /// cross-entropy and MSE (`(batch)` also accepted when k = 1), `(batch)` or `(batch, 1)`
    /// class ids for sparse categorical cross-entropy.
    /// - Throws: layer errors, and `shapeMismatch`/`invalidValue` for targets that do not fit.
    @discardableResult
    public func trainOnBatch(_ x: Tensor, _ y: Tensor, loss: Loss, optimizer: any Optimizer) throws -> Float {
        let output = try forward(x, training: true)
        let (logits, fromLogits, denseLogits) = lossInputs(output, loss: loss)
        let (value, grad) = try loss.evaluate(logits, target: y, fromLogits: fromLogits)
        try backward(grad, fromLogits: denseLogits)
        try optimizer.step(parameters)
        return value
    }

    /// The loss on a batch without training (dropout off).
    public func evaluateLoss(_ x: Tensor, _ y: Tensor, loss: Loss) throws -> (loss: Float, output: Tensor) {
        let output = try withoutBackward { try forward(x, training: false) }
        let (logits, fromLogits, _) = lossInputs(output, loss: loss)
        return (try loss.evaluate(logits, target: y, fromLogits: fromLogits).loss, output)
    }

    /// What the loss is computed from: the logits of a final sigmoid/softmax `Dense` (then
    /// `denseLogits`: the gradient is with respect to that layer's pre-activation), or the output
    /// itself, as logits when compiled with `fromLogits`.
    func lossInputs(_ output: Tensor, loss: Loss) -> (input: Tensor, fromLogits: Bool, denseLogits: Bool) {
        if compiled?.fromLogits == true { return (output, true, false) }
        let (t, f) = denseLossInput(output, loss: loss)
        return (t, f, f)
    }

    func denseLossInput(_ output: Tensor, loss: Loss) -> (Tensor, Bool) {
        guard let dense = layers.last as? Dense, let z = dense.lastLogits else {
            return (output, false)
        }
        let matches = (loss == .binaryCrossentropy && dense.activation == .sigmoid)
            || ((loss == .sparseCategoricalCrossentropy || loss == .categoricalCrossentropy) && dense.activation == .softmax)
        return matches ? (z, true) : (output, false)
    }
}
