import Foundation
import Recurrent

/// Test-only references of the non-recurrent Keras layers in Double: plain loops written from the
/// formulas in keras/src/layers/{core,convolutional,pooling}/ and TensorFlow's padding rules,
/// sharing no code with the Float layers they check (not even `Padding`).
enum LayerReference {
    /// Keras activations in Double (keras/src/activations/activations.py); softmax over rows of
    /// `rowLength`.
    static func activate(_ z: [Double], _ activation: Activation, rowLength: Int) -> [Double] {
        switch activation {
        case .linear: return z
        case .relu: return z.map { max($0, 0) }
        case .tanh: return z.map { Foundation.tanh($0) }
        case .sigmoid: return z.map { 1 / (1 + exp(-$0)) }
        case .hardSigmoid: return z.map { min(max($0 / 6 + 0.5, 0), 1) }
        case .softmax:
            var y = z
            for r in stride(from: 0, to: z.count, by: rowLength) {
                let row = z[r..<(r + rowLength)]
                let m = row.max()!
                let s = row.reduce(0) { $0 + exp($1 - m) }
                for j in 0..<rowLength { y[r + j] = exp(z[r + j] - m) / s }
            }
            return y
        }
    }

    /// Embedding: out[i, :] = table[ids[i], :].
    static func embedding(ids: [Int], table: [Double], outputDim d: Int) -> [Double] {
        var out = [Double]()
        out.reserveCapacity(ids.count * d)
        for id in ids { out += table[(id * d)..<((id + 1) * d)] }
        return out
    }

    /// Dense on rows: y = act(x · kernel + bias), x (rows, inF), kernel (inF, units).
    static func dense(x: [Double], rows: Int, inF: Int, kernel: [Double], bias: [Double]?, units: Int,
                      activation: Activation) -> [Double] {
        var z = [Double](repeating: 0, count: rows * units)
        for r in 0..<rows {
            for u in 0..<units {
                var v = bias?[u] ?? 0
                for i in 0..<inF { v += x[r * inF + i] * kernel[i * units + u] }
                z[r * units + u] = v
            }
        }
        return activate(z, activation, rowLength: units)
    }

    /// TensorFlow's window geometry: (output steps, left padding) for "valid", "same", "causal".
    static func window(steps: Int, size: Int, stride: Int, padding: String) -> (out: Int, left: Int) {
        switch padding {
        case "valid":
            return (steps >= size ? (steps - size) / stride + 1 : 0, 0)
        case "same":
            let out = Int((Double(steps) / Double(stride)).rounded(.up))
            let total = max((out - 1) * stride + size - steps, 0)
            return (out, total / 2)
        case "causal":
            // Keras Conv1D: pad size − 1 zeros on the left, then a valid convolution.
            let padded = steps + size - 1
            return ((padded - size) / stride + 1, size - 1)
        default:
            fatalError("unknown padding \(padding)")
        }
    }

    /// Conv1D: x (batch, steps, c), kernel (k, c, f) → (batch, out, f).
    static func conv1d(x: [Double], batch: Int, steps: Int, channels c: Int, kernel: [Double], kernelSize k: Int,
                       filters f: Int, bias: [Double]?, stride: Int, padding: String,
                       activation: Activation) -> (y: [Double], steps: Int) {
        let (out, left) = window(steps: steps, size: k, stride: stride, padding: padding)
        var z = [Double](repeating: 0, count: batch * out * f)
        for b in 0..<batch {
            for o in 0..<out {
                for fi in 0..<f {
                    var v = bias?[fi] ?? 0
                    for t in 0..<k {
                        let p = o * stride + t - left
                        if p < 0 || p >= steps { continue }
                        for ci in 0..<c { v += x[(b * steps + p) * c + ci] * kernel[(t * c + ci) * f + fi] }
                    }
                    z[(b * out + o) * f + fi] = v
                }
            }
        }
        return (activate(z, activation, rowLength: f), out)
    }

    /// MaxPooling1D: windows of `pool` steps, padded steps never win.
    static func maxPool1d(x: [Double], batch: Int, steps: Int, channels c: Int, pool: Int, stride: Int,
                          padding: String) -> (y: [Double], steps: Int) {
        let (out, left) = window(steps: steps, size: pool, stride: stride, padding: padding)
        var y = [Double](repeating: 0, count: batch * out * c)
        for b in 0..<batch {
            for o in 0..<out {
                for ci in 0..<c {
                    var m = -Double.infinity
                    for t in 0..<pool {
                        let p = o * stride + t - left
                        if p < 0 || p >= steps { continue }
                        m = max(m, x[(b * steps + p) * c + ci])
                    }
                    y[(b * out + o) * c + ci] = m
                }
            }
        }
        return (y, out)
    }

    /// GlobalMaxPooling1D: max over all steps (masks ignored, as in Keras).
    static func globalMax(x: [Double], batch: Int, steps: Int, channels c: Int) -> [Double] {
        var y = [Double](repeating: -.infinity, count: batch * c)
        for b in 0..<batch { for t in 0..<steps { for ci in 0..<c {
            y[b * c + ci] = max(y[b * c + ci], x[(b * steps + t) * c + ci])
        } } }
        return y
    }

    /// GlobalAveragePooling1D: Σ mask·x / Σ mask over steps (0 for a fully masked row).
    static func globalAverage(x: [Double], batch: Int, steps: Int, channels c: Int, mask: [Double]?) -> [Double] {
        var y = [Double](repeating: 0, count: batch * c)
        for b in 0..<batch {
            var count = 0.0
            for t in 0..<steps {
                let m = (mask?[b * steps + t] ?? 1) != 0 ? 1.0 : 0.0
                count += m
                for ci in 0..<c { y[b * c + ci] += m * x[(b * steps + t) * c + ci] }
            }
            if count > 0 { for ci in 0..<c { y[b * c + ci] /= count } }
        }
        return y
    }
}

/// Central differences of `loss(v) = Σ f(v) · w` in Double.
enum FiniteDifference {
    static func gradient(at v: [Double], step h: Double = 1e-6, lossWeights w: [Double],
                         _ f: ([Double]) -> [Double]) -> [Double] {
        func loss(_ u: [Double]) -> Double {
            let y = f(u)
            precondition(y.count == w.count, "loss weights \(w.count) for \(y.count) outputs")
            var s = 0.0
            for i in 0..<y.count { s += y[i] * w[i] }
            return s
        }
        var u = v
        var g = [Double](repeating: 0, count: v.count)
        for i in 0..<v.count {
            let old = u[i]
            u[i] = old + h; let lp = loss(u)
            u[i] = old - h; let lm = loss(u)
            u[i] = old
            g[i] = (lp - lm) / (2 * h)
        }
        return g
    }
}
