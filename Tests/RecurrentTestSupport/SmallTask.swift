import Foundation
import Recurrent

/// Small models and data that tests of several modules share (fit's behaviour, run folders,
/// text pipelines, commands).
enum SmallTask {
    /// A small binary task on token ids: label 1 when token 1 occurs.
    static func data(samples: Int = 64, timesteps: Int = 6, vocab: Int = 10, seed: UInt64 = 3) -> (Tensor, Tensor) {
        var rng = RandomGenerator(seed: seed)
        var x = [Float](), y = [Float]()
        for _ in 0..<samples {
            let row = (0..<timesteps).map { _ in Float(2 + Int(rng.next() % UInt64(vocab - 2))) }
            let hit = rng.next() % 2 == 0
            var r = row
            if hit { r[Int(rng.next() % UInt64(timesteps))] = 1 }
            x += r
            y.append(hit ? 1 : 0)
        }
        return (try! Tensor(shape: [samples, timesteps], data: x), try! Tensor(shape: [samples, 1], data: y))
    }

    static func model(seed: UInt64 = 11, dropout: Bool = true) throws -> Sequential {
        let m = Sequential {
            Embedding(inputDim: 10, outputDim: 4)
            LSTM(6, dropout: dropout ? 0.2 : 0, recurrentDropout: dropout ? 0.1 : 0)
            if dropout { Dropout(rate: 0.3) }
            Dense(1, activation: .sigmoid)
        }
        try m.build(inputShape: [6], seed: seed)
        try m.compile(optimizer: Adam(learningRate: 0.01), loss: .binaryCrossentropy, metrics: ["accuracy"])
        return m
    }

    /// A tokenizer fitted on a few texts, and a small classifier for its ids.
    static func classifier(maxlen: Int = 5) throws -> (Sequential, TextPipeline, Tokenizer) {
        var tokenizer = try Tokenizer(oovToken: "<OOV>")
        tokenizer.fitOnTexts(["free prize call now", "see you at lunch", "call me now", "free free prize"])
        let model = Sequential {
            Embedding(inputDim: tokenizer.wordIndex.count + 1, outputDim: 4)
            SimpleRNN(3)
            Dense(1, activation: .sigmoid)
        }
        try model.build(inputShape: [maxlen], seed: 7)
        var pipeline = TextPipeline(kind: .tokenizer, maxlen: maxlen, labels: ["ham", "spam"])
        pipeline.normalizesDigits = true
        model.attachments["tokenizer"] = tokenizer.toJSON()
        pipeline.attach(to: model)
        return (model, pipeline, tokenizer)
    }

}
