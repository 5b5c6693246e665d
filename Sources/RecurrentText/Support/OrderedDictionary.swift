/// A dictionary that remembers the order in which keys were first inserted, as Python's `dict`
/// (and `collections.OrderedDict`) do: assigning to an existing key changes its value and keeps
/// its position. The Tokenizer needs this because Keras's results depend on insertion order (ties
/// in the word index, the order of keys in `to_json`).
struct OrderedDictionary<Key: Hashable, Value> {
    private(set) var keys: [Key] = []
    private(set) var values: [Value] = []
    private var positions: [Key: Int] = [:]

    init() {}

    /// Builds from pairs with Python's `dict(pairs)` semantics: a repeated key keeps its first
    /// position and takes its last value.
    init(_ pairs: some Sequence<(Key, Value)>) {
        for (k, v) in pairs { self[k] = v }
    }

    var count: Int { keys.count }
    var isEmpty: Bool { keys.isEmpty }

    subscript(key: Key) -> Value? {
        get { positions[key].map { values[$0] } }
        set {
            guard let newValue else {
                preconditionFailure("OrderedDictionary: removal is not supported")
            }
            if let i = positions[key] {
                values[i] = newValue
            } else {
                positions[key] = keys.count
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    /// Adds `amount` to the value of `key`, inserting it with `amount` when absent (Python's
    /// `defaultdict(int)` `d[key] += amount`).
    mutating func add(_ amount: Value, to key: Key) where Value: AdditiveArithmetic {
        if let i = positions[key] { values[i] += amount } else { self[key] = amount }
    }

    /// The (key, value) pairs in insertion order.
    var items: Zip2Sequence<[Key], [Value]> { zip(keys, values) }
}

extension OrderedDictionary: Sendable where Key: Sendable, Value: Sendable {}
