import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

/// `Tokenizer.toJSON()` and `Tokenizer(json:)` against Keras's `to_json` / `tokenizer_from_json`
/// (golden JSON written by Keras 3 in fixtures/text.py).
@Suite("Tokenizer JSON")
struct TokenizerJSONTests {
    static let cases = TokenizerFixtureTests.cases

    /// Keras's JSON read by Swift and written back gives Keras's bytes exactly (every table's
    /// order, Python's escapes), and the restored tokenizer converts texts as Keras does.
    @Test(arguments: cases)
    func readsKerasJSONAndWritesItBackByteForByte(_ name: String) throws {
        let f = try TokenizerFixture.load(name)
        let restored = try Tokenizer(json: f.toJSON)
        #expect(restored.toJSON() == f.toJSON, "\(name): round trip of Keras's to_json")
        #expect(restored.documentCount == f.documentCount)
        switch f.testTexts {
        case let .strings(texts): #expect(restored.textsToSequences(texts) == f.sequences, "\(name) sequences after from_json")
        case let .tokenLists(lists): #expect(restored.textsToSequences(lists) == f.sequences, "\(name) sequences after from_json")
        }
        #expect(restored.sequencesToTexts(f.extraSequences).map(scalars) == f.extraTexts.map(scalars))
    }

    /// A tokenizer fitted in Swift writes Keras's JSON: the same keys and options, the same
    /// `word_counts`, `word_index` and `index_word` text; `word_docs` and `index_docs` hold the
    /// same entries (Keras's order for those two comes from a Python set).
    @Test(arguments: cases)
    func fittedTokenizerWritesKerasJSON(_ name: String) throws {
        let f = try TokenizerFixture.load(name)
        let ours = try config(try f.makeTokenizer().toJSON())
        let keras = try config(f.toJSON)
        #expect(Array(ours.keys).sorted() == Array(keras.keys).sorted())
        for key in ["num_words", "filters", "lower", "split", "char_level", "oov_token", "document_count", "word_counts", "word_index", "index_word"] {
            #expect(String(describing: ours[key]!) == String(describing: keras[key]!), "\(name): config.\(key)")
        }
        for key in ["word_docs", "index_docs"] {
            let a = try JSONSerialization.jsonObject(with: Data((ours[key] as! String).utf8)) as! [String: Int]
            let b = try JSONSerialization.jsonObject(with: Data((keras[key] as! String).utf8)) as! [String: Int]
            #expect(a == b, "\(name): config.\(key)")
        }
        // The top-level layout is Keras's too: the text equals Keras's once the two set-ordered tables agree.
        let text = try f.makeTokenizer().toJSON()
        #expect(text.hasPrefix("{\"class_name\": \"Tokenizer\", \"config\": {\"num_words\": "))
    }

    private func config(_ json: String) throws -> [String: Any] {
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        return try #require(root["config"] as? [String: Any])
    }

    // MARK: Errors name the key

    @Test func malformedJSONNamesTheKey() throws {
        let f = try TokenizerFixture.load("tokenizer_default")
        func mutated(_ key: String, _ value: Any?) throws -> String {
            var root = try JSONSerialization.jsonObject(with: Data(f.toJSON.utf8)) as! [String: Any]
            var config = root["config"] as! [String: Any]
            config[key] = value
            root["config"] = config
            return String(decoding: try JSONSerialization.data(withJSONObject: root), as: UTF8.self)
        }
        func expectError(_ json: String, mentioning key: String, sourceLocation: SourceLocation = #_sourceLocation) {
            do {
                _ = try Tokenizer(json: json)
                Issue.record("expected an error naming \(key)", sourceLocation: sourceLocation)
            } catch let error as RecurrentError {
                #expect(error.description.contains(key), "\(error)", sourceLocation: sourceLocation)
            } catch {
                Issue.record("expected a RecurrentError, got \(error)", sourceLocation: sourceLocation)
            }
        }
        expectError(try mutated("word_counts", nil), mentioning: "config.word_counts")
        expectError(try mutated("word_counts", 3), mentioning: "config.word_counts")
        expectError(try mutated("word_index", "{\"a\": 1,"), mentioning: "config.word_index")
        expectError(try mutated("word_index", "{\"a\": \"one\"}"), mentioning: "config.word_index[\"a\"]")
        expectError(try mutated("index_word", "{\"x\": \"a\"}"), mentioning: "config.index_word")
        expectError(try mutated("lower", "yes"), mentioning: "config.lower")
        expectError(try mutated("num_words", -1), mentioning: "numWords")
        expectError(try mutated("analyzer", "split"), mentioning: "config.analyzer")
        expectError("{\"class_name\": \"Tokenizer\"}", mentioning: "config")
        expectError("[1, 2]", mentioning: "top level")
        expectError("{\"config\": ", mentioning: "Tokenizer(json:)")
    }

    /// Options missing from the config take Keras's defaults, as `Tokenizer(**config)` does.
    @Test func missingOptionsTakeDefaults() throws {
        let json = """
            {"config": {"word_counts": "{\\"b\\": 2, \\"a\\": 1}", "word_docs": "{\\"b\\": 1, \\"a\\": 1}", \
            "index_docs": "{\\"1\\": 1, \\"2\\": 1}", "index_word": "{\\"1\\": \\"b\\", \\"2\\": \\"a\\"}", \
            "word_index": "{\\"b\\": 1, \\"a\\": 2}"}}
            """
        let t = try Tokenizer(json: json)
        #expect(t.numWords == nil && t.lower && t.split == " " && !t.charLevel && t.oovToken == nil)
        #expect(t.filters == Tokenizer.defaultFilters && t.documentCount == 0)
        #expect(t.textsToSequences(["A b, c"]) == [[2, 1]])
    }
}
