import Foundation
import Recurrent
import RecurrentDatasets

/// The three IMDB models of the lecture: 5,000 words, reviews padded or cut to 500 words, batch
/// 64, adam, up to 10 epochs with early stopping (val_loss, patience 4) and the best checkpoint
/// by val_acc, validated on the test set as the lecture's notebook does
/// (`validation_data=(X_test, y_test)`), so the best epoch is chosen on the test set;
/// `--validation-split 0.2` validates on held-out training reviews instead.
public struct IMDBExperiment: Experiment {
    public enum Variant: String, Sendable { case lstm, gru, cnnLSTM = "cnn-lstm" }
    public let variant: Variant
    public init(_ variant: Variant) { self.variant = variant }

    public var specification: ExperimentSpecification {
        ExperimentSpecification(
            name: "imdb-\(variant.rawValue)", summary: variantSummary,
            defaults: ExperimentDefaults(units: variant == .cnnLSTM ? 55 : 120, epochs: 10, batchSize: 64, optimizer: "adam"),
            accepts: ClassificationRun.accepts(
                split: nil, patience: 4, vocabulary: ClassificationRun.kerasDatasetMinimum,
                // imdb-cnn-lstm: Conv1D(64, 5) leaves `maxlen − 4` steps and MaxPooling1D(4) needs 4.
                maxlen: variant == .cnnLSTM ? OptionFloor(8, "Conv1D(64, 5) leaves maxlen − 4 steps and MaxPooling1D(4) needs 4 of them") : .sequence),
            body: { [variant] in try Self.body($0, variant) })
    }

    var variantSummary: String {
        switch variant {
        case .lstm: "Embedding(5000, 120) → LSTM(120) → Dense(1) on IMDB reviews"
        case .gru: "Embedding(5000, 120) → GRU(120) → Dense(1) on IMDB reviews"
        case .cnnLSTM: "Embedding(5000, 120) → Dropout → Conv1D(64, 5) → MaxPooling1D(4) → LSTM(55) → Dense(1) on IMDB"
        }
    }

    static func makeModel(_ variant: Variant, words: Int, _ run: ExperimentRun) -> Sequential {
        let units = run.units, dropout = run.dropout, recurrentDropout = run.recurrentDropout
        switch variant {
        case .lstm:
            return Sequential(name: "imdb_lstm") { Embedding(inputDim: words, outputDim: 120); LSTM(units, dropout: dropout, recurrentDropout: recurrentDropout); Dense(1, activation: .sigmoid) }
        case .gru:
            return Sequential(name: "imdb_gru") { Embedding(inputDim: words, outputDim: 120); GRU(units, dropout: dropout, recurrentDropout: recurrentDropout); Dense(1, activation: .sigmoid) }
        case .cnnLSTM:
            return Sequential(name: "imdb_cnn_lstm") {
                Embedding(inputDim: words, outputDim: 120)
                Dropout(rate: 0.2)
                Conv1D(filters: 64, kernelSize: 5, padding: .valid, activation: .relu)
                MaxPooling1D(poolSize: 4)
                LSTM(units, dropout: dropout, recurrentDropout: recurrentDropout)
                Dense(1, activation: .sigmoid)
            }
        }
    }

    static func body(_ run: ExperimentRun, _ variant: Variant) throws -> ExperimentOutcome {
        let words = run.options.vocabularySize ?? 5000
        let data = try IMDB.load(from: run.data, options: KerasSequenceOptions(numWords: words), limit: run.options.limit)
        run.log(data.report.summary())
        let maxlen = run.options.maxlen ?? 500
        var pipeline = TextPipeline(kind: .kerasWordIndex, maxlen: maxlen, labels: ["negative", "positive"])
        pipeline.numWords = words
        let model = makeModel(variant, words: words, run)
        let wordIndex = try IMDB.wordIndex(from: run.data)
        var setup = try ClassificationSetup.binary(
            title: "\(run.name): IMDB movie reviews", model: model, seed: run.seed, maxlen: maxlen,
            train: (data.train.sequences, data.train.labels), test: (data.test.sequences, data.test.labels), pipeline: pipeline)
        setup.attachments = ["word_index": TextPipeline.json(wordIndex)]
        setup.notes = [("paper (Maas et al. 2011)", "88.89%")]
        return try ClassificationRun.run(setup, run)
    }
}
