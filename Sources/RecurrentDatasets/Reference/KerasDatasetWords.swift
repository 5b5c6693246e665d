/// The word splitting that built Keras's IMDB and Reuters sequences: Keras 0.x's
/// `text_to_word_sequence` (keras/preprocessing/text.py of 2015) run by Python 2 on byte strings.
///
/// 1. Lower-case ASCII letters only (Python 2 `str.lower()` on bytes: `Á` stays `Á`, and Keras's
///    IMDB word index indeed holds upper-case non-ASCII words).
/// 2. Replace each filter character by a space: ``!"#$%&()*+,-./:;<=>?@[\]^_`{|}~``, tab and
///    newline (Keras's `base_filter()`: `string.punctuation` without `'`, plus `\t\n`).
/// 3. Split on the space character only and drop empty pieces. Other bytes, e.g. `\r`, control
///    characters and UTF-8 sequences (`\u{85}`, `é`, `´`), stay inside words.
///
/// So `<br />` gives the word `br`, and `don't` stays one word. Checked on IMDB: with these rules
/// the reviews of `aclImdb`, mapped through `imdb_word_index.json`, reproduce the Keras-derived
/// subset (5,000 train and 1,000 test sequences, `num_words=500`) token for token
/// (`scripts/check-imdb-agreement.py`); `[a-z0-9']+` matched only 4,651 of the 5,000 train reviews.
/// On Reuters they give exactly Keras's 30,979 distinct words.
public enum KerasDatasetWords {
    /// Whether each byte is one of the filter characters (replaced by the separator).
    static let isFilter: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for byte in "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n".utf8 { table[Int(byte)] = true }
        return table
    }()

    /// Calls `body` with the bytes of each word of `text` in order (lower-cased; the buffer is
    /// reused between calls, so copy it to keep it).
    public static func forEachWord(in text: UnsafeBufferPointer<UInt8>, _ body: ([UInt8]) throws -> Void) rethrows {
        var word: [UInt8] = []
        word.reserveCapacity(32)
        for byte in text {
            if byte == 0x20 || isFilter[Int(byte)] {
                if !word.isEmpty {
                    try body(word)
                    word.removeAll(keepingCapacity: true)
                }
            } else {
                word.append(byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte)
            }
        }
        if !word.isEmpty { try body(word) }
    }

    /// The words of `text` (its UTF-8 bytes, or latin-1 bytes for latin-1 files) as byte arrays.
    public static func words(_ text: [UInt8]) -> [[UInt8]] {
        var words: [[UInt8]] = []
        text.withUnsafeBufferPointer { buffer in forEachWord(in: buffer) { words.append($0) } }
        return words
    }

    /// The words of a Swift string (split on its UTF-8 bytes), decoded back to strings.
    public static func words(_ text: String) -> [String] {
        words(Array(text.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }
}
