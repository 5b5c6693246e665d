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
    /// Replace every ASCII digit with `0` before tokenizing (spam-rnn), so that numbers of the same
    /// shape share a token: `09066358152` and `08712460324` both become `00000000000`, `£1000` and
    /// `£5000` both `£0000`. Phone numbers, prices and codes are mostly seen once; as shapes they
    /// are seen often. False when a saved pipeline does not mention it (models saved before it).
    public var normalizesDigits = false
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

    enum CodingKeys: String, CodingKey {
        case kind, maxlen, korean, normalizesDigits, labels, numWords, indexFrom, startChar, oovChar
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(Kind.self, forKey: .kind)
        maxlen = try c.decode(Int.self, forKey: .maxlen)
        korean = try c.decode(Bool.self, forKey: .korean)
        normalizesDigits = try c.decodeIfPresent(Bool.self, forKey: .normalizesDigits) ?? false
        labels = try c.decode([String].self, forKey: .labels)
        numWords = try c.decodeIfPresent(Int.self, forKey: .numWords)
        indexFrom = try c.decode(Int.self, forKey: .indexFrom)
        startChar = try c.decodeIfPresent(Int.self, forKey: .startChar)
        oovChar = try c.decodeIfPresent(Int.self, forKey: .oovChar)
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
        let prepared = texts.map(prepare)
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

    /// The text as the tokenizer sees it: the lecture's Korean cleaning and stop words when
    /// `korean`, digits replaced with `0` when `normalizesDigits`.
    public func prepare(_ text: String) -> String {
        var text = text
        if korean { text = KoreanText.removeStopwords(KoreanText.words(KoreanText.clean(text))).joined(separator: " ") }
        if normalizesDigits {
            // Scalar by scalar, so that a digit with a combining mark after it is replaced too.
            text = String(String.UnicodeScalarView(text.unicodeScalars.map { ("0"..."9").contains($0) ? "0" : $0 }))
        }
        return text
    }

    /// The ids that stand for no word the model knows: a Keras Tokenizer's `oov_token` index (none
    /// when it has no OOV token, since it then drops unknown words), SentencePiece's unknown
    /// piece, a word-index pipeline's start and out-of-vocabulary ids. A text whose ids are all
    /// in this set reads as empty to the model.
    /// - Throws: `invalidConfiguration` when the tokenizer attachment a `.tokenizer` pipeline
    ///   needs is missing.
    public func placeholderIds(attachments: [String: String]) throws -> Set<Int> {
        switch kind {
        case .tokenizer:
            guard let json = attachments["tokenizer"] else { throw missing("tokenizer") }
            let tokenizer = try Tokenizer(json: json)
            return Set(tokenizer.oovToken.flatMap { tokenizer.index(of: $0) }.map { [$0] } ?? [])
        case .sentencePiece: return [1]  // <unk> is piece 0, shifted by 1
        case .kerasWordIndex: return Set([oovChar, startChar].compactMap { $0 })
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
