import ArgumentParser
import Foundation
import Recurrent
import RecurrentExperiments

/// `recurrent predict --model RUN_FOLDER "text" ...`: the class and probability of each text
/// (or of each line of standard input) from a trained text classifier, preprocessed exactly as
/// in training (the pipeline, tokenizer or word index saved with the model).
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Classify texts with a trained model (spam-rnn, reuters-lstm, imdb-*, nsmc-lstm).")

    @Option(help: "A run folder (or its model.rnn).") var model: String
    @Argument(help: "Texts to classify; without any, one text per line of standard input.") var texts: [String] = []

    func run() throws {
        let loaded = try TrainedModel.load(model)
        guard let json = loaded.model.attachments["pipeline"],
              let pipeline = try? JSONDecoder().decode(TextPipeline.self, from: Data(json.utf8)) else {
            throw CommandFailure("\(loaded.file.path) is not a text classifier (it has no text pipeline); train one with `recurrent run spam-rnn` (or reuters-lstm, imdb-lstm, nsmc-lstm)")
        }
        var inputs = texts
        if inputs.isEmpty { inputs = readStandardInputLines(warn: warn) }
        guard !inputs.isEmpty else { throw ValidationError("no text given (pass texts as arguments or lines on standard input)") }
        let sequences = try pipeline.sequences(inputs, attachments: loaded.model.attachments)
        let x = try padSequences(sequences, maxlen: pipeline.maxlen)
        let p = try loaded.model.predict(x, batchSize: 256)
        if let bad = p.data.first(where: { !$0.isFinite }) {
            throw RecurrentError.invalidValue(where: "recurrent predict --model \(model)", expected: "a model whose outputs are finite probabilities",
                                              found: "\(bad): the saved weights are not finite (its training diverged); train it again")
        }
        let k = p.shape.last ?? 1
        let placeholders = try pipeline.placeholderIds(attachments: loaded.model.attachments)
        for (i, text) in inputs.enumerated() {
            let known = sequences[i].filter { !placeholders.contains($0) }
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                warn("text \(i + 1) is empty; the prediction is the model's answer to an empty input")
            } else if known.isEmpty {
                warn("text \(i + 1) has no word the model knows; the prediction is the model's answer to "
                     + (sequences[i].isEmpty ? "an empty input" : "unknown words only"))
            }
            let label: String, probability: Float
            if k == 1 {
                let q = p[i, 0]
                label = pipeline.labels[q > 0.5 ? 1 : 0]
                probability = q > 0.5 ? q : 1 - q
            } else {
                var best = 0
                for j in 1..<k where p[i, j] > p[i, best] { best = j }
                label = best < pipeline.labels.count ? pipeline.labels[best] : "class \(best)"
                probability = p[i, best]
            }
            // One line per text: line breaks inside a text argument are shown as spaces.
            let shown = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).joined(separator: " ")
            print("\(label)\t\(String(format: "%.4f", probability))\t\(shown)")
        }
    }

    func warn(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }
}

/// The lines of standard input (without their `\n` or `\r\n`). A line that is not UTF-8 is read
/// as Latin-1 (every byte a character, nothing lost), with a warning naming the line; the SMS
/// spam data itself is Latin-1.
func readStandardInputLines(warn: (String) -> Void) -> [String] {
    let data = FileHandle.standardInput.readDataToEndOfFile()
    guard !data.isEmpty else { return [] }
    var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
        line.last == UInt8(ascii: "\r") ? line.dropLast() : line
    }
    if data.last == UInt8(ascii: "\n") { lines.removeLast() }
    return lines.enumerated().map { i, bytes in
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        warn("line \(i + 1) of standard input is not UTF-8; read as Latin-1")
        return String(bytes: bytes, encoding: .isoLatin1)!  // every byte sequence is Latin-1
    }
}
