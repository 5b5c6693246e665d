import Foundation
import RecurrentNN
import RecurrentTensor
import RecurrentText

/// A trained text classifier and the pipeline saved with it: raw texts in, a label and its
/// probability out (what `recurrent predict` prints).
public struct TextClassifier {
    public let model: Sequential
    public let pipeline: TextPipeline

    public init(model: Sequential, pipeline: TextPipeline) {
        self.model = model
        self.pipeline = pipeline
    }

    /// The classifier of a model saved with a text pipeline; nil when `model` has no
    /// `"pipeline"` attachment.
    /// - Throws: as `TextPipeline.init(json:)` (a version this build does not read).
    public init?(model: Sequential) throws {
        guard let pipeline = try TextPipeline.attached(to: model) else { return nil }
        self.init(model: model, pipeline: pipeline)
    }

    /// Classifies each text: the pipeline's ids padded to `(texts.count, maxlen)`, then
    /// `model.predict` in batches of 256. A model with one output (sigmoid) gives
    /// `labels[1]` above 0.5 with probability p, else `labels[0]` with 1 − p; a softmax model gives
    /// its most likely class (`"class k"` when `labels` has no name for it).
    /// - Parameter location: names the caller in the error for non-finite outputs.
    /// - Throws: as `TextPipeline.sequences`; `invalidValue` when an output is not finite
    ///   (the saved weights diverged).
    public func classify(_ texts: [String], location: String = "text classifier") throws -> [TextClassification] {
        let sequences = try pipeline.sequences(texts, attachments: model.attachments)
        let p = try model.predict(try padSequences(sequences, maxlen: pipeline.maxlen), batchSize: 256)
        if let bad = p.data.first(where: { !$0.isFinite }) {
            throw RecurrentError.invalidValue(where: location, expected: "a model whose outputs are finite probabilities",
                                              found: "\(bad): the saved weights are not finite (its training diverged); train it again")
        }
        let k = p.shape.last ?? 1
        let placeholders = try pipeline.placeholderIds(attachments: model.attachments)
        return sequences.indices.map { i in
            var best = 0, probability: Float
            if k == 1 {
                let q = p[i, 0]
                best = q > 0.5 ? 1 : 0
                probability = q > 0.5 ? q : 1 - q
            } else {
                for j in 1..<k where p[i, j] > p[i, best] { best = j }
                probability = p[i, best]
            }
            let label = best < pipeline.labels.count ? pipeline.labels[best] : "class \(best)"
            return TextClassification(label: label, classIndex: best, probability: probability, tokens: sequences[i],
                                      knownTokens: sequences[i].filter { !placeholders.contains($0) }.count)
        }
    }
}

/// What `TextClassifier.classify` says about one text.
public struct TextClassification: Sendable, Equatable {
    /// The class name (`TextPipeline.labels`).
    public var label: String
    /// The class id: for a one-output model 1 when its output is above 0.5, else 0.
    public var classIndex: Int
    /// The probability of `label`, in [0, 1] (at least 0.5 for a one-output model).
    public var probability: Float
    /// The token ids the model read, before padding.
    public var tokens: [Int]
    /// How many of `tokens` are words the model knows (not `TextPipeline.placeholderIds`); 0:
    /// the prediction is the model's answer to an empty input or to unknown words only.
    public var knownTokens: Int
}
