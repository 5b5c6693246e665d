import Foundation
import Recurrent

/// Settings of one run of an experiment; nil means the lecture's default for that experiment.
public struct ExperimentOptions: Sendable {
    public var units: Int?
    public var epochs: Int?
    public var batchSize: Int?
    /// Sequence length after padding (text experiments).
    public var maxlen: Int?
    /// Vocabulary size (the `numWords` of the tokenizer or dataset; for spam-rnn's normalized
    /// tokens at most the words seen twice or more, plus 2, since the words seen once are `<OOV>`).
    public var vocabularySize: Int?
    /// A Keras optimizer name (`"adam"`, `"rmsprop"`, …).
    public var optimizer: String?
    public var learningRate: Float?
    /// Clip each gradient to this L2 norm (Keras's `clipnorm`); 0 turns clipping off. Nil is the
    /// experiment's default.
    public var clipnorm: Float?
    /// Keras's `weight_decay` for the optimizer: before each update `w ← w − w · weightDecay · lr`
    /// on every trainable weight. 0 turns off an experiment's default (spam-rnn: 3); nil is the
    /// experiment's default, else the optimizer's own (none, or AdamW's 0.004).
    public var weightDecay: Float?
    /// How the text is split into tokens, one of the experiment's `tokenizations`: for
    /// nsmc-lstm `subwords` (SentencePiece, the default) or `words`; for spam-rnn `normalized`
    /// (the default: digits as 0, words seen once as one out-of-vocabulary token) or `words`
    /// (the lecture's Tokenizer). Nil is the experiment's default.
    public var tokenization: String?
    /// Subword regularization (nsmc-lstm with subwords): every epoch trains on a new sampled
    /// SentencePiece segmentation of each training review, with this smoothing `alpha` (Kudo
    /// 2018; `SentencePieceModel.sampleEncode`); validation and test use the best segmentation.
    /// 0 turns sampling off; nil is the experiment's default (0.1 for nsmc-lstm).
    public var samplingAlpha: Float?
    /// The recurrent layer's `dropout` (on its inputs) and `recurrentDropout` (on its state),
    /// Keras's per-batch masks; nil is the experiment's default (0 in every experiment).
    public var dropout: Float?
    public var recurrentDropout: Float?
    /// Validate on this last fraction of the training data (Keras's `validation_split`), in (0, 1);
    /// nil is the experiment's default, the lecture's: 0.2 for timeseries, spam-rnn and nsmc-lstm,
    /// the test set for reuters-lstm and the IMDB models. Text generation does not validate.
    public var validationSplit: Double?
    /// Early stopping on `val_loss` after this many epochs without improvement, with the best
    /// epoch (by `val_acc`) checkpointed and evaluated; 0 turns both off. Nil is the
    /// experiment's default. Text classification only.
    public var patience: Int?
    public var seed: UInt64 = 1
    /// Where the datasets are (`RECURRENT_DATA` or the cache folder when nil).
    public var dataDirectory: URL?
    /// The run folder.
    public var output: URL
    /// Use at most this many training and test samples (small runs for tests), nil for all.
    public var limit: Int?
    public var verbose: Verbosity = .auto
    /// Where messages go (standard output by default).
    public var log: @Sendable (String) -> Void = { print($0) }

    public init(output: URL) { self.output = output }

    /// The optimizer named by `optimizer` (else `fallback`, the lecture's), with `learningRate`
    /// when one is given, and `clipnorm` and `weightDecay` (else the experiment's defaults,
    /// whatever the optimizer; 0 turns either off, AdamW then decaying by 0).
    /// - Throws: `invalidConfiguration` for an unknown name.
    public func makeOptimizer(default fallback: String, clipnorm defaultClipnorm: Float? = nil,
                              weightDecay defaultWeightDecay: Float? = nil) throws -> any Optimizer {
        let made = try RecurrentNN.makeOptimizer(optimizer ?? fallback)
        if let learningRate { made.learningRate = learningRate }
        let clip = clipnorm ?? defaultClipnorm
        made.clipnorm = clip == 0 ? nil : clip
        if let decay = weightDecay ?? defaultWeightDecay {
            // Keras's AdamW requires a weight decay; 0 is none.
            made.weightDecay = decay == 0 && made.typeName != "AdamW" ? nil : decay
        }
        return made
    }
}
