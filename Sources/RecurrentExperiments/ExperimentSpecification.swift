import Foundation
import Recurrent

/// A lower bound on a count option (`maxlen`, `limit`, `vocabularySize`) and why, for the error
/// `ExperimentOptions.check` gives below it.
public struct OptionFloor: Sendable, Equatable {
    public var minimum: Int
    public var reason: String
    public init(_ minimum: Int, _ reason: String) {
        self.minimum = minimum
        self.reason = reason
    }

    /// Index 0 of an Embedding's vocabulary is padding.
    public static let vocabulary = OptionFloor(2, "index 0 is padding")
    public static let sequence = OptionFloor(1, "a sequence has at least one step")
    public static let sample = OptionFloor(1, "a run needs a sample")
}

/// One way an experiment splits its text into tokens (`ExperimentOptions.tokenization`).
public struct Tokenization: Sendable, Equatable {
    public var name: String
    /// The smallest vocabulary size with these tokens, when it differs from the experiment's.
    public var vocabularyFloor: OptionFloor?
    /// Whether the tokens are SentencePiece subwords, which `samplingAlpha` samples.
    public var subwords = false
}

/// An option that some experiments take and others refuse, with its floor or default. The
/// options every experiment takes (units, epochs, batch size, optimizer, learning rate,
/// clipnorm, weight decay, dropout, recurrent dropout, seed) are not listed.
public enum AcceptedOption: Sendable {
    /// `validationSplit`, in (0, 1); `default` is the fraction validated on when none is given,
    /// nil for the test set (`validation_data=(X_test, y_test)`, as the lecture's Reuters and
    /// IMDB notebooks).
    case validationSplit(default: Double?)
    /// `tokenization`: one of these, the default first.
    case tokenization([Tokenization])
    /// `vocabularySize` at least this (or the chosen tokenization's floor).
    case vocabularySize(OptionFloor)
    case maxlen(OptionFloor)
    /// `limit` at least this; `fitPercent` of the limited samples go to `fit` (timeseries tests
    /// on the rest) and must leave a sample on each side of the validation split.
    case limit(OptionFloor, fitPercent: Int = 100)
    /// `samplingAlpha` (SentencePiece subword sampling), with its default.
    case samplingAlpha(default: Float)
    /// `patience` of early stopping on val_loss (with the best val_acc epoch checkpointed), with
    /// its default; 0 turns both off.
    case patience(default: Int)

    public var key: ExperimentOptionKey {
        switch self {
        case .validationSplit: .validationSplit
        case .tokenization: .tokenization
        case .vocabularySize: .vocabularySize
        case .maxlen: .maxlen
        case .limit: .limit
        case .samplingAlpha: .samplingAlpha
        case .patience: .patience
        }
    }
}

/// The options `AcceptedOption` names, in the order `check` reports them.
public enum ExperimentOptionKey: CaseIterable, Sendable {
    case validationSplit, tokenization, vocabularySize, maxlen, limit, samplingAlpha, patience

    /// The option's name in the library and on the command line, as errors give it.
    public var label: String {
        switch self {
        case .validationSplit: "validationSplit (--validation-split)"
        case .tokenization: "tokenization (--tokenization)"
        case .vocabularySize: "vocabularySize (--vocab-size)"
        case .maxlen: "maxlen (--maxlen)"
        case .limit: "limit (--limit)"
        case .samplingAlpha: "samplingAlpha (--sampling-alpha)"
        case .patience: "patience (--patience)"
        }
    }
}

/// The lecture's values of the options every experiment takes.
public struct ExperimentDefaults: Sendable {
    public var units: Int
    public var epochs: Int
    public var batchSize: Int
    /// A Keras optimizer name.
    public var optimizer: String
    /// Keras's `clipnorm` (nil: none).
    public var clipnorm: Float? = nil
    /// Keras's `weight_decay` (nil: the optimizer's own).
    public var weightDecay: Float? = nil
}

/// One experiment as data: its name, defaults and accepted options (what `ExperimentOptions.check`
/// validates against), and the body that loads the data, builds and trains the model and says
/// what to report. `run` validates the options, hands the body a run folder, and writes the
/// folder's files (model, history, charts, results.json, index.html) once, in `ExperimentRunner`.
public struct ExperimentSpecification: Sendable {
    /// The command-line name, e.g. `timeseries`.
    public var name: String
    /// One line for `recurrent run --help`.
    public var summary: String
    public var defaults: ExperimentDefaults
    /// The options this experiment takes beyond the ones every experiment takes.
    public var accepts: [AcceptedOption]
    /// Loads, builds, trains and evaluates; its run folder is for files it writes while it
    /// trains (the best checkpoint).
    let body: @Sendable (ExperimentRun) throws -> ExperimentOutcome

    init(name: String, summary: String, defaults: ExperimentDefaults, accepts: [AcceptedOption],
         body: @escaping @Sendable (ExperimentRun) throws -> ExperimentOutcome) {
        self.name = name
        self.summary = summary
        self.defaults = defaults
        self.accepts = accepts
        self.body = body
    }

    /// Runs the experiment with `options` (see `ExperimentRunner.run`).
    public func run(_ options: ExperimentOptions) throws -> ExperimentResult { try ExperimentRunner.run(self, options) }

    /// The accepted option of `key`, nil when the experiment refuses it.
    public func accepted(_ key: ExperimentOptionKey) -> AcceptedOption? { accepts.first { $0.key == key } }

    /// The tokenizations, the default first; empty when the experiment has one way of tokenising.
    public var tokenizations: [Tokenization] {
        if case let .tokenization(list) = accepted(.tokenization) { return list }
        return []
    }

    /// The tokenization named `name`, or the default when nil.
    public func tokenization(_ name: String?) -> Tokenization? {
        name.map { n in tokenizations.first { $0.name == n } } ?? tokenizations.first
    }

    /// The fraction of the training data validated on by default, nil when the experiment
    /// validates on the test set or not at all.
    public var defaultValidationSplit: Double? {
        if case let .validationSplit(fraction) = accepted(.validationSplit) { return fraction }
        return nil
    }

    /// How many samples `fit` gets from `limit` samples (before its validation split).
    public func fitSamples(limit: Int) -> Int {
        if case let .limit(_, percent) = accepted(.limit) { return limit * percent / 100 }
        return limit
    }
}

/// One of the lecture's experiments by type (`TimeSeriesExperiment()`, …): a handle on its
/// specification.
public protocol Experiment: Sendable {
    var specification: ExperimentSpecification { get }
}

extension Experiment {
    public var name: String { specification.name }
    public var summary: String { specification.summary }
    public func run(_ options: ExperimentOptions) throws -> ExperimentResult { try specification.run(options) }
}

/// The experiments by name.
public enum Experiments {
    public static let all: [ExperimentSpecification] = ([
        TimeSeriesExperiment(), TextGenerationRNNExperiment(), TextGenerationLSTMExperiment(), SpamRNNExperiment(),
        ReutersLSTMExperiment(), IMDBExperiment(.lstm), IMDBExperiment(.gru), IMDBExperiment(.cnnLSTM), NSMCLSTMExperiment(),
    ] as [any Experiment]).map(\.specification)

    /// - Throws: `invalidConfiguration` listing the valid names for an unknown one.
    public static func named(_ name: String) throws -> ExperimentSpecification {
        guard let e = all.first(where: { $0.name == name }) else {
            throw RecurrentError.invalidConfiguration(
                where: "recurrent run", message: "unknown experiment '\(name)'; the experiments are: \(all.map(\.name).joined(separator: ", "))")
        }
        return e
    }
}
