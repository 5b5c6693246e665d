/// Test-only reference of Keras's recurrent layers in Double, without dropout: the plain loops of
/// `RecurrentDropoutReference` (straight from keras/src/layers/rnn/{simple_rnn,lstm,gru}.py and
/// the masking rule of the Keras 3 backend `rnn`) with every dropout mask 1. Independent of the
/// fused kernels it checks.
typealias RecurrentReference = RecurrentDropoutReference

extension RecurrentDropoutReference {
    /// kernel (F, G), recurrent (U, G), bias (G) or (2, G) for gruAfter (nil = no bias);
    /// x (B, T, F) flat; mask (B, T) or nil. Returns (output flat, final h, final c).
    func forward(x: [Double], B: Int, T: Int, kernel: [Double], recurrent: [Double], bias: [Double]?,
                 mask: [Double]?) -> (out: [Double], h: [Double], c: [Double]) {
        forward(x: x, B: B, T: T, kernel: kernel, recurrent: recurrent, bias: bias, mask: mask,
                inputMasks: [], recurrentMasks: [])
    }
}
