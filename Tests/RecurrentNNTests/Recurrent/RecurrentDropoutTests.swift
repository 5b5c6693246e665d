import Foundation
import Testing
@testable import RecurrentTestSupport
import Recurrent

/// Dropout and recurrent dropout of SimpleRNN, LSTM and GRU against Keras's semantics
/// (keras/src/layers/rnn/dropout_rnn_cell.py and the cells' `call`): the masks of a training call
/// are read back from the layer and fed to `RecurrentDropoutReference`, which checks the forward
/// (1e-5) and every gradient (central differences of the Double reference with the same masks
/// fixed, rtol 1e-4, atol 1e-5); plus the statistics, scaling, inference and seeding of the masks.
@Suite("Recurrent dropout")
struct RecurrentDropoutTests {
    struct Case: CustomStringConvertible, Sendable {
        var kind: RecurrentReference.Kind
        var dropout: Float
        var recurrentDropout: Float
        var returnSequences = false
        var masked = false
        var batch = 3
        var description: String {
            "\(kind) dropout=\(dropout) recurrentDropout=\(recurrentDropout) seq=\(returnSequences) mask=\(masked) B=\(batch)"
        }
    }

    static let rates: [(Float, Float)] = [(0.3, 0), (0.3, 0.4), (0, 0.4)]

    static let cases: [Case] = {
        var out: [Case] = []
        for kind in [RecurrentReference.Kind.simple, .lstm, .gruAfter, .gruBefore] {
            for (d, rd) in rates {
                for seq in [false, true] {
                    for masked in [false, true] {
                        out.append(Case(kind: kind, dropout: d, recurrentDropout: rd, returnSequences: seq, masked: masked))
                    }
                }
            }
            // Batches large enough to be split across the cores (Parallel.ranges(B, minChunk: 8)).
            out.append(Case(kind: kind, dropout: 0.3, recurrentDropout: 0.4, returnSequences: true, masked: true, batch: 20))
            out.append(Case(kind: kind, dropout: 0.3, recurrentDropout: 0, returnSequences: false, masked: true, batch: 17))
            out.append(Case(kind: kind, dropout: 0, recurrentDropout: 0.4, returnSequences: true, masked: false, batch: 16))
        }
        return out
    }()

    static func makeLayer(_ kind: RecurrentReference.Kind, units: Int, dropout: Float, recurrentDropout: Float,
                          returnSequences: Bool = false) -> RecurrentLayer {
        switch kind {
        case .simple:
            return SimpleRNN(units, returnSequences: returnSequences, dropout: dropout, recurrentDropout: recurrentDropout)
        case .lstm:
            return LSTM(units, returnSequences: returnSequences, dropout: dropout, recurrentDropout: recurrentDropout)
        case .gruAfter:
            return GRU(units, resetAfter: true, returnSequences: returnSequences, dropout: dropout,
                       recurrentDropout: recurrentDropout)
        case .gruBefore:
            return GRU(units, resetAfter: false, returnSequences: returnSequences, dropout: dropout,
                       recurrentDropout: recurrentDropout)
        }
    }

    static func gateCount(_ kind: RecurrentReference.Kind) -> Int {
        kind == .simple ? 1 : (kind == .lstm ? 4 : 3)
    }

    static func randomTensor(_ shape: [Int], _ rng: inout RandomGenerator) -> Tensor {
        var t = Tensor(shape: shape)
        for i in 0..<t.count { t.data[i] = rng.uniform(-1, 1) }
        return t
    }

    /// Expects every entry of `mask` to be 0 or exactly 1/(1 − rate).
    static func expectBinaryScaled(_ mask: [Float], rate: Float, _ what: String,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        let scale = Double(1 / (1 - rate))
        let bad = mask.firstIndex { v in !(v == 0 || abs(Double(v) - scale) <= 1e-6 * scale) }
        if let bad {
            Issue.record("\(what): entry \(bad) is \(mask[bad]), expected 0 or \(scale)", sourceLocation: sourceLocation)
        }
    }

    // MARK: - Forward and gradients against the Double reference with the layer's own masks

    @Test(arguments: cases)
    func dropoutMatchesDoubleReference(_ c: Case) throws {
        let B = c.batch, T = 5, F = 3, U = 3
        let G = Self.gateCount(c.kind)
        var rng = RandomGenerator(seed: 42)
        let layer = Self.makeLayer(c.kind, units: U, dropout: c.dropout, recurrentDropout: c.recurrentDropout,
                                   returnSequences: c.returnSequences)
        try layer.build(inputShape: [T, F], rng: &rng)
        for p in layer.parameters {
            for i in 0..<p.value.count { p.value.data[i] = rng.uniform(-0.6, 0.6) }
        }
        let x = Self.randomTensor([B, T, F], &rng)
        var mask: Tensor? = nil
        if c.masked {
            var m = Tensor(shape: [B, T], repeating: 1)
            for b in 0..<B {
                // Row 0 unpadded; others pre- or post-padded by b % 3 steps; every 7th row fully masked.
                let pad = b % 7 == 6 ? T : b % 3
                for k in 0..<pad { if b % 2 == 0 { m[b, k] = 0 } else { m[b, T - 1 - k] = 0 } }
            }
            mask = m
        }
        let y = try layer.forward(x, mask: mask, training: true)

        // The masks Keras would draw: implementation 2 (one shared input mask) without recurrent
        // dropout, implementation 1 (one input and one recurrent mask per gate) with it.
        let inMasks = layer.inputMasks, recMasks = layer.recurrentMasks
        let expectedInputMasks = c.dropout > 0 ? (c.recurrentDropout > 0 ? G : 1) : 0
        let expectedRecurrentMasks = c.recurrentDropout > 0 ? G : 0
        try #require(inMasks.count == expectedInputMasks, "\(c): input mask count")
        try #require(recMasks.count == expectedRecurrentMasks, "\(c): recurrent mask count")
        for (g, m) in inMasks.enumerated() {
            try #require(m.count == B * F, "\(c): input mask \(g) size")
            Self.expectBinaryScaled(m, rate: c.dropout, "\(c) input mask \(g)")
        }
        for (g, m) in recMasks.enumerated() {
            try #require(m.count == B * U, "\(c): recurrent mask \(g) size")
            Self.expectBinaryScaled(m, rate: c.recurrentDropout, "\(c) recurrent mask \(g)")
        }

        // The masks drop something, so the comparison below is sensitive to where they apply.
        #expect((inMasks + recMasks).contains { $0.contains(0) }, "\(c): nothing was dropped")

        var w = Tensor(shape: y.shape)
        for i in 0..<w.count { w.data[i] = rng.uniform(-1, 1) }
        let dx = try #require(try layer.backward(w))

        var ref = RecurrentDropoutReference(kind: c.kind, units: U, features: F)
        ref.returnSequences = c.returnSequences
        let kernel = layer.parameter(named: "kernel")!, rec = layer.parameter(named: "recurrent_kernel")!
        let bias = layer.parameter(named: "bias")
        let vars = [x.data.map(Double.init), kernel.value.data.map(Double.init),
                    rec.value.data.map(Double.init), bias?.value.data.map(Double.init) ?? []]
        let ms = mask?.data.map(Double.init)
        let inD = inMasks.map { $0.map(Double.init) }, recD = recMasks.map { $0.map(Double.init) }
        let wd = w.data.map(Double.init)
        func run(_ v: [[Double]]) -> [Double] {
            ref.forward(x: v[0], B: B, T: T, kernel: v[1], recurrent: v[2], bias: v[3].isEmpty ? nil : v[3],
                        mask: ms, inputMasks: inD, recurrentMasks: recD).out
        }
        func loss(_ v: [[Double]]) -> Double { zip(run(v), wd).reduce(0) { $0 + $1.0 * $1.1 } }
        expectClose(y.data, run(vars), rtol: 1e-5, atol: 1e-5, "\(c) output")
        let undropped = ref.forward(x: vars[0], B: B, T: T, kernel: vars[1], recurrent: vars[2],
                                    bias: vars[3].isEmpty ? nil : vars[3], mask: ms, inputMasks: [], recurrentMasks: []).out
        #expect(zip(y.data, undropped).contains { abs(Double($0) - $1) > 1e-3 }, "\(c): dropout changed no output")

        expectRecurrentGradients(dx, kernel: kernel, recurrent: rec, bias: bias, vars: vars, loss: loss, "\(c)")
    }

    // MARK: - Mask statistics

    /// Over 10,000 entries per mask, the fraction of zeros is within ±3% of the rate, every
    /// entry is 0 or 1/(1 − rate), and the per-gate masks are drawn independently.
    @Test(arguments: [RecurrentReference.Kind.simple, .lstm, .gruAfter, .gruBefore])
    func dropFractionIsNearTheRate(_ kind: RecurrentReference.Kind) throws {
        let B = 1000, F = 10, U = 10, T = 2
        for (d, rd) in [(Float(0.3), Float(0)), (0.25, 0.5), (0, 0.2)] {
            var rng = RandomGenerator(seed: 3)
            let layer = Self.makeLayer(kind, units: U, dropout: d, recurrentDropout: rd)
            try layer.build(inputShape: [T, F], rng: &rng)
            let x = Self.randomTensor([B, T, F], &rng)
            _ = try layer.forward(x, mask: nil, training: true)
            let tag = "\(kind) dropout=\(d) recurrentDropout=\(rd)"
            for (masks, rate, label) in [(layer.inputMasks, d, "input"), (layer.recurrentMasks, rd, "recurrent")] {
                #expect(masks.count == (rate > 0 ? (rd > 0 ? Self.gateCount(kind) : 1) : 0), "\(tag): \(label) mask count")
                for (g, m) in masks.enumerated() {
                    #expect(m.count == 10_000)
                    Self.expectBinaryScaled(m, rate: rate, "\(tag) \(label) mask \(g)")
                    let dropped = Double(m.filter { $0 == 0 }.count) / Double(m.count)
                    #expect(abs(dropped - Double(rate)) <= 0.03, "\(tag): \(label) mask \(g) dropped \(dropped)")
                }
                for g in masks.indices.dropFirst() {
                    #expect(masks[g] != masks[0], "\(tag): \(label) mask \(g) equals mask 0; gates must draw independently")
                }
            }
        }
    }

    // MARK: - Inference

    /// `training: false` applies no dropout: the output equals that of the same weights without
    /// dropout, bit for bit, and the layer keeps no masks; `training: true` does change it.
    @Test(arguments: [RecurrentReference.Kind.simple, .lstm, .gruAfter, .gruBefore])
    func inferenceHasNoDropout(_ kind: RecurrentReference.Kind) throws {
        let B = 20, T = 6, F = 4, U = 5
        for (d, rd) in Self.rates {
            var rngA = RandomGenerator(seed: 11), rngB = RandomGenerator(seed: 11)
            let dropping = Self.makeLayer(kind, units: U, dropout: d, recurrentDropout: rd, returnSequences: true)
            let plain = Self.makeLayer(kind, units: U, dropout: 0, recurrentDropout: 0, returnSequences: true)
            try dropping.build(inputShape: [T, F], rng: &rngA)
            try plain.build(inputShape: [T, F], rng: &rngB)
            for (p, q) in zip(dropping.parameters, plain.parameters) { #expect(p.value == q.value, "\(kind) \(p.name)") }
            var rng = RandomGenerator(seed: 12)
            let x = Self.randomTensor([B, T, F], &rng)
            let tag = "\(kind) dropout=\(d) recurrentDropout=\(rd)"

            let trained = try dropping.forward(x, mask: nil, training: true)
            #expect(!(dropping.inputMasks.isEmpty && dropping.recurrentMasks.isEmpty), "\(tag): no masks in training")
            let inferred = try dropping.forward(x, mask: nil, training: false)
            #expect(dropping.inputMasks.isEmpty && dropping.recurrentMasks.isEmpty, "\(tag): masks kept at inference")
            let reference = try plain.forward(x, mask: nil, training: false)
            #expect(inferred == reference, "\(tag): inference output differs from the same weights without dropout")
            #expect(trained != reference, "\(tag): training output shows no dropout")

            // And inference matches the Double reference without masks.
            var ref = RecurrentDropoutReference(kind: kind, units: U, features: F)
            ref.returnSequences = true
            let ps = dropping.parameters.map { $0.value.data.map(Double.init) }
            let expected = ref.forward(x: x.data.map(Double.init), B: B, T: T, kernel: ps[0], recurrent: ps[1],
                                       bias: ps[2], mask: nil, inputMasks: [], recurrentMasks: []).out
            expectClose(inferred.data, expected, rtol: 1e-5, atol: 1e-5, "\(tag) inference output")
        }
    }

    // MARK: - Seeding

    /// Two layers built from the same seed draw the same masks, call after call; each call draws
    /// fresh masks (Keras resets them per batch); another seed draws other masks.
    @Test(arguments: [RecurrentReference.Kind.simple, .lstm, .gruAfter, .gruBefore])
    func sameSeedSameMasks(_ kind: RecurrentReference.Kind) throws {
        let B = 16, T = 4, F = 6, U = 6
        func make(seed: UInt64) throws -> RecurrentLayer {
            var rng = RandomGenerator(seed: seed)
            let layer = Self.makeLayer(kind, units: U, dropout: 0.4, recurrentDropout: 0.3, returnSequences: true)
            try layer.build(inputShape: [T, F], rng: &rng)
            return layer
        }
        let a = try make(seed: 21), b = try make(seed: 21), other = try make(seed: 22)
        var rng = RandomGenerator(seed: 5)
        let x = Self.randomTensor([B, T, F], &rng)

        let ya1 = try a.forward(x, mask: nil, training: true)
        let (ia1, ra1) = (a.inputMasks, a.recurrentMasks)
        let yb1 = try b.forward(x, mask: nil, training: true)
        #expect(b.inputMasks == ia1 && b.recurrentMasks == ra1, "\(kind): same seed, different masks")
        #expect(ya1 == yb1, "\(kind): same seed, different outputs")

        let ya2 = try a.forward(x, mask: nil, training: true)
        _ = try b.forward(x, mask: nil, training: true)
        #expect(b.inputMasks == a.inputMasks && b.recurrentMasks == a.recurrentMasks, "\(kind): second call differs")
        #expect(a.inputMasks != ia1 || a.recurrentMasks != ra1, "\(kind): the masks were not redrawn for a new batch")
        #expect(ya2 != ya1, "\(kind): second training call gave the same output")

        _ = try other.forward(x, mask: nil, training: true)
        #expect(other.inputMasks != ia1 || other.recurrentMasks != ra1, "\(kind): another seed drew the same masks")
    }
}
