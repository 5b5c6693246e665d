import ArgumentParser
import Foundation
import Recurrent

/// `recurrent predict --model RUN_FOLDER "text" ...`: the class and probability of each text
/// (or of each line of standard input) from a trained text classifier, preprocessed exactly as
/// in training (the pipeline, tokenizer or word index saved with the model).
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Classify texts with a trained model (spam-rnn, reuters-lstm, imdb-*, nsmc-lstm).")

    @Option(help: "A run folder (or its model.rnn).") var model: String
    @Argument(help: "Texts to classify; without any, one text per line of standard input.") var texts: [String] = []

    func run() throws {
        let classifier = try loadClassifier()
        var inputs = texts
        if inputs.isEmpty { inputs = readStandardInputLines(warn: warn) }
        guard !inputs.isEmpty else { throw ValidationError("no text given (pass texts as arguments or lines on standard input)") }
        for line in try lines(classifier, inputs, warn: warn) { print(line) }
    }

    /// The classifier saved in `--model`.
    /// - Throws: `CommandFailure` when the path holds no model or a model without a text pipeline.
    func loadClassifier() throws -> TextClassifier {
        let loaded = try TrainedModel.load(model)
        guard let classifier = try TextClassifier(model: loaded.model) else {
            throw CommandFailure("\(loaded.file.path) is not a text classifier (it has no text pipeline); train one with `recurrent run spam-rnn` (or reuters-lstm, imdb-lstm, nsmc-lstm)")
        }
        return classifier
    }

    /// One line per text, `label<TAB>probability<TAB>text` (line breaks inside a text shown as
    /// spaces); `warn` gets a warning for each text that is empty or has no word the model knows.
    func lines(_ classifier: TextClassifier, _ inputs: [String], warn: (String) -> Void) throws -> [String] {
        let results = try classifier.classify(inputs, location: "recurrent predict --model \(model)")
        return zip(inputs, results).enumerated().map { i, pair in
            let (text, result) = pair
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                warn("text \(i + 1) is empty; the prediction is the model's answer to an empty input")
            } else if result.knownTokens == 0 {
                warn("text \(i + 1) has no word the model knows; the prediction is the model's answer to "
                     + (result.tokens.isEmpty ? "an empty input" : "unknown words only"))
            }
            // One line per text: line breaks inside a text argument are shown as spaces.
            let shown = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).joined(separator: " ")
            return "\(result.label)\t\(String(format: "%.4f", result.probability))\t\(shown)"
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
