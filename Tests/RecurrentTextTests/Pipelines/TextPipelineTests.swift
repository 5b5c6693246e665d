import Foundation
import Testing
@testable import RecurrentTestSupport
@testable import Recurrent
import RecurrentExperiments

/// The library's text pipelines (RecurrentPipelines): the pipeline attachment's versioned
/// schema, classification through a saved model, and the text generator's attachments.
@Suite("Text pipelines")
struct TextPipelineTests {
    /// The shared small classifier (see `SmallTask`).
    static func classifier(maxlen: Int = 5) throws -> (Sequential, TextPipeline, Tokenizer) {
        try SmallTask.classifier(maxlen: maxlen)
    }

    static func temporaryFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("recurrent-pipeline-\(UUID().uuidString).rnn")
    }

    @Test("A pipeline saved with a model writes its version and comes back equal")
    func roundTrip() throws {
        let (model, pipeline, _) = try Self.classifier()
        let json = try JSONValue.parse(Data(pipeline.json.utf8), location: "pipeline")
        #expect(json["version"]?.intValue == TextPipeline.version)
        let file = Self.temporaryFile()
        defer { try? FileManager.default.removeItem(at: file) }
        try model.save(to: file)
        let loaded = try Sequential.load(from: file)
        #expect(try TextPipeline.attached(to: loaded) == pipeline)
        #expect(try TextPipeline(json: pipeline.json) == pipeline)
        var words = TextPipeline(kind: .kerasWordIndex, maxlen: 100, labels: ["a", "b"])
        words.numWords = 1000
        words.startChar = nil
        #expect(try TextPipeline(json: words.json) == words)
    }

    @Test("An attachment without a version (every model saved before versions) reads as version 1")
    func unversioned() throws {
        // spam-rnn's and nsmc-lstm's pipelines as they were written before the version field.
        let spam = #"{"kind":"tokenizer","maxlen":189,"korean":false,"normalizesDigits":true,"labels":["ham","spam"],"numWords":4002,"indexFrom":3,"startChar":1,"oovChar":2}"#
        let decoded = try TextPipeline(json: spam)
        #expect(decoded.kind == .tokenizer && decoded.maxlen == 189 && decoded.normalizesDigits && decoded.numWords == 4002)
        let nsmc = #"{"kind":"sentencepiece","maxlen":40,"korean":true,"labels":["negative","positive"],"indexFrom":3,"startChar":1,"oovChar":2}"#
        let korean = try TextPipeline(json: nsmc)
        #expect(korean.kind == .sentencePiece && korean.korean && !korean.normalizesDigits && korean.numWords == nil)
        // Written again, it carries the version and reads back the same.
        #expect(try TextPipeline(json: korean.json) == korean)
    }

    @Test("A pipeline of a version this build does not read is refused, naming the attachment and the versions it reads")
    func futureVersion() throws {
        let future = #"{"version":2,"kind":"tokenizer","maxlen":10,"korean":false,"labels":["a","b"],"indexFrom":3}"#
        #expect { try TextPipeline(json: future) } throws: { error in
            let text = "\(error)"
            return text.contains("'pipeline' attachment") && text.contains("version 1") && text.contains("found version 2")
        }
        // Through a saved model too, and through the classifier that reads it.
        let (model, _, _) = try Self.classifier()
        model.attachments[TextPipeline.attachmentName] = future
        #expect(throws: RecurrentError.self) { try TextClassifier(model: model) }
        #expect { try JSONDecoder().decode(TextPipeline.self, from: Data(future.utf8)) } throws: { "\($0)".contains("found version 2") }
        #expect(throws: RecurrentError.self) { try TextPipeline(json: #"{"version":0,"kind":"tokenizer"}"#) }
        #expect(throws: RecurrentError.self) { try TextPipeline(json: #"{"kind":"tokenizer"}"#) }
    }

    @Test("A classifier gives the model's output for the pipeline's padded ids, and counts the known words")
    func classify() throws {
        let (model, pipeline, tokenizer) = try Self.classifier()
        let classifier = try #require(try TextClassifier(model: model))
        let texts = ["FREE prize, call 0800 now", "zzz qqq", ""]
        let results = try classifier.classify(texts)
        // The same ids by hand: digits as 0, then the Tokenizer, pre-padded to 5.
        let ids = tokenizer.textsToSequences(texts.map { $0.replacingOccurrences(of: "8", with: "0") })
        let p = try model.predict(try padSequences(ids, maxlen: 5))
        for i in texts.indices {
            let q = p[i, 0]
            #expect(results[i].tokens == ids[i])
            #expect(results[i].label == (q > 0.5 ? "spam" : "ham") && results[i].probability == (q > 0.5 ? q : 1 - q))
        }
        #expect(results[0].knownTokens == 4, "free, prize, call, now; 0000 is <OOV>")
        #expect(results[1].knownTokens == 0 && results[1].tokens == [1, 1], "unknown words are <OOV>")
        #expect(results[2].tokens.isEmpty)
        #expect(try TextClassifier(model: Sequential { Dense(1) }) == nil, "no pipeline: no classifier")
        _ = pipeline
    }

    @Test("A text generator's attachments round-trip through a model file and generate the same text")
    func generatorAttachments() throws {
        let data = try TextGenerationData(lines: ["the cat sat on the mat", "the dog sat on the log"])
        let model = Sequential { Embedding(inputDim: data.vocabularySize, outputDim: 4); SimpleRNN(4); Dense(data.vocabularySize, activation: .softmax) }
        try model.build(inputShape: [data.maxlen - 1], seed: 3)
        #expect(try TextGenerator.attached(to: model) == nil, "no attachments: no generator")
        TextGenerator(model: model, tokenizer: data.tokenizer, inputLength: data.maxlen - 1).attach()
        let file = Self.temporaryFile()
        defer { try? FileManager.default.removeItem(at: file) }
        try model.save(to: file)
        let generator = try #require(try TextGenerator.attached(to: try Sequential.load(from: file)))
        #expect(generator.inputLength == data.maxlen - 1 && generator.tokenizer.wordIndex == data.tokenizer.wordIndex)
        var a = RandomGenerator(seed: 5), b = RandomGenerator(seed: 5)
        let again = try generator.generate(seed: "the", words: 3, temperature: 0.7, topK: 3, rng: &a)
        let direct = try TextGenerator.generate(model: model, tokenizer: data.tokenizer, inputLength: data.maxlen - 1, seed: "the",
                                                words: 3, temperature: 0.7, topK: 3, rng: &b)
        #expect(again == direct && again.split(separator: " ").count == 4)
    }
}
