import CKernels

/// One parameter's update: pointers to its `count` weights, its gradient (`Gradient`) and its
/// slots (in `slotNames` order), the learning rate and Keras's `local_step` (`iterations + 1`),
/// the clip and the weight decay, handed to the C update kernels (`rc_sgd_update`,
/// `rc_adam_update`, `rc_rmsprop_update`) as `rc_update` pieces.
struct ParameterUpdate {
    let parameter: Parameter
    let weight: UnsafeMutablePointer<Float>
    let count: Int
    let slots: [UnsafeMutablePointer<Float>]
    let learningRate: Float
    let localStep: Int
    let clip: GradientClip
    let weightDecay: Float?
    /// The gradient: `count` floats when dense; for a row gradient, `rows.count` rows of
    /// `width` floats (`RowGradient.values`).
    let gradient: UnsafePointer<Float>
    /// For a gradient Keras keeps as IndexedSlices, the per-occurrence squares laid out as
    /// `gradient` (`RowGradient.squares`); nil: the kernels use g² of the clipped g.
    let squares: UnsafePointer<Float>?
    /// The rows with a gradient, ascending (`RowGradient.rows`); nil for a dense gradient.
    let rows: UnsafeBufferPointer<Int32>?
    /// Floats per row of the weight (its first axis).
    let width: Int

    /// Runs a C update kernel over every weight in contiguous pieces, split across the cores.
    /// With a row gradient, the rows without a gradient go with a NULL gradient (a zero
    /// gradient, not read), each run of consecutive rows with one as one piece.
    /// - The squared gradient the kernel uses is g² of the clipped g, or, for a gradient Keras
    ///   keeps as IndexedSlices, `squares` scaled like g by a norm clip. With `clipvalue` on
    ///   such a weight the occurrences cannot be clipped one by one, so g² is used: the one
    ///   place where Recurrent's numbers can differ from Keras's.
    func forEachPiece(_ kernel: (UnsafePointer<rc_update>) -> Void) {
        let parts = max(1, min(Parallel.workerCount, count / Lanes.minChunk))
        guard let rows else {
            return Parallel.forEach(parts) { part in
                let lo = part * count / parts
                var u = piece(lo..<((part + 1) * count / parts), gradientAt: lo)
                kernel(&u)
            }
        }
        let rowCount = count / max(width, 1), d = width
        Parallel.forEach(parts) { part in
            var r = part * rowCount / parts
            let end = (part + 1) * rowCount / parts
            var k = firstSlot(atOrAfter: r, in: rows)
            while r < end {
                if k < rows.count && Int(rows[k]) == r {
                    let (run, next) = touchedRun(from: k, end: end, in: rows)
                    var u = piece((r * d)..<(run.upperBound * d), gradientAt: k * d)
                    kernel(&u)
                    r = run.upperBound
                    k = next
                } else {
                    let stop = min(end, k < rows.count ? Int(rows[k]) : end)
                    var u = piece((r * d)..<(stop * d), gradientAt: nil)
                    kernel(&u)
                    r = stop
                }
            }
        }
    }

    /// For a row gradient: runs `body(rows, slot)` over the runs of consecutive rows that have
    /// a gradient (`slot`: the index in `rows` of the first), split across the cores.
    func forEachTouchedRun(_ body: (_ rows: Range<Int>, _ slot: Int) -> Void) {
        guard let rows, !rows.isEmpty else { return }
        let parts = max(1, min(Parallel.workerCount, rows.count * width / Lanes.minChunk))
        Parallel.forEach(parts) { part in
            var k = part * rows.count / parts
            let end = (part + 1) * rows.count / parts
            while k < end {
                var e = k + 1
                while e < end && rows[e] == rows[e - 1] + 1 { e += 1 }
                body(Int(rows[k])..<(Int(rows[e - 1]) + 1), k)
                k = e
            }
        }
    }

    /// The `rc_update` of the weights `range`, with the gradient (and squares) from offset
    /// `gradientAt` of `gradient`, or with none (a zero gradient) when nil.
    func piece(_ range: Range<Int>, gradientAt offset: Int?) -> rc_update {
        let lo = range.lowerBound
        return rc_update(
            w: weight + lo, g: offset.map { gradient + $0 }, g2: offset.flatMap { o in squares.map { $0 + o } },
            s0: slots.count > 0 ? slots[0] + lo : nil, s1: slots.count > 1 ? slots[1] + lo : nil,
            s2: slots.count > 2 ? slots[2] + lo : nil,
            n: range.count, multiplier: clip.multiplier, divisor: clip.divisor, bound: clip.bound,
            scales: clip.scales ? 1 : 0, clamps: clip.clamps ? 1 : 0,
            weight_decay: weightDecay ?? 0, learning_rate: learningRate, decays: weightDecay != nil ? 1 : 0)
    }

    /// The index of the first of `rows` (ascending) that is ≥ `row`.
    private func firstSlot(atOrAfter row: Int, in rows: UnsafeBufferPointer<Int32>) -> Int {
        var lo = 0, hi = rows.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if Int(rows[mid]) < row { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The run of consecutive rows starting at `rows[k]`, cut at row `end`, and the index after it.
    private func touchedRun(from k: Int, end: Int, in rows: UnsafeBufferPointer<Int32>) -> (Range<Int>, Int) {
        var e = k + 1
        while e < rows.count && rows[e] == rows[e - 1] + 1 && Int(rows[e]) < end { e += 1 }
        return (Int(rows[k])..<(Int(rows[e - 1]) + 1), e)
    }
}
