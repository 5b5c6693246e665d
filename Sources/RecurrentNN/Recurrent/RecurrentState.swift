/// The state a recurrent layer carries from step to step (Flux's explicit `(h, c)`): `h`, the
/// hidden state and output, `(batch, units)`, and for LSTM the cell state `c`, `(batch, units)`.
///
/// `RecurrentLayer.forward(_:mask:initialState:training:)` starts from one (zeros when nil, as
/// Keras's `get_initial_state`) and returns the final one (Keras `return_state`); backward takes
/// the gradient of the final state as the same type and returns the initial state's.
public struct RecurrentState: Sendable, Equatable {
    /// `(batch, units)`.
    public var h: Tensor
    /// `(batch, units)` for a cell with two state components (LSTM), else nil.
    public var c: Tensor?

    public init(h: Tensor, c: Tensor? = nil) {
        self.h = h
        self.c = c
    }

    /// The components in Keras's order (`[h]` or `[h, c]`), as `return_state` lists them.
    public var tensors: [Tensor] { c.map { [h, $0] } ?? [h] }

    /// Checks that every component is `(batch, units)` and that `c` is given only to a cell
    /// that has one.
    /// - Throws: `shapeMismatch` or `invalidValue` naming `layer` and what was expected.
    func check(batch B: Int, units U: Int, stateCount: Int, layer: String, meaning: String) throws {
        if c != nil && stateCount < 2 {
            throw RecurrentError.invalidValue(where: layer, expected: "\(meaning) with h only (this cell has no c)",
                                              found: "a c of shape \(c!.shape)")
        }
        for t in tensors where t.shape != [B, U] {
            throw RecurrentError.shapeMismatch(where: layer, expected: "\(meaning) of shape \([B, U])",
                                               found: "shape \(t.shape)")
        }
    }
}
