import Foundation
import RecurrentTensor

extension Tokenizer {
    /// How `textsToMatrix` / `sequencesToMatrix` fill a row (Keras's `mode`).
    public enum MatrixMode: String, Sendable, CaseIterable {
        /// 1 where the word occurs.
        case binary
        /// The number of occurrences.
        case count
        /// Occurrences divided by the sequence's length (all its ids, those `>= numWords` included).
        case freq
        /// `(1 + ln count) · ln(1 + documentCount / (1 + indexDocs[j]))`.
        case tfidf
    }

    /// Keras's `texts_to_matrix`: `textsToSequences` then `sequencesToMatrix`.
    ///
    /// - Returns: `(texts.count, numWords)`, or `(texts.count, wordIndex.count + 1)` without
    ///   `numWords`. Column 0 stays 0 (the padding index).
    /// - Throws: as `sequencesToMatrix`.
    public func textsToMatrix(_ texts: [String], mode: MatrixMode = .binary) throws -> Tensor {
        try sequencesToMatrix(textsToSequences(texts), mode: mode)
    }

    /// Keras's `sequences_to_matrix` (keras/src/legacy/preprocessing/text.py): one row per
    /// sequence, one column per index; ids `>= columns` are ignored. Computed in `Double` as
    /// NumPy does, stored as `Float`.
    ///
    /// `tfidf` is Keras's "weighting scheme 2": `tf = 1 + ln(count)`,
    /// `idf = ln(1 + documentCount / (1 + indexDocs[j]))` (natural logarithms; `indexDocs[j]` is 0
    /// for an index never fitted).
    ///
    /// - Returns: `(sequences.count, numWords)`, or `(sequences.count, wordIndex.count + 1)`
    ///   without `numWords` (nil or 0).
    /// - Throws: `RecurrentError.invalidConfiguration` without `numWords` before any fitting
    ///   (Keras: "Specify a dimension"), or for `tfidf` before fitting; `RecurrentError.invalidValue`
    ///   for a negative id (NumPy would wrap it around to the last column).
    public func sequencesToMatrix(_ sequences: [[Int]], mode: MatrixMode = .binary) throws -> Tensor {
        let columns: Int
        if let limit = wordLimit {
            columns = limit
        } else if !index.isEmpty {
            columns = index.count + 1
        } else {
            throw RecurrentError.invalidConfiguration(
                where: "Tokenizer.sequencesToMatrix",
                message: "specify a dimension (numWords) or fit the tokenizer on some texts first")
        }
        if mode == .tfidf, documentCount == 0 {
            throw RecurrentError.invalidConfiguration(
                where: "Tokenizer.sequencesToMatrix", message: "fit the tokenizer on some data before using tfidf mode")
        }
        for (row, seq) in sequences.enumerated() {
            if let bad = seq.first(where: { $0 < 0 }) {
                throw RecurrentError.invalidValue(
                    where: "Tokenizer.sequencesToMatrix", expected: "token ids >= 0", found: "\(bad) in sequence \(row)")
            }
        }
        guard let total = Tensor.elementCount([sequences.count, columns]) else {
            throw RecurrentError.invalidValue(
                where: "Tokenizer.sequencesToMatrix", expected: "a matrix of at most 2^36 elements",
                found: "\(sequences.count) × \(columns)")
        }
        var matrix = Tensor(shape: [sequences.count, columns])
        guard total > 0 else { return matrix }
        let documents = Double(documentCount)
        matrix.withUnsafeMutableBufferPointer { out in
            for (row, seq) in sequences.enumerated() where !seq.isEmpty {
                var counts = OrderedDictionary<Int, Int>()
                for j in seq where j < columns { counts.add(1, to: j) }
                let base = row * columns
                for (j, c) in counts.items {
                    let value: Double
                    switch mode {
                    case .binary: value = 1
                    case .count: value = Double(c)
                    case .freq: value = Double(c) / Double(seq.count)
                    case .tfidf:
                        let tf = 1 + log(Double(c))
                        let idf = log(1 + documents / Double(1 + (indexDocsTable[j] ?? 0)))
                        value = tf * idf
                    }
                    out[base + j] = Float(value)
                }
            }
        }
        return matrix
    }
}
