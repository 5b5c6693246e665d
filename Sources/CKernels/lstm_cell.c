// LSTM's fused pointwise step (LSTMCell.swift; Keras keras/src/layers/rnn/lstm.py).
#include "CKernels.h"
#include "rc_math.h"

RC_CLONES void rc_lstm_forward(float *restrict g, const float *restrict bias, const float *restrict cprev,
                               float *restrict c, float *restrict actc, float *restrict h, long U) {
    float *gi = g, *gf = g + U, *gc = g + 2 * U, *go = g + 3 * U;
    if (bias) {
        for (long k = 0; k < 4 * U; k++) g[k] += bias[k];
    }
    for (long u = 0; u < U; u++) {
        float i = rc_sigmoidf(gi[u]), f = rc_sigmoidf(gf[u]), cc = rc_tanhf(gc[u]), o = rc_sigmoidf(go[u]);
        float cn = f * cprev[u] + i * cc;
        float a = rc_tanhf(cn);
        gi[u] = i; gf[u] = f; gc[u] = cc; go[u] = o;
        c[u] = cn; actc[u] = a; h[u] = o * a;
    }
}

RC_CLONES void rc_lstm_backward(float *restrict g, const float *restrict dh, float *restrict dc,
                                const float *restrict actc, const float *restrict cprev, long U) {
    float *gi = g, *gf = g + U, *gc = g + 2 * U, *go = g + 3 * U;
    for (long u = 0; u < U; u++) {
        float i = gi[u], f = gf[u], cc = gc[u], o = go[u], a = actc[u], d = dh[u];
        float dct = dc[u] + d * o * (1.0f - a * a);
        gi[u] = dct * cc * i * (1.0f - i);
        gf[u] = dct * cprev[u] * f * (1.0f - f);
        gc[u] = dct * i * (1.0f - cc * cc);
        go[u] = d * a * o * (1.0f - o);
        dc[u] = dct * f;
    }
}
