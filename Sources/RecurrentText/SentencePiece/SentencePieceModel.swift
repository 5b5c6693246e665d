import CSentencePiece
import Foundation
import RecurrentTensor

/// A SentencePiece subword model (Kudo & Richardson 2018; the library github.com/google/sentencepiece
/// through the system's libsentencepiece): text ↔ pieces ↔ ids.
///
/// Train one on a corpus with `SentencePieceModel.train`, or load a `.model` file written by
/// `save(to:)`, by the `spm_train` tool or by Python's `sentencepiece`; the same file gives the
/// same ids everywhere. Pieces mark the start of a word with "▁" (U+2581). Ids run over
/// `0..<vocabularySize`; by default 0 is `<unk>`, 1 `<s>`, 2 `</s>` (and no padding id).
///
/// Thread safety: a model is immutable after loading, and SentencePiece's const operations are
/// thread-safe, so one model can encode from several threads.
public final class SentencePieceModel: @unchecked Sendable {
    /// SentencePiece's `model_type`.
    public enum ModelType: String, Sendable, CaseIterable {
        /// The unigram language model (SentencePiece's default).
        case unigram
        /// Byte-pair encoding.
        case bpe
        /// Characters only.
        case char
        /// Whitespace words only.
        case word
    }

    private let processor: OpaquePointer

    /// Loads a model from the bytes of a `.model` file (a serialized `ModelProto`).
    /// - Throws: `RecurrentError.fileFormat` when SentencePiece cannot read them.
    public convenience init(serialized: Data) throws {
        try self.init(serialized: serialized, location: "SentencePieceModel(serialized:)")
    }

    /// Loads a `.model` file.
    /// - Throws: `RecurrentError.fileFormat` naming the file when it cannot be read or is not a model.
    public convenience init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw RecurrentError.fileFormat(location: url.path, message: "cannot read the SentencePiece model (\(error.localizedDescription))")
        }
        try self.init(serialized: data, location: url.path)
    }

    private init(serialized: Data, location: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let loaded = serialized.withUnsafeBytes { csp_processor_load_serialized($0.baseAddress, $0.count, &error) }
        guard let loaded else {
            throw RecurrentError.fileFormat(
                location: location, message: "expected a SentencePiece model, found bytes it cannot load (\(Self.take(error)))")
        }
        processor = loaded
    }

    deinit { csp_processor_free(processor) }

    /// The model as the bytes of a `.model` file.
    public var serialized: Data {
        var bytes: UnsafeMutableRawPointer?
        var count = 0
        var error: UnsafeMutablePointer<CChar>?
        guard csp_processor_serialized(processor, &bytes, &count, &error) == 0, let bytes else {
            // Only an allocation failure gets here.
            _ = Self.take(error)
            return Data()
        }
        defer { csp_free(bytes) }
        return Data(bytes: bytes, count: count)
    }

    /// Writes the model to a `.model` file (readable by Python's `sentencepiece` and `spm_encode`).
    /// - Throws: `RecurrentError.fileFormat` naming the file when it cannot be written.
    public func save(to url: URL) throws {
        do { try serialized.write(to: url, options: .atomic) } catch {
            throw RecurrentError.fileFormat(location: url.path, message: "cannot write the SentencePiece model (\(error.localizedDescription))")
        }
    }

    // MARK: Vocabulary

    /// The number of pieces, special symbols included.
    public var vocabularySize: Int { Int(csp_piece_size(processor)) }

    /// The id of `<unk>`.
    public var unknownID: Int { Int(csp_unk_id(processor)) }
    /// The id of `<s>`, nil when the model has none.
    public var bosID: Int? { let id = Int(csp_bos_id(processor)); return id >= 0 ? id : nil }
    /// The id of `</s>`, nil when the model has none.
    public var eosID: Int? { let id = Int(csp_eos_id(processor)); return id >= 0 ? id : nil }
    /// The id of `<pad>`, nil when the model has none (the default).
    public var padID: Int? { let id = Int(csp_pad_id(processor)); return id >= 0 ? id : nil }

    /// The piece of `id`.
    /// - Throws: `RecurrentError.invalidValue` when `id` is outside `0..<vocabularySize`.
    public func piece(forID id: Int) throws -> String {
        try checkIDs([id], where: "SentencePieceModel.piece(forID:)")
        return String(cString: csp_id_to_piece(processor, Int32(id)))
    }

    /// The id of `piece`, `unknownID` when it is not in the vocabulary.
    public func id(forPiece piece: String) -> Int {
        var piece = piece
        return piece.withUTF8 { Int(csp_piece_to_id(processor, $0.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, $0.count)) }
    }

    /// Every piece in id order.
    public var pieces: [String] { (0..<vocabularySize).map { String(cString: csp_id_to_piece(processor, Int32($0))) } }

    /// The piece's score (log probability for unigram models, merge order for BPE).
    /// - Throws: `RecurrentError.invalidValue` when `id` is outside `0..<vocabularySize`.
    public func score(forID id: Int) throws -> Float {
        try checkIDs([id], where: "SentencePieceModel.score(forID:)")
        return csp_score(processor, Int32(id))
    }

    /// Whether `id` is a control symbol (`<s>`, `</s>`, …).
    /// - Throws: `RecurrentError.invalidValue` when `id` is outside `0..<vocabularySize`.
    public func isControl(_ id: Int) throws -> Bool {
        try checkIDs([id], where: "SentencePieceModel.isControl")
        return csp_is_control(processor, Int32(id)) != 0
    }

    // MARK: Encoding

    /// The ids of `text`'s pieces (no `<s>`/`</s>` added). Text is normalised by the model's
    /// rule first (NFKC by default).
    /// - Throws: `RecurrentError.invalidValue` with SentencePiece's message when it fails.
    public func encode(_ text: String) throws -> [Int] {
        var text = text
        var ids: UnsafeMutablePointer<Int32>?
        var count = 0
        var error: UnsafeMutablePointer<CChar>?
        let rc = text.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { csp_encode_ids(processor, $0.baseAddress, $0.count, &ids, &count, &error) }
        }
        guard rc == 0, let ids else { throw failure("SentencePieceModel.encode", error) }
        defer { csp_free(ids) }
        return (0..<count).map { Int(ids[$0]) }
    }

    /// One sampled segmentation of each text, for subword regularization (Kudo 2018,
    /// "Subword Regularization", arXiv:1804.10959; SentencePiece's `SampleEncode`): a unigram
    /// model samples a segmentation x with probability ∝ P(x)^alpha among the `nbestSize` best
    /// (all of them when `nbestSize` < 0; SentencePiece allows at most 512); a BPE model ignores
    /// `nbestSize` and drops each merge with probability `alpha` (BPE-dropout, so alpha should
    /// lie in [0, 1]). For unigram models alpha near 0 samples almost uniformly, large alpha
    /// approaches `encode`. The same seed gives the same samples. SentencePiece's seed is
    /// process-wide: the call leaves it set to `seed`.
    /// - Returns: one id list per text, as `encode` (no `<s>`/`</s>`).
    /// - Throws: `RecurrentError.invalidValue` for an `alpha` that is not finite or not ≥ 0, an
    ///   `nbestSize` above 512, or with SentencePiece's message.
    public func sampleEncode(_ texts: [String], nbestSize: Int = -1, alpha: Float = 0.1, seed: UInt32) throws -> [[Int]] {
        guard alpha.isFinite, alpha >= 0 else {
            throw RecurrentError.invalidValue(where: "SentencePieceModel.sampleEncode", expected: "a finite alpha ≥ 0", found: "\(alpha)")
        }
        guard nbestSize <= 512 else {
            throw RecurrentError.invalidValue(where: "SentencePieceModel.sampleEncode", expected: "nbestSize ≤ 512 (SentencePiece's limit; < 0 samples from the whole lattice)", found: "\(nbestSize)")
        }
        if texts.isEmpty { return [] }
        // One contiguous UTF-8 buffer with the texts back to back.
        var bytes: [CChar] = []
        var starts: [Int] = [], lengths: [Int] = []
        for text in texts {
            var text = text
            starts.append(bytes.count)
            text.withUTF8 { utf8 in utf8.withMemoryRebound(to: CChar.self) { bytes.append(contentsOf: $0) } }
            lengths.append(bytes.count - starts.last!)
        }
        bytes.append(0)  // so that the buffer has an address even when every text is empty
        var ids: UnsafeMutablePointer<Int32>?
        var offsets: UnsafeMutablePointer<Int>?
        var error: UnsafeMutablePointer<CChar>?
        let rc = bytes.withUnsafeBufferPointer { buffer -> Int32 in
            let pointers: [UnsafePointer<CChar>?] = starts.map { buffer.baseAddress! + $0 }
            return pointers.withUnsafeBufferPointer { p in
                lengths.withUnsafeBufferPointer { l in
                    csp_sample_encode_ids(processor, p.baseAddress, l.baseAddress, texts.count, Int32(max(Int(Int32.min), min(nbestSize, Int(Int32.max)))),
                                          alpha, seed, &ids, &offsets, &error)
                }
            }
        }
        guard rc == 0, let ids, let offsets else { throw failure("SentencePieceModel.sampleEncode", error) }
        defer { csp_free(ids); csp_free(offsets) }
        return (0..<texts.count).map { i in (offsets[i]..<offsets[i + 1]).map { Int(ids[$0]) } }
    }

    /// The pieces of `text` ("▁" marks a word start).
    /// - Throws: `RecurrentError.invalidValue` with SentencePiece's message when it fails.
    public func encodeAsPieces(_ text: String) throws -> [String] {
        var text = text
        var list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        var count = 0
        var error: UnsafeMutablePointer<CChar>?
        let rc = text.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { csp_encode_pieces(processor, $0.baseAddress, $0.count, &list, &count, &error) }
        }
        guard rc == 0, let list else { throw failure("SentencePieceModel.encodeAsPieces", error) }
        defer { csp_free_pieces(list, count) }
        return (0..<count).map { String(cString: list[$0]!) }
    }

    /// Ids back to text (pieces joined, "▁" → space, the leading space dropped; control ids
    /// such as `<s>` decode to nothing, `<unk>` to " ⁇ ").
    /// - Throws: `RecurrentError.invalidValue` for an id outside `0..<vocabularySize`.
    public func decode(_ ids: [Int]) throws -> String {
        try checkIDs(ids, where: "SentencePieceModel.decode")
        let narrow = ids.map { Int32($0) }
        var text: UnsafeMutablePointer<CChar>?
        var length = 0
        var error: UnsafeMutablePointer<CChar>?
        let rc = narrow.withUnsafeBufferPointer { csp_decode_ids(processor, $0.baseAddress, $0.count, &text, &length, &error) }
        return try takeText(rc, text, length, error, where: "SentencePieceModel.decode")
    }

    /// Pieces back to text.
    /// - Throws: `RecurrentError.invalidValue` with SentencePiece's message when it fails.
    public func decode(pieces: [String]) throws -> String {
        var cStrings = pieces.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var text: UnsafeMutablePointer<CChar>?
        var length = 0
        var error: UnsafeMutablePointer<CChar>?
        let rc = cStrings.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) {
                csp_decode_pieces(processor, $0.baseAddress, $0.count, &text, &length, &error)
            }
        }
        return try takeText(rc, text, length, error, where: "SentencePieceModel.decode(pieces:)")
    }

    // MARK: Helpers

    private func checkIDs(_ ids: [Int], where place: String) throws {
        let n = vocabularySize
        if let bad = ids.first(where: { $0 < 0 || $0 >= n }) {
            throw RecurrentError.invalidValue(where: place, expected: "ids in 0..<\(n)", found: "\(bad)")
        }
    }

    private func takeText(
        _ rc: Int32, _ text: UnsafeMutablePointer<CChar>?, _ length: Int, _ error: UnsafeMutablePointer<CChar>?,
        where place: String
    ) throws -> String {
        guard rc == 0, let text else { throw failure(place, error) }
        defer { csp_free(text) }
        return String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self)
    }

    private func failure(_ place: String, _ error: UnsafeMutablePointer<CChar>?) -> RecurrentError {
        .invalidValue(where: place, expected: "SentencePiece to succeed", found: Self.take(error))
    }

    /// The message of a C error string, freed.
    static func take(_ error: UnsafeMutablePointer<CChar>?) -> String {
        guard let error else { return "no message" }
        defer { csp_free(error) }
        return String(cString: error)
    }
}
