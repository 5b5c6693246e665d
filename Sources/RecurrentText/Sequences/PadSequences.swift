import RecurrentTensor

/// Which end of a sequence `padSequences` pads or truncates (Keras's `"pre"` / `"post"`).
public enum SequenceSide: String, Sendable, CaseIterable {
    /// At the start: values are added or removed before the sequence.
    case pre
    /// At the end.
    case post
}

/// Keras's `pad_sequences` (keras/src/utils/sequence_utils.py): makes every sequence
/// `maxlen` long.
///
/// A shorter sequence is filled with `value` at the `padding` side; a longer one loses its
/// first (`truncating: .pre`) or last (`.post`) elements. Keras's defaults: pre, pre, 0.
///
/// ```swift
/// try padSequences([[1], [2, 3], [4, 5, 6]])              // [[0, 0, 1], [0, 2, 3], [4, 5, 6]]
/// try padSequences([[1, 2, 3]], maxlen: 2, truncating: .post)  // [[1, 2]]
/// ```
///
/// - Parameters:
///   - sequences: token ids, any lengths (empty rows become all `value`).
///   - maxlen: the length of every row; nil = the longest sequence (0 rows → 0 columns).
///   - padding: where to pad; default `.pre`.
///   - truncating: where to cut; default `.pre`.
///   - value: the padding value; default 0.
/// - Returns: `(sequences.count, maxlen)`, ids as `Float` (what `Embedding` reads; Keras returns
///   int32).
/// - Throws: `RecurrentError.invalidValue` for a negative `maxlen` or an id whose magnitude
///   exceeds 2^24 (a `Float` could not hold it exactly).
public func padSequences(
    _ sequences: [[Int]], maxlen: Int? = nil, padding: SequenceSide = .pre, truncating: SequenceSide = .pre,
    value: Float = 0
) throws -> Tensor {
    for (row, seq) in sequences.enumerated() {
        if let bad = seq.first(where: { abs($0) > 1 << 24 }) {
            throw RecurrentError.invalidValue(
                where: "padSequences", expected: "ids of magnitude at most 2^24 (exact as Float)",
                found: "\(bad) in sequence \(row)")
        }
    }
    return try padSequences(sequences.map { $0.map(Float.init) }, maxlen: maxlen, padding: padding, truncating: truncating, value: value)
}

/// `padSequences` for `Float` sequences (Keras's `dtype="float32"`): same semantics.
/// - Returns: `(sequences.count, maxlen)`.
/// - Throws: `RecurrentError.invalidValue` for a negative `maxlen` or a result of more than 2^36
///   elements.
public func padSequences(
    _ sequences: [[Float]], maxlen: Int? = nil, padding: SequenceSide = .pre, truncating: SequenceSide = .pre,
    value: Float = 0
) throws -> Tensor {
    let length = maxlen ?? sequences.map(\.count).max() ?? 0
    guard length >= 0 else {
        throw RecurrentError.invalidValue(where: "padSequences", expected: "maxlen >= 0 or nil", found: "\(length)")
    }
    guard Tensor.elementCount([sequences.count, length]) != nil else {
        throw RecurrentError.invalidValue(
            where: "padSequences", expected: "a result of at most 2^36 elements", found: "\(sequences.count) × \(length)")
    }
    var out = Tensor(shape: [sequences.count, length], repeating: value)
    out.withUnsafeMutableBufferPointer { buffer in
        for (row, seq) in sequences.enumerated() where !seq.isEmpty && length > 0 {
            let kept = truncating == .pre ? seq.suffix(length) : seq.prefix(length)
            let start = row * length + (padding == .pre ? length - kept.count : 0)
            for (k, v) in kept.enumerated() { buffer[start + k] = v }
        }
    }
    return out
}
