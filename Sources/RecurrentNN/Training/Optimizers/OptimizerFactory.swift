/// Building optimizers and schedules from Keras identifiers and configs (keras/src/optimizers/
/// __init__.py `get` and `deserialize`; each class's `from_config`).

/// The optimizer names `makeOptimizer` accepts (Keras's lower-case class names).
public let optimizerNames = ["adam", "adamw", "rmsprop", "sgd"]

/// An optimizer with Keras's defaults from its Keras string identifier, as `compile(optimizer=
/// "adam")`: `"adam"`, `"adamw"`, `"rmsprop"` or `"sgd"`, case-insensitive.
/// - Throws: `invalidConfiguration` for any other name, listing the valid ones.
public func makeOptimizer(_ identifier: String) throws -> any Optimizer {
    try makeOptimizer(typeName: identifier, config: [:])
}

/// Rebuilds an optimizer from its type name (`SGD`, `RMSprop`, `Adam`, `AdamW`, case-insensitive)
/// and a Keras `get_config()` dictionary, such as `config` of an optimizer or the `config` of a
/// Keras-saved optimizer. Missing keys take Keras's defaults; `learning_rate` may be a number,
/// a serialized schedule (see `makeLearningRateSchedule`) or null (the default rate: a closure
/// schedule cannot be saved). The Keras options Recurrent does not implement are accepted only
/// at their off values (`use_ema` false; `ema_overwrite_frequency`, `loss_scale_factor`,
/// `gradient_accumulation_steps` null); `ema_momentum` is ignored, as Keras does without EMA.
/// Round trip: `makeOptimizer(typeName: o.typeName, config: o.config).config == o.config`.
/// - Throws: `invalidConfiguration` for an unknown type, an unknown or mistyped key, an
///   unsupported option, or a hyper-parameter `step` would reject.
public func makeOptimizer(typeName: String, config: [String: JSONValue]) throws -> any Optimizer {
    let kind = typeName.lowercased()
    guard optimizerNames.contains(kind) else {
        throw RecurrentError.invalidConfiguration(
            where: "makeOptimizer", message: "unknown optimizer '\(typeName)', expected one of \(optimizerNames.joined(separator: ", "))")
    }
    var r = OptimizerConfigReader(config, owner: "makeOptimizer(\(typeName))")
    let name = try r.string("name", ifMissing: nil)
    var learningRate: Float?
    var schedule: (any LearningRateSchedule)?
    switch r.take("learning_rate") {
    case nil, .null?: break
    case let .number(d)?: learningRate = Float(d)
    case let .object(o)?: schedule = try makeLearningRateSchedule(o)
    case let other?:
        throw RecurrentError.invalidConfiguration(
            where: "makeOptimizer(\(typeName))", message: "`learning_rate` must be a number or a serialized schedule, found \(other)")
    }
    let weightDecay = try r.optionalFloat("weight_decay", ifMissing: kind == "adamw" ? 0.004 : nil)
    let clipnorm = try r.optionalFloat("clipnorm", ifMissing: nil)
    let clipvalue = try r.optionalFloat("clipvalue", ifMissing: nil)
    let globalClipnorm = try r.optionalFloat("global_clipnorm", ifMissing: nil)
    try r.unsupported("use_ema", allowed: false)
    _ = r.take("ema_momentum")
    try r.unsupported("ema_overwrite_frequency")
    try r.unsupported("loss_scale_factor")
    try r.unsupported("gradient_accumulation_steps")

    let optimizer: BaseOptimizer
    switch kind {
    case "sgd":
        optimizer = SGD(learningRate: learningRate ?? 0.01, momentum: try r.float("momentum", ifMissing: 0),
                        nesterov: try r.bool("nesterov", ifMissing: false), weightDecay: weightDecay,
                        clipnorm: clipnorm, clipvalue: clipvalue, globalClipnorm: globalClipnorm)
    case "rmsprop":
        optimizer = RMSprop(learningRate: learningRate ?? 0.001, rho: try r.float("rho", ifMissing: 0.9),
                            momentum: try r.float("momentum", ifMissing: 0), epsilon: try r.float("epsilon", ifMissing: 1e-7),
                            centered: try r.bool("centered", ifMissing: false), weightDecay: weightDecay,
                            clipnorm: clipnorm, clipvalue: clipvalue, globalClipnorm: globalClipnorm)
    default:
        let beta1 = try r.float("beta_1", ifMissing: 0.9), beta2 = try r.float("beta_2", ifMissing: 0.999)
        let epsilon = try r.float("epsilon", ifMissing: 1e-7), amsgrad = try r.bool("amsgrad", ifMissing: false)
        if kind == "adamw" {
            let adamw = AdamW(learningRate: learningRate ?? 0.001, beta1: beta1, beta2: beta2, epsilon: epsilon,
                              amsgrad: amsgrad, clipnorm: clipnorm, clipvalue: clipvalue, globalClipnorm: globalClipnorm)
            adamw.weightDecay = weightDecay
            optimizer = adamw
        } else {
            optimizer = Adam(learningRate: learningRate ?? 0.001, beta1: beta1, beta2: beta2, epsilon: epsilon,
                             amsgrad: amsgrad, weightDecay: weightDecay,
                             clipnorm: clipnorm, clipvalue: clipvalue, globalClipnorm: globalClipnorm)
        }
    }
    try r.finish()
    if let name { optimizer.name = name }
    optimizer.schedule = schedule
    try optimizer.validate()
    return optimizer
}

/// The schedule names `makeLearningRateSchedule` accepts.
public let learningRateScheduleNames = ["ExponentialDecay"]

/// Rebuilds a schedule from Keras's serialized form, as in an optimizer's `learning_rate`:
/// `{"module": "keras.optimizers.schedules", "class_name": "ExponentialDecay", "config": {...},
/// "registered_name": null}` (`module` and `registered_name` may be absent).
/// - Throws: `invalidConfiguration` for another class (only `ExponentialDecay` is implemented) or
///   a bad config.
public func makeLearningRateSchedule(_ serialized: [String: JSONValue]) throws -> any LearningRateSchedule {
    var r = OptimizerConfigReader(serialized, owner: "makeLearningRateSchedule")
    let className = try r.string("class_name", ifMissing: nil)
    guard let config = r.take("config")?.objectValue else {
        throw RecurrentError.invalidConfiguration(
            where: "makeLearningRateSchedule", message: "expected a `config` object, found \(JSONValue.object(serialized))")
    }
    _ = r.take("module")
    _ = r.take("registered_name")
    try r.finish()
    switch className {
    case "ExponentialDecay"?: return try ExponentialDecay(config: config)
    default:
        throw RecurrentError.invalidConfiguration(
            where: "makeLearningRateSchedule",
            message: "unknown schedule \(className.map { "'\($0)'" } ?? "(no class_name)"), expected one of "
                + learningRateScheduleNames.joined(separator: ", "))
    }
}
