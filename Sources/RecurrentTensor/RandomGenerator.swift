/// The one seeded random generator of Recurrent: xoshiro256** (Blackman and Vigna, 2018),
/// its 256-bit state filled from the seed by SplitMix64.
///
/// The same seed gives the same sequence on every machine (the algorithm is integer-only);
/// floats are made from the top 24 bits, so weights drawn from the same seed are the same
/// bit for bit. Used for weight initialisation, dropout masks and shuffling.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// Creates a generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix(); s1 = splitmix(); s2 = splitmix(); s3 = splitmix()
    }

    /// The whole 256-bit state, for saving a generator mid-sequence (e.g. in a checkpoint).
    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// A generator that continues exactly where the one whose `state` was saved stopped.
    /// Returns nil unless `state` has 4 words, not all zero (xoshiro's forbidden state).
    public init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// A float uniform in [0, 1), with 24 random bits.
    public mutating func uniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A float uniform in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * uniform()
    }

    /// A standard normal draw (Box–Muller, in Double).
    public mutating func normal() -> Double {
        var u1 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        if u1 < 1e-300 { u1 = 1e-300 }
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }

    /// A generator for a sub-task, derived from this one (advances this one by one draw).
    public mutating func fork() -> RandomGenerator { RandomGenerator(seed: next()) }
}

#if canImport(Glibc)
import Glibc
@inlinable func _log(_ x: Double) -> Double { Glibc.log(x) }
@inlinable func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#elseif canImport(Darwin)
import Darwin
@inlinable func _log(_ x: Double) -> Double { Darwin.log(x) }
@inlinable func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
