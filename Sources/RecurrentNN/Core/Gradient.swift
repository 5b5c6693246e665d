/// dLoss/dWeight as a layer's `backward` produced it, what optimizers read (`Parameter.typedGradient`).
///
/// Keras on TensorFlow keeps the gradient of an `Embedding` table as `tf.IndexedSlices` (one
/// slice per occurrence of a token in the batch) and every other gradient as a dense tensor;
/// the two cases here are those two, with the slices already summed per row.
public enum Gradient: Sendable, Equatable {
    /// Every element, a tensor of the weight's shape.
    case dense(Tensor)
    /// Only some rows of the first axis are non-zero: see `RowGradient`.
    case rows(RowGradient)

    /// The gradient as a dense tensor of the weight's shape: a row gradient is scattered into
    /// zeros (which allocates the whole table; optimizers read `RowGradient` itself).
    public var dense: Tensor {
        switch self {
        case .dense(let t): t
        case .rows(let r): r.scattered(r.values)
        }
    }
}

/// The gradient of a weight whose rows a batch reads by id (an `Embedding` table
/// `(inputDim, outputDim)`): the rows the batch used, the sum of their gradients, and the sum of
/// the squares of each occurrence's gradient. Every other row of the gradient is zero.
///
/// The squares are what Keras's optimizers see: they apply `ops.square` to the `IndexedSlices`
/// before those are summed into a dense tensor (keras/src/backend/tensorflow/sparse.py,
/// `elementwise_unary` then `elementwise_binary_union`), so Adam's and RMSprop's second moments
/// get Σ g_occ² where a dense gradient gives (Σ g_occ)², and a clipping norm is taken over the
/// occurrences (√Σ g_occ²).
public struct RowGradient: Sendable, Equatable {
    /// The weight's shape, `(rows, …)`.
    public let shape: [Int]
    /// The distinct rows with a gradient, ascending, each in `0..<shape[0]`.
    public let rows: [Int32]
    /// `(rows.count, width)`: row `k` is Σ of the gradients of the occurrences of row `rows[k]`.
    public let values: Tensor
    /// `(rows.count, width)`: row `k` is Σ of the squares of those occurrences' gradients.
    public let squares: Tensor

    /// Floats per row (the product of `shape` after the first axis).
    public var width: Int { shape.dropFirst().reduce(1, *) }

    /// - Precondition: `rows` ascending and distinct, in `0..<shape[0]`; `values` and `squares`
    ///   of shape `(rows.count, width)`.
    public init(shape: [Int], rows: [Int32], values: Tensor, squares: Tensor) {
        let width = shape.dropFirst().reduce(1, *)
        precondition(!shape.isEmpty && values.shape == [rows.count, width] && squares.shape == values.shape,
                     "RowGradient: values \(values.shape) and squares \(squares.shape) for \(rows.count) rows of shape \(shape)")
        precondition(zip(rows, rows.dropFirst()).allSatisfy { $0 < $1 } && rows.allSatisfy { $0 >= 0 && Int($0) < shape[0] },
                     "RowGradient: rows must be ascending, distinct and in 0..<\(shape[0])")
        self.shape = shape
        self.rows = rows
        self.values = values
        self.squares = squares
    }

    /// `(shape)`: `rowValues` `(rows.count, width)` scattered into zeros at `rows`.
    public func scattered(_ rowValues: Tensor) -> Tensor {
        var out = Tensor(shape: shape)
        let d = width
        out.withUnsafeMutableBufferPointer { o in
            rowValues.withUnsafeBufferPointer { v in
                for (k, r) in rows.enumerated() {
                    (o.baseAddress! + Int(r) * d).update(from: v.baseAddress! + k * d, count: d)
                }
            }
        }
        return out
    }
}
