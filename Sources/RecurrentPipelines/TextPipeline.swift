import Foundation
import RecurrentDatasets
import RecurrentNN
import RecurrentTensor
import RecurrentText

/// How a text classifier turns raw text into its input `(texts, maxlen)` of token ids, saved with
/// the model as the attachment `"pipeline"` (JSON) so that `recurrent predict` and
/// `TextClassifier` repeat training's preprocessing exactly.
///
/// The steps, in order: `prepare` (the lecture's Korean cleaning and stop words when `korean`,
/// ASCII digits as `0` when `normalizesDigits`), then the tokens of `kind` (a Keras Tokenizer,
/// a Keras dataset word index, or SentencePiece subwords), then Keras's `pad_sequences` with
/// pre-padding and pre-truncating to `maxlen` (keras/src/utils/sequence_utils.py).
///
/// The attachment's JSON carries a `"version"` (`TextPipeline.version`, written on save); an
/// attachment without one is version 1, the schema of every model saved before versions existed.
public struct TextPipeline: Codable, Sendable, Equatable {
    /// The name of the model attachment that holds the pipeline's JSON.
    public static let attachmentName = "pipeline"
    /// The schema version this build writes.
    public static let version = 1
    /// The schema versions this build reads.
    public static let readableVersions = 1...1

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
    /// Keras's `num_words`: ids at or above it are out of vocabulary (`.kerasWordIndex`); nil: all.
    public var numWords: Int?
    /// Keras's dataset `index_from`: a word of rank r gets the id r + `indexFrom` (`.kerasWordIndex`).
    public var indexFrom = 3
    /// Keras's dataset `start_char`, the first id of every sequence (`.kerasWordIndex`); nil: none.
    public var startChar: Int? = 1
    /// Keras's dataset `oov_char`, the id of a word at or above `numWords`; nil: such words are dropped.
    public var oovChar: Int? = 2

    public init(kind: Kind, maxlen: Int, labels: [String]) {
        self.kind = kind
        self.maxlen = maxlen
        self.labels = labels
    }

    enum CodingKeys: String, CodingKey {
        case version, kind, maxlen, korean, normalizesDigits, labels, numWords, indexFrom, startChar, oovChar
    }

    /// Reads a pipeline of any version in `readableVersions`; a missing `"version"` is 1 and a
    /// missing `normalizesDigits` is false.
    /// - Throws: `RecurrentError.fileFormat` naming the attachment and the versions this build
    ///   reads for a version outside them; `DecodingError` for a missing or mistyped field.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let version = try c.decodeIfPresent(Int.self, forKey: .version) ?? 1
        guard Self.readableVersions.contains(version) else {
            throw RecurrentError.fileFormat(
                location: "the model's '\(Self.attachmentName)' attachment",
                message: "expected a text pipeline of version \(Self.readableVersions.map(String.init).joined(separator: ", ")) (the versions this build of Recurrent reads; one without a version is version 1), found version \(version); a newer Recurrent wrote it")
        }
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

    /// Writes the fields and `"version": TextPipeline.version`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.version, forKey: .version)
        try c.encode(kind, forKey: .kind)
        try c.encode(maxlen, forKey: .maxlen)
        try c.encode(korean, forKey: .korean)
        try c.encode(normalizesDigits, forKey: .normalizesDigits)
        try c.encode(labels, forKey: .labels)
        try c.encodeIfPresent(numWords, forKey: .numWords)
        try c.encode(indexFrom, forKey: .indexFrom)
        try c.encodeIfPresent(startChar, forKey: .startChar)
        try c.encodeIfPresent(oovChar, forKey: .oovChar)
    }

    /// The pipeline as the attachment's JSON (with its version).
    public var json: String { String(decoding: try! JSONEncoder().encode(self), as: UTF8.self) }

    /// Reads the pipeline from the attachment's JSON.
    /// - Throws: `RecurrentError.fileFormat` naming the attachment: a version this build does
    ///   not read, or JSON that is not a text pipeline.
    public init(json: String) throws {
        do {
            self = try JSONDecoder().decode(TextPipeline.self, from: Data(json.utf8))
        } catch let error as RecurrentError {
            throw error
        } catch {
            throw RecurrentError.fileFormat(location: "the model's '\(Self.attachmentName)' attachment",
                                            message: "expected a text pipeline, found JSON that is not one (\(error))")
        }
    }

    /// The pipeline saved with `model`, nil when it has none (it is no text classifier).
    /// - Throws: as `init(json:)`.
    public static func attached(to model: Sequential) throws -> TextPipeline? {
        try model.attachments[attachmentName].map(TextPipeline.init(json:))
    }

    /// Saves the pipeline into `model.attachments["pipeline"]` (the tokenizer, word index or
    /// SentencePiece attachment it needs is the caller's to add).
    public func attach(to model: Sequential) { model.attachments[Self.attachmentName] = json }

    /// A word index as the JSON object Keras writes (word → rank), for the `"word_index"` attachment.
    public static func json(_ index: WordIndex) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(index.dictionary), as: UTF8.self)
    }
}
