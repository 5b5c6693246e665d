import Foundation
import Recurrent
import RecurrentDatasets

/// How a text classifier turns raw text into its input, saved with the model (attachment
/// `"pipeline"`) so that `recurrent predict` repeats it exactly.
public struct TextPipeline: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// The Keras Tokenizer in the attachment `"tokenizer"`.
        case tokenizer
        /// A Keras dataset word index (attachment `"word_index"`, word → rank from 1) with
        /// Keras's `index_from`, `start_char`, `oov_char` and `num_words` (imdb, reuters).
        case kerasWordIndex = "keras_word_index"
        /// A SentencePiece model (attachment `"sentencepiece"`, base64), ids shifted by 1 so that
        /// 0 stays padding.
        case sentencePiece = "sentencepiece"
    }
    public var kind: Kind
    /// Padded and truncated length (Keras `pad_sequences`, pre/pre).
    public var maxlen: Int
    /// Clean the text as the lecture does for Korean (keep Hangul and spaces) and drop its stop words.
    public var korean = false
    /// Class names, index = class id (binary: [negative, positive]).
    public var labels: [String]
    public var numWords: Int?
    public var indexFrom = 3
    public var startChar: Int? = 1
    public var oovChar: Int? = 2

    public init(kind: Kind, maxlen: Int, labels: [String]) {
        self.kind = kind
        self.maxlen = maxlen
        self.labels = labels
    }

    public var json: String { String(decoding: try! JSONEncoder().encode(self), as: UTF8.self) }

    /// A word index as the JSON object Keras writes (word → rank), for the `"word_index"` attachment.
    public static func json(_ index: WordIndex) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(index.dictionary), as: UTF8.self)
    }

    /// Token ids of each text, as the model was trained on them (before padding).
    /// - Throws: `invalidConfiguration` when the attachment the pipeline needs is missing.
    public func sequences(_ texts: [String], attachments: [String: String]) throws -> [[Int]] {
        let prepared = korean ? texts.map { KoreanText.removeStopwords(KoreanText.words(KoreanText.clean($0))).joined(separator: " ") } : texts
        switch kind {
        case .tokenizer:
            guard let json = attachments["tokenizer"] else { throw missing("tokenizer") }
            return try Tokenizer(json: json).textsToSequences(prepared)
        case .sentencePiece:
            guard let b64 = attachments["sentencepiece"], let data = Data(base64Encoded: b64) else { throw missing("sentencepiece") }
            let model = try SentencePieceModel(serialized: data)
            return try prepared.map { try model.encode($0).map { $0 + 1 } }
        case .kerasWordIndex:
            guard let json = attachments["word_index"] else { throw missing("word_index") }
            let index = try JSONDecoder().decode([String: Int].self, from: Data(json.utf8))
            return prepared.map { text in
                var ids: [Int] = startChar.map { [$0] } ?? []
                for word in KerasDatasetWords.words(text) {
                    guard let rank = index[word] else { continue }  // as the loaders: words outside the index are skipped
                    let id = rank + indexFrom
                    if let numWords, id >= numWords { if let oov = oovChar { ids.append(oov) } } else { ids.append(id) }
                }
                return ids
            }
        }
    }

    /// The ids of `sequence` that stand for words the model knows: without the start and
    /// out-of-vocabulary ids of a word-index pipeline, and SentencePiece's unknown piece.
    public func knownTokens(_ sequence: [Int]) -> [Int] {
        switch kind {
        case .tokenizer: return sequence  // Keras's Tokenizer drops unknown words (no OOV token here)
        case .sentencePiece: return sequence.filter { $0 != 1 }  // <unk> is piece 0, shifted by 1
        case .kerasWordIndex: return sequence.filter { $0 != (oovChar ?? -1) && $0 != (startChar ?? -1) }
        }
    }

    /// The padded input `(texts, maxlen)`.
    public func encode(_ texts: [String], attachments: [String: String]) throws -> Tensor {
        try padSequences(try sequences(texts, attachments: attachments), maxlen: maxlen)
    }

    func missing(_ name: String) -> RecurrentError {
        .invalidConfiguration(where: "text pipeline", message: "the model file has no '\(name)' attachment, which its \(kind.rawValue) pipeline needs")
    }
}
