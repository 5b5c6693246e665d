/// Keras 3 `Adam` (keras/src/optimizers/adam.py), without amsgrad:
///
///     t ← t + 1
///     α = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ)
///     m ← m + (g − m)(1 − β₁)
///     v ← v + (g² − v)(1 − β₂)
///     w ← w − α · m / (√v + ε)
///
/// Defaults as Keras: lr 0.001, β₁ 0.9, β₂ 0.999, ε 1e-7. Every weight is updated densely each
/// step (as Keras does), vectorised and split across the cores.
public final class Adam: Optimizer {
    public let typeName = "Adam"
    public var schedule: (any LearningRateSchedule)?
    public var clipnorm: Float?
    public var clipvalue: Float?
    public var globalClipnorm: Float?
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    /// Number of steps taken (Keras `iterations`).
    public private(set) var iterations = 0
    /// Moments per parameter; the entry keeps its parameter alive, so an identifier is never
    /// reused by another parameter while the optimizer knows it.
    private var moments: [ObjectIdentifier: (parameter: Parameter, m: Buffer, v: Buffer)] = [:]

    /// Keras 3 defaults; the values are checked (and a bad one thrown) by `step`.
    public init(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// Applies one update to every trainable parameter from its `gradient`.
    /// - Throws: `invalidConfiguration` when a hyper-parameter is out of range (learning rate not
    ///   finite or negative, β outside [0, 1), ε not positive), before changing anything.
    public func step(_ parameters: [Parameter]) throws {
        guard learningRate.isFinite, learningRate >= 0, (0..<1).contains(beta1), (0..<1).contains(beta2),
              epsilon.isFinite, epsilon > 0 else {
            throw RecurrentError.invalidConfiguration(
                where: "Adam", message: "expected a finite learning rate ≥ 0, β₁ and β₂ in [0, 1) and ε > 0, found "
                    + "learningRate \(learningRate), beta1 \(beta1), beta2 \(beta2), epsilon \(epsilon)")
        }
        iterations += 1
        let t = Double(iterations)
        let alpha = Float(Double(learningRate) * (1 - _pow(Double(beta2), t)).squareRoot() / (1 - _pow(Double(beta1), t)))
        let b1 = beta1, b2 = beta2, eps = epsilon
        for p in parameters where p.trainable {
            let n = p.value.count
            let state: (parameter: Parameter, m: Buffer, v: Buffer)
            if let s = moments[ObjectIdentifier(p)], s.parameter === p, s.m.capacity >= n {
                state = s
            } else {
                state = (p, Buffer(count: n), Buffer(count: n))
                state.m.zeroed(n); state.v.zeroed(n)
                moments[ObjectIdentifier(p)] = state
            }
            let squares = p.gradientSquares ?? Tensor(shape: [0])
            let hasSquares = p.gradientSquares != nil
            p.gradient.withUnsafeBufferPointer { gb in
              squares.withUnsafeBufferPointer { sb in
                p.value.withUnsafeMutableBufferPointer { wb in
                    let ctx = UnsafeSendable((wb.baseAddress!, gb.baseAddress!, state.m.pointer, state.v.pointer,
                                              hasSquares ? sb.baseAddress : nil))
                    let ranges = Parallel.ranges(n, minChunk: 65_536)
                    Parallel.forEach(ranges.count) { r in
                        let (w, g, m, v, s) = ctx.value
                        Self.update(w, g, s, m, v, ranges[r], alpha: alpha, b1: b1, b2: b2, eps: eps)
                    }
                }
              }
            }
        }
    }

    public var config: [String: JSONValue] {
        ["name": "adam", "learning_rate": .number(Double(learningRate)), "beta_1": .number(Double(beta1)),
         "beta_2": .number(Double(beta2)), "epsilon": .number(Double(epsilon)), "amsgrad": false]
    }

    public func slots(of parameter: Parameter) -> [String: Tensor] {
        guard let s = moments[ObjectIdentifier(parameter)], s.parameter === parameter else { return [:] }
        let n = parameter.value.count
        return ["momentum": Tensor(uncheckedShape: parameter.shape, data: Array(UnsafeBufferPointer(start: s.m.pointer, count: n))),
                "velocity": Tensor(uncheckedShape: parameter.shape, data: Array(UnsafeBufferPointer(start: s.v.pointer, count: n)))]
    }

    public func restore(iterations: Int, slots: [(parameter: Parameter, slots: [String: Tensor])]) throws {
        var restored: [ObjectIdentifier: (parameter: Parameter, m: Buffer, v: Buffer)] = [:]
        for (p, s) in slots {
            guard let m = s["momentum"], let v = s["velocity"], m.shape == p.shape, v.shape == p.shape else {
                throw RecurrentError.shapeMismatch(where: "Adam state of \(p.name)", expected: "momentum and velocity of shape \(p.shape)",
                                                   found: "slots \(s.mapValues(\.shape))")
            }
            let mb = Buffer(count: p.value.count), vb = Buffer(count: p.value.count)
            m.data.withUnsafeBufferPointer { mb.pointer.update(from: $0.baseAddress!, count: $0.count) }
            v.data.withUnsafeBufferPointer { vb.pointer.update(from: $0.baseAddress!, count: $0.count) }
            restored[ObjectIdentifier(p)] = (p, mb, vb)
        }
        moments = restored
        self.iterations = iterations
    }

    @inline(__always)
    static func update(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ s: UnsafePointer<Float>?, _ m: UnsafeMutablePointer<Float>,
                       _ v: UnsafeMutablePointer<Float>, _ range: Range<Int>, alpha: Float, b1: Float, b2: Float, eps: Float) {
        typealias V = VectorMath.V
        var i = range.lowerBound
        let c1 = V(repeating: 1 - b1), c2 = V(repeating: 1 - b2), a = V(repeating: alpha), e = V(repeating: eps)
        while i + 16 <= range.upperBound {
            let gv = VectorMath.load(g + i)
            var mv = VectorMath.load(m + i), vv = VectorMath.load(v + i)
            mv = mv + (gv - mv) * c1
            let sv = s.map { VectorMath.load($0 + i) } ?? gv * gv
            vv = vv + (sv - vv) * c2
            VectorMath.store(mv, m + i)
            VectorMath.store(vv, v + i)
            VectorMath.store(VectorMath.load(w + i) - (mv * a) / (vv.squareRoot() + e), w + i)
            i += 16
        }
        while i < range.upperBound {
            m[i] += (g[i] - m[i]) * (1 - b1)
            v[i] += ((s?[i] ?? g[i] * g[i]) - v[i]) * (1 - b2)
            w[i] -= (m[i] * alpha) / (v[i].squareRoot() + eps)
            i += 1
        }
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _pow(_ a: Double, _ b: Double) -> Double { Glibc.pow(a, b) }
#elseif canImport(Darwin)
import Darwin
@inline(__always) func _pow(_ a: Double, _ b: Double) -> Double { Darwin.pow(a, b) }
#endif
