// Private to CKernels: the scalar math every kernel inlines, and the dispatch attribute.
// exp is Cephes' expf (range reduction by ln 2 split in two constants, then a degree-6
// polynomial; about 2 ulp over [-87.3, 88.7], saturating outside); tanh uses Cephes' tanhf odd
// polynomial below |x| < 0.625 and 1 − 2 / (exp(2|x|) + 1) above (absolute error below 2e-7);
// sigmoid(x) = 1 / (1 + exp(−x)). The only copy of these formulas in Recurrent: Swift calls
// them through rc_exp_scalar and the array kernels.
#ifndef RECURRENT_RC_MATH_H
#define RECURRENT_RC_MATH_H
#include <stdint.h>
#include <string.h>

// Each kernel is compiled for AVX-512, AVX2 and generic x86-64 and chosen at load time.
#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define RC_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define RC_CLONES
#endif

static inline float rc_expf(float x) {
    x = x < -87.3f ? -87.3f : x;
    x = x > 88.7f ? 88.7f : x;
    const float shifter = 12582912.0f;  // 1.5 · 2^23: adding it rounds to an integer in the low bits
    float t = x * 1.44269504f + shifter;
    float n = t - shifter;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float y = p * (r * r) + r + 1.0f;
    int32_t tb;
    memcpy(&tb, &t, 4);
    int32_t eb = (tb - 0x4B400000 + 127) << 23;
    float s;
    memcpy(&s, &eb, 4);
    return y * s;
}

static inline float rc_sigmoidf(float x) { return 1.0f / (1.0f + rc_expf(-x)); }

static inline float rc_tanhf(float x) {
    float ax = x < 0 ? -x : x;
    float e = rc_expf(ax + ax);
    float big = 1.0f - 2.0f / (e + 1.0f);
    big = x < 0 ? -big : big;
    float z = x * x;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z + -5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z + -3.33332819422e-1f;
    float small = p * z * x + x;
    return ax < 0.625f ? small : big;
}

#endif
