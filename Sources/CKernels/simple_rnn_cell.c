// SimpleRNN's fused pointwise step (SimpleRNNCell.swift; Keras keras/src/layers/rnn/simple_rnn.py).
#include "CKernels.h"
#include "rc_math.h"

RC_CLONES void rc_simple_forward(float *restrict g, const float *restrict bias, float *restrict h, long U) {
    for (long u = 0; u < U; u++) {
        float v = rc_tanhf(g[u] + (bias ? bias[u] : 0.0f));
        g[u] = v; h[u] = v;
    }
}

RC_CLONES void rc_simple_backward(float *restrict g, const float *restrict dh, long U) {
    for (long u = 0; u < U; u++) g[u] = dh[u] * (1.0f - g[u] * g[u]);
}
