import Foundation
import Recurrent
import RecurrentDatasets

/// `reuters-lstm`: Keras's Reuters newswires (46 topics) rebuilt from Reuters-21578, the 1,000
/// most frequent words, length 100; Embedding(1000, 120) → LSTM(120) → Dense(46, softmax), adam,
/// batch 128, up to 30 epochs with early stopping (val_loss, patience 4) and the best checkpoint
/// by val_acc, validated on the test set as the lecture does. Lecture: 71.33%.
public struct ReutersLSTMExperiment: Experiment {
    public init() {}

    public var specification: ExperimentSpecification { Self.specification }
    static let specification = ExperimentSpecification(
        name: "reuters-lstm", summary: "Embedding(1000, 120) → LSTM(120) → Dense(46) on Reuters newswires (lecture: 71.33%)",
        defaults: ExperimentDefaults(units: 120, epochs: 30, batchSize: 128, optimizer: "adam"),
        accepts: ClassificationRun.accepts(split: nil, patience: 4, vocabulary: ClassificationRun.kerasDatasetMinimum),
        body: body)

    static func body(_ run: ExperimentRun) throws -> ExperimentOutcome {
        let words = run.options.vocabularySize ?? 1000
        let data = try Reuters.load(from: run.data, options: KerasSequenceOptions(numWords: words))
        run.log(data.report.summary())
        let maxlen = run.options.maxlen ?? 100
        let classes = 46
        var pipeline = TextPipeline(kind: .kerasWordIndex, maxlen: maxlen, labels: data.labelNames)
        pipeline.numWords = words
        let model = Sequential(name: "reuters_lstm") {
            Embedding(inputDim: words, outputDim: 120)
            LSTM(run.units, dropout: run.dropout, recurrentDropout: run.recurrentDropout)
            Dense(classes, activation: .softmax)
        }
        try model.build(inputShape: [maxlen], seed: run.seed)
        let setup = ClassificationSetup(
            title: "reuters-lstm: 46 topics of Reuters newswires", model: model,
            xTrain: try paddedInputs(run.limited(data.train.sequences), maxlen: maxlen),
            yTrain: try toCategorical(run.limited(data.train.labels), numClasses: classes),
            xTest: try paddedInputs(run.limited(data.test.sequences), maxlen: maxlen),
            yTest: try toCategorical(run.limited(data.test.labels), numClasses: classes),
            loss: .categoricalCrossentropy, pipeline: pipeline, attachments: ["word_index": TextPipeline.json(data.wordIndex)],
            notes: [("lecture", "71.33%")])
        return try ClassificationRun.run(setup, run)
    }
}
