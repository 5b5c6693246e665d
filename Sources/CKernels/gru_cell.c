// GRU's fused pointwise step with reset_after (GRUResetAfterCell.swift; Keras
// keras/src/layers/rnn/gru.py).
#include "CKernels.h"
#include "rc_math.h"

RC_CLONES void rc_gru_forward(float *restrict g, const float *restrict q, const float *restrict bx,
                              const float *restrict br, const float *restrict hprev, float *restrict rh,
                              float *restrict h, long U) {
    for (long u = 0; u < U; u++) {
        float xz = g[u], xr = g[U + u], xh = g[2 * U + u];
        float qz = q[u], qr = q[U + u], qh = q[2 * U + u];
        if (bx) { xz += bx[u]; xr += bx[U + u]; xh += bx[2 * U + u]; }
        if (br) { qz += br[u]; qr += br[U + u]; qh += br[2 * U + u]; }
        float z = rc_sigmoidf(xz + qz), r = rc_sigmoidf(xr + qr);
        float hh = rc_tanhf(xh + r * qh);
        g[u] = z; g[U + u] = r; g[2 * U + u] = hh;
        rh[u] = qh;
        h[u] = z * hprev[u] + (1.0f - z) * hh;
    }
}

RC_CLONES void rc_gru_backward(float *restrict g, float *restrict rh, float *restrict t, float *restrict direct,
                               const float *restrict hprev, const float *restrict dh, long U) {
    for (long u = 0; u < U; u++) {
        float z = g[u], r = g[U + u], hh = g[2 * U + u], qh = rh[u], d = dh[u];
        float dhh = d * (1.0f - z) * (1.0f - hh * hh);
        float dz = d * (hprev[u] - hh) * z * (1.0f - z);
        float dr = dhh * qh * r * (1.0f - r);
        g[u] = dz; g[U + u] = dr; g[2 * U + u] = dhh;
        t[u] = dz; t[U + u] = dr; t[2 * U + u] = dhh * r;
        rh[u] = dhh * r;
        direct[u] = d * z;
    }
}
