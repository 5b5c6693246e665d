/// The iteration order of a CPython 2.7 `dict` with byte-string keys (64-bit build, hash
/// randomization off, the default of Python 2), which decides how Keras's 2015 `Tokenizer` ranked
/// words of equal frequency: it counted words in a plain dict, listed `word_counts.items()`, and
/// sorted them by count with Python's stable sort, so equal counts stay in dict order.
///
/// Reproduced from CPython 2.7's Objects/stringobject.c (`string_hash`) and Objects/dictobject.c
/// (`lookdict_string`, `insertdict_clean`, `dictresize`, and the resize rule of `PyDict_SetItem`):
/// - hash: `x = s[0] << 7; for c in s: x = (1000003 * x) ^ c; x ^= len(s)` (64-bit wrap-around;
///   -1 becomes -2; the empty string hashes to 0);
/// - slot: `i = hash & mask`, then `i = 5i + perturb + 1` with `perturb = hash`, shifted right by 5
///   after each probe, until a free slot;
/// - the table starts with 8 slots; after an insertion that makes `fill * 3 >= size * 2`, it is
///   rebuilt with the smallest power of two above `4 * used` (`2 * used` past 50,000 entries),
///   re-inserting the entries in slot order;
/// - iteration is in slot order.
///
/// With it, the Reuters word index reproduces Keras's published `reuters_word_index` entries and
/// `train_data[10]` exactly (see `ReutersTests`).
enum Python2Dict {
    /// CPython 2.7's `string_hash`, as the unsigned bits of the C `long`.
    static func hash(_ key: [UInt8]) -> UInt64 {
        guard let first = key.first else { return 0 }
        var x = UInt64(first) << 7
        for byte in key { x = (1_000_003 &* x) ^ UInt64(byte) }
        x ^= UInt64(key.count)
        return x == UInt64.max ? UInt64.max - 1 : x
    }

    /// The positions (into `keys`, which must be distinct and in insertion order) in the order
    /// `dict.items()` lists them.
    static func iterationOrder(_ keys: [[UInt8]]) -> [Int] {
        let hashes = keys.map(hash)
        var table = [Int](repeating: -1, count: 8)
        var used = 0
        func place(_ key: Int, _ table: inout [Int]) {
            let mask = UInt64(table.count - 1)
            let h = hashes[key]
            var i = h & mask
            var perturb = h
            while table[Int(i & mask)] >= 0 {
                i = (i << 2) &+ i &+ perturb &+ 1
                perturb >>= 5
            }
            table[Int(i & mask)] = key
        }
        for key in keys.indices {
            place(key, &table)
            used += 1
            if used * 3 >= table.count * 2 {
                let minimum = (used > 50_000 ? 2 : 4) * used
                var size = 8
                while size <= minimum { size <<= 1 }
                var bigger = [Int](repeating: -1, count: size)
                for entry in table where entry >= 0 { place(entry, &bigger) }
                table = bigger
            }
        }
        return table.filter { $0 >= 0 }
    }
}
