/// NumPy's legacy random generator, `numpy.random.RandomState`, for what Keras's dataset loaders
/// use of it: `RandomState(seed).shuffle(indices)` (keras/src/datasets/imdb.py and reuters.py
/// shuffle with `np.random.RandomState(113)`). Reproducing it makes the order of the IMDB and
/// Reuters examples identical to Keras's, element for element.
///
/// - Generator: MT19937 (Matsumoto & Nishimura 1998), seeded as NumPy's `_legacy_seeding` does
///   for an integer seed: `init_genrand(seed)` (numpy/random/src/mt19937/mt19937.c,
///   `mt19937_seed`), 32-bit tempered outputs.
/// - `shuffle`: NumPy's legacy Fisher–Yates (numpy/random/mtrand.pyx, `_shuffle_raw`): for
///   `i` from `n-1` down to 1, swap element `i` with element `random_interval(i)`.
/// - `randomInterval(max)`: `random_interval` (numpy/random/src/distributions/distributions.c): draw
///   32-bit outputs masked to the smallest all-ones mask ≥ `max` until one is ≤ `max` (64-bit
///   draws from two outputs when `max` exceeds 2³² − 1).
///
/// Checked against NumPy 2.4 in `Tests/Fixtures/datasets/numpy_random_state.json`
/// (written by `fixtures/numpy_random_state.py`).
public struct NumpyRandomState: Sendable {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    /// `numpy.random.RandomState(seed)` (NumPy accepts seeds 0…2³² − 1).
    public init(seed: UInt32) {
        state[0] = seed
        for i in 1..<624 {
            let previous = state[i - 1]
            state[i] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(i)
        }
        index = 624
    }

    /// The next 32-bit output (`next_uint32`).
    public mutating func nextUInt32() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// The next 64-bit output: two 32-bit outputs, high word first (`mt19937_next64`).
    public mutating func nextUInt64() -> UInt64 {
        let high = UInt64(nextUInt32())
        return high << 32 | UInt64(nextUInt32())
    }

    /// A uniform integer in `0...max` by masked rejection (`random_interval`).
    public mutating func randomInterval(_ max: UInt64) -> UInt64 {
        if max == 0 { return 0 }
        var mask = max
        mask |= mask >> 1
        mask |= mask >> 2
        mask |= mask >> 4
        mask |= mask >> 8
        mask |= mask >> 16
        mask |= mask >> 32
        if max <= 0xFFFF_FFFF {
            while true {
                let value = UInt64(nextUInt32()) & mask
                if value <= max { return value }
            }
        }
        while true {
            let value = nextUInt64() & mask
            if value <= max { return value }
        }
    }

    /// Shuffles `elements` in place exactly as `RandomState.shuffle` shuffles a 1-D array.
    public mutating func shuffle<T>(_ elements: inout [T]) {
        guard elements.count > 1 else { return }
        for i in stride(from: elements.count - 1, through: 1, by: -1) {
            let j = Int(randomInterval(UInt64(i)))
            elements.swapAt(i, j)
        }
    }

    /// `indices = np.arange(n); rng.shuffle(indices)`, as Keras's loaders do.
    public mutating func shuffledIndices(_ n: Int) -> [Int] {
        var indices = Array(0..<n)
        shuffle(&indices)
        return indices
    }

    private mutating func twist() {
        let upper: UInt32 = 0x8000_0000, lower: UInt32 = 0x7FFF_FFFF
        for i in 0..<624 {
            let y = (state[i] & upper) | (state[(i + 1) % 624] & lower)
            var next = state[(i + 397) % 624] ^ (y >> 1)
            if y & 1 != 0 { next ^= 0x9908_B0DF }
            state[i] = next
        }
        index = 0
    }
}
