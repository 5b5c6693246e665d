import CSentencePiece
import Foundation
import RecurrentTensor

extension SentencePieceModel {
    /// Trains a model on `sentences` with SentencePiece's trainer (`SentencePieceTrainer::Train`).
    ///
    /// The sentences are written one per line to a temporary file (line breaks inside a sentence
    /// become spaces; the file is removed afterwards) and passed as `input`. Empty sentences are
    /// ignored by SentencePiece. The trainer's other flags keep SentencePiece's defaults (NFKC
    /// normalisation, `<unk>` = 0, `<s>` = 1, `</s>` = 2, at most 1,000,000 sentences read,
    /// `hard_vocab_limit`), unless `options` overrides them, e.g. `["pad_id": "3"]` or
    /// `["user_defined_symbols": "<mask>"]` (keys without dashes, values as on the command line).
    ///
    /// - Parameters:
    ///   - sentences: the corpus.
    ///   - vocabularySize: the number of pieces, special symbols included (`vocab_size`). With the
    ///     default `hard_vocab_limit` the corpus must have enough distinct pieces for it.
    ///   - modelType: default `.unigram` (SentencePiece's default).
    ///   - characterCoverage: the share of characters the model covers (`character_coverage`);
    ///     default 0.9995, SentencePiece's recommendation for Korean, Chinese and Japanese (1.0 for
    ///     small alphabets). Rare characters outside it become `<unk>`.
    ///   - options: further trainer flags.
    /// - Throws: `RecurrentError.invalidValue` for a vocabulary size below 1 or a coverage outside
    ///   (0, 1]; `RecurrentError.invalidConfiguration` with SentencePiece's message when training
    ///   fails (e.g. "Vocabulary size too high"); `RecurrentError.fileFormat` when the temporary
    ///   file cannot be written.
    public static func train(
        _ sentences: [String], vocabularySize: Int, modelType: ModelType = .unigram,
        characterCoverage: Double = 0.9995, options: [String: String] = [:]
    ) throws -> SentencePieceModel {
        guard vocabularySize >= 1 else {
            throw RecurrentError.invalidValue(
                where: "SentencePieceModel.train", expected: "vocabularySize >= 1", found: "\(vocabularySize)")
        }
        guard characterCoverage > 0, characterCoverage <= 1 else {
            throw RecurrentError.invalidValue(
                where: "SentencePieceModel.train", expected: "characterCoverage in (0, 1]", found: "\(characterCoverage)")
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("recurrent-spm-\(UUID().uuidString)", isDirectory: true)
        let input = directory.appendingPathComponent("corpus.txt")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var corpus = ""
            for s in sentences {
                corpus += s.replacingOccurrences(of: "\r\n", with: " ")
                    .replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
                corpus += "\n"
            }
            try corpus.write(to: input, atomically: false, encoding: .utf8)
        } catch {
            throw RecurrentError.fileFormat(
                location: input.path, message: "cannot write the training corpus (\(error.localizedDescription))")
        }
        defer { try? FileManager.default.removeItem(at: directory) }

        var flags: [String: String] = [
            "input": input.path,
            "vocab_size": String(vocabularySize),
            "model_type": modelType.rawValue,
            "character_coverage": String(characterCoverage),
            // Warnings and errors only: the trainer's progress log is long.
            "minloglevel": "1",
        ]
        flags.merge(options) { _, new in new }
        // The model comes back in memory: SentencePiece refuses a model_prefix then.
        flags["model_prefix"] = nil
        let keys = flags.keys.sorted()
        var cKeys = keys.map { strdup($0) }
        var cValues = keys.map { strdup(flags[$0]!) }
        defer {
            cKeys.forEach { free($0) }
            cValues.forEach { free($0) }
        }
        var model: UnsafeMutableRawPointer?
        var count = 0
        var error: UnsafeMutablePointer<CChar>?
        let rc = cKeys.withUnsafeMutableBufferPointer { k in
            cValues.withUnsafeMutableBufferPointer { v in
                k.withMemoryRebound(to: UnsafePointer<CChar>?.self) { k in
                    v.withMemoryRebound(to: UnsafePointer<CChar>?.self) { v in
                        csp_train(k.baseAddress, v.baseAddress, keys.count, &model, &count, &error)
                    }
                }
            }
        }
        guard rc == 0, let model else {
            throw RecurrentError.invalidConfiguration(
                where: "SentencePieceModel.train", message: "SentencePiece could not train: \(take(error))")
        }
        defer { csp_free(model) }
        return try SentencePieceModel(serialized: Data(bytes: model, count: count))
    }
}
