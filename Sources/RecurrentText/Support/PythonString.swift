/// Python's `str` operations that Keras's text preprocessing relies on, over Unicode scalars
/// (Python's code points) rather than Swift's grapheme clusters, so that results match Python
/// character for character.
enum PythonString {
    /// `text.lower()` as CPython 3 computes it: each code point's full lowercase mapping
    /// (`SpecialCasing.txt` unconditional mappings, e.g. "İ" → "i̇"), and capital sigma "Σ"
    /// becomes final "ς" in the Final_Sigma context (after a cased letter, not before one,
    /// case-ignorable characters skipped) — CPython's `handle_capital_sigma` in
    /// Objects/unicodeobject.c. Swift's `lowercased()` does not apply Final_Sigma; this does.
    ///
    /// Remaining difference: the Unicode version (Python 3.11 uses Unicode 14.0, Swift its own,
    /// newer one), which matters only for characters assigned since.
    static func lower(_ text: String) -> [Unicode.Scalar] {
        if isCaseless(text) { return Array(text.unicodeScalars) }
        let scalars = Array(text.unicodeScalars)
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(scalars.count)
        for (i, s) in scalars.enumerated() {
            let v = s.value
            if v < 0x80 {
                // ASCII fast path: A–Z → a–z.
                out.append(v >= 0x41 && v <= 0x5A ? Unicode.Scalar(v + 0x20)! : s)
            } else if v == 0x03A3 {
                out.append(isFinalSigma(scalars, at: i) ? "\u{03C2}" : "\u{03C3}")
            } else if !s.properties.changesWhenLowercased {
                out.append(s)
            } else {
                out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }

    /// `text.lower()` as a String; returns `text` itself when nothing changes.
    static func lowered(_ text: String) -> String {
        isCaseless(text) ? text : string(lower(text))
    }

    /// True when lowercasing cannot change `text`: only ASCII other than A–Z, Hangul syllables
    /// and compatibility jamo (a fast path for English and Korean text).
    private static func isCaseless(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 < 0x80 && !($0 >= 0x41 && $0 <= 0x5A) }
            || text.unicodeScalars.allSatisfy { s in
                let v = s.value
                return (v < 0x80 && !(v >= 0x41 && v <= 0x5A)) || (0xAC00...0xD7A3).contains(v) || (0x3131...0x318E).contains(v)
            }
    }

    private static func isFinalSigma(_ scalars: [Unicode.Scalar], at i: Int) -> Bool {
        var j = i - 1
        while j >= 0, scalars[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0, scalars[j].properties.isCased else { return false }
        j = i + 1
        while j < scalars.count, scalars[j].properties.isCaseIgnorable { j += 1 }
        return j == scalars.count || !scalars[j].properties.isCased
    }

    /// `text.split(separator)` for a non-empty separator: the pieces between non-overlapping
    /// occurrences of `separator`, scanning left to right, empty pieces included.
    static func split(_ text: [Unicode.Scalar], separator: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        precondition(!separator.isEmpty, "PythonString.split: empty separator")
        var pieces: [ArraySlice<Unicode.Scalar>] = []
        var start = 0
        var i = 0
        if separator.count == 1 {
            let sep = separator[0]
            while i < text.count {
                if text[i] == sep {
                    pieces.append(text[start..<i])
                    start = i + 1
                }
                i += 1
            }
        } else {
            while i + separator.count <= text.count {
                if text[i..<(i + separator.count)].elementsEqual(separator) {
                    pieces.append(text[start..<i])
                    i += separator.count
                    start = i
                } else {
                    i += 1
                }
            }
        }
        pieces.append(text[start..<text.count])
        return pieces
    }

    /// Whether Python's `str.isspace()` holds for the code point: Unicode White_Space plus the
    /// information separators U+001C–U+001F (bidirectional class B or S in CPython's table).
    static func isSpace(_ s: Unicode.Scalar) -> Bool {
        (0x1C...0x1F).contains(s.value) || s.properties.isWhitespace
    }

    /// `text.split()` without arguments: runs of whitespace separate, no empty pieces.
    static func splitOnWhitespace(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if isSpace(s) {
                if !current.isEmpty { words.append(String(current)); current = String.UnicodeScalarView() }
            } else {
                current.append(s)
            }
        }
        if !current.isEmpty { words.append(String(current)) }
        return words
    }

    /// The String made of `scalars`.
    static func string(_ scalars: some Sequence<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
