import Foundation
import Recurrent

/// The Keras losses written out plainly in Double, independent of `Loss.evaluate`, for finite
/// differences: the batch loss as a function of the flat `(batch, k)` output.
enum LossReference {
    /// Keras's clip bounds, ε and 1 − ε as float32 values.
    static let lo = Double(Float(1e-7)), hi = Double(1 - Float(1e-7))

    static func clip(_ p: Double) -> Double { min(max(p, lo), hi) }

    /// The mean over the batch of the per-sample loss (Keras "sum_over_batch_size").
    /// `target`: `(batch, k)` values, or `batch` class ids for sparse categorical.
    static func value(_ loss: Loss, fromLogits: Bool, output o: [Double], target y: [Double], batch: Int) -> Double {
        let k = o.count / batch
        var total = 0.0
        for b in 0..<batch {
            let row = Array(o[(b * k)..<((b + 1) * k)])
            switch loss {
            case .binaryCrossentropy:
                var s = 0.0
                for j in 0..<k {
                    let p = fromLogits ? 1 / (1 + exp(-row[j])) : clip(row[j]), t = y[b * k + j]
                    s -= t * log(p) + (1 - t) * log(1 - p)
                }
                total += s / Double(k)
            case .categoricalCrossentropy:
                let q: [Double]
                if fromLogits {
                    let e = row.map { exp($0) }, s = e.reduce(0, +)
                    q = e.map { $0 / s }
                } else {
                    let s = row.reduce(0, +)
                    q = row.map { clip($0 / s) }
                }
                for j in 0..<k { total -= y[b * k + j] * log(q[j]) }
            case .sparseCategoricalCrossentropy:
                let e = fromLogits ? row.map { exp($0) } : row.map(clip)
                total -= log(e[Int(y[b])] / e.reduce(0, +))
            case .meanSquaredError:
                total += (0..<k).map { pow(row[$0] - y[b * k + $0], 2) }.reduce(0, +) / Double(k)
            case .meanAbsoluteError:
                total += (0..<k).map { abs(row[$0] - y[b * k + $0]) }.reduce(0, +) / Double(k)
            }
        }
        return total / Double(batch)
    }

    /// Central differences of `value` with respect to every output element.
    static func gradient(_ loss: Loss, fromLogits: Bool, output: [Double], target: [Double], batch: Int,
                         step h: Double = 1e-6) -> [Double] {
        var u = output
        return output.indices.map { i in
            u[i] = output[i] + h
            let plus = value(loss, fromLogits: fromLogits, output: u, target: target, batch: batch)
            u[i] = output[i] - h
            let minus = value(loss, fromLogits: fromLogits, output: u, target: target, batch: batch)
            u[i] = output[i]
            return (plus - minus) / (2 * h)
        }
    }
}
