import Foundation
import RecurrentNN
import RecurrentTensor
import RecurrentText

/// Sampling from a next-word model (the lecture's word-level text generation): a model that reads
/// `inputLength` token ids `(1, inputLength)` and gives a softmax over the vocabulary
/// `(1, vocabulary)`, with the Keras Tokenizer it was trained with.
///
/// Saved with the model as two attachments: `"tokenizer"` (the Tokenizer's JSON) and
/// `"generation"` (`{"input_length": n}`), which `attached(to:)` reads back.
public struct TextGenerator {
    /// The name of the attachment that holds `{"input_length": n}`.
    public static let attachmentName = "generation"

    public let model: Sequential
    public let tokenizer: Tokenizer
    /// The padded length of the model's input (the training sequences' length − 1).
    public let inputLength: Int

    public init(model: Sequential, tokenizer: Tokenizer, inputLength: Int) {
        self.model = model
        self.tokenizer = tokenizer
        self.inputLength = inputLength
    }

    /// The generator saved with `model`; nil when it has no `"tokenizer"` or `"generation"`
    /// attachment, or the latter no `input_length`.
    /// - Parameter location: names the attachment in a parse error (e.g. the file's path).
    /// - Throws: `fileFormat` for a `"generation"` attachment that is not JSON; as
    ///   `Tokenizer(json:)` for a tokenizer that does not parse.
    public static func attached(to model: Sequential, location: String = "generation") throws -> TextGenerator? {
        guard let tokenizerJSON = model.attachments["tokenizer"], let generation = model.attachments[attachmentName],
              let inputLength = try JSONValue.parse(Data(generation.utf8), location: location)["input_length"]?.intValue else {
            return nil
        }
        return TextGenerator(model: model, tokenizer: try Tokenizer(json: tokenizerJSON), inputLength: inputLength)
    }

    /// Saves the tokenizer and `inputLength` into `model.attachments`, for `attached(to:)`.
    public func attach() {
        model.attachments["tokenizer"] = tokenizer.toJSON()
        model.attachments[Self.attachmentName] = JSONValue.object(["input_length": .number(Double(inputLength))]).description
    }

    /// `TextGenerator.generate(model:tokenizer:inputLength:…)` with this generator's model.
    public func generate(seed: String, words: Int, temperature: Double = 0, topK: Int? = nil,
                         rng: inout RandomGenerator) throws -> String {
        try Self.generate(model: model, tokenizer: tokenizer, inputLength: inputLength, seed: seed, words: words,
                          temperature: temperature, topK: topK, rng: &rng)
    }

    /// Continues `seed` by `words` words: each step tokenises the text so far, pre-pads it to
    /// `inputLength` (Keras `pad_sequences`, pre/pre), predicts the next-word distribution and
    /// picks a word: the most likely with `temperature` 0 (the lecture's greedy generation),
    /// otherwise a draw from p^(1/T) renormalised, restricted to the `topK` most likely words
    /// when given (one `rng.uniform()` per word). Index 0 (padding) and indices the tokenizer has
    /// no word for are never picked; generation stops early when no index is left.
    /// - Returns: the seed followed by the generated words, separated by spaces (an empty seed or
    ///   one ending in whitespace gets no extra space).
    /// - Throws: `invalidValue` for a negative word count, a negative or non-finite temperature,
    ///   `topK` < 1, or a model whose outputs are not finite.
    public static func generate(model: Sequential, tokenizer: Tokenizer, inputLength: Int, seed: String, words: Int,
                                temperature: Double = 0, topK: Int? = nil, rng: inout RandomGenerator) throws -> String {
        guard words >= 0, temperature.isFinite, temperature >= 0, topK.map({ $0 >= 1 }) ?? true else {
            throw RecurrentError.invalidValue(where: "generate", expected: "words ≥ 0, a finite temperature ≥ 0 and top-k ≥ 1",
                                              found: "words \(words), temperature \(temperature), top-k \(topK.map(String.init) ?? "none")")
        }
        let byIndex = Dictionary(tokenizer.wordIndex.map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var text = seed
        for _ in 0..<words {
            let ids = tokenizer.textsToSequences([text])[0]
            let padded = try padSequences([ids], maxlen: inputLength, padding: .pre, truncating: .pre)
            let p = try model.predict(padded).data.map(Double.init)
            if let bad = p.first(where: { !$0.isFinite }) {
                throw RecurrentError.invalidValue(where: "generate", expected: "a model whose outputs are finite probabilities",
                                                  found: "\(bad): the model's weights are not finite (its training diverged)")
            }
            let candidates = (1..<p.count).filter { byIndex[$0] != nil }
            guard !candidates.isEmpty else { break }
            let next = temperature == 0 ? candidates.max { p[$0] < p[$1] }!
                : sample(candidates, p, temperature: temperature, topK: topK, rng: &rng)
            text += (text.last?.isWhitespace ?? true ? "" : " ") + byIndex[next]!
        }
        return text
    }

    /// One index drawn from `candidates` with weights p^(1/T), among the `topK` most likely.
    static func sample(_ candidates: [Int], _ p: [Double], temperature: Double, topK: Int?, rng: inout RandomGenerator) -> Int {
        var candidates = candidates
        candidates.sort { p[$0] > p[$1] }
        if let topK { candidates = Array(candidates.prefix(topK)) }
        let weights = candidates.map { Foundation.pow(max(p[$0], 1e-30), 1 / temperature) }
        var u = Double(rng.uniform()) * weights.reduce(0, +)
        for (c, w) in zip(candidates, weights) {
            u -= w
            if u <= 0 { return c }
        }
        return candidates.last!
    }
}
