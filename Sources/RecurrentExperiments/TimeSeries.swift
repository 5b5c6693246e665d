import Foundation
import Recurrent

/// `timeseries`: the lecture's many-to-one predictor. A SimpleRNN reads windows of 3 steps of
/// one feature and a Dense(1) predicts the next value: SimpleRNN(10) → Dense(1) has
/// 10·1 + 10·10 + 10 = 120 and 10 + 1 = 11, 131 parameters.
///
/// The series is generated (no download): x_t = sin(0.1·t) + ε_t, ε ~ N(0, 0.1²), t = 0…999,
/// from the run's seed. Windows are taken in time order; the first 80% train (the last 20% of
/// those validate), the last 20% test, so the test period lies after the training period.
/// Loss MSE, optimizer Adam. The run also trains 5 and 20 units and compares the test MSEs,
/// and plots the predictions of each against the targets on the test period.
public struct TimeSeriesExperiment: Experiment {
    public let name = "timeseries"
    public var task: ExperimentTask { .regression }
    public let summary = "SimpleRNN(10) → Dense(1) predicting a noisy sine from windows of 3 steps (131 parameters); compares 5, 10, 20 units"
    public init() {}

    /// The generated series and its windows: x `(n, 3, 1)`, y `(n, 1)`.
    public static func data(length: Int = 1000, window: Int = 3, seed: UInt64) -> (x: Tensor, y: Tensor, series: [Float]) {
        var rng = RandomGenerator(seed: seed &+ 0x5EED)
        let series = (0..<length).map { t in Float(sin(0.1 * Double(t)) + 0.1 * rng.normal()) }
        let n = length - window
        var x = Tensor(shape: [n, window, 1]), y = Tensor(shape: [n, 1])
        for i in 0..<n {
            for k in 0..<window { x[i, k, 0] = series[i + k] }
            y[i, 0] = series[i + window]
        }
        return (x, y, series)
    }

    /// A series of numbers: no vocabulary.
    public func minimumVocabularySize(tokenization: String?) -> (size: Int, reason: String)? { nil }
    /// Windows of 3 steps: no sequence length to set.
    public var minimumMaxlen: (size: Int, reason: String)? { nil }
    public var minimumLimit: (size: Int, reason: String)? { (10, "8 training and 2 test windows at least") }
    public var defaultValidationSplit: Double? { 0.2 }
    /// The first 80% of the windows train (and validate), the rest test.
    public func fitSamples(limit: Int) -> Int { limit * 8 / 10 }

    public func run(_ o: ExperimentOptions) throws -> ExperimentResult {
        try o.check(for: self)
        let (x, y, _) = Self.data(seed: o.seed)
        var n = x.shape[0]
        if let limit = o.limit { n = min(n, limit) }
        let trainCount = fitSamples(limit: n)
        let split = o.validationSplit ?? defaultValidationSplit!
        let xTrain = x.rows(0..<trainCount), yTrain = y.rows(0..<trainCount)
        let xTest = x.rows(trainCount..<n), yTest = y.rows(trainCount..<n)
        let units = o.units ?? 10
        let epochs = o.epochs ?? 100
        let run = try RunFolder(o.output)
        defer { run.discard() }  // a failed run leaves the previous one's files
        var comparisons: [(Int, Double, Tensor)] = []
        var main: (Sequential, History, Double)?
        for u in [units] + [5, 10, 20].filter({ $0 != units }) {
            let model = Sequential(name: "timeseries_\(u)") {
                SimpleRNN(u, dropout: o.dropout ?? 0, recurrentDropout: o.recurrentDropout ?? 0)
                Dense(1)
            }
            try model.build(inputShape: [3, 1], seed: o.seed)
            let optimizer = try o.makeOptimizer(default: "adam")
            try model.compile(optimizer: optimizer, loss: .meanSquaredError)
            if u == units { o.log(model.summary()) }
            let (history, seconds) = try timed {
                try model.fit(x: xTrain, y: yTrain, batchSize: o.batchSize ?? 32, epochs: epochs, validationSplit: split,
                              shuffle: true, verbose: u == units ? o.verbose : .silent)
            }
            let test = try evaluateOrNaN(model, x: xTest, y: yTest)["loss"]!
            try requireFinite(test, of: "\(name) SimpleRNN(\(u))", history: history, output: o.output)
            comparisons.append((u, test, try model.predict(xTest)))
            o.log("SimpleRNN(\(u)): \(model.parameterCount) parameters, test MSE \(String(format: "%.5f", test))")
            if u == units { main = (model, history, seconds) }
        }
        guard let (model, history, seconds) = main else { fatalError("unreachable: the default units run first") }
        try model.save(to: run.file("model.rnn"))
        try run.writeHistory(history)
        var charts = try run.writeCurves(history, title: "timeseries SimpleRNN(\(units))")
        let palette = ["#2ca02c", "#d62728", "#9467bd"]
        var series = [LineChart.Series(name: "target", values: yTest.data.map(Double.init), color: "#333333")]
        for (i, c) in comparisons.sorted(by: { $0.0 < $1.0 }).enumerated() {
            series.append(LineChart.Series(name: "SimpleRNN(\(c.0))", values: c.2.data.map(Double.init), color: palette[i % 3], dashed: c.0 != units))
        }
        try run.writeChart(LineChart(title: "test period: predictions against targets", xLabel: "time step (test)",
                                     yLabel: "value", series: series), as: "predictions.svg")
        charts.append("predictions.svg")
        let testMSE = comparisons.first { $0.0 == units }!.1
        var results: [String: JSONValue] = ["experiment": .string(name), "test_loss": .number(testMSE),
                                            "parameters": .number(Double(model.parameterCount)),
                                            "epochs": .number(Double(history.epochs.count)), "seconds_per_epoch": .number(seconds / Double(max(history.epochs.count, 1)))]
        for c in comparisons { results["test_mse_units_\(c.0)"] = .number(c.1) }
        results["validation"] = .string("split")
        results["validation_split"] = .number(split)
        try run.writeResults(results)
        let rows = [("test MSE (\(units) units)", String(format: "%.5f", testMSE)), ("parameters", "\(model.parameterCount)"),
                    ("validation", Validation.split(split).description)]
            + comparisons.sorted { $0.0 < $1.0 }.map { ("test MSE, SimpleRNN(\($0.0))", String(format: "%.5f", $0.1)) }
        try run.writeIndex(title: "timeseries: SimpleRNN(\(units)) → Dense(1)", results: rows, summary: model.summary(), charts: charts)
        try run.publish()
        return ExperimentResult(experiment: name, metrics: ["test_loss": testMSE], epochsRun: history.epochs.count,
                                secondsPerEpoch: seconds / Double(max(history.epochs.count, 1)), runFolder: o.output,
                                notes: rows)
    }
}
