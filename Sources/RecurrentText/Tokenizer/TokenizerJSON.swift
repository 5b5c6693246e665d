import RecurrentTensor

extension Tokenizer {
    /// Keras's `Tokenizer.to_json()` (keras/src/legacy/preprocessing/text.py), byte for byte:
    ///
    /// ```
    /// {"class_name": "Tokenizer", "config": {"num_words": …, "filters": …, "lower": …,
    ///  "split": …, "char_level": …, "oov_token": …, "document_count": …,
    ///  "word_counts": "<JSON>", "word_docs": "<JSON>", "index_docs": "<JSON>",
    ///  "index_word": "<JSON>", "word_index": "<JSON>"}}
    /// ```
    ///
    /// The five tables are JSON texts inside strings (Keras calls `json.dumps` on each), written
    /// as Python's `json.dumps` does by default (`", "` and `": "` separators, non-ASCII as
    /// `\uXXXX`), integer keys of `index_docs` and `index_word` as strings. Keys keep Keras's
    /// order, with one exception: Keras fills `word_docs` (and from it `index_docs`) by iterating
    /// a Python `set`, whose order depends on the process's string-hash seed; here they are in
    /// first-seen order. Keras's `tokenizer_from_json` reads the result into an equal tokenizer.
    public func toJSON() -> String {
        func table<K, V>(_ d: OrderedDictionary<K, V>, key: (K) -> String, value: (V) -> PythonJSON) -> PythonJSON {
            .string(PythonJSON.object(d.items.map { (key($0), value($1)) }).text)
        }
        let config: [(String, PythonJSON)] = [
            ("num_words", numWords.map { .int($0) } ?? .null),
            ("filters", .string(filters)),
            ("lower", .bool(lower)),
            ("split", .string(split)),
            ("char_level", .bool(charLevel)),
            ("oov_token", oovToken.map { .string($0) } ?? .null),
            ("document_count", .int(documentCount)),
            ("word_counts", table(counts, key: \.text, value: { .int($0) })),
            ("word_docs", table(docs, key: \.text, value: { .int($0) })),
            ("index_docs", table(indexDocsTable, key: { String($0) }, value: { .int($0) })),
            ("index_word", table(words, key: { String($0) }, value: { .string($0.text) })),
            ("word_index", table(index, key: \.text, value: { .int($0) })),
        ]
        return PythonJSON.object([("class_name", .string("Tokenizer")), ("config", .object(config))]).text
    }

    /// Keras's `tokenizer_from_json`: a tokenizer from the JSON of `toJSON()` or of Keras's
    /// `Tokenizer.to_json()`, with its options and all five tables, orders kept (so `toJSON()` of
    /// the result gives the same text back).
    ///
    /// As in Keras, options missing from `config` take their defaults (the legacy key `nb_words`
    /// is read as `num_words`), and a key Keras's constructor would not accept is an error.
    ///
    /// - Throws: `RecurrentError.fileFormat` when the text (or a table inside it) is not JSON,
    ///   naming the key; `RecurrentError.invalidValue` naming the key when a value has the wrong
    ///   type (e.g. `config.word_counts` is not a string holding an object of word → integer), a
    ///   key is missing or unknown, or an option is invalid.
    public init(json: String) throws {
        let root = try PythonJSON.parse(json, location: "Tokenizer(json:)")
        guard case .object = root else {
            throw Self.jsonError("the top level", expected: "a JSON object", found: root)
        }
        guard let configValue = root["config"], case let .object(pairs) = configValue else {
            throw Self.jsonError("config", expected: "an object", found: root["config"])
        }
        let tableKeys = ["word_counts", "word_docs", "index_docs", "index_word", "word_index"]
        let optionKeys = ["num_words", "nb_words", "filters", "lower", "split", "char_level", "oov_token", "document_count"]
        for (key, _) in pairs where !tableKeys.contains(key) && !optionKeys.contains(key) {
            throw RecurrentError.invalidValue(
                where: "Tokenizer(json:) key \"config.\(key)\"",
                expected: "only the keys of Keras's Tokenizer config (\((optionKeys + tableKeys).joined(separator: ", ")))",
                found: "an unknown key")
        }
        let config = configValue

        func option<T>(_ key: String, _ kind: String, _ read: (PythonJSON) -> T?) throws -> T? {
            guard let v = config[key] else { return nil }
            guard let t = read(v) else { throw Self.jsonError("config." + key, expected: kind, found: v) }
            return t
        }
        func int(_ v: PythonJSON) -> Int? { if case let .int(i) = v { return i }; return nil }
        func string(_ v: PythonJSON) -> String? { if case let .string(s) = v { return s }; return nil }
        func bool(_ v: PythonJSON) -> Bool? { if case let .bool(b) = v { return b }; return nil }
        func optionalInt(_ v: PythonJSON) -> Int?? { if case .null = v { return .some(nil) }; return int(v).map { $0 } }
        func optionalString(_ v: PythonJSON) -> String?? { if case .null = v { return .some(nil) }; return string(v).map { $0 } }

        var numWords: Int? = nil
        if let n = try option("num_words", "an integer or null", optionalInt) {
            numWords = n
        } else if let n = try option("nb_words", "an integer or null", optionalInt) {
            numWords = n  // Keras's legacy name
        }
        var oovToken: String? = nil
        if let t = try option("oov_token", "a string or null", optionalString) { oovToken = t }
        try self.init(
            numWords: numWords,
            filters: try option("filters", "a string", string) ?? Tokenizer.defaultFilters,
            lower: try option("lower", "true or false", bool) ?? true,
            split: try option("split", "a string", string) ?? " ",
            charLevel: try option("char_level", "true or false", bool) ?? false,
            oovToken: oovToken,
            documentCount: try option("document_count", "an integer", int) ?? 0)

        /// A table: a string holding a JSON object, read pair by pair.
        func table<K: Hashable, V>(
            _ key: String, _ kind: String, key readKey: (String) -> K?, value readValue: (PythonJSON) -> V?
        ) throws -> OrderedDictionary<K, V> {
            let path = "config." + key
            guard let raw = config[key] else { throw Self.jsonError(path, expected: "a string holding \(kind)", found: nil) }
            guard case let .string(text) = raw else { throw Self.jsonError(path, expected: "a string holding \(kind)", found: raw) }
            let inner = try PythonJSON.parse(text, location: "Tokenizer(json:) key \"\(path)\"")
            guard case let .object(pairs) = inner else { throw Self.jsonError(path, expected: kind, found: inner) }
            var out = OrderedDictionary<K, V>()
            for (k, v) in pairs {
                guard let typedKey = readKey(k) else {
                    throw RecurrentError.invalidValue(
                        where: "Tokenizer(json:) key \"\(path)\"", expected: kind, found: "the key \"\(k)\"")
                }
                guard let typedValue = readValue(v) else {
                    throw Self.jsonError("\(path)[\"\(k)\"]", expected: kind, found: v)
                }
                out[typedKey] = typedValue
            }
            return out
        }
        let word: (String) -> Word? = { Word($0) }
        let integerKey: (String) -> Int? = { Int($0) }
        counts = try table("word_counts", "an object of word → integer count", key: word, value: int)
        docs = try table("word_docs", "an object of word → integer count", key: word, value: int)
        indexDocsTable = try table("index_docs", "an object of integer index → integer count", key: integerKey, value: int)
        words = try table("index_word", "an object of integer index → word", key: integerKey, value: { string($0).map(Word.init) })
        index = try table("word_index", "an object of word → integer index", key: word, value: int)
    }

    private static func jsonError(_ key: String, expected: String, found: PythonJSON?) -> RecurrentError {
        let description: String
        switch found {
        case nil: description = "no such key"
        case .null?: description = "null"
        case let .bool(b)?: description = "\(b)"
        case let .int(i)?: description = "the integer \(i)"
        case let .double(d)?: description = "the number \(d)"
        case let .string(s)?: description = "the string \"\(s.prefix(40))\(s.count > 40 ? "…" : "")\""
        case .array?: description = "an array"
        case .object?: description = "an object"
        }
        return .invalidValue(where: "Tokenizer(json:) key \"\(key)\"", expected: expected, found: description)
    }
}
