/// The lecture's look at rare words before choosing a vocabulary size: over a fitted tokenizer's
/// `wordCounts`, the words seen fewer than `threshold` times and their share.
///
/// The lecture's loop: `total_cnt = len(tokenizer.word_index)`; for each `(word, count)` in
/// `word_counts`, `total_freq += count` and, when `count < threshold`, `rare_cnt += 1` and
/// `rare_freq += count`; then `vocab_size = total_cnt - rare_cnt + 1` (the `+ 1` for the padding
/// index 0).
public struct RareWordStatistics: Sendable, Equatable {
    /// The count below which a word is rare.
    public let threshold: Int
    /// `len(word_index)`: every word (and the OOV token when set).
    public let vocabularySize: Int
    /// Words seen fewer than `threshold` times.
    public let rareWordCount: Int
    /// All word occurrences.
    public let totalFrequency: Int
    /// Occurrences of rare words.
    public let rareFrequency: Int

    /// `rareWordCount / vocabularySize` (0 for an empty vocabulary).
    public var rareWordShare: Double { vocabularySize == 0 ? 0 : Double(rareWordCount) / Double(vocabularySize) }
    /// `rareFrequency / totalFrequency` (0 when nothing was fitted).
    public var rareFrequencyShare: Double { totalFrequency == 0 ? 0 : Double(rareFrequency) / Double(totalFrequency) }
    /// The lecture's vocabulary size without rare words: `vocabularySize - rareWordCount + 1`,
    /// the `numWords` to build the final tokenizer with.
    public var suggestedNumWords: Int { vocabularySize - rareWordCount + 1 }
}

extension Tokenizer {
    /// The lecture's rare-word statistics (see `RareWordStatistics`); the lecture uses
    /// `threshold` 3 for NSMC.
    public func rareWords(threshold: Int) -> RareWordStatistics {
        var rare = 0, total = 0, rareFrequency = 0
        for count in counts.values {
            total += count
            if count < threshold {
                rare += 1
                rareFrequency += count
            }
        }
        return RareWordStatistics(
            threshold: threshold, vocabularySize: index.count, rareWordCount: rare, totalFrequency: total,
            rareFrequency: rareFrequency)
    }
}
