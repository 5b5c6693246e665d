/// How a sliding window (a convolution kernel or a pooling window) treats the ends of a sequence,
/// with Keras's strings as raw values.
///
/// For an input of `length` steps, a window of `window` steps and a stride `s`
/// (Keras `compute_conv_output_shape` / `compute_pooling_output_shape`,
/// keras/src/ops/operation_utils.py, and TensorFlow's `GetWindowedOutputSize`):
/// - `valid`: no padding; `out = floor((length − window) / s) + 1`, which must be positive.
/// - `same`: `out = floor((length − 1) / s) + 1 = ceil(length / s)`; the total padding
///   `max((out − 1)·s + window − length, 0)` is split with the smaller half on the **left** and the
///   extra step on the **right**, as TensorFlow does.
/// - `causal` (Conv1D only): `window − 1` steps of zeros on the left, none on the right
///   (keras/src/layers/convolutional/conv1d.py `_compute_causal_padding`), then a valid window;
///   the length comes out as for `same`, and output step `t` sees inputs up to `t·s` only.
public enum Padding: String, Sendable, CaseIterable, Codable {
    case valid
    case same
    case causal

    /// Parses a Keras padding string, case-insensitively (`"valid"`, `"SAME"`, `"causal"`).
    /// - Throws: `RecurrentError.invalidConfiguration` listing the valid names.
    public init(keras name: String) throws {
        guard let p = Padding(rawValue: name.lowercased()) else {
            throw RecurrentError.invalidConfiguration(
                where: "Padding", message: "unknown padding '\(name)'; valid: "
                    + Padding.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self = p
    }

    /// The number of output steps for `length` input steps; zero or negative when a `valid`
    /// window does not fit (callers turn that into an error).
    public func outputLength(inputLength length: Int, window: Int, stride: Int) -> Int {
        switch self {
        case .valid:
            // Floor division that stays correct for a negative numerator.
            let span = length - window
            return span < 0 ? 0 : span / stride + 1
        case .same, .causal:
            return length <= 0 ? 0 : (length - 1) / stride + 1
        }
    }

    /// The number of padded steps before the first input step.
    public func leftPad(inputLength length: Int, window: Int, stride: Int) -> Int {
        switch self {
        case .valid: return 0
        case .causal: return window - 1
        case .same:
            let out = outputLength(inputLength: length, window: window, stride: stride)
            let total = max((out - 1) * stride + window - length, 0)
            return total / 2  // TensorFlow: the odd step of padding goes on the right.
        }
    }
}
