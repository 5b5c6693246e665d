import Foundation
import Recurrent
import RecurrentDatasets

/// `nsmc-lstm`: Naver movie reviews (Korean), the official split. The lecture's preparation
/// (empty and duplicate reviews dropped, Hangul-only cleaning, reviews empty after cleaning dropped, its stop
/// words removed), then tokens: by default subwords from a SentencePiece unigram model trained
/// on the training reviews (the lecture used the Okt morphological analyser, which needs a JVM;
/// `--tokenization words` uses whitespace words with a Keras Tokenizer instead), padded or cut
/// to `maxlen`; with subwords, each epoch trains on a new sampled segmentation of every training
/// review (subword regularization, alpha `samplingAlpha`, 0.1 by default; validation and test use
/// the best segmentation); Embedding(vocab, 100) → LSTM(128) → Dense(1, sigmoid), rmsprop, batch 64, up
/// to 15 epochs with early stopping (val_loss, patience 4) and the best checkpoint by val_acc,
/// 20% of the training reviews for validation.
public struct NSMCLSTMExperiment: Experiment {
    /// The default `samplingAlpha`: SentencePiece's documented example value (its README
    /// samples with `alpha=0.1, nbest_size=-1`); the only value tried.
    public static let samplingAlpha: Float = 0.1
    public init() {}

    public var specification: ExperimentSpecification { Self.specification }
    static let specification = ExperimentSpecification(
        name: "nsmc-lstm",
        summary: "Embedding(vocab, 100) → LSTM(128) → Dense(1) on Naver movie reviews (Korean), SentencePiece subwords sampled each epoch",
        defaults: ExperimentDefaults(units: 128, epochs: 15, batchSize: 64, optimizer: "rmsprop"),
        accepts: ClassificationRun.accepts(split: 0.2, patience: 4, vocabulary: .vocabulary, tokenizations: [
            Tokenization(name: "subwords", vocabularyFloor: OptionFloor(4, "SentencePiece keeps its <unk>, <s> and </s> pieces, and needs the training text's characters besides"), subwords: true),
            Tokenization(name: "words"),
        ]) + [.samplingAlpha(default: samplingAlpha)],
        body: body)

    /// Reviews after the lecture's cleaning, with what was dropped.
    struct Prepared { var texts: [String] = [], labels: [Int] = [], dropped = 0, duplicates = 0 }

    /// Token ids of the training and test reviews, and what the model file and page need.
    struct Tokens {
        var train: [[Int]], test: [[Int]]
        var vocabulary: Int
        var pipeline: TextPipeline
        var attachments: [String: String]
        var notes: [(String, String)]
        var sentencePiece: SentencePieceModel?
    }

    static func body(_ run: ExperimentRun) throws -> ExperimentOutcome {
        let (trainReviews, trainReport) = try NSMC.load(.train, from: run.data)
        let (testReviews, testReport) = try NSMC.load(.test, from: run.data)
        run.log(trainReport.summary())
        run.log(testReport.summary())
        let train = prepare(run.limited(trainReviews)), test = prepare(run.limited(testReviews))
        run.log("\(train.duplicates) duplicate training and \(test.duplicates) duplicate test reviews dropped; after cleaning: \(train.texts.count) training reviews (\(train.dropped) empty dropped), \(test.texts.count) test reviews (\(test.dropped) dropped)")
        let subwords = run.tokenization == "subwords"
        let maxlen = run.options.maxlen ?? (subwords ? 40 : 30)
        var tokens = try subwords ? subwordTokens(train, test, run: run, maxlen: maxlen) : wordTokens(train, test, run: run, maxlen: maxlen)
        tokens.pipeline.korean = true
        // The lecture drops samples with no known token left.
        let keepTrain = tokens.train.indices.filter { !tokens.train[$0].isEmpty }, keepTest = tokens.test.indices.filter { !tokens.test[$0].isEmpty }
        let trainSeq = keepTrain.map { tokens.train[$0] }, trainLabels = keepTrain.map { train.labels[$0] }
        let testSeq = keepTest.map { tokens.test[$0] }, testLabels = keepTest.map { test.labels[$0] }
        var results: [String: JSONValue] = [:]
        let alpha = run.samplingAlpha ?? Self.samplingAlpha
        if tokens.sentencePiece != nil { results["sampling_alpha"] = .number(Double(alpha)) }
        var epochInputs: ((Int, Int) throws -> Tensor)? = nil
        if let sp = tokens.sentencePiece, alpha > 0 {
            epochInputs = sampledInputs(sp, texts: keepTrain.map { train.texts[$0] }, alpha: alpha, seed: run.seed, maxlen: maxlen)
            tokens.notes.append(("subword regularization", "a new segmentation of each training review every epoch, sampled with alpha \(alpha)"))
        }
        let covered = Double(trainSeq.filter { $0.count <= maxlen }.count) / Double(max(trainSeq.count, 1))
        tokens.notes.append(("reviews within maxlen \(maxlen)", percent(covered)))
        let model = Sequential(name: "nsmc_lstm") {
            Embedding(inputDim: tokens.vocabulary, outputDim: 100)
            LSTM(run.units, dropout: run.dropout, recurrentDropout: run.recurrentDropout)
            Dense(1, activation: .sigmoid)
        }
        var setup = try ClassificationSetup.binary(
            title: "nsmc-lstm: Naver movie reviews", model: model, seed: run.seed, maxlen: maxlen,
            train: (trainSeq, trainLabels), test: (testSeq, testLabels), pipeline: tokens.pipeline)
        setup.attachments = tokens.attachments
        setup.notes = tokens.notes
        setup.epochInputs = epochInputs
        setup.results = results
        return try ClassificationRun.run(setup, run)
    }

    /// The lecture: keep Hangul and spaces, drop reviews left empty, remove its stop words.
    /// The lecture also drops reviews whose text repeats an earlier one (`drop_duplicates`).
    static func prepare(_ reviews: [NSMCReview]) -> Prepared {
        var prepared = Prepared()
        var seen = Set<String>()
        for r in reviews {
            guard seen.insert(r.document ?? "").inserted else { prepared.duplicates += 1; continue }
            let words = KoreanText.removeStopwords(KoreanText.words(KoreanText.clean(r.document ?? "")))
            if words.isEmpty { prepared.dropped += 1; continue }
            prepared.texts.append(words.joined(separator: " "))
            prepared.labels.append(r.label)
        }
        return prepared
    }

    /// SentencePiece unigram subwords trained on the training reviews (ids + 1: 0 is padding).
    static func subwordTokens(_ train: Prepared, _ test: Prepared, run: ExperimentRun, maxlen: Int) throws -> Tokens {
        let size = run.options.vocabularySize ?? 16000
        // A soft vocabulary limit, so that a small slice of the data (tests) still trains.
        let sp: SentencePieceModel
        do {
            sp = try SentencePieceModel.train(train.texts, vocabularySize: size, options: ["hard_vocab_limit": "false"])
        } catch let error as RecurrentError {
            // SentencePiece needs a piece for each character it covers; say so in our terms.
            let text = "\(error)"
            guard let match = text.firstMatch(of: /smaller than required_chars\. *[0-9]+ vs ([0-9]+)/) else { throw error }
            throw RecurrentError.invalidConfiguration(
                where: "vocabularySize (--vocab-size)",
                message: "must be at least \(match.1) for nsmc-lstm's subwords of these training reviews (a piece for each character of them, and SentencePiece's own), found \(size)")
        }
        return Tokens(
            train: try train.texts.map { try sp.encode($0).map { $0 + 1 } }, test: try test.texts.map { try sp.encode($0).map { $0 + 1 } },
            vocabulary: sp.vocabularySize + 1, pipeline: TextPipeline(kind: .sentencePiece, maxlen: maxlen, labels: ["negative", "positive"]),
            attachments: ["sentencepiece": sp.serialized.base64EncodedString()],
            notes: [("lecture (Okt tokens)", "about 85%"), ("tokens", "SentencePiece unigram, \(sp.vocabularySize) pieces"),
                    ("test coverage", try sp.coverage(of: test.texts).description)],
            sentencePiece: sp)
    }

    /// Whitespace words with a Keras Tokenizer; the lecture leaves out words seen fewer than 3 times.
    static func wordTokens(_ train: Prepared, _ test: Prepared, run: ExperimentRun, maxlen: Int) throws -> Tokens {
        var fitted = try Tokenizer()
        fitted.fitOnTexts(train.texts)
        let limit = run.options.vocabularySize ?? fitted.rareWords(threshold: 3).suggestedNumWords
        var tokenizer = try Tokenizer(numWords: limit)
        tokenizer.fitOnTexts(train.texts)
        var pipeline = TextPipeline(kind: .tokenizer, maxlen: maxlen, labels: ["negative", "positive"])
        pipeline.numWords = limit
        return Tokens(train: tokenizer.textsToSequences(train.texts), test: tokenizer.textsToSequences(test.texts), vocabulary: limit,
                      pipeline: pipeline, attachments: ["tokenizer": tokenizer.toJSON()],
                      notes: [("lecture (Okt tokens)", "about 85%"), ("tokens", "whitespace words, \(limit - 1) kept")], sentencePiece: nil)
    }

    /// Subword regularization: each epoch a new sampled segmentation of every training review
    /// (validation and test keep the best one), seeded by the run's seed and the epoch.
    static func sampledInputs(_ sp: SentencePieceModel, texts: [String], alpha: Float, seed: UInt64, maxlen: Int) -> (Int, Int) throws -> Tensor {
        { epoch, count in
            let sampled = try sp.sampleEncode(Array(texts[0..<count]), alpha: alpha, seed: UInt32(truncatingIfNeeded: seed &* 1000 &+ UInt64(epoch)))
            // The same shape as xTrain, whose size paddedInputs checked.
            return try padSequences(sampled.map { $0.map { $0 + 1 } }, maxlen: maxlen)
        }
    }
}
