import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

/// A cell defined outside the library (`MGUCell`) runs through `RecurrentLayer`'s one driver:
/// its output, final state and every gradient (input, weights, initial state) match central
/// differences of an independent Double reference (`MGUReference`) with masks, `goBackwards`,
/// return modes, an initial state and a batch split across the cores; and it learns in `fit`.
struct CustomCellTests {
    struct Case: CustomStringConvertible, Sendable {
        var returnSequences = false
        var goBackwards = false
        var masked = false
        var initialState = false
        var batch = 3
        var description: String {
            "MGU seq=\(returnSequences) back=\(goBackwards) mask=\(masked) h0=\(initialState) B=\(batch)"
        }
    }

    static let cases: [Case] = [
        Case(),
        Case(returnSequences: true),
        Case(goBackwards: true, masked: true),
        Case(returnSequences: true, goBackwards: true, initialState: true),
        Case(returnSequences: true, masked: true, initialState: true),
        Case(masked: true, initialState: true),
        // Large enough to be split across the cores.
        Case(returnSequences: true, goBackwards: true, masked: true, initialState: true, batch: 20),
    ]

    @Test(arguments: cases)
    func matchesDoubleReference(_ c: Case) throws {
        let B = c.batch, T = 5, F = 3, U = 4
        var rng = RandomGenerator(seed: 7)
        let layer = RecurrentLayer(cell: MGUCell(units: U), name: "mgu", returnSequences: c.returnSequences,
                                   goBackwards: c.goBackwards)
        try layer.build(inputShape: [T, F], rng: &rng)
        for p in layer.parameters {
            for i in 0..<p.value.count { p.value.data[i] = rng.uniform(-0.6, 0.6) }
        }
        var x = Tensor(shape: [B, T, F])
        for i in 0..<x.count { x.data[i] = rng.uniform(-1, 1) }
        var h0: Tensor? = nil
        if c.initialState {
            var h = Tensor(shape: [B, U])
            for i in 0..<h.count { h.data[i] = rng.uniform(-0.8, 0.8) }
            h0 = h
        }
        var mask: Tensor? = nil
        if c.masked {
            var m = Tensor(shape: [B, T], repeating: 1)
            for b in 0..<B {
                // Row 0 unpadded; others pre- or post-padded by b % 3 steps; the last row fully masked.
                for k in 0..<(b % 3) { if b % 2 == 0 { m[b, k] = 0 } else { m[b, T - 1 - k] = 0 } }
                if b == B - 1 { for t in 0..<T { m[b, t] = 0 } }
            }
            mask = m
        }
        let (y, state) = try layer.forward(x, mask: mask, initialState: h0.map { RecurrentState(h: $0) }, training: false)
        var w = Tensor(shape: y.shape), wh = Tensor(shape: [B, U])
        for i in 0..<w.count { w.data[i] = rng.uniform(-1, 1) }
        for i in 0..<wh.count { wh.data[i] = rng.uniform(-1, 1) }
        let grads = try layer.backward(w, stateGradient: RecurrentState(h: wh), needsInputGradient: true)
        let dx = try #require(grads.input)

        let ref = MGUReference(units: U, features: F, goBackwards: c.goBackwards, returnSequences: c.returnSequences)
        let kernel = layer.parameter(named: "kernel")!, rec = layer.parameter(named: "recurrent_kernel")!
        let bias = layer.parameter(named: "bias")!
        // vars: input, kernel, recurrent kernel, bias, initial h.
        let vars = [x.data.map(Double.init), kernel.value.data.map(Double.init), rec.value.data.map(Double.init),
                    bias.value.data.map(Double.init), (h0?.data ?? [Float](repeating: 0, count: B * U)).map(Double.init)]
        let ms = mask?.data.map(Double.init), wd = w.data.map(Double.init), whd = wh.data.map(Double.init)
        func run(_ v: [[Double]]) -> (out: [Double], h: [Double]) {
            ref.forward(x: v[0], B: B, T: T, kernel: v[1], recurrent: v[2], bias: v[3], mask: ms, h0: v[4])
        }
        func loss(_ v: [[Double]]) -> Double {
            let r = run(v)
            return zip(r.out, wd).reduce(0) { $0 + $1.0 * $1.1 } + zip(r.h, whd).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let expected = run(vars)
        expectClose(y.data, expected.out, rtol: 1e-5, atol: 1e-5, "\(c) output")
        expectClose(state.h.data, expected.h, rtol: 1e-5, atol: 1e-5, "\(c) final h")
        expectRecurrentGradients(dx, kernel: kernel, recurrent: rec, bias: bias, vars: Array(vars.prefix(4)),
                                 loss: { loss($0 + [vars[4]]) }, "\(c)")
        var v = vars
        let numeric: [Double] = (0..<v[4].count).map { i in
            let old = v[4][i]
            v[4][i] = old + 1e-6; let lp = loss(v)
            v[4][i] = old - 1e-6; let lm = loss(v)
            v[4][i] = old
            return (lp - lm) / 2e-6
        }
        expectClose(grads.initialState.h.data, numeric, rtol: 1e-4, atol: 1e-5, "\(c) d initial h")
    }

    /// The MGU inside a `Sequential` learns whether token 1 appears (the task of
    /// `TrainingTests`): `fit`'s training loss falls by more than half in 15 epochs.
    @Test(.timeLimit(.minutes(1)))
    func learnsInFit() throws {
        var rng = RandomGenerator(seed: 2024)
        let data = TrainingTests.makeData(count: 256, steps: 6, vocab: 10, rng: &rng)
        let model = Sequential {
            Embedding(inputDim: 10, outputDim: 8)
            RecurrentLayer(cell: MGUCell(units: 8), name: "mgu")
            Dense(1, activation: .sigmoid)
        }
        try model.build(inputShape: [6], seed: 3)
        try model.compile(optimizer: Adam(learningRate: 0.01), loss: .binaryCrossentropy)
        let history = try model.fit(x: data.x, y: data.y, batchSize: 32, epochs: 15, verbose: .silent)
        let losses = try #require(history.history["loss"])
        #expect(losses.count == 15)
        #expect(losses.last! < 0.5 * losses.first!, "loss \(losses.first!) → \(losses.last!)")
    }
}
