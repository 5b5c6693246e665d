import Foundation
import Recurrent
import RecurrentDatasets

/// What a text-classification experiment's body hands to `ClassificationRun`; the optimizer,
/// batch size, epochs, validation and patience come from the specification and options.
struct ClassificationSetup {
    var title: String
    var model: Sequential
    var xTrain: Tensor, yTrain: Tensor, xTest: Tensor, yTest: Tensor
    var loss: Loss
    var pipeline: TextPipeline
    var attachments: [String: String] = [:]
    var notes: [(String, String)] = []
    /// The training inputs of each epoch (`fit`'s `epochInputs`), given the epoch and the
    /// number of training samples (the first ones of `xTrain`, before any validation split).
    var epochInputs: ((_ epoch: Int, _ trainingSamples: Int) throws -> Tensor)? = nil
    /// Experiment-specific entries of results.json.
    var results: [String: JSONValue] = [:]
}

extension ClassificationSetup {
    /// The setup of a binary classifier (binary cross-entropy on labels 0 and 1): the token
    /// sequences pre-padded to `maxlen` (`paddedInputs`), the labels as `(samples, 1)`; `model`
    /// is built for `(maxlen)` with `seed`.
    static func binary(title: String, model: Sequential, seed: UInt64, maxlen: Int, train: (sequences: [[Int]], labels: [Int]),
                       test: (sequences: [[Int]], labels: [Int]), pipeline: TextPipeline) throws -> ClassificationSetup {
        try model.build(inputShape: [maxlen], seed: seed)
        return ClassificationSetup(
            title: title, model: model,
            xTrain: try paddedInputs(train.sequences, maxlen: maxlen), yTrain: ClassificationRun.labels(train.labels),
            xTest: try paddedInputs(test.sequences, maxlen: maxlen), yTest: ClassificationRun.labels(test.labels),
            loss: .binaryCrossentropy, pipeline: pipeline)
    }
}

/// The trained classifier: the model evaluated and saved (the best checkpoint, or the last
/// epoch's) and its test metrics.
struct ClassificationFit {
    var history: History
    var seconds: Double
    var optimizer: any Optimizer
    var validation: Validation
    var evaluated: Sequential
    var evaluatedEpoch: Int
    var test: [String: Double]
}

enum ClassificationRun {
    /// Compiles, trains (with EarlyStopping on val_loss and ModelCheckpoint on val_acc into the
    /// run folder's model.rnn when there is a patience, as the lecture's notebooks), evaluates
    /// the best model on the test set and says what to report.
    static func run(_ s: ClassificationSetup, _ run: ExperimentRun) throws -> ExperimentOutcome {
        let fitted = try fit(s, run)
        let accuracy = fitted.test["acc"] ?? .nan, loss = fitted.test["loss"]!
        let epochs = fitted.history.epochs.count
        run.log("test accuracy \(percent(accuracy)), test loss \(String(format: "%.4f", loss)) (the model of epoch \(fitted.evaluatedEpoch) of \(epochs))")
        var results: [String: JSONValue] = [
            "test_accuracy": .number(accuracy), "test_loss": .number(loss), "evaluated_epoch": .number(Double(fitted.evaluatedEpoch)),
            "train_samples": .number(Double(s.xTrain.shape[0])), "test_samples": .number(Double(s.xTest.shape[0])),
            "parameters": .number(Double(s.model.parameterCount)),
            // As keras.optimizers.serialize writes it.
            "optimizer": .object(["module": "keras.optimizers", "class_name": .string(fitted.optimizer.typeName),
                                  "config": .object(fitted.optimizer.config), "registered_name": .null]),
        ]
        if let reason = fitted.history.stopReason { results["stop_reason"] = .string(reason) }
        results.merge(s.results) { _, own in own }
        switch fitted.validation {
        case let .split(fraction): results["validation"] = .string("split"); results["validation_split"] = .number(fraction)
        case .testSet: results["validation"] = .string("test")
        }
        // A few test inputs and the saved model's outputs, so a reload can be checked against them.
        let head = s.xTest.rows(0..<min(8, s.xTest.shape[0]))
        results["sample_inputs"] = .array((0..<head.shape[0]).map { i in .array(head.rows(i..<(i + 1)).data.map { .number(Double($0)) }) })
        results["sample_outputs"] = .array(try fitted.evaluated.predict(head).data.map { .number(Double($0)) })
        let rows = [("test accuracy", percent(accuracy)), ("test loss", String(format: "%.4f", loss)),
                    ("epochs", "\(epochs)"), ("model evaluated and saved", "epoch \(fitted.evaluatedEpoch)"),
                    ("seconds per epoch", String(format: "%.1f", fitted.seconds / Double(max(epochs, 1)))),
                    ("train / test samples", "\(s.xTrain.shape[0]) / \(s.xTest.shape[0])"),
                    ("validation", fitted.validation.description), ("optimizer", describe(fitted.optimizer))] + s.notes
        return ExperimentOutcome(model: s.model, history: fitted.history, seconds: fitted.seconds, title: s.title, chartTitle: run.name,
                                 results: results, rows: rows, metrics: ["test_accuracy": accuracy, "test_loss": loss])
    }

    /// Compiles and trains `s.model`, then evaluates the model of the best checkpointed epoch
    /// (or of the last epoch) on the test set.
    /// - Throws: `invalidValue` from `requireFinite` when the test loss is not finite.
    static func fit(_ s: ClassificationSetup, _ run: ExperimentRun) throws -> ClassificationFit {
        let model = s.model
        let optimizer = try run.makeOptimizer()
        try model.compile(optimizer: optimizer, loss: s.loss, metrics: ["acc"])
        model.attachments = s.attachments
        s.pipeline.attach(to: model)
        run.log(model.summary())
        run.log("train \(s.xTrain.shape[0]) samples, test \(s.xTest.shape[0]) samples, input \(s.xTrain.shape.dropFirst().map(String.init).joined(separator: "×"))")
        let best = run.folder.file("model.rnn")
        var callbacks: [any Callback] = []
        let checkpoint = ModelCheckpoint(best.path, monitor: "val_acc", saveBestOnly: true, mode: .max)
        if let patience = run.patience {
            callbacks.append(EarlyStopping(monitor: "val_loss", patience: patience, mode: .min, verbose: run.options.verbose != .silent, output: run.options.log))
            callbacks.append(checkpoint)
        }
        let validation = run.validation ?? .testSet
        let (fraction, validationData): (Double, (Tensor, Tensor)?) = switch validation {
        case let .split(fraction): (fraction, nil)
        case .testSet: (0, (s.xTest, s.yTest))
        }
        let trainingSamples = fraction > 0 ? Int((Double(s.xTrain.shape[0]) * (1 - fraction)).rounded(.down)) : s.xTrain.shape[0]
        let epochInputs = s.epochInputs.map { inputs in { (epoch: Int) in try inputs(epoch, trainingSamples) } }
        let (history, seconds) = try timed {
            try model.fit(x: s.xTrain, y: s.yTrain, batchSize: run.batchSize, epochs: run.epochs,
                          validationSplit: fraction, validationData: validationData, callbacks: callbacks, verbose: run.options.verbose,
                          epochInputs: epochInputs)
        }
        // The epoch whose weights are evaluated and saved: the best, as the lecture's
        // load_model('best_model.h5'), when one was checkpointed.
        var evaluated = model, evaluatedEpoch = history.epochs.count
        if run.patience != nil, let saved = checkpoint.savedEpochs.last {
            evaluated = try Sequential.load(from: best)
            evaluatedEpoch = saved
        }
        let test = try evaluateOrNaN(evaluated, x: s.xTest, y: s.yTest, batchSize: 256)
        try requireFinite(test["loss"]!, of: run.name, history: history, output: run.options.output)
        return ClassificationFit(history: history, seconds: seconds, optimizer: optimizer, validation: validation,
                                 evaluated: evaluated, evaluatedEpoch: evaluatedEpoch, test: test)
    }

    /// "RMSprop, learning rate 0.001, clipnorm 1, weight decay 3": what a run's page shows.
    static func describe(_ optimizer: any Optimizer) -> String {
        var parts = [optimizer.typeName, "learning rate \(optimizer.learningRate)"]
        if let c = optimizer.clipnorm { parts.append("clipnorm \(c)") }
        if let d = optimizer.weightDecay { parts.append("weight decay \(d)") }
        return parts.joined(separator: ", ")
    }

    static func labels(_ values: [Int]) -> Tensor { Tensor(uncheckedShape: [values.count, 1], data: values.map(Float.init)) }

    /// The accepted options of a text classifier: validation (`split`: the default fraction, nil
    /// for the test set), early stopping, a vocabulary of at least `vocabulary`, a maxlen of at
    /// least `maxlen`, a limit, and the tokenizations when it has several.
    static func accepts(split: Double?, patience: Int, vocabulary: OptionFloor, maxlen: OptionFloor = .sequence,
                        tokenizations: [Tokenization] = []) -> [AcceptedOption] {
        [.validationSplit(default: split), .vocabularySize(vocabulary), .maxlen(maxlen), .limit(.sample), .patience(default: patience)]
            + (tokenizations.isEmpty ? [] : [.tokenization(tokenizations)])
    }

    /// The smallest vocabulary size of Reuters and IMDB: Keras's datasets give words ids from
    /// `index_from` + 1 = 4 on.
    static let kerasDatasetMinimum = OptionFloor(5, "ids 0–2 are padding, the start mark and the out-of-vocabulary mark, and words start at 4: Keras's index_from 3, plus 1")
}
