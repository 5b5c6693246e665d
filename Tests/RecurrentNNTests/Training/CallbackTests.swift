import Foundation
import Testing
@testable import RecurrentTestSupport
@testable import Recurrent

/// Keras callbacks and the progress display, against fixtures/callbacks.py (Keras 3 driven by
/// the same sequences of logged values, and a fake clock for the progress bar).
struct CallbackFixtures: Decodable {
    struct Early: Decodable {
        let args: [String: JSONValue]
        let monitor: String
        let values: [Double]
        let stopped_epoch: Int?
        let best: Double?
        let best_epoch: Int
        let restored_weights_of_epoch: Int?
    }
    struct Reduce: Decodable { let args: [String: JSONValue]; let monitor: String; let values: [Double]; let learning_rates: [Double] }
    struct Progbar: Decodable {
        let verbose, epochs, steps: Int
        let tick: Double
        let batch_logs: [[[String: Double]]]
        let epoch_logs: [[String: Double]]
        let text: String
    }
    struct CSV: Decodable { let epoch_logs: [[String: Double]]; let text: String }
    let early_stopping: [Early]
    let reduce_lr: [Reduce]
    let progbar: [Progbar]
    let csv_logger: [CSV]

    static let shared: CallbackFixtures = {
        let url = Fixture.directory.appendingPathComponent("callbacks/callbacks.json")
        return try! JSONDecoder().decode(CallbackFixtures.self, from: Data(contentsOf: url))
    }()
}

/// A model whose one weight holds the epoch number, so restored weights tell which epoch they are from.
private func markerModel() throws -> Sequential {
    let model = Sequential { Dense(1, useBias: false) }
    try model.build(inputShape: [1])
    try model.compile(optimizer: Adam(learningRate: 0.01), loss: .meanSquaredError)
    return model
}

@Suite("Callbacks and progress against Keras")
struct CallbackTests {
    @Test("EarlyStopping stops, keeps the best and restores weights as Keras", arguments: CallbackFixtures.shared.early_stopping.indices)
    func earlyStopping(_ i: Int) throws {
        let c = CallbackFixtures.shared.early_stopping[i]
        let a = c.args
        let mode = MonitorMode(rawValue: a["mode"]?.stringValue ?? "auto")!
        let cb = EarlyStopping(monitor: c.monitor, minDelta: a["min_delta"]?.doubleValue ?? 0,
                               patience: a["patience"]?.intValue ?? 0, mode: mode, baseline: a["baseline"]?.doubleValue,
                               restoreBestWeights: a["restore_best_weights"]?.boolValue ?? false,
                               startFromEpoch: a["start_from_epoch"]?.intValue ?? 0)
        let model = try markerModel()
        let w = model.parameters[0]
        try cb.onTrainBegin(model: model)
        var stopped: Int?
        for (epoch, v) in c.values.enumerated() {
            w.value = Tensor(shape: [1, 1], repeating: Float(epoch))
            var logs: Logs = [c.monitor: v]
            try cb.onEpochEnd(model: model, epoch: epoch, logs: &logs)
            if model.stopTraining { stopped = epoch; break }
        }
        w.value = Tensor(shape: [1, 1], repeating: -1)
        try cb.onTrainEnd(model: model, logs: [:])
        #expect(stopped == c.stopped_epoch, "case \(c.args)")
        #expect(cb.stoppedEpoch == c.stopped_epoch)
        #expect(cb.best == c.best)
        #expect(cb.bestEpoch == c.best_epoch)
        let restored = w.value.data[0]
        #expect(restored == (c.restored_weights_of_epoch.map(Float.init) ?? -1), "case \(c.args)")
    }

    @Test("ReduceLROnPlateau lowers the learning rate as Keras", arguments: CallbackFixtures.shared.reduce_lr.indices)
    func reduceLROnPlateau(_ i: Int) throws {
        let c = CallbackFixtures.shared.reduce_lr[i]
        let a = c.args
        let cb = try ReduceLROnPlateau(monitor: c.monitor, factor: a["factor"]?.doubleValue ?? 0.1,
                                       patience: a["patience"]?.intValue ?? 10, minDelta: a["min_delta"]?.doubleValue ?? 1e-4,
                                       cooldown: a["cooldown"]?.intValue ?? 0, minLearningRate: a["min_lr"]?.doubleValue ?? 0)
        let model = try markerModel()
        try cb.onTrainBegin(model: model)
        var rates: [Double] = []
        for (epoch, v) in c.values.enumerated() {
            var logs: Logs = [c.monitor: v]
            try cb.onEpochEnd(model: model, epoch: epoch, logs: &logs)
            #expect(logs["learning_rate"] != nil)
            rates.append(Double(model.compiled!.optimizer.learningRate))
        }
        #expect(rates == c.learning_rates, "case \(c.args)")
    }

    @Test("ReduceLROnPlateau rejects a factor ≥ 1")
    func reduceRejectsFactor() {
        #expect(throws: RecurrentError.self) { try ReduceLROnPlateau(factor: 1) }
    }

    @Test("The progress bar and the epoch lines are Keras 3's, byte for byte", arguments: CallbackFixtures.shared.progbar.indices)
    func progress(_ i: Int) throws {
        let c = CallbackFixtures.shared.progbar[i]
        final class Box: @unchecked Sendable { var text = ""; var t = 1000.0 }
        let box = Box()
        let tick = c.tick
        let logger = ProgressLogger(c.verbose == 1 ? .progressBar : .epochLines,
                                    output: { box.text += $0 }, clock: { box.t += tick; return box.t })
        logger.epochs = c.epochs
        logger.steps = c.steps
        let model = try markerModel()
        for epoch in 0..<c.epochs {
            try logger.onEpochBegin(model: model, epoch: epoch)
            for step in 0..<c.steps { try logger.onTrainBatchEnd(model: model, batch: step, logs: c.batch_logs[epoch][step]) }
            var logs = c.epoch_logs[epoch]
            try logger.onEpochEnd(model: model, epoch: epoch, logs: &logs)
        }
        #expect(box.text == c.text)
    }

    @Test("CSVLogger writes Keras's columns and values", arguments: CallbackFixtures.shared.csv_logger.indices)
    func csvLogger(_ i: Int) throws {
        let c = CallbackFixtures.shared.csv_logger[i]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("recurrent-csv-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        let cb = CSVLogger(url)
        let model = try markerModel()
        try cb.onTrainBegin(model: model)
        for (e, l) in c.epoch_logs.enumerated() { var logs = l; try cb.onEpochEnd(model: model, epoch: e, logs: &logs) }
        try cb.onTrainEnd(model: model, logs: [:])
        #expect(try String(contentsOf: url, encoding: .utf8) == c.text)
    }

    @Test("ModelCheckpoint fills Keras placeholders in its path")
    func checkpointPathFormat() throws {
        let logs: Logs = ["val_loss": 0.123456, "accuracy": 0.5]
        #expect(try ModelCheckpoint.format("m-{epoch:02d}-{val_loss:.2f}.rnn", epoch: 3, logs: logs) == "m-03-0.12.rnn")
        #expect(try ModelCheckpoint.format("m-{epoch}.rnn", epoch: 12, logs: logs) == "m-12.rnn")
        #expect(throws: RecurrentError.self) { try ModelCheckpoint.format("m-{val_acc}.rnn", epoch: 1, logs: logs) }
    }
}
