import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

/// Finite-difference checks in Double: the fused Float kernels of SimpleRNN, LSTM and GRU against
/// `RecurrentReference`, forward within 1e-5 and every gradient (input, kernel, recurrent kernel,
/// bias) within 1e-4 relative (absolute floor 1e-5) of central differences of the Double reference.
struct RecurrentGradientTests {
    struct Case: CustomStringConvertible, Sendable {
        var kind: RecurrentReference.Kind
        var returnSequences = false
        var goBackwards = false
        var masked = false
        var useBias = true
        var activation: Activation = .tanh
        var batch = 3
        var description: String {
            "\(kind) seq=\(returnSequences) back=\(goBackwards) mask=\(masked) bias=\(useBias) act=\(activation.rawValue) B=\(batch)"
        }
    }

    static let cases: [Case] = {
        var out: [Case] = []
        for kind in [RecurrentReference.Kind.simple, .lstm, .gruAfter, .gruBefore] {
            out.append(Case(kind: kind))
            out.append(Case(kind: kind, returnSequences: true))
            out.append(Case(kind: kind, goBackwards: true, masked: true))
            out.append(Case(kind: kind, returnSequences: true, goBackwards: true))
            out.append(Case(kind: kind, returnSequences: true, masked: true))
            out.append(Case(kind: kind, useBias: false))
            out.append(Case(kind: kind, activation: .relu))
            // Large enough batch to be split across the cores.
            out.append(Case(kind: kind, returnSequences: true, masked: true, batch: 20))
        }
        return out
    }()

    static func makeLayer(_ c: Case, units: Int) -> RecurrentLayer {
        switch c.kind {
        case .simple:
            return SimpleRNN(units, activation: c.activation, useBias: c.useBias, returnSequences: c.returnSequences, goBackwards: c.goBackwards)
        case .lstm:
            return LSTM(units, activation: c.activation, useBias: c.useBias, returnSequences: c.returnSequences, goBackwards: c.goBackwards)
        case .gruAfter:
            return GRU(units, activation: c.activation, useBias: c.useBias, resetAfter: true, returnSequences: c.returnSequences, goBackwards: c.goBackwards)
        case .gruBefore:
            return GRU(units, activation: c.activation, useBias: c.useBias, resetAfter: false, returnSequences: c.returnSequences, goBackwards: c.goBackwards)
        }
    }

    @Test(arguments: cases)
    func fusedKernelMatchesDoubleReference(_ c: Case) throws {
        let B = c.batch, T = 5, F = 3, U = 3
        var rng = RandomGenerator(seed: 42)
        let layer = Self.makeLayer(c, units: U)
        try layer.build(inputShape: [T, F], rng: &rng)
        for p in layer.parameters {
            for i in 0..<p.value.count { p.value.data[i] = rng.uniform(-0.6, 0.6) }
        }
        var x = Tensor(shape: [B, T, F])
        for i in 0..<x.count { x.data[i] = rng.uniform(-1, 1) }
        var mask: Tensor? = nil
        if c.masked {
            var m = Tensor(shape: [B, T], repeating: 1)
            for b in 0..<B {
                // Row 0 unpadded; others pre- or post-padded by b % 3 steps; one row fully masked at the end.
                let pad = b % 3
                for k in 0..<pad { if b % 2 == 0 { m[b, k] = 0 } else { m[b, T - 1 - k] = 0 } }
            }
            mask = m
        }
        let y = try layer.forward(x, mask: mask, training: false)
        var w = Tensor(shape: y.shape)
        for i in 0..<w.count { w.data[i] = rng.uniform(-1, 1) }
        let dx = try #require(try layer.backward(w))

        var ref = RecurrentReference(kind: c.kind, units: U, features: F)
        ref.goBackwards = c.goBackwards
        ref.returnSequences = c.returnSequences
        switch c.activation {
        case .relu: ref.activation = { max($0, 0) }
        default: break
        }
        let kernel = layer.parameter(named: "kernel")!, rec = layer.parameter(named: "recurrent_kernel")!
        let bias = layer.parameter(named: "bias")
        // vars[0] input, [1] kernel, [2] recurrent kernel, [3] bias (empty without bias).
        let vars = [x.data.map(Double.init), kernel.value.data.map(Double.init),
                    rec.value.data.map(Double.init), bias?.value.data.map(Double.init) ?? []]
        let ms = mask?.data.map(Double.init)
        let wd = w.data.map(Double.init)
        func run(_ v: [[Double]]) -> [Double] {
            ref.forward(x: v[0], B: B, T: T, kernel: v[1], recurrent: v[2], bias: v[3].isEmpty ? nil : v[3], mask: ms).out
        }
        func loss(_ v: [[Double]]) -> Double { zip(run(v), wd).reduce(0) { $0 + $1.0 * $1.1 } }
        expectClose(y.data, run(vars), rtol: 1e-5, atol: 1e-5, "\(c) output")

        expectRecurrentGradients(dx, kernel: kernel, recurrent: rec, bias: bias, vars: vars, loss: loss, "\(c)")
    }
}

/// Compares the gradients of a recurrent layer's last backward (input `dx`, kernel, recurrent
/// kernel, bias) with central differences (ε = 1e-6) of `loss` over `vars` = [input, kernel,
/// recurrent kernel, bias (empty without bias)], within 1e-4 relative, absolute floor 1e-5.
func expectRecurrentGradients(_ dx: Tensor, kernel: Parameter, recurrent: Parameter, bias: Parameter?,
                              vars: [[Double]], loss: ([[Double]]) -> Double, _ what: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
    var v = vars
    let eps = 1e-6
    func numeric(_ k: Int) -> [Double] {
        (0..<v[k].count).map { i in
            let old = v[k][i]
            v[k][i] = old + eps; let lp = loss(v)
            v[k][i] = old - eps; let lm = loss(v)
            v[k][i] = old
            return (lp - lm) / (2 * eps)
        }
    }
    expectClose(dx.data, numeric(0), rtol: 1e-4, atol: 1e-5, "\(what) d input", sourceLocation: sourceLocation)
    expectClose(kernel.gradient.data, numeric(1), rtol: 1e-4, atol: 1e-5, "\(what) d kernel", sourceLocation: sourceLocation)
    expectClose(recurrent.gradient.data, numeric(2), rtol: 1e-4, atol: 1e-5, "\(what) d recurrent_kernel", sourceLocation: sourceLocation)
    if let bias {
        expectClose(bias.gradient.data, numeric(3), rtol: 1e-4, atol: 1e-5, "\(what) d bias", sourceLocation: sourceLocation)
    }
}

/// Records an issue naming the worst element when |a − e| > atol + rtol·|e| anywhere.
func expectClose(_ actual: [Float], _ expected: [Double], rtol: Double, atol: Double, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.count == expected.count else {
        Issue.record("\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    var worst = -1, worstExcess = 0.0
    for i in 0..<actual.count {
        let err = abs(Double(actual[i]) - expected[i])
        let excess = err - (atol + rtol * abs(expected[i]))
        if excess > worstExcess { worstExcess = excess; worst = i }
    }
    if worst >= 0 {
        Issue.record("\(what): element \(worst) is \(actual[worst]), expected \(expected[worst])", sourceLocation: sourceLocation)
    }
}
