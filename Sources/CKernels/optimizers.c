// Keras's optimizer updates (SGD, Adam, RMSprop) over `rc_update` pieces; see CKernels.h.
#include "CKernels.h"
#include "rc_math.h"  // RC_CLONES: compiled for AVX-512, AVX2 and generic x86-64, chosen at load time

// ---------------------------------------------------------------- optimizer updates
// Keras's update formulas evaluated one operation at a time, each rounded to float32 as
// TensorFlow's elementwise ops round them: no contraction into fused multiply-adds.
#pragma clang fp contract(off)

// A correctly rounded square root that never sets errno, so that loops with it vectorise.
#if defined(__has_builtin)
#if __has_builtin(__builtin_elementwise_sqrt)
#define rc_sqrtf(x) __builtin_elementwise_sqrt(x)
#endif
#endif
#ifndef rc_sqrtf
#include <math.h>
#define rc_sqrtf(x) sqrtf(x)
#endif

static inline float rc_clip(const rc_update *u, float g) {
    if (u->scales) g = (g * u->multiplier) / u->divisor;
    if (u->clamps) {
        g = g > u->bound ? u->bound : g;
        g = g < -u->bound ? -u->bound : g;
    }
    return g;
}

float rc_clipped_gradient(const rc_update *u, float g) { return rc_clip(u, g); }

// The squared gradient the second moments see: g² of the clipped g, or the given sum of the
// occurrences' squares (scaled by f², f = multiplier / divisor, when the clip scales).
static inline float rc_square(const rc_update *u, float g, long i) {
    if (!u->g2 || u->clamps) return g * g;
    float s = u->g2[i];
    if (!u->scales) return s;
    float f = u->multiplier / u->divisor;
    return s * f * f;
}

static inline float rc_decayed(const rc_update *u, float w) {
    return u->decays ? w - (w * u->weight_decay) * u->learning_rate : w;
}

RC_CLONES void rc_adam_replay(float *restrict w, float *restrict m, float *restrict v, long n, float c1, float c2,
                              const float *restrict alphas, long steps, float eps) {
    // Step by step over the whole row (a row is a few hundred bytes, so it stays in L1).
    for (long s = 0; s < steps; s++) {
        const float alpha = alphas[s];
        for (long i = 0; i < n; i++) {
            float mm = m[i] + (0.0f - m[i]) * c1;
            float vv = v[i] + (0.0f - v[i]) * c2;
            m[i] = mm; v[i] = vv;
            w[i] = w[i] - (mm * alpha) / (rc_sqrtf(vv) + eps);
        }
    }
}

RC_CLONES void rc_adam_update(const rc_update *restrict u, float c1, float c2, float alpha, float eps, int amsgrad) {
    float *restrict w = u->w, *restrict m = u->s0, *restrict v = u->s1, *restrict vh = u->s2;
    const long n = u->n;
    // Straight loops for the common cases, so that they vectorise; the general loop below
    // computes the same values.
    const float *restrict gp = u->g, *restrict g2p = u->g2;
    if (!amsgrad && !u->decays && !u->scales && !u->clamps) {
        if (!gp) {  // the rows a sparse gradient left at zero: one step of the replay
            rc_adam_replay(w, m, v, n, c1, c2, &alpha, 1, eps);
        } else if (g2p) {
            for (long i = 0; i < n; i++) {
                float mm = m[i] + (gp[i] - m[i]) * c1;
                float vv = v[i] + (g2p[i] - v[i]) * c2;
                m[i] = mm; v[i] = vv;
                w[i] = w[i] - (mm * alpha) / (rc_sqrtf(vv) + eps);
            }
        } else {
            for (long i = 0; i < n; i++) {
                float g = gp[i];
                float mm = m[i] + (g - m[i]) * c1;
                float vv = v[i] + (g * g - v[i]) * c2;
                m[i] = mm; v[i] = vv;
                w[i] = w[i] - (mm * alpha) / (rc_sqrtf(vv) + eps);
            }
        }
        return;
    }
    for (long i = 0; i < n; i++) {
        float g = u->g ? rc_clip(u, u->g[i]) : 0.0f;
        float g2 = u->g ? rc_square(u, g, i) : 0.0f;
        float mm = m[i] + (g - m[i]) * c1;
        float vv = v[i] + (g2 - v[i]) * c2;
        m[i] = mm; v[i] = vv;
        if (amsgrad) { vv = vh[i] < vv ? vv : vh[i]; vh[i] = vv; }
        w[i] = rc_decayed(u, w[i]) - (mm * alpha) / (rc_sqrtf(vv) + eps);
    }
}

RC_CLONES void rc_sgd_update(const rc_update *restrict u, float momentum, int has_momentum, int nesterov) {
    float *restrict w = u->w, *restrict m = u->s0;
    const float lr = u->learning_rate;
    const float *restrict gp = u->g;
    if (gp && !has_momentum && !u->decays && !u->scales && !u->clamps) {  // vectorises
        for (long i = 0; i < u->n; i++) w[i] = w[i] - gp[i] * lr;
        return;
    }
    for (long i = 0; i < u->n; i++) {
        float g = gp ? rc_clip(u, gp[i]) : 0.0f;
        float wd = rc_decayed(u, w[i]);
        if (!has_momentum) {
            w[i] = wd - g * lr;
            continue;
        }
        float mv = m[i] * momentum - g * lr;
        m[i] = mv;
        w[i] = wd + (nesterov ? mv * momentum - g * lr : mv);
    }
}

RC_CLONES void rc_rmsprop_update(const rc_update *restrict u, float rho, float one_minus_rho, float eps,
                                 float momentum, int has_momentum, int centered) {
    float *restrict w = u->w, *restrict vel = u->s0;
    float *restrict mom = has_momentum ? u->s1 : 0;
    float *restrict avg = centered ? (has_momentum ? u->s2 : u->s1) : 0;
    const float lr = u->learning_rate;
    const float *restrict gp = u->g, *restrict g2p = u->g2;
    if (gp && !has_momentum && !centered && !u->decays && !u->scales && !u->clamps) {  // vectorises
        for (long i = 0; i < u->n; i++) {
            float g = gp[i];
            float v = rho * vel[i] + one_minus_rho * (g2p ? g2p[i] : g * g);
            vel[i] = v;
            w[i] = w[i] - (lr * g) / rc_sqrtf(v + eps);
        }
        return;
    }
    for (long i = 0; i < u->n; i++) {
        float g = u->g ? rc_clip(u, u->g[i]) : 0.0f;
        float g2 = u->g ? rc_square(u, g, i) : 0.0f;
        float v = rho * vel[i] + one_minus_rho * g2;
        vel[i] = v;
        float den = v + eps;
        if (centered) {
            float a = rho * avg[i] + one_minus_rho * g;
            avg[i] = a;
            den = (v - a * a) + eps;
        }
        float inc = (lr * g) / rc_sqrtf(den);
        float wd = rc_decayed(u, w[i]);
        if (has_momentum) {
            float mm = momentum * mom[i] + inc;
            mom[i] = mm;
            w[i] = wd - mm;
        } else {
            w[i] = wd - inc;
        }
    }
}
