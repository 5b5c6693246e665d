import Foundation
import RecurrentTensor

/// A Keras dataset word index (`imdb_word_index.json`, `reuters_word_index.json`): word → rank, rank
/// 1 = the most frequent word. In sequences a word appears as `rank + indexFrom`.
///
/// Words are compared as byte strings (their UTF-8 bytes), as Python compares `str`/`bytes` keys:
/// Swift's `String` would treat canonically equivalent spellings (`é` and `e` + U+0301) as one key.
public struct WordIndex: Sendable, Equatable {
    private var ranks: [[UInt8]: Int]

    /// An index from `word → rank` pairs.
    public init(_ dictionary: [String: Int]) {
        var ranks: [[UInt8]: Int] = [:]
        ranks.reserveCapacity(dictionary.count)
        for (word, rank) in dictionary { ranks[Array(word.utf8)] = rank }
        self.ranks = ranks
    }

    init(bytes ranks: [[UInt8]: Int]) {
        self.ranks = ranks
    }

    /// The number of words.
    public var count: Int { ranks.count }

    /// The rank of `word`, nil when it is not in the index.
    public func rank(of word: String) -> Int? { ranks[Array(word.utf8)] }

    /// The rank of the word with these bytes.
    func rank(bytes word: [UInt8]) -> Int? { ranks[word] }

    /// The index as Keras's `get_word_index()` returns it.
    public var dictionary: [String: Int] {
        Dictionary(uniqueKeysWithValues: ranks.map { (String(decoding: $0.key, as: UTF8.self), $0.value) })
    }

    /// The words by rank: `words[r - 1]` has rank `r` (nil for ranks no word has).
    public var wordsByRank: [String?] {
        let top = ranks.values.max() ?? 0
        var words = [String?](repeating: nil, count: top)
        for (word, rank) in ranks where rank >= 1 { words[rank - 1] = String(decoding: word, as: UTF8.self) }
        return words
    }

    /// Reads a JSON object of `word: rank` (Keras's `imdb_word_index.json`, one line or indented).
    /// - Throws: `RecurrentError.fileFormat` naming the file when it is not such an object.
    public static func load(json url: URL) throws -> WordIndex {
        let data = try Data(FileBytes.read(url))
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw RecurrentError.fileFormat(location: url.path, message: "expected a JSON object of word: rank, found invalid JSON (\(error))")
        }
        guard let pairs = object as? [String: Any] else {
            throw RecurrentError.fileFormat(location: url.path, message: "expected a JSON object of word: rank")
        }
        var ranks: [[UInt8]: Int] = [:]
        ranks.reserveCapacity(pairs.count)
        for (word, value) in pairs {
            let rank = (value as? Int) ?? (value as? NSNumber).flatMap { Int(exactly: $0.doubleValue) }
            guard let rank, rank >= 1 else {
                throw RecurrentError.fileFormat(
                    location: url.path, message: "expected a positive integer rank for \(word.debugDescription), found \(value)")
            }
            ranks[Array(word.utf8)] = rank
        }
        return WordIndex(bytes: ranks)
    }
}
