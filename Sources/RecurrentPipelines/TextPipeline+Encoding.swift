import Foundation
import RecurrentDatasets
import RecurrentNN
import RecurrentTensor
import RecurrentText

extension TextPipeline {
    /// Token ids of each text, as the model was trained on them (before padding): the Keras
    /// Tokenizer's `texts_to_sequences`, SentencePiece ids + 1, or a Keras dataset's ids
    /// (`start_char`, then rank + `index_from` for each word of `KerasDatasetWords`, `oov_char`
    /// at or above `num_words`, words outside the index skipped as the loaders do).
    /// - Parameter attachments: the model's attachments (`"tokenizer"`, `"sentencepiece"` or
    ///   `"word_index"`, as `kind` needs).
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

    /// The padded input `(texts, maxlen)`: `sequences` pre-padded with 0 and pre-truncated.
    /// - Throws: as `sequences`.
    public func encode(_ texts: [String], attachments: [String: String]) throws -> Tensor {
        try padSequences(try sequences(texts, attachments: attachments), maxlen: maxlen)
    }

    func missing(_ name: String) -> RecurrentError {
        .invalidConfiguration(where: "text pipeline", message: "the model file has no '\(name)' attachment, which its \(kind.rawValue) pipeline needs")
    }
}
