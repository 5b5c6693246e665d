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

    public var specification: ExperimentSpecification { Self.specification }
    /// A series of numbers in windows of 3 steps: no vocabulary or sequence length to set. The
    /// first 80% of the windows train (and validate), the rest test.
    static let specification = ExperimentSpecification(
        name: "timeseries", summary: "SimpleRNN(10) → Dense(1) predicting a noisy sine from windows of 3 steps (131 parameters); compares 5, 10, 20 units",
        defaults: ExperimentDefaults(units: 10, epochs: 100, batchSize: 32, optimizer: "adam"),
        accepts: [.validationSplit(default: 0.2), .limit(OptionFloor(10, "8 training and 2 test windows at least"), fitPercent: 80)],
        body: TimeSeriesExperiment.body)

    /// One trained model of the comparison: its units, test MSE and test predictions.
    struct Trained { var units: Int, testMSE: Double, predictions: Tensor, model: Sequential, history: History, seconds: Double }

    static func body(_ run: ExperimentRun) throws -> ExperimentOutcome {
        let (x, y, _) = data(seed: run.seed)
        let n = min(x.shape[0], run.options.limit ?? .max)
        let trainCount = run.specification.fitSamples(limit: n)
        let split = run.options.validationSplit ?? run.specification.defaultValidationSplit!
        let units = run.units
        let training = (x: x.rows(0..<trainCount), y: y.rows(0..<trainCount)), test = (x: x.rows(trainCount..<n), y: y.rows(trainCount..<n))
        let comparisons = try ([units] + [5, 10, 20].filter { $0 != units }).map { u in
            try train(units: u, main: u == units, run, split: split, train: training, test: test)
        }
        let main = comparisons[0], sorted = comparisons.sorted { $0.units < $1.units }
        let palette = ["#2ca02c", "#d62728", "#9467bd"]
        var series = [LineChart.Series(name: "target", values: test.y.data.map(Double.init), color: "#333333")]
        for (i, c) in sorted.enumerated() {
            series.append(LineChart.Series(name: "SimpleRNN(\(c.units))", values: c.predictions.data.map(Double.init), color: palette[i % 3], dashed: c.units != units))
        }
        let predictions = LineChart(title: "test period: predictions against targets", xLabel: "time step (test)", yLabel: "value", series: series)
        var results: [String: JSONValue] = ["test_loss": .number(main.testMSE), "parameters": .number(Double(main.model.parameterCount)),
                                            "validation": .string("split"), "validation_split": .number(split)]
        for c in comparisons { results["test_mse_units_\(c.units)"] = .number(c.testMSE) }
        let rows = [("test MSE (\(units) units)", String(format: "%.5f", main.testMSE)), ("parameters", "\(main.model.parameterCount)"),
                    ("validation", Validation.split(split).description)]
            + sorted.map { ("test MSE, SimpleRNN(\($0.units))", String(format: "%.5f", $0.testMSE)) }
        return ExperimentOutcome(model: main.model, history: main.history, seconds: main.seconds, title: "timeseries: SimpleRNN(\(units)) → Dense(1)",
                                 chartTitle: "timeseries SimpleRNN(\(units))", charts: [("predictions.svg", predictions)],
                                 results: results, rows: rows, metrics: ["test_loss": main.testMSE])
    }

    /// SimpleRNN(`units`) → Dense(1), trained on `train` (validating on its last `split`) and
    /// tested on `test`; `main` logs its summary and progress.
    static func train(units u: Int, main: Bool, _ run: ExperimentRun, split: Double,
                      train: (x: Tensor, y: Tensor), test: (x: Tensor, y: Tensor)) throws -> Trained {
        let model = Sequential(name: "timeseries_\(u)") {
            SimpleRNN(u, dropout: run.dropout, recurrentDropout: run.recurrentDropout)
            Dense(1)
        }
        try model.build(inputShape: [3, 1], seed: run.seed)
        try model.compile(optimizer: run.makeOptimizer(), loss: .meanSquaredError)
        if main { run.log(model.summary()) }
        let (history, seconds) = try timed {
            try model.fit(x: train.x, y: train.y, batchSize: run.batchSize, epochs: run.epochs, validationSplit: split,
                          shuffle: true, verbose: main ? run.options.verbose : .silent)
        }
        let mse = try evaluateOrNaN(model, x: test.x, y: test.y)["loss"]!
        try requireFinite(mse, of: "\(run.name) SimpleRNN(\(u))", history: history, output: run.options.output)
        run.log("SimpleRNN(\(u)): \(model.parameterCount) parameters, test MSE \(String(format: "%.5f", mse))")
        return Trained(units: u, testMSE: mse, predictions: try model.predict(test.x), model: model, history: history, seconds: seconds)
    }
}
