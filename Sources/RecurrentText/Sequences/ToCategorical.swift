import RecurrentTensor

/// Keras's `to_categorical` (keras/src/utils/numerical_utils.py): class ids to one-hot rows.
///
/// - Parameters:
///   - labels: class ids in `0..<numClasses`.
///   - numClasses: the number of columns; nil (or 0, as Keras tests `if not num_classes`) =
///     `max(labels) + 1`.
/// - Returns: `(labels.count, numClasses)` with a single 1 per row.
/// - Throws: `RecurrentError.invalidValue` for a negative label or one `>= numClasses` (NumPy
///   would wrap a negative one around or raise an IndexError), or a negative `numClasses`.
public func toCategorical(_ labels: [Int], numClasses: Int? = nil) throws -> Tensor {
    let classes: Int
    if let numClasses, numClasses != 0 {
        classes = numClasses
    } else {
        classes = (labels.max() ?? -1) + 1
    }
    guard classes >= 0 else {
        throw RecurrentError.invalidValue(where: "toCategorical", expected: "numClasses >= 0", found: "\(classes)")
    }
    for (i, label) in labels.enumerated() where label < 0 || label >= classes {
        throw RecurrentError.invalidValue(
            where: "toCategorical", expected: "labels in 0..<\(classes)", found: "\(label) at position \(i)")
    }
    guard Tensor.elementCount([labels.count, classes]) != nil else {
        throw RecurrentError.invalidValue(
            where: "toCategorical", expected: "a result of at most 2^36 elements", found: "\(labels.count) × \(classes)")
    }
    var out = Tensor(shape: [labels.count, classes])
    out.withUnsafeMutableBufferPointer { buffer in
        for (i, label) in labels.enumerated() { buffer[i * classes + label] = 1 }
    }
    return out
}
