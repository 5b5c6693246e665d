import Testing
@testable import RecurrentTestSupport
import Recurrent

/// Keras's default initialisers (keras/src/initializers) and the seeded generator.
struct InitializerTests {
    @Test func sameSeedSameSequenceOtherSeedDifferent() {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42), c = RandomGenerator(seed: 43)
        let xa = (0..<100).map { _ in a.next() }, xb = (0..<100).map { _ in b.next() }
        let xc = (0..<100).map { _ in c.next() }
        #expect(xa == xb)
        #expect(xa != xc)
    }

    @Test func uniformAndNormalMoments() {
        var rng = RandomGenerator(seed: 1)
        let n = 200_000
        let u = (0..<n).map { _ in Double(rng.uniform()) }
        let mean = u.reduce(0, +) / Double(n)
        #expect(abs(mean - 0.5) < 0.005)
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        let z = (0..<n).map { _ in rng.normal() }
        let zm = z.reduce(0, +) / Double(n)
        let zv = z.reduce(0) { $0 + ($1 - zm) * ($1 - zm) } / Double(n)
        #expect(abs(zm) < 0.01)
        #expect(abs(zv - 1) < 0.02)
    }

    @Test func fansFollowKerasComputeFans() {
        #expect(Initializer.fans([120, 480]) == (120, 480))
        // Conv1D kernel (kernel_size, in, filters): receptive field 5.
        #expect(Initializer.fans([5, 120, 64]) == (600, 320))
        #expect(Initializer.fans([7]) == (7, 7))
    }

    @Test func glorotUniformUsesTheFusedFanOut() {
        // LSTM kernel (in, 4·units): limit sqrt(6 / (in + 4·units)), as Keras.
        var rng = RandomGenerator(seed: 3)
        let t = Initializer.glorotUniform.make([120, 480], rng: &rng)
        let limit: Float = (6.0 / 600.0).squareRoot()
        #expect(t.data.allSatisfy { abs($0) <= limit })
        #expect(t.data.map(abs).max()! > 0.98 * limit)  // fills the range
    }

    @Test func orthogonalRowsOfTheWholeRecurrentKernel() {
        // (units, 4·units): the rows are orthonormal across the whole fused matrix.
        var rng = RandomGenerator(seed: 5)
        let u = 16, g = 64
        let t = Initializer.orthogonal(gain: 1).make([u, g], rng: &rng)
        for i in 0..<u {
            for j in 0..<u {
                var dot: Double = 0
                for k in 0..<g { dot += Double(t[i, k]) * Double(t[j, k]) }
                #expect(abs(dot - (i == j ? 1 : 0)) < 1e-5, "row \(i)·row \(j) = \(dot)")
            }
        }
        // Square case: orthonormal columns too; gain scales.
        let s = Initializer.orthogonal(gain: 2).make([8, 8], rng: &rng)
        for i in 0..<8 {
            var norm: Double = 0
            for k in 0..<8 { norm += Double(s[k, i]) * Double(s[k, i]) }
            #expect(abs(norm - 4) < 1e-4)
        }
    }

    @Test func embeddingUniformAndForgetBias() throws {
        var rng = RandomGenerator(seed: 9)
        let e = Initializer.randomUniform(min: -0.05, max: 0.05).make([1000, 8], rng: &rng)
        #expect(e.data.allSatisfy { $0 >= -0.05 && $0 < 0.05 })
        let lstm = LSTM(4)
        try lstm.build(inputShape: [3, 2], rng: &rng)
        let bias = try #require(lstm.parameter(named: "bias")).value.data
        // Gates i, f, c, o: unit_forget_bias sets the f block to 1, the rest 0.
        #expect(bias == [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
        let plain = LSTM(4, unitForgetBias: false)
        try plain.build(inputShape: [3, 2], rng: &rng)
        #expect(try #require(plain.parameter(named: "bias")).value.data.allSatisfy { $0 == 0 })
    }

    @Test func vectorMathMatchesFoundation() {
        for x in stride(from: Float(-20), through: 20, by: 0.173) {
            let e = Float(exp(Double(x))), s = Float(1 / (1 + exp(-Double(x)))), t = Float(tanh(Double(x)))
            #expect(abs(VectorMath.exp(x) - e) <= 3e-7 * e)
            #expect(abs(VectorMath.sigmoid(x) - s) <= 2e-7)
            #expect(abs(VectorMath.tanh(x) - t) <= 2e-7)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
