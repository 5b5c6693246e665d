/// A dense, contiguous, row-major tensor of 32-bit floats.
///
/// `shape` lists the extent of each axis, outermost first; Recurrent writes shapes as
/// `(batch, timesteps, features)` as Keras does. The element at index `(i0, i1, …)` lives at
/// `data[((i0 * shape[1]) + i1) * shape[2] + …]`.
///
/// `Tensor` is a value type with copy-on-write storage (a Swift `Array<Float>`): assigning a tensor
/// and then mutating one of the copies never changes the other. Hot loops reach the storage through
/// `withUnsafeBufferPointer` / `withUnsafeMutableBufferPointer`, which do not allocate.
public struct Tensor: Sendable, Equatable {
    /// Extent of each axis, outermost first. Empty for a scalar.
    public private(set) var shape: [Int]
    /// The elements in row-major order. Writing elements is free; replacing the array with one
    /// of another length traps (`data.count` must stay the product of `shape`; use
    /// `reshaped` or a new tensor to change sizes), so a kernel never reads past the end.
    public var data: [Float] {
        get { storage }
        _modify {
            // In place: element writes neither copy nor re-check more than the count.
            yield &storage
            precondition(storage.count == elementCount, "Tensor: \(storage.count) elements for shape \(shape)")
        }
    }
    @usableFromInline var storage: [Float]
    @usableFromInline var elementCount: Int

    /// A tensor of the given shape filled with `value` (zeros by default).
    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in shape \(shape)")
        let count = Tensor.elementCount(shape)
        precondition(count != nil, "Tensor: shape \(shape) has negative extents or too many elements")
        self.shape = shape
        self.elementCount = count!
        self.storage = [Float](repeating: value, count: count!)
    }

    /// The element count of `shape`, nil when an extent is negative or the product overflows
    /// (or exceeds 2^36 elements, 256 GiB).
    public static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for e in shape {
            guard e >= 0 else { return nil }
            let (p, o) = n.multipliedReportingOverflow(by: e)
            if o || p > 1 << 36 { return nil }
            n = p
        }
        return n
    }

    /// A tensor of the given shape holding `data` in row-major order.
    /// - Throws: `RecurrentError.shapeMismatch` when `data.count` is not the product of `shape`.
    public init(shape: [Int], data: [Float]) throws {
        guard let count = Tensor.elementCount(shape) else {
            throw RecurrentError.invalidValue(
                where: "Tensor(shape:data:)", expected: "non-negative extents with at most 2^36 elements",
                found: "shape \(shape)")
        }
        guard count == data.count else {
            throw RecurrentError.shapeMismatch(
                where: "Tensor(shape:data:)", expected: "\(count) elements for shape \(shape)",
                found: "\(data.count) elements")
        }
        self.shape = shape
        self.elementCount = count
        self.storage = data
    }

    /// For kernels that already know the sizes agree: checks them with a precondition (a trap,
    /// not a thrown error), never reads past the data.
    public init(uncheckedShape shape: [Int], data: [Float]) {
        let count = Tensor.elementCount(shape)
        precondition(count == data.count, "Tensor: \(data.count) elements for shape \(shape)")
        self.shape = shape
        self.elementCount = data.count
        self.storage = data
    }

    /// Number of elements (the product of `shape`).
    @inlinable public var count: Int { data.count }

    /// Number of axes.
    @inlinable public var rank: Int { shape.count }

    /// A tensor with the same elements and a new shape of the same element count.
    /// - Throws: `RecurrentError.shapeMismatch` if the element counts differ.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        try Tensor(shape: newShape, data: data)
    }

    /// Reads or writes one element by its multi-index. Bounds are checked; use the buffer
    /// accessors in hot loops.
    public subscript(_ index: Int...) -> Float {
        get { data[flatIndex(index)] }
        set { data[flatIndex(index)] = newValue }
    }

    private func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "Tensor: index \(index) for shape \(shape)")
        var flat = 0
        for (i, n) in zip(index, shape) {
            precondition(i >= 0 && i < n, "Tensor: index \(index) out of bounds for shape \(shape)")
            flat = flat * n + i
        }
        return flat
    }

    /// Calls `body` with a read-only pointer to the contiguous elements.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with a mutable pointer to the contiguous elements (copying first if shared).
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try storage.withUnsafeMutableBufferPointer(body)
    }

    /// Sets every element to zero without reallocating.
    @inlinable
    public mutating func zero() {
        storage.withUnsafeMutableBufferPointer { p in
            p.baseAddress?.update(repeating: 0, count: p.count)
        }
    }

    /// Returns the index of the first NaN or infinite element, or nil when every element is finite.
    public func firstNonFinite() -> Int? {
        data.withUnsafeBufferPointer { p in
            // x − x is 0 for finite x and NaN for NaN/±Inf: scan 16 lanes at a time, then locate.
            let n = p.count, base = p.baseAddress!
            var i = 0
            var acc = SIMD16<Float>()
            while i + 16 <= n {
                let v = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<Float>.self)
                acc = acc + (v - v)
                i += 16
            }
            var tail: Float = 0
            while i < n { tail += base[i] - base[i]; i += 1 }
            if acc.sum() == 0 && tail == 0 { return nil }
            for j in 0..<n where !base[j].isFinite { return j }
            return nil
        }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = data.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), data: [\(head)\(data.count > 8 ? ", …" : "")])"
    }
}

/// Formats a shape the way Keras prints it, with `None` for the batch axis: `(None, 500, 120)`.
public func kerasShapeString(_ shapeWithoutBatch: [Int]) -> String {
    let parts = ["None"] + shapeWithoutBatch.map(String.init)
    return "(" + parts.joined(separator: ", ") + (parts.count == 1 ? ",)" : ")")
}

extension Tensor {
    /// Rows `range` along the first axis, e.g. a slice of samples: `(range.count, …)`.
    /// - Precondition: `range` lies within the first axis.
    public func rows(_ range: Range<Int>) -> Tensor {
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0], "rows \(range) of shape \(shape)")
        let width = shape.dropFirst().reduce(1, *)
        return Tensor(uncheckedShape: [range.count] + shape.dropFirst(),
                      data: Array(data[(range.lowerBound * width)..<(range.upperBound * width)]))
    }

    /// The rows `indices` along the first axis, in that order: `(indices.count, …)`.
    /// - Precondition: every index lies within the first axis.
    public func rows(_ indices: some Collection<Int>) -> Tensor {
        let width = shape.dropFirst().reduce(1, *)
        var out = [Float](repeating: 0, count: indices.count * width)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (r, i) in indices.enumerated() {
                    precondition(i >= 0 && i < shape[0], "row \(i) of shape \(shape)")
                    (dst.baseAddress! + r * width).update(from: src.baseAddress! + i * width, count: width)
                }
            }
        }
        return Tensor(uncheckedShape: [indices.count] + shape.dropFirst(), data: out)
    }
}
