import Testing
@testable import RecurrentTestSupport
import Recurrent

/// Every layer's Float forward against a Double reference (1e-5), and its hand-written backward
/// against central differences of `loss = Σ output · W` in Double (relative 1e-3).
@Suite("Layer gradients against Double finite differences")
struct LayerGradientTests {
    static let forwardTol = 1e-5
    static let gradRtol = 1e-3, gradAtol = 1e-5

    // MARK: Dense

    struct DenseCase: CustomStringConvertible, Sendable {
        var activation: Activation
        var timesteps: Int?  // nil: 2-D input
        var useBias = true
        var description: String { "\(activation.rawValue) \(timesteps.map { "3-D T=\($0)" } ?? "2-D")\(useBias ? "" : " no bias")" }
    }

    static let denseCases: [DenseCase] =
        Activation.allCases.map { DenseCase(activation: $0, timesteps: nil) }
        + Activation.allCases.map { DenseCase(activation: $0, timesteps: 4) }
        + [DenseCase(activation: .tanh, timesteps: nil, useBias: false), DenseCase(activation: .linear, timesteps: 3, useBias: false)]

    @Test(arguments: denseCases)
    func dense(_ c: DenseCase) throws {
        let batch = 3, inF = 5, units = 4
        let layer = Dense(units, activation: c.activation, useBias: c.useBias)
        let inShape = c.timesteps.map { [$0, inF] } ?? [inF]
        try LayerTest.build(layer, inShape)
        // Random bias (Keras initialises zeros; the test wants it exercised).
        if let bias = layer.bias { bias.value = LayerTest.random([units], seed: 3, -0.5, 0.5) }
        let x = LayerTest.random([batch] + inShape, seed: 11)
        let rows = x.count / inF
        let y = try layer.forward(x, mask: nil, training: true)
        #expect(y.shape == [batch] + (c.timesteps.map { [$0] } ?? []) + [units])

        let xs = LayerTest.doubles(x)
        let ks = LayerTest.doubles(layer.kernel!.value)
        let bs = layer.bias.map { LayerTest.doubles($0.value) }
        let ref = { (x: [Double], k: [Double], b: [Double]?) in
            LayerReference.dense(x: x, rows: rows, inF: inF, kernel: k, bias: b, units: units, activation: c.activation)
        }
        LayerTest.expectClose(y.data, ref(xs, ks, bs), rtol: Self.forwardTol, atol: Self.forwardTol, "\(c) forward")

        let w = LayerTest.random(y.shape, seed: 19)
        let wd = LayerTest.doubles(w)
        let dx = try #require(try layer.backward(w))
        #expect(dx.shape == x.shape)
        LayerTest.expectClose(dx.data, FiniteDifference.gradient(at: xs, lossWeights: wd) { ref($0, ks, bs) },
                              rtol: Self.gradRtol, atol: Self.gradAtol, "\(c) d input")
        LayerTest.expectClose(layer.kernel!.gradient.data, FiniteDifference.gradient(at: ks, lossWeights: wd) { ref(xs, $0, bs) },
                              rtol: Self.gradRtol, atol: Self.gradAtol, "\(c) d kernel")
        if let b = bs {
            LayerTest.expectClose(layer.bias!.gradient.data, FiniteDifference.gradient(at: b, lossWeights: wd) { ref(xs, ks, $0) },
                                  rtol: Self.gradRtol, atol: Self.gradAtol, "\(c) d bias")
        }
        // Without the input gradient the weight gradients are the same.
        let kernelGrad = layer.kernel!.gradient
        #expect(try layer.backward(w, needsInputGradient: false) == nil)
        #expect(layer.kernel!.gradient == kernelGrad)
    }

    // MARK: Conv1D

    struct ConvCase: CustomStringConvertible, Sendable {
        var padding: Padding
        var kernelSize: Int
        var strides: Int
        var activation: Activation = .linear
        var useBias = true
        var steps = 7
        var description: String {
            "\(padding.rawValue) k=\(kernelSize) s=\(strides) \(activation.rawValue)\(useBias ? "" : " no bias") T=\(steps)"
        }
    }

    static let convCases: [ConvCase] = {
        var cases: [ConvCase] = []
        for p in Padding.allCases {
            for k in [1, 2, 3, 4] {
                for s in [1, 2, 3] { cases.append(ConvCase(padding: p, kernelSize: k, strides: s)) }
            }
        }
        cases.append(ConvCase(padding: .same, kernelSize: 3, strides: 1, activation: .relu))
        cases.append(ConvCase(padding: .causal, kernelSize: 3, strides: 2, activation: .tanh, useBias: false))
        cases.append(ConvCase(padding: .valid, kernelSize: 5, strides: 1, activation: .sigmoid, steps: 5))
        cases.append(ConvCase(padding: .same, kernelSize: 6, strides: 4, steps: 5))  // window wider than input
        cases.append(ConvCase(padding: .causal, kernelSize: 9, strides: 1, steps: 4))
        return cases
    }()

    @Test(arguments: convCases)
    func conv1d(_ c: ConvCase) throws {
        let batch = 2, steps = c.steps, ch = 3, f = 4
        let layer = Conv1D(filters: f, kernelSize: c.kernelSize, strides: c.strides, padding: c.padding,
                               activation: c.activation, useBias: c.useBias)
        try LayerTest.build(layer, [steps, ch])
        if let bias = layer.bias { bias.value = LayerTest.random([f], seed: 5, -0.5, 0.5) }
        let x = LayerTest.random([batch, steps, ch], seed: 23)
        let y = try layer.forward(x, mask: nil, training: true)
        #expect(try layer.outputShape(inputShape: [steps, ch]) == Array(y.shape.dropFirst()))

        let xs = LayerTest.doubles(x), ks = LayerTest.doubles(layer.kernel!.value)
        let bs = layer.bias.map { LayerTest.doubles($0.value) }
        let ref = { (x: [Double], k: [Double], b: [Double]?) in
            LayerReference.conv1d(x: x, batch: batch, steps: steps, channels: ch, kernel: k, kernelSize: c.kernelSize,
                                  filters: f, bias: b, stride: c.strides, padding: c.padding.rawValue,
                                  activation: c.activation).y
        }
        let (expected, outSteps) = LayerReference.conv1d(
            x: xs, batch: batch, steps: steps, channels: ch, kernel: ks, kernelSize: c.kernelSize, filters: f, bias: bs,
            stride: c.strides, padding: c.padding.rawValue, activation: c.activation)
        #expect(y.shape == [batch, outSteps, f])
        LayerTest.expectClose(y.data, expected, rtol: Self.forwardTol, atol: Self.forwardTol, "\(c) forward")

        let w = LayerTest.random(y.shape, seed: 29)
        let wd = LayerTest.doubles(w)
        let dx = try #require(try layer.backward(w))
        #expect(dx.shape == x.shape)
        LayerTest.expectClose(dx.data, FiniteDifference.gradient(at: xs, lossWeights: wd) { ref($0, ks, bs) },
                              rtol: Self.gradRtol, atol: Self.gradAtol, "\(c) d input")
        LayerTest.expectClose(layer.kernel!.gradient.data, FiniteDifference.gradient(at: ks, lossWeights: wd) { ref(xs, $0, bs) },
                              rtol: Self.gradRtol, atol: Self.gradAtol, "\(c) d kernel")
        if let b = bs {
            LayerTest.expectClose(layer.bias!.gradient.data, FiniteDifference.gradient(at: b, lossWeights: wd) { ref(xs, ks, $0) },
                                  rtol: Self.gradRtol, atol: Self.gradAtol, "\(c) d bias")
        }
    }

    struct LargeConvCase: CustomStringConvertible, Sendable {
        var batch: Int, steps: Int, channels: Int, filters: Int, kernelSize: Int
        var description: String { "B=\(batch) T=\(steps) C=\(channels) F=\(filters) k=\(kernelSize)" }
    }

    /// Sizes that take the multi-worker split and several cache-sized im2col chunks per worker
    /// (the second: 2,048-float rows, so 128-row chunks), checked against plain loops.
    @Test(arguments: [
        LargeConvCase(batch: 16, steps: 40, channels: 24, filters: 32, kernelSize: 5),
        LargeConvCase(batch: 12, steps: 90, channels: 512, filters: 6, kernelSize: 4),
    ])
    func conv1dLargeMatchesReference(_ c: LargeConvCase) throws {
        let batch = c.batch, steps = c.steps, ch = c.channels, f = c.filters, k = c.kernelSize
        let layer = Conv1D(filters: f, kernelSize: k, strides: 2, padding: .same, activation: .relu)
        try LayerTest.build(layer, [steps, ch])
        let x = LayerTest.random([batch, steps, ch], seed: 31)
        let y = try layer.forward(x, mask: nil, training: true)
        let xs = LayerTest.doubles(x), ks = LayerTest.doubles(layer.kernel!.value)
        let (expected, _) = LayerReference.conv1d(
            x: xs, batch: batch, steps: steps, channels: ch, kernel: ks, kernelSize: k, filters: f,
            bias: LayerTest.doubles(layer.bias!.value), stride: 2, padding: "same", activation: .relu)
        LayerTest.expectClose(y.data, expected, rtol: 1e-5, atol: 1e-5, "forward")
        // dX from the per-tap GEMMs against the same product written as plain loops.
        let w = LayerTest.random(y.shape, seed: 37)
        let dx = try #require(try layer.backward(w))
        var dz = LayerTest.doubles(w)
        for i in 0..<dz.count where y.data[i] <= 0 { dz[i] = 0 }
        var expectedDx = [Double](repeating: 0, count: x.count)
        var expectedDk = [Double](repeating: 0, count: ks.count)
        let out = y.shape[1], left = (max((out - 1) * 2 + k - steps, 0)) / 2
        for b in 0..<batch { for o in 0..<out { for t in 0..<k {
            let p = o * 2 + t - left
            if p < 0 || p >= steps { continue }
            for c in 0..<ch { for fi in 0..<f {
                let g = dz[(b * out + o) * f + fi]
                expectedDx[(b * steps + p) * ch + c] += g * ks[(t * ch + c) * f + fi]
                expectedDk[(t * ch + c) * f + fi] += g * xs[(b * steps + p) * ch + c]
            } }
        } } }
        LayerTest.expectClose(dx.data, expectedDx, rtol: 1e-4, atol: 1e-5, "d input")
        LayerTest.expectClose(layer.kernel!.gradient.data, expectedDk, rtol: 1e-4, atol: 1e-4, "d kernel")
    }

    // MARK: Pooling

    struct PoolCase: CustomStringConvertible, Sendable {
        var pool: Int
        var strides: Int?
        var padding: Padding
        var steps = 7
        var channels = 3
        var description: String {
            "pool=\(pool) strides=\(strides.map(String.init) ?? "default") \(padding.rawValue) T=\(steps) C=\(channels)"
        }
    }

    static let poolCases: [PoolCase] = {
        var cases: [PoolCase] = []
        for p in [1, 2, 3] {
            for s in [nil, 1, 2] as [Int?] {
                for pad in [Padding.valid, .same] { cases.append(PoolCase(pool: p, strides: s, padding: pad)) }
            }
        }
        cases.append(PoolCase(pool: 4, strides: 3, padding: .same, steps: 8))
        cases.append(PoolCase(pool: 2, strides: 3, padding: .valid, steps: 8))  // gaps between windows
        cases.append(PoolCase(pool: 5, strides: 1, padding: .same, steps: 3))   // window wider than input
        cases.append(PoolCase(pool: 3, strides: 2, padding: .same, steps: 9, channels: 37))  // SIMD lanes + tail
        return cases
    }()

    @Test(arguments: poolCases)
    func maxPooling1d(_ c: PoolCase) throws {
        let batch = 2, ch = c.channels
        let layer = MaxPooling1D(poolSize: c.pool, strides: c.strides, padding: c.padding)
        try LayerTest.build(layer, [c.steps, ch])
        let x = LayerTest.random([batch, c.steps, ch], seed: 41)
        let y = try layer.forward(x, mask: nil, training: true)
        let xs = LayerTest.doubles(x)
        let ref = { (x: [Double]) in
            LayerReference.maxPool1d(x: x, batch: batch, steps: c.steps, channels: ch, pool: c.pool,
                                     stride: c.strides ?? c.pool, padding: c.padding.rawValue)
        }
        let (expected, out) = ref(xs)
        #expect(y.shape == [batch, out, ch])
        #expect(try layer.outputShape(inputShape: [c.steps, ch]) == [out, ch])
        LayerTest.expectClose(y.data, expected, rtol: 0, atol: 0, "\(c) forward")
        let w = LayerTest.random(y.shape, seed: 43)
        let dx = try #require(try layer.backward(w))
        LayerTest.expectClose(dx.data, FiniteDifference.gradient(at: xs, lossWeights: LayerTest.doubles(w)) { ref($0).y },
                              rtol: Self.gradRtol, atol: Self.gradAtol, "\(c) d input")
    }

    /// Ties: the whole gradient of a window goes to its first maximum (TensorFlow's choice).
    @Test func maxPoolingTiesGoToTheFirstMaximum() throws {
        let layer = MaxPooling1D(poolSize: 3, strides: 1)
        let x = try Tensor(shape: [1, 4, 1], data: [1, 5, 5, 2])
        let y = try layer.forward(x, mask: nil, training: false)
        #expect(y.data == [5, 5])
        let dx = try #require(try layer.backward(try Tensor(shape: [1, 2, 1], data: [1, 10])))
        #expect(dx.data == [0, 11, 0, 0])

        let g = GlobalMaxPooling1D()
        _ = try g.forward(x, mask: nil, training: false)
        #expect(try g.backward(try Tensor(shape: [1, 1], data: [3]))?.data == [0, 3, 0, 0])

        // The same in every SIMD lane and the scalar tail (20 channels): steps 1 and 2 tie.
        let wide = Tensor(uncheckedShape: [1, 4, 20], data: [1, 5, 5, 2].flatMap { [Float](repeating: $0, count: 20) })
        let wideY = try layer.forward(wide, mask: nil, training: false)
        #expect(wideY.data == [Float](repeating: 5, count: 40))
        let wideDx = try #require(try layer.backward(Tensor(uncheckedShape: [1, 2, 20], data: [Float](repeating: 1, count: 40))))
        #expect(wideDx.data == [0, 2, 0, 0].flatMap { [Float](repeating: $0, count: 20) })
        _ = try g.forward(wide, mask: nil, training: false)
        let gDx = try #require(try g.backward(Tensor(uncheckedShape: [1, 20], data: [Float](repeating: 1, count: 20))))
        #expect(gDx.data == [0, 1, 0, 0].flatMap { [Float](repeating: $0, count: 20) })
    }

    @Test(arguments: [4, 37])
    func globalMaxPooling1d(channels ch: Int) throws {
        let batch = 3, steps = 5
        let layer = GlobalMaxPooling1D()
        try LayerTest.build(layer, [steps, ch])
        let x = LayerTest.random([batch, steps, ch], seed: 47)
        // A mask is ignored by Keras's GlobalMaxPooling1D.
        let mask = try Tensor(shape: [batch, steps], data: [1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
        let y = try layer.forward(x, mask: mask, training: true)
        #expect(layer.outputMask(input: x, mask: mask) == nil)
        let xs = LayerTest.doubles(x)
        let ref = { (x: [Double]) in LayerReference.globalMax(x: x, batch: batch, steps: steps, channels: ch) }
        #expect(y.shape == [batch, ch])
        LayerTest.expectClose(y.data, ref(xs), rtol: 0, atol: 0, "forward")
        let w = LayerTest.random(y.shape, seed: 53)
        let dx = try #require(try layer.backward(w))
        LayerTest.expectClose(dx.data, FiniteDifference.gradient(at: xs, lossWeights: LayerTest.doubles(w), ref),
                              rtol: Self.gradRtol, atol: Self.gradAtol, "d input")
    }

    @Test(arguments: [false, true])
    func globalAveragePooling1d(masked: Bool) throws {
        let batch = 3, steps = 5, ch = 4
        let layer = GlobalAveragePooling1D()
        try LayerTest.build(layer, [steps, ch])
        let x = LayerTest.random([batch, steps, ch], seed: 59)
        // Row 2 is fully masked: Recurrent returns 0 there (Keras would divide 0 by 0).
        let mask = masked ? try Tensor(shape: [batch, steps], data: [1, 1, 0, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0]) : nil
        let y = try layer.forward(x, mask: mask, training: true)
        #expect(layer.outputMask(input: x, mask: mask) == nil)
        let xs = LayerTest.doubles(x), md = mask.map(LayerTest.doubles)
        let ref = { (x: [Double]) in LayerReference.globalAverage(x: x, batch: batch, steps: steps, channels: ch, mask: md) }
        #expect(y.shape == [batch, ch])
        LayerTest.expectClose(y.data, ref(xs), rtol: Self.forwardTol, atol: Self.forwardTol, "forward")
        let w = LayerTest.random(y.shape, seed: 61)
        let dx = try #require(try layer.backward(w))
        LayerTest.expectClose(dx.data, FiniteDifference.gradient(at: xs, lossWeights: LayerTest.doubles(w), ref),
                              rtol: Self.gradRtol, atol: Self.gradAtol, "d input")
    }

    // MARK: Embedding

    @Test(arguments: [false, true])
    func embedding(maskZero: Bool) throws {
        let vocab = 9, d = 5, batch = 3, steps = 4
        let layer = Embedding(inputDim: vocab, outputDim: d, maskZero: maskZero)
        try LayerTest.build(layer, [steps])
        let ids: [Int] = [1, 4, 4, 0, 8, 2, 1, 0, 0, 0, 3, 4]
        let x = try Tensor(shape: [batch, steps], data: ids.map(Float.init))
        let y = try layer.forward(x, mask: nil, training: true)
        #expect(y.shape == [batch, steps, d])
        let table = LayerTest.doubles(layer.embeddings!.value)
        LayerTest.expectClose(y.data, LayerReference.embedding(ids: ids, table: table, outputDim: d), rtol: 0, atol: 0, "forward")
        let mask = layer.outputMask(input: x, mask: nil)
        if maskZero {
            #expect(mask?.shape == [batch, steps])
            #expect(mask?.data == ids.map { $0 != 0 ? 1 : 0 })
        } else {
            #expect(mask == nil)
        }
        let w = LayerTest.random(y.shape, seed: 67)
        #expect(try layer.backward(w) == nil)
        LayerTest.expectClose(
            layer.embeddings!.gradient.data,
            FiniteDifference.gradient(at: table, lossWeights: LayerTest.doubles(w)) {
                LayerReference.embedding(ids: ids, table: $0, outputDim: d)
            },
            rtol: Self.gradRtol, atol: Self.gradAtol, "d embeddings")
    }

    /// The row gradient holds only the last batch's rows: rows used by an earlier batch only
    /// are zero again after the next backward (dense view), and are not among its rows.
    @Test func embeddingGradientKeepsOnlyTheLastBatchRows() throws {
        let vocab = 50, d = 7
        let layer = Embedding(inputDim: vocab, outputDim: d)
        try LayerTest.build(layer, [3])
        let first = try Tensor(shape: [2, 3], data: [1, 2, 3, 4, 4, 5])
        _ = try layer.forward(first, mask: nil, training: true)
        _ = try layer.backward(LayerTest.random([2, 3, d], seed: 71))
        #expect(Set(layer.touchedRows) == [1, 2, 3, 4, 5])
        let second = try Tensor(shape: [2, 3], data: [5, 6, 6, 7, 49, 0])
        _ = try layer.forward(second, mask: nil, training: true)
        let w = LayerTest.random([2, 3, d], seed: 73)
        _ = try layer.backward(w)
        #expect(layer.touchedRows == [5, 6, 7, 49, 0])
        let g = layer.embeddings!.gradient
        let ids = second.data.map { Int($0) }
        var expected = [Double](repeating: 0, count: vocab * d)
        for (i, id) in ids.enumerated() { for j in 0..<d { expected[id * d + j] += Double(w.data[i * d + j]) } }
        LayerTest.expectClose(g.data, expected, rtol: 1e-6, atol: 1e-7, "gradient after the second batch")
        guard case .rows(let rows) = layer.embeddings!.typedGradient else {
            Issue.record("an Embedding's backward produces a row gradient")
            return
        }
        #expect(rows.rows == [0, 5, 6, 7, 49])
    }

    /// Batches of 512 ids or more are scattered by id range on several threads: every row must
    /// still be the float32 sum of its occurrences in batch order (bit for bit), the squares
    /// likewise, `touchedRows` in order of first use, and the previous batch's rows zero again:
    /// the row gradient lists exactly the batch's rows, ascending, with their sums and squares.
    @Test func embeddingGradientOfALargeBatchIsTheOrderedSumOfItsRows() throws {
        let vocab = 300, d = 5, batch = 32, steps = 20
        let layer = Embedding(inputDim: vocab, outputDim: d)
        try LayerTest.build(layer, [steps])
        var rng = RandomGenerator(seed: 89)
        func batchIDs() -> [Int] { (0..<(batch * steps)).map { _ in Int(rng.next() % 120) * 2 + Int(rng.next() % 2) * 59 } }
        for (round, ids) in [batchIDs(), batchIDs()].enumerated() {
            let x = try Tensor(shape: [batch, steps], data: ids.map(Float.init))
            _ = try layer.forward(x, mask: nil, training: true)
            let w = LayerTest.random([batch, steps, d], seed: UInt64(97 + round))
            _ = try layer.backward(w)
            var sum = [Float](repeating: 0, count: vocab * d), squares = sum
            var seen = Set<Int>(), order: [Int] = []
            for (i, id) in ids.enumerated() {
                if seen.insert(id).inserted {
                    order.append(id)
                    for j in 0..<d { sum[id * d + j] = w.data[i * d + j]; squares[id * d + j] = w.data[i * d + j] * w.data[i * d + j] }
                } else {
                    for j in 0..<d { sum[id * d + j] += w.data[i * d + j]; squares[id * d + j] += w.data[i * d + j] * w.data[i * d + j] }
                }
            }
            let table = layer.embeddings!
            #expect(layer.touchedRows == order, "round \(round)")
            #expect(table.gradient.data == sum, "round \(round): gradient")
            guard case .rows(let rows) = table.typedGradient else {
                Issue.record("round \(round): an Embedding's backward produces a row gradient")
                continue
            }
            #expect(rows.scattered(rows.squares).data == squares, "round \(round): squares")
            #expect(rows.rows == seen.sorted().map(Int32.init), "round \(round): the rows with a gradient")
            #expect(rows.scattered(rows.values) == table.gradient, "round \(round): values")
        }
    }

    // MARK: Dropout

    @Test func dropoutTrainingScalesKeptAndZeroesDropped() throws {
        let rate: Float = 0.3
        let layer = Dropout(rate: rate)
        try LayerTest.build(layer, [50, 40])
        let x = LayerTest.random([10, 50, 40], seed: 79, 0.5, 1.5)  // no zeros in the input
        let y = try layer.forward(x, mask: nil, training: true)
        var kept = 0
        for i in 0..<x.count {
            if y.data[i] == 0 { continue }
            kept += 1
            #expect(abs(y.data[i] - x.data[i] / (1 - rate)) <= 1e-6 * abs(y.data[i]))
        }
        let keptFraction = Double(kept) / Double(x.count)
        #expect(abs(keptFraction - 0.7) < 0.01, "kept \(keptFraction)")
        // Backward: the same mask and scale (the derivative of y = x · factor).
        let w = LayerTest.random(x.shape, seed: 83)
        let dx = try #require(try layer.backward(w))
        for i in 0..<x.count {
            let factor = Double(y.data[i]) / Double(x.data[i])
            #expect(abs(Double(dx.data[i]) - factor * Double(w.data[i])) <= 1e-6)
        }
        // A fresh mask every call.
        let y2 = try layer.forward(x, mask: nil, training: true)
        #expect(y2 != y)
    }

    @Test func dropoutInferenceIsIdentityAndSeedsRepeat() throws {
        let layer = Dropout(rate: 0.5)
        try LayerTest.build(layer, [6])
        let x = LayerTest.random([4, 6], seed: 89)
        let mask = try Tensor(shape: [4, 6], data: [Float](repeating: 1, count: 24))
        #expect(try layer.forward(x, mask: mask, training: false) == x)
        #expect(layer.outputMask(input: x, mask: mask) == mask)
        let w = LayerTest.random([4, 6], seed: 97)
        #expect(try layer.backward(w) == w)
        #expect(try Dropout(rate: 0).forward(x, mask: nil, training: true) == x)

        // The same seed gives the same masks whatever generator builds the layer.
        let a = Dropout(rate: 0.5, seed: 1234), b = Dropout(rate: 0.5, seed: 1234)
        try LayerTest.build(a, [6], seed: 1)
        try LayerTest.build(b, [6], seed: 2)
        #expect(try a.forward(x, mask: nil, training: true) == b.forward(x, mask: nil, training: true))
        // Unseeded layers follow the model's generator.
        let c = Dropout(rate: 0.5), d = Dropout(rate: 0.5)
        try LayerTest.build(c, [6], seed: 5)
        try LayerTest.build(d, [6], seed: 5)
        #expect(try c.forward(x, mask: nil, training: true) == d.forward(x, mask: nil, training: true))
    }
}
