import Foundation
import Recurrent

extension ExperimentOptions {
    /// Checks the options that are not plain counts against `experiment`'s accepted options.
    /// - Throws: `invalidConfiguration` naming the option, what it accepts and what was found:
    ///   `clipnorm` and `weightDecay` must be finite and ≥ 0, `dropout` and `recurrentDropout` in
    ///   [0, 1), `validationSplit` in (0, 1), `patience` ≥ 0, `samplingAlpha` finite and ≥ 0; then
    ///   each option of `ExperimentOptionKey` that is set must be one the experiment accepts
    ///   (`AcceptedOption`): `tokenization` one of its tokenizations, `vocabularySize`, `maxlen` and
    ///   `limit` at least their floors (and `limit` leaving a sample on each side of the
    ///   validation split), `samplingAlpha` above 0 only with subword tokens.
    public func check(for experiment: ExperimentSpecification) throws {
        try checkRanges()
        for key in ExperimentOptionKey.allCases where isSet(key) {
            guard let accepted = experiment.accepted(key) else { throw refusal(key, by: experiment) }
            try check(accepted, for: experiment)
        }
    }

    /// The ranges every experiment checks, whether or not it takes the option.
    func checkRanges() throws {
        func fail(_ key: String, _ message: String) -> RecurrentError { .invalidConfiguration(where: key, message: message) }
        if let clipnorm, !(clipnorm.isFinite && clipnorm >= 0) {
            throw fail("clipnorm (--clipnorm)", "must be a finite number ≥ 0 (0 turns clipping off), found \(clipnorm)")
        }
        if let weightDecay, !(weightDecay.isFinite && weightDecay >= 0) {
            throw fail("weightDecay (--weight-decay)", "must be a finite number ≥ 0 (0 turns weight decay off), found \(weightDecay)")
        }
        for (option, rate) in [("dropout (--dropout)", dropout), ("recurrentDropout (--recurrent-dropout)", recurrentDropout)] {
            if let rate, !(rate >= 0 && rate < 1) { throw fail(option, "must be in [0, 1), found \(rate)") }
        }
        if let validationSplit, !(validationSplit > 0 && validationSplit < 1) {
            throw fail(ExperimentOptionKey.validationSplit.label, "must be in (0, 1), found \(validationSplit)")
        }
        if let samplingAlpha, !(samplingAlpha.isFinite && samplingAlpha >= 0) {
            throw fail(ExperimentOptionKey.samplingAlpha.label, "must be a finite number ≥ 0 (0 turns sampling off), found \(samplingAlpha)")
        }
        if let patience, patience < 0 {
            throw fail(ExperimentOptionKey.patience.label, "must be ≥ 0 (0 turns early stopping off), found \(patience)")
        }
    }

    func isSet(_ key: ExperimentOptionKey) -> Bool {
        switch key {
        case .validationSplit: validationSplit != nil
        case .tokenization: tokenization != nil
        case .vocabularySize: vocabularySize != nil
        case .maxlen: maxlen != nil
        case .limit: limit != nil
        case .samplingAlpha: samplingAlpha != nil
        case .patience: patience != nil
        }
    }

    /// The error for an option `experiment` does not take.
    func refusal(_ key: ExperimentOptionKey, by e: ExperimentSpecification) -> RecurrentError {
        let takers = Experiments.all.filter { $0.accepted(key) != nil }.map(\.name)
        let message = switch key {
        case .validationSplit: "\(e.name) trains on all its sequences and does not validate"
        case .tokenization: "only \(takers.joined(separator: " and ")) take a tokenization, not \(e.name)"
        case .vocabularySize: "\(e.name) has no vocabulary size to set"
        case .maxlen: "\(e.name) has no sequence length to set"
        case .limit: "\(e.name) has no dataset to take a slice of"
        case .samplingAlpha:
            "subword sampling is for the experiments that tokenise into SentencePiece subwords (\(takers.joined(separator: ", "))), not \(e.name)"
        case .patience: "early stopping is for the text classification experiments (\(takers.joined(separator: ", "))), not \(e.name)"
        }
        return .invalidConfiguration(where: key.label, message: message)
    }

    /// Checks the value of an option `e` accepts against its floor or list.
    func check(_ accepted: AcceptedOption, for e: ExperimentSpecification) throws {
        func atLeast(_ value: Int?, _ floor: OptionFloor) throws {
            guard let value, value < floor.minimum else { return }
            throw RecurrentError.invalidConfiguration(
                where: accepted.key.label, message: "must be at least \(floor.minimum) for \(e.name) (\(floor.reason)), found \(value)")
        }
        switch accepted {
        case .validationSplit, .patience: return  // ranges checked
        case let .tokenization(list):
            if let tokenization, !list.contains(where: { $0.name == tokenization }) {
                throw RecurrentError.invalidConfiguration(
                    where: accepted.key.label, message: "\(e.name) takes \(list.map(\.name).joined(separator: " or ")), found \(tokenization)")
            }
        case let .vocabularySize(floor): try atLeast(vocabularySize, e.tokenization(tokenization)?.vocabularyFloor ?? floor)
        case let .maxlen(floor): try atLeast(maxlen, floor)
        case let .limit(floor, _):
            try atLeast(limit, floor)
            try checkLimitSplits(e)
        case .samplingAlpha:
            if let samplingAlpha, samplingAlpha > 0, let tokenization, e.tokenization(tokenization)?.subwords == false {
                throw RecurrentError.invalidConfiguration(
                    where: accepted.key.label, message: "samples SentencePiece segmentations, so it needs subword tokens, found --tokenization \(tokenization)")
            }
        }
    }

    /// The samples `fit` gets are split as Keras's validation_split: the first
    /// ⌊n · (1 − split)⌋ train, the rest validate, and each part needs a sample.
    func checkLimitSplits(_ e: ExperimentSpecification) throws {
        guard let limit, e.accepted(.validationSplit) != nil,
              let split = validationSplit ?? e.defaultValidationSplit, split > 0 && split < 1 else { return }
        func splits(_ limit: Int) -> Bool {
            let n = e.fitSamples(limit: limit)
            let train = Int((Double(n) * (1 - split)).rounded(.down))
            return train >= 1 && n - train >= 1
        }
        guard !splits(limit) else { return }
        // The smallest limit that splits, searched up to a bound (a split within 1e-16 of 0 or 1
        // leaves one side empty at any size).
        let needed = (limit...max(limit, 1_000_000)).first(where: splits)
        throw RecurrentError.invalidConfiguration(where: ExperimentOptionKey.limit.label, message: needed.map {
            "must be at least \($0) for \(e.name) with a validation split of \(split) (each side of the split needs a sample), found \(limit)"
        } ?? "a validation split of \(split) leaves \(e.name) no training or no validation sample at any limit up to 1,000,000, found \(limit)")
    }
}
