/// How much of a test set a vocabulary covers: the share of test tokens that are in the
/// vocabulary (running tokens) and the share of distinct test tokens (types).
///
/// Tokens are compared by Unicode scalars, as Python compares strings.
public struct VocabularyCoverage: Sendable, Equatable, CustomStringConvertible {
    /// Test tokens in all (with repeats).
    public let tokenCount: Int
    /// Test tokens in the vocabulary.
    public let coveredTokenCount: Int
    /// Distinct test tokens.
    public let distinctTokenCount: Int
    /// Distinct test tokens in the vocabulary.
    public let coveredDistinctTokenCount: Int

    /// `coveredTokenCount / tokenCount`, 0 for an empty test set.
    public var tokenCoverage: Double { tokenCount == 0 ? 0 : Double(coveredTokenCount) / Double(tokenCount) }
    /// `coveredDistinctTokenCount / distinctTokenCount`, 0 for an empty test set.
    public var distinctTokenCoverage: Double {
        distinctTokenCount == 0 ? 0 : Double(coveredDistinctTokenCount) / Double(distinctTokenCount)
    }

    /// Coverage of `tokens` (one array per text) by `vocabulary`.
    public init(tokens: [[String]], vocabulary: some Sequence<String>) {
        let known = Set(vocabulary.map(Word.init))
        self.init(tokens: tokens) { known.contains($0) }
    }

    /// Coverage of `tokens` where `isCovered` decides which tokens the vocabulary holds.
    init(tokens: [[String]], isCovered: (Word) -> Bool) {
        var total = 0, covered = 0
        var distinct = Set<Word>()
        var distinctCovered = 0
        for text in tokens {
            for t in text {
                let w = Word(t)
                let inside = isCovered(w)
                total += 1
                if inside { covered += 1 }
                if distinct.insert(w).inserted, inside { distinctCovered += 1 }
            }
        }
        tokenCount = total
        coveredTokenCount = covered
        distinctTokenCount = distinct.count
        coveredDistinctTokenCount = distinctCovered
    }

    public var description: String {
        func percent(_ x: Double) -> String { String(Double(Int((x * 1000).rounded())) / 10) + "%" }
        return "\(coveredTokenCount)/\(tokenCount) tokens (\(percent(tokenCoverage))), "
            + "\(coveredDistinctTokenCount)/\(distinctTokenCount) distinct tokens (\(percent(distinctTokenCoverage)))"
    }
}

extension Tokenizer {
    /// How well this tokenizer's vocabulary covers `texts`: the texts are split as in fitting,
    /// and a token counts as covered when it has an index that conversions keep (`< numWords`
    /// when set), the OOV token excluded.
    public func coverage(of texts: [String]) -> VocabularyCoverage {
        coverage(ofTokens: texts.map { sequence($0).map(\.text) })
    }

    /// `coverage(of:)` for pre-tokenised texts (lowercased when `lower`).
    public func coverage(of texts: [[String]]) -> VocabularyCoverage {
        coverage(ofTokens: texts.map { sequence($0).map(\.text) })
    }

    private func coverage(ofTokens tokens: [[String]]) -> VocabularyCoverage {
        let limit = wordLimit
        let oov = oovToken.map(Word.init)
        return VocabularyCoverage(tokens: tokens) { w in
            guard w != oov, let i = index[w] else { return false }
            return limit.map { i < $0 } ?? true
        }
    }
}

extension SentencePieceModel {
    /// How well the model covers `texts`: the share of their pieces that are not `<unk>`, and of
    /// their distinct pieces.
    /// - Throws: as `encodeAsPieces`.
    public func coverage(of texts: [String]) throws -> VocabularyCoverage {
        let unknown = unknownID
        var pieces: [[String]] = []
        var unknownPieces = Set<Word>()
        for text in texts {
            let ids = try encode(text)
            let p = try encodeAsPieces(text)
            for (id, piece) in zip(ids, p) where id == unknown { unknownPieces.insert(Word(piece)) }
            pieces.append(p)
        }
        return VocabularyCoverage(tokens: pieces) { !unknownPieces.contains($0) }
    }
}
