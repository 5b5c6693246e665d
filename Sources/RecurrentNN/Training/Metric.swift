// TEMPORARY stand-in (replaced by the metrics branch): the API the training loop codes against.
public struct Metric: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case binaryAccuracy(threshold: Float), categoricalAccuracy, sparseCategoricalAccuracy
        case precision(threshold: Float), recall(threshold: Float)
    }
    public let name: String
    public let kind: Kind
    public static func resolve(_ identifier: String, loss: Loss, outputShape: [Int], targetShape: [Int]) throws -> Metric {
        switch loss {
        case .binaryCrossentropy: return Metric(name: identifier, kind: .binaryAccuracy(threshold: 0.5))
        case .sparseCategoricalCrossentropy: return Metric(name: identifier, kind: .sparseCategoricalAccuracy)
        default: return Metric(name: identifier, kind: .binaryAccuracy(threshold: 0.5))
        }
    }
}

public struct MetricAccumulator: Sendable {
    public let metric: Metric
    var total = 0.0, count = 0.0
    public init(_ metric: Metric) { self.metric = metric }
    public mutating func update(output: Tensor, target: Tensor) throws {
        let b = output.shape[0], k = output.count / b
        for i in 0..<b {
            switch metric.kind {
            case .sparseCategoricalAccuracy:
                var best = 0
                for j in 1..<k where output.data[i * k + j] > output.data[i * k + best] { best = j }
                total += Float(best) == target.data[i] ? 1 : 0
            default:
                total += ((output.data[i] > 0.5 ? 1 : 0) == target.data[i]) ? 1 : 0
            }
            count += 1
        }
    }
    public var result: Float { count == 0 ? 0 : Float(total / count) }
    public mutating func reset() { total = 0; count = 0 }
}

extension Loss {
    public func validate(outputShape: [Int], target: Tensor) throws {}
}
// TEMPORARY (replaced by the optimizers and losses branches)
public func makeOptimizer(_ identifier: String) throws -> any Optimizer { Adam() }
extension Loss { public init(keras: String) throws { self = Loss(rawValue: keras)! } }
import Foundation
extension Sequential { public func save(to url: URL) throws {} }
public final class RMSprop: Optimizer {
    public let typeName = "RMSprop"
    public var learningRate: Float
    public var schedule: (any LearningRateSchedule)?
    public var clipnorm: Float?, clipvalue: Float?, globalClipnorm: Float?
    public private(set) var iterations = 0
    var vel: [ObjectIdentifier: [Float]] = [:]
    public init(learningRate: Float = 0.001) { self.learningRate = learningRate }
    public func step(_ parameters: [Parameter]) throws {
        let lr = currentLearningRate
        iterations += 1
        for p in parameters where p.trainable {
            var v = vel[ObjectIdentifier(p)] ?? [Float](repeating: 0, count: p.value.count)
            let g = p.gradient.data
            let sq = p.gradientSquares?.data
            for i in 0..<v.count {
                v[i] = 0.9 * v[i] + 0.1 * (sq?[i] ?? g[i] * g[i])
                p.value.data[i] -= lr * g[i] / (v[i] + 1e-7).squareRoot()
            }
            vel[ObjectIdentifier(p)] = v
        }
    }
    public var config: [String: JSONValue] { [:] }
    public func slots(of parameter: Parameter) -> [String: Tensor] { [:] }
    public func restore(iterations: Int, slots: [(parameter: Parameter, slots: [String: Tensor])]) throws {}
}
