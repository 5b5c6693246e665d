import RecurrentTensor

/// Splits a text into words as Keras's `text_to_word_sequence` does
/// (keras/src/legacy/preprocessing/text.py): lowercase with Python's `str.lower()` when `lower`,
/// replace every character of `filters` by `split`, split on `split`, drop empty words.
///
/// Works on Unicode scalars (Python's code points), not grapheme clusters, so a combining mark
/// after a space or a decomposed Hangul syllable is treated exactly as Python treats it.
/// Lowercasing applies Python's rules, including the final sigma ("ΟΔΟΣ" → "οδος"), which
/// Swift's `lowercased()` would not.
///
/// - Parameters:
///   - text: the text.
///   - filters: characters to remove (each becomes a separator); default `Tokenizer.defaultFilters`.
///   - lower: lowercase first (default true).
///   - split: the separator, any non-empty string (default one space). Whitespace other than
///     the separator does not split unless it is in `filters` (tab and newline are by default).
/// - Returns: the words, in order.
/// - Throws: `RecurrentError.invalidValue` when `split` is empty (Python raises
///   "empty separator").
public func textToWordSequence(
    _ text: String, filters: String = Tokenizer.defaultFilters, lower: Bool = true, split: String = " "
) throws -> [String] {
    guard !split.isEmpty else {
        throw RecurrentError.invalidValue(where: "textToWordSequence", expected: "a non-empty split string", found: "\"\"")
    }
    return WordSplitter(filters: filters, lower: lower, split: split).words(text)
}

/// `text_to_word_sequence` with its options prepared once (the Tokenizer calls it per text).
struct WordSplitter: Sendable {
    let filters: Set<Unicode.Scalar>
    let lower: Bool
    let split: [Unicode.Scalar]

    /// `split` must not be empty (checked by the callers, which throw).
    init(filters: String, lower: Bool, split: String) {
        self.filters = Set(filters.unicodeScalars)
        self.lower = lower
        self.split = Array(split.unicodeScalars)
    }

    func words(_ text: String) -> [String] {
        let scalars = lower ? PythonString.lower(text) : Array(text.unicodeScalars)
        var translated: [Unicode.Scalar] = []
        translated.reserveCapacity(scalars.count)
        if split.count == 1 {
            let s = split[0]
            for c in scalars { translated.append(filters.contains(c) ? s : c) }
        } else {
            for c in scalars {
                if filters.contains(c) { translated.append(contentsOf: split) } else { translated.append(c) }
            }
        }
        return PythonString.split(translated, separator: split).compactMap { $0.isEmpty ? nil : PythonString.string($0) }
    }
}
