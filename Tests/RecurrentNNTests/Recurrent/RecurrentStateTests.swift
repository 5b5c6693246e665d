import Testing
@testable import RecurrentTestSupport
import Recurrent

/// Typed state: a sequence run in two calls, the second starting from the first's final state
/// (`h`, and `c` for LSTM), gives the output and final state of one call over the whole
/// sequence; a state of the wrong shape or kind is an error naming the layer.
struct RecurrentStateTests {
    static let labels = ["SimpleRNN", "LSTM", "GRU", "GRU reset_before"]

    static func make(_ which: Int) -> RecurrentLayer {
        switch which {
        case 0: SimpleRNN(4)
        case 1: LSTM(4)
        case 2: GRU(4)
        default: GRU(4, resetAfter: false)
        }
    }

    /// Steps `range` of a `(B, T, F)` tensor.
    static func steps(_ x: Tensor, _ range: Range<Int>) -> Tensor {
        let B = x.shape[0], T = x.shape[1], F = x.shape[2]
        var out = Tensor(shape: [B, range.count, F])
        for b in 0..<B {
            for (i, t) in range.enumerated() {
                for f in 0..<F { out.data[(b * range.count + i) * F + f] = x.data[(b * T + t) * F + f] }
            }
        }
        return out
    }

    @Test(arguments: 0..<4)
    func stateCarriesAcrossCalls(_ which: Int) throws {
        let label = Self.labels[which]
        var rng = RandomGenerator(seed: 11)
        let layer = Self.make(which)
        try layer.build(inputShape: [6, 3], rng: &rng)
        var x = Tensor(shape: [5, 6, 3])
        for i in 0..<x.count { x.data[i] = rng.uniform(-1, 1) }
        let whole = try layer.forwardWithStates(x, mask: nil, training: false)
        let first = try layer.forwardWithStates(Self.steps(x, 0..<4), mask: nil, training: false)
        #expect((first.state.c != nil) == (layer.stateCount == 2), "\(label): c")
        let second = try layer.forward(Self.steps(x, 4..<6), mask: nil, initialState: first.state, training: false)
        for (a, e, what) in [(second.output, whole.output, "output"), (second.state.h, whole.state.h, "h")] {
            #expect(zip(a.data, e.data).allSatisfy { abs($0 - $1) <= 1e-6 }, "\(label): \(what) of two calls differs from one")
        }
        if let c = second.state.c, let e = whole.state.c {
            #expect(zip(c.data, e.data).allSatisfy { abs($0 - $1) <= 1e-6 }, "\(label): c of two calls differs from one")
        }
    }

    @Test func wrongStatesAreErrors() throws {
        var rng = RandomGenerator(seed: 1)
        let gru = GRU(4, name: "gru_state"), lstm = LSTM(4, name: "lstm_state")
        try gru.build(inputShape: [6, 3], rng: &rng)
        try lstm.build(inputShape: [6, 3], rng: &rng)
        let x = Tensor(shape: [2, 6, 3], repeating: 0.5)
        let h = Tensor(shape: [2, 4])
        let bad: [(RecurrentLayer, RecurrentState)] = [
            (gru, RecurrentState(h: h, c: h)),             // GRU has no c
            (gru, RecurrentState(h: Tensor(shape: [3, 4]))),  // another batch
            (lstm, RecurrentState(h: h, c: Tensor(shape: [2, 5]))),  // another width
        ]
        for (layer, state) in bad {
            #expect(throws: RecurrentError.self) { _ = try layer.forward(x, mask: nil, initialState: state, training: false) }
            do {
                _ = try layer.forward(x, mask: nil, initialState: state, training: false)
            } catch {
                #expect("\(error)".contains(layer.name), "\(error)")
            }
        }
    }
}
