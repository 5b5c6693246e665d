import Foundation

/// Korean text preparation as the lecture does it for NSMC reviews: Unicode NFC, then keep only
/// Hangul and spaces, then drop stop words.
///
/// The lecture cleans with pandas:
/// `df['document'].str.replace("[^ㄱ-ㅎㅏ-ㅣ가-힣 ]", "")` (the regex: everything but compatibility
/// jamo U+3131–U+3163, syllables U+AC00–U+D7A3 and the ASCII space goes), then
/// `.str.replace('^ +', "")` (leading spaces go) and treats empty results as missing. (pandas ≥ 2
/// no longer reads the pattern as a regex unless `regex=True` is passed; the lecture ran on an
/// older pandas.)
public enum KoreanText {
    /// The lecture's stop words: 의 가 이 은 들 는 좀 잘 걍 과 도 를 으로 자 에 와 한 하다.
    public static let defaultStopwords: [String] = [
        "의", "가", "이", "은", "들", "는", "좀", "잘", "걍", "과", "도", "를", "으로", "자", "에", "와", "한", "하다",
    ]

    /// Unicode canonical composition (NFC, Foundation's `precomposedStringWithCanonicalMapping`):
    /// decomposed jamo sequences become syllables (U+1100 U+1161 → U+AC00 "가") and CJK
    /// compatibility ideographs become unified ones. Needed before `clean`, whose character class
    /// holds only precomposed syllables: without it a decomposed review would lose all its text.
    public static func normalize(_ text: String) -> String { text.precomposedStringWithCanonicalMapping }

    /// Whether the lecture's cleaning keeps `scalar`: `[ㄱ-ㅎㅏ-ㅣ가-힣 ]`, i.e. Hangul compatibility
    /// jamo U+3131–U+3163 (ㄱ…ㅎ U+3131–U+314E and ㅏ…ㅣ U+314F–U+3163), Hangul syllables
    /// U+AC00–U+D7A3 and the ASCII space U+0020 (no other whitespace, no conjoining jamo, no
    /// archaic jamo U+3165–U+318E).
    @inlinable public static func isKept(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v == 0x20 || (0x3131...0x3163).contains(v) || (0xAC00...0xD7A3).contains(v)
    }

    /// The lecture's cleaning: NFC (`normalize`; a no-op on already composed text, so results
    /// equal the lecture's there), remove every character `isKept` rejects, then remove leading
    /// spaces (`^ +`). Spaces inside and at the end stay, repeated spaces too (splitting into
    /// words ignores them). An empty result is what the lecture drops as missing.
    ///
    /// "아 더빙.. 진짜 짜증나네요 목소리" → "아 더빙 진짜 짜증나네요 목소리".
    public static func clean(_ text: String) -> String {
        // NFC can only create a kept character by composing conjoining jamo (U+1100–U+11FF) into
        // a syllable; every other change NFC makes involves characters the filter drops anyway.
        // So texts without such jamo skip the (costly) normalisation and give the same result.
        let needsNFC = text.unicodeScalars.contains { (0x1100...0x11FF).contains($0.value) }
        var kept = String.UnicodeScalarView()
        var leading = true
        for s in (needsNFC ? normalize(text) : text).unicodeScalars where isKept(s) {
            if leading, s == " " { continue }
            leading = false
            kept.append(s)
        }
        return String(kept)
    }

    /// Words: the text split on runs of whitespace (Python's `str.split()`), no empty words.
    public static func words(_ text: String) -> [String] { PythonString.splitOnWhitespace(text) }

    /// Characters (extended grapheme clusters; for NFC Hangul, one syllable or jamo each).
    /// Whitespace is skipped unless `includeSpaces`, in which case each whitespace character is
    /// a token of its own.
    public static func characters(_ text: String, includeSpaces: Bool = false) -> [String] {
        text.compactMap { c in
            if !includeSpaces, c.unicodeScalars.allSatisfy(PythonString.isSpace) { return nil }
            return String(c)
        }
    }

    /// `tokens` without those in `stopwords` (exact match of the whole token, as the lecture's
    /// `[w for w in tokens if not w in stopwords]`), order kept.
    public static func removeStopwords(_ tokens: [String], stopwords: [String] = defaultStopwords) -> [String] {
        removeStopwords(tokens, stopwords: stopwords == defaultStopwords ? defaultStopwordSet : Set(stopwords.map(Word.init)))
    }

    static let defaultStopwordSet = Set(defaultStopwords.map(Word.init))

    static func removeStopwords(_ tokens: [String], stopwords: Set<Word>) -> [String] {
        tokens.filter { !stopwords.contains(Word($0)) }
    }
}
