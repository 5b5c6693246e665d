import Foundation

/// Test-only reference of Keras's recurrent layers in Double, without dropout: the plain loops of
/// `RecurrentDropoutReference` (straight from keras/src/layers/rnn/{simple_rnn,lstm,gru}.py and
/// the masking rule of the Keras 3 backend `rnn`) with every dropout mask 1. Independent of the
/// fused kernels it checks.
struct RecurrentReference {
    enum Kind { case simple, lstm, gruAfter, gruBefore }
    var kind: Kind
    var units: Int
    var features: Int
    var activation: (Double) -> Double = tanh
    var recurrentActivation: (Double) -> Double = { 1 / (1 + exp(-$0)) }
    var goBackwards = false
    var returnSequences = false

    var gates: Int { kind == .simple ? 1 : (kind == .lstm ? 4 : 3) }

    /// kernel (F, G), recurrent (U, G), bias (G) or (2, G) for gruAfter (nil = no bias).
    /// x (B, T, F) flat; mask (B, T) or nil. Returns (output flat, final h, final c).
    /// The formulas live once, in `RecurrentDropoutReference`; without dropout every mask is 1.
    func forward(x: [Double], B: Int, T: Int, kernel: [Double], recurrent: [Double], bias: [Double]?,
                 mask: [Double]?) -> (out: [Double], h: [Double], c: [Double]) {
        RecurrentDropoutReference(kind: kind, units: units, features: features, activation: activation,
                                  recurrentActivation: recurrentActivation, goBackwards: goBackwards,
                                  returnSequences: returnSequences)
            .forward(x: x, B: B, T: T, kernel: kernel, recurrent: recurrent, bias: bias, mask: mask,
                     inputMasks: [], recurrentMasks: [])
    }
}
