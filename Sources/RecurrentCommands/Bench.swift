import ArgumentParser
import Foundation
import Recurrent

/// `recurrent bench`: training-step and inference throughput at the lecture's shapes.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time training steps (forward + backward + Adam) and inference at the lecture's shapes.",
        discussion: """
        Cases (batch 64 for training, 256 for inference): A-LSTM/A-GRU IMDB Embedding(5000,120) → \
        LSTM/GRU(120) → Dense(1), length 500; B Reuters Embedding(1000,120) → LSTM(120) → Dense(46), \
        length 100; C spam Embedding(8921,32) → SimpleRNN(32) → Dense(1), length 189; D NSMC \
        Embedding(35000,100) → LSTM(128) → Dense(1), length 30. Steps cycle through 8 random \
        batches; a training window is one trainOnBatches, which ends by applying the Adam updates \
        of Embedding rows still deferred, so that work is timed too. Compare with peers: bench/compare.sh.
        """)

    @Option(help: "Comma-separated cases: A-LSTM,A-GRU,B,C,D.") var cases = "A-LSTM,A-GRU,B,C,D"
    @Option(help: "Comma-separated modes: train,infer.") var mode = "train,infer"
    @Option(help: "Minimum measuring time per case, in seconds.") var seconds: Double = 5
    @Option(help: "Threads (default: all cores; sets RECURRENT_NUM_THREADS).") var threads: Int?
    @Option(help: "Training batch size.") var batch = 64
    @Option(help: "Inference batch size.") var inferBatch = 256
    @Flag(help: "Print one JSON line per measurement.") var json = false

    func validate() throws {
        let names = cases.split(separator: ",").map(String.init)
        guard !names.isEmpty else { throw ValidationError("--cases is empty; valid: \(BenchCase.all.map(\.name).joined(separator: ", "))") }
        for name in names where !BenchCase.all.contains(where: { $0.name == name }) {
            throw ValidationError("unknown case '\(name)'; valid: \(BenchCase.all.map(\.name).joined(separator: ", "))")
        }
        let modes = mode.split(separator: ",").map(String.init)
        guard !modes.isEmpty else { throw ValidationError("--mode is empty; valid: train, infer") }
        for m in modes where m != "train" && m != "infer" {
            throw ValidationError("unknown mode '\(m)'; valid: train, infer")
        }
        guard seconds.isFinite, seconds > 0 else { throw ValidationError("--seconds must be a positive number, found \(seconds)") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be in 1...256, found \(threads)") }
        guard batch >= 1, inferBatch >= 1 else { throw ValidationError("--batch and --infer-batch must be at least 1") }
        // Batches too large for this machine are refused here: an allocation that fails is a crash.
        let memory = usableMemoryBytes()
        for name in names {
            let spec = BenchCase.all.first { $0.name == name }!
            for (option, size, train) in [("--batch", batch, true), ("--infer-batch", inferBatch, false)]
            where modes.contains(train ? "train" : "infer") {
                let bytes = spec.approximateBytes(batch: size, train: train)
                if bytes > memory / 2 {
                    throw ValidationError("\(option) \(size) needs about \(gibibytes(bytes)) for case \(name) (its \(BenchCase.pool) input batches and the activations), more than half of the \(gibibytes(memory)) of memory")
                }
            }
        }
    }

    func run() throws {
        if let threads { setenv("RECURRENT_NUM_THREADS", String(threads), 1) }
        let wanted = cases.split(separator: ",").map(String.init)
        let modes = mode.split(separator: ",").map(String.init)
        if !json {
            print("BLAS \(BLAS.coreName), \(Parallel.workerCount) threads")
            print("case    mode   batch  samples/s  ms/batch  GFLOP/s  peak MB")
        }
        for name in wanted {
            guard let spec = BenchCase.all.first(where: { $0.name == name }) else {
                throw ValidationError("unknown case '\(name)'; valid: \(BenchCase.all.map(\.name).joined(separator: ", "))")
            }
            for m in modes {
                let r = try spec.measure(train: m == "train", batch: m == "train" ? batch : inferBatch, seconds: seconds)
                if json {
                    let obj: [String: Any] = ["framework": "recurrent", "case": spec.name, "mode": m, "batch": r.batch,
                                              "samples_per_s": r.samplesPerSecond, "seconds_per_batch": r.secondsPerBatch,
                                              "gflops": r.gflops, "peak_mb": r.peakMB, "threads": Parallel.workerCount]
                    let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    print(String(format: "%-7@ %-6@ %5d  %9.1f  %8.2f  %7.1f  %7.0f", spec.name as NSString, m as NSString,
                                 r.batch, r.samplesPerSecond, r.secondsPerBatch * 1000, r.gflops, r.peakMB))
                }
                fflush(nil)
            }
        }
    }
}

struct BenchResult {
    var batch: Int
    var samplesPerSecond: Double
    var secondsPerBatch: Double
    var gflops: Double
    var peakMB: Double
}

struct BenchCase {
    enum Cell { case lstm, gru, simple }
    var name: String
    var vocab: Int
    var embed: Int
    var cell: Cell
    var units: Int
    var length: Int
    var outputs: Int

    static let all = [
        BenchCase(name: "A-LSTM", vocab: 5000, embed: 120, cell: .lstm, units: 120, length: 500, outputs: 1),
        BenchCase(name: "A-GRU", vocab: 5000, embed: 120, cell: .gru, units: 120, length: 500, outputs: 1),
        BenchCase(name: "B", vocab: 1000, embed: 120, cell: .lstm, units: 120, length: 100, outputs: 46),
        BenchCase(name: "C", vocab: 8921, embed: 32, cell: .simple, units: 32, length: 189, outputs: 1),
        BenchCase(name: "D", vocab: 35000, embed: 100, cell: .lstm, units: 128, length: 30, outputs: 1),
    ]

    func makeModel() throws -> Sequential {
        let rnn: any Layer
        switch cell {
        case .lstm: rnn = LSTM(units)
        case .gru: rnn = GRU(units)
        case .simple: rnn = SimpleRNN(units)
        }
        let model = Sequential([
            Embedding(inputDim: vocab, outputDim: embed), rnn,
            Dense(outputs, activation: outputs == 1 ? .sigmoid : .softmax),
        ])
        try model.build(inputShape: [length], seed: 1)
        return model
    }

    /// Multiply-add FLOPs (×2) of one forward pass per sample: the RNN's input and recurrent
    /// products plus the head. Training counts 3× (forward, and two products per weight backward).
    var forwardFlopsPerSample: Double {
        let g = Double(units * (cell == .lstm ? 4 : cell == .gru ? 3 : 1))
        return 2 * Double(length) * (Double(embed) * g + Double(units) * g) + 2 * Double(units * outputs)
    }

    /// Distinct random batches the timed steps cycle through.
    static let pool = 8

    /// A lower estimate of the memory a step at `batch` needs, in bytes: the `pool` input batches,
    /// and per step the embedded inputs and the recurrent layer's gate pre-activations and states
    /// (kept for the backward pass when training, twice over for the gradients).
    func approximateBytes(batch: Int, train: Bool) -> Double {
        let gates = Double(units * (cell == .lstm ? 4 : cell == .gru ? 3 : 1))
        let perSample = Double(length) * (Double(Self.pool) + Double(embed) + gates + Double(units))
        return 4 * Double(batch) * perSample * (train ? 2 : 1)
    }

    func measure(train: Bool, batch: Int, seconds: Double) throws -> BenchResult {
        let model = try makeModel()
        var rng = RandomGenerator(seed: 7)
        // Steps cycle through `Self.pool` random batches (as bench/peers.py does), so that the
        // embedding rows a step uses change as in real training.
        var xs: [Tensor] = [], ys: [Tensor] = []
        for _ in 0..<Self.pool {
            var x = Tensor(shape: [batch, length])
            for i in 0..<x.count { x.data[i] = Float(1 + Int(rng.next() % UInt64(vocab - 1))) }
            var y = Tensor(shape: outputs == 1 ? [batch, 1] : [batch])
            for i in 0..<y.count { y.data[i] = Float(Int(rng.next() % UInt64(max(outputs, 2)))) }
            xs.append(x)
            ys.append(y)
        }
        let loss: Loss = outputs == 1 ? .binaryCrossentropy : .sparseCategoricalCrossentropy
        let adam = Adam()
        var next = 0
        func step() throws {
            let x = xs[next % Self.pool], y = ys[next % Self.pool]
            next += 1
            if train { try model.trainOnBatch(x, y, loss: loss, optimizer: adam) } else { _ = try model.predict(x, batchSize: batch) }
        }
        try step()  // warm-up: allocates workspaces
        try step()
        var steps = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        // Training runs the window as one `trainOnBatches`: Adam defers the Embedding rows a batch
        // did not use and applies them when it ends, so that deferred work is timed too.
        let window = AnyIterator { () -> (Tensor, Tensor)? in
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            guard steps < 3 || elapsed < seconds else { return nil }
            steps += 1
            defer { next += 1 }
            return (xs[next % Self.pool], ys[next % Self.pool])
        }
        if train { try model.trainOnBatches(window, loss: loss, optimizer: adam) } else { for (x, _) in window { _ = try model.predict(x, batchSize: batch) } }
        elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let perBatch = elapsed / Double(steps)
        let flops = forwardFlopsPerSample * Double(batch) * (train ? 3 : 1)
        return BenchResult(batch: batch, samplesPerSecond: Double(batch) / perBatch, secondsPerBatch: perBatch,
                           gflops: flops / perBatch / 1e9, peakMB: peakResidentMB())
    }
}

/// Peak resident set size of this process, in MB (getrusage: KiB on Linux, bytes on macOS).
func peakResidentMB() -> Double {
    var usage = rusage()
    #if os(macOS)
    getrusage(RUSAGE_SELF, &usage)
    return Double(usage.ru_maxrss) / 1_048_576
    #else
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
    #endif
}
