import ArgumentParser
import Foundation
import Recurrent

/// `recurrent demo`: trains and evaluates a small Embedding → LSTM → Dense model end to end on a
/// generated sequence task, until the lecture's experiments exist.
///
/// Task: sequences of 30 token ids from a vocabulary of 20 (0 is padding, sequences are
/// pre-padded to length 30 from a random length 10…30, as `pad_sequences` does); the label is 1
/// when token 1 occurs more often than token 2. Chance is about 50%; a counting LSTM gets > 90%.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train and evaluate a small LSTM on generated data.")

    @Option(help: "Epochs.") var epochs = 8
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Training samples.") var samples = 4000
    @Option(name: .customLong("log-format"),
            help: "Progress: auto (a bar on a terminal, else a line per epoch), bar, lines, jsonl or silent.")
    var logFormat: Verbosity = .auto

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, found \(epochs)") }
        guard samples >= 32 else { throw ValidationError("--samples must be at least 32, found \(samples)") }
    }

    func run() throws {
        let length = 30, vocab = 20
        var rng = RandomGenerator(seed: seed)
        func makeData(_ n: Int) -> (Tensor, Tensor) {
            var x = Tensor(shape: [n, length]), y = Tensor(shape: [n, 1])
            for i in 0..<n {
                let len = 10 + Int(rng.next() % 21)
                var ones = 0, twos = 0
                for t in (length - len)..<length {
                    let tok = 1 + Int(rng.next() % UInt64(vocab - 1))
                    if tok == 1 { ones += 1 } else if tok == 2 { twos += 1 }
                    x[i, t] = Float(tok)
                }
                y[i, 0] = ones > twos ? 1 : 0
            }
            return (x, y)
        }
        let (xTrain, yTrain) = makeData(samples)
        let (xTest, yTest) = makeData(1000)
        let model = Sequential {
            Embedding(inputDim: vocab, outputDim: 16, maskZero: true)
            LSTM(32)
            Dense(1, activation: .sigmoid)
        }
        try model.build(inputShape: [length], seed: seed)
        model.printSummary()
        print("BLAS \(BLAS.coreName), \(Parallel.workerCount) threads")
        try model.compile(optimizer: Adam(learningRate: 0.005), loss: "binary_crossentropy", metrics: ["accuracy"])
        try model.fit(x: xTrain, y: yTrain, batchSize: 32, epochs: epochs, validationSplit: 0.1, verbose: logFormat)
        let test = try model.evaluate(x: xTest, y: yTest)
        print(String(format: "test loss %.4f  test accuracy %.2f%%", test["loss"]!, 100 * test["accuracy"]!))
    }
}

extension Verbosity: ExpressibleByArgument {}
