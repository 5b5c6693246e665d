import Foundation
// TEMPORARY (replaced by the optimizers and losses branches)
public func makeOptimizer(_ identifier: String) throws -> any Optimizer { Adam() }
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
