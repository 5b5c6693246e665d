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
    public let name = "nsmc-lstm"
    public var task: ExperimentTask { .classification }
    public var samplesSubwords: Bool { true }
    public var tokenizations: [String] { ["subwords", "words"] }
    public var defaultValidationSplit: Double? { 0.2 }
    public func minimumVocabularySize(tokenization: String?) -> (size: Int, reason: String)? {
        self.tokenization(tokenization) == "subwords"
            ? (4, "SentencePiece keeps its <unk>, <s> and </s> pieces, and needs the training text's characters besides")
            : (2, "index 0 is padding")
    }
    /// The default `samplingAlpha`: SentencePiece's documented example value (its README
    /// samples with `alpha=0.1, nbest_size=-1`); the only value tried.
    public static let samplingAlpha: Float = 0.1
    public let summary = "Embedding(vocab, 100) → LSTM(128) → Dense(1) on Naver movie reviews (Korean), SentencePiece subwords sampled each epoch"
    public init() {}

    public func run(_ o: ExperimentOptions) throws -> ExperimentResult {
        try o.check(for: self)
        let dir = ClassificationRun.data(o)
        var (trainReviews, trainReport) = try NSMC.load(.train, from: dir)
        var (testReviews, testReport) = try NSMC.load(.test, from: dir)
        o.log(trainReport.summary())
        o.log(testReport.summary())
        trainReviews = ClassificationRun.limited(trainReviews, o.limit)
        testReviews = ClassificationRun.limited(testReviews, o.limit)
        // The lecture: keep Hangul and spaces, drop reviews left empty, remove its stop words.
        // The lecture also drops reviews whose text repeats an earlier one (`drop_duplicates`).
        func prepare(_ reviews: [NSMCReview]) -> (texts: [String], labels: [Int], dropped: Int, duplicates: Int) {
            var texts: [String] = [], labels: [Int] = [], dropped = 0, duplicates = 0
            var seen = Set<String>()
            for r in reviews {
                guard seen.insert(r.document ?? "").inserted else { duplicates += 1; continue }
                let words = KoreanText.removeStopwords(KoreanText.words(KoreanText.clean(r.document ?? "")))
                if words.isEmpty { dropped += 1; continue }
                texts.append(words.joined(separator: " "))
                labels.append(r.label)
            }
            return (texts, labels, dropped, duplicates)
        }
        let train = prepare(trainReviews), test = prepare(testReviews)
        o.log("\(train.duplicates) duplicate training and \(test.duplicates) duplicate test reviews dropped; after cleaning: \(train.texts.count) training reviews (\(train.dropped) empty dropped), \(test.texts.count) test reviews (\(test.dropped) dropped)")
        let subwords = tokenization(o.tokenization) == "subwords"
        let maxlen = o.maxlen ?? (subwords ? 40 : 30)
        var trainSeq: [[Int]], testSeq: [[Int]]
        var attachments: [String: String] = [:]
        var pipeline: TextPipeline
        var sentencePiece: SentencePieceModel? = nil
        let vocab: Int
        var notes: [(String, String)] = [("lecture (Okt tokens)", "about 85%")]
        if subwords {
            let size = o.vocabularySize ?? 16000
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
            trainSeq = try train.texts.map { try sp.encode($0).map { $0 + 1 } }
            testSeq = try test.texts.map { try sp.encode($0).map { $0 + 1 } }
            vocab = sp.vocabularySize + 1
            sentencePiece = sp
            attachments["sentencepiece"] = sp.serialized.base64EncodedString()
            pipeline = TextPipeline(kind: .sentencePiece, maxlen: maxlen, labels: ["negative", "positive"])
            notes.append(("tokens", "SentencePiece unigram, \(sp.vocabularySize) pieces"))
            notes.append(("test coverage", try sp.coverage(of: test.texts).description))
        } else {
            var fitted = try Tokenizer()
            fitted.fitOnTexts(train.texts)
            // The lecture: words seen fewer than 3 times are left out of the vocabulary.
            let limit = o.vocabularySize ?? fitted.rareWords(threshold: 3).suggestedNumWords
            var tokenizer = try Tokenizer(numWords: limit)
            tokenizer.fitOnTexts(train.texts)
            trainSeq = tokenizer.textsToSequences(train.texts)
            testSeq = tokenizer.textsToSequences(test.texts)
            vocab = limit
            attachments["tokenizer"] = tokenizer.toJSON()
            pipeline = TextPipeline(kind: .tokenizer, maxlen: maxlen, labels: ["negative", "positive"])
            pipeline.numWords = limit
            notes.append(("tokens", "whitespace words, \(limit - 1) kept"))
        }
        pipeline.korean = true
        // The lecture drops samples with no known token left.
        var trainLabels = train.labels, testLabels = test.labels
        let keepTrain = trainSeq.indices.filter { !trainSeq[$0].isEmpty }, keepTest = testSeq.indices.filter { !testSeq[$0].isEmpty }
        trainSeq = keepTrain.map { trainSeq[$0] }; trainLabels = keepTrain.map { trainLabels[$0] }
        testSeq = keepTest.map { testSeq[$0] }; testLabels = keepTest.map { testLabels[$0] }
        // Subword regularization: each epoch a new sampled segmentation of every training
        // review (validation and test keep the best one), seeded by the run's seed and the epoch.
        var epochInputs: ((Int, Int) throws -> Tensor)? = nil
        var results: [String: JSONValue] = [:]
        let alpha = o.samplingAlpha ?? Self.samplingAlpha
        if sentencePiece != nil { results["sampling_alpha"] = .number(Double(alpha)) }
        if let sp = sentencePiece, alpha > 0 {
            let texts = keepTrain.map { train.texts[$0] }
            let seed = o.seed
            epochInputs = { epoch, count in
                let sampled = try sp.sampleEncode(Array(texts[0..<count]), alpha: alpha, seed: UInt32(truncatingIfNeeded: seed &* 1000 &+ UInt64(epoch)))
                // The same shape as xTrain, whose size paddedInputs checked.
                return try padSequences(sampled.map { $0.map { $0 + 1 } }, maxlen: maxlen)
            }
            notes.append(("subword regularization", "a new segmentation of each training review every epoch, sampled with alpha \(alpha)"))
        }
        let covered = Double(trainSeq.filter { $0.count <= maxlen }.count) / Double(max(trainSeq.count, 1))
        notes.append(("reviews within maxlen \(maxlen)", percent(covered)))
        let model = Sequential(name: "nsmc_lstm") {
            Embedding(inputDim: vocab, outputDim: 100)
            LSTM(o.units ?? 128, dropout: o.dropout ?? 0, recurrentDropout: o.recurrentDropout ?? 0)
            Dense(1, activation: .sigmoid)
        }
        try model.build(inputShape: [maxlen], seed: o.seed)
        let setup = ClassificationSetup(
            name: name, title: "nsmc-lstm: Naver movie reviews", model: model,
            xTrain: try paddedInputs(trainSeq, maxlen: maxlen), yTrain: ClassificationRun.labels(trainLabels),
            xTest: try paddedInputs(testSeq, maxlen: maxlen), yTest: ClassificationRun.labels(testLabels),
            optimizer: "rmsprop", loss: .binaryCrossentropy, batchSize: 64, epochs: 15, validation: .split(defaultValidationSplit!),
            earlyStoppingPatience: 4, pipeline: pipeline, attachments: attachments, notes: notes, epochInputs: epochInputs,
            results: results)
        return try ClassificationRun.run(setup, o)
    }
}
