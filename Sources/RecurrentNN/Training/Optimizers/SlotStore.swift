/// The per-parameter state of an optimizer (Keras's slot variables: `momentum`, `velocity`, …).
///
/// Each parameter gets its slots, zero-filled, at its first update; the buffers are reused by
/// every later step, so a step allocates nothing once each parameter has been seen. An entry
/// keeps its parameter alive, so an `ObjectIdentifier` is never reused by another parameter
/// while the optimizer knows it.
final class SlotStore {
    struct Entry {
        let parameter: Parameter
        /// One buffer of `parameter.value.count` floats per slot, in the optimizer's slot order.
        let buffers: [Buffer]
        /// The buffers' base pointers (kept so a step passes them without building an array).
        let pointers: [UnsafeMutablePointer<Float>]

        init(parameter: Parameter, buffers: [Buffer]) {
            self.parameter = parameter
            self.buffers = buffers
            self.pointers = buffers.map(\.pointer)
        }
    }

    var entries: [ObjectIdentifier: Entry] = [:]

    /// The entry of `parameter`, created with `slotCount` zero-filled buffers when missing.
    func entry(for parameter: Parameter, slotCount: Int) -> Entry {
        if let e = entries[ObjectIdentifier(parameter)], e.parameter === parameter { return e }
        let n = parameter.count
        let e = Entry(parameter: parameter, buffers: (0..<slotCount).map { _ in Buffer(count: n) })
        entries[ObjectIdentifier(parameter)] = e
        return e
    }

    /// Copies of the slots of `parameter`, keyed by `names` (in slot order); empty when it has none yet.
    func tensors(of parameter: Parameter, names: [String]) -> [String: Tensor] {
        guard let e = entries[ObjectIdentifier(parameter)], e.parameter === parameter else { return [:] }
        let n = parameter.count
        var out: [String: Tensor] = [:]
        for (name, buffer) in zip(names, e.buffers) {
            out[name] = Tensor(uncheckedShape: parameter.shape, data: Array(UnsafeBufferPointer(start: buffer.pointer, count: n)))
        }
        return out
    }
}
