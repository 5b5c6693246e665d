#include "CKernels.h"
#include <stdint.h>
#include <string.h>

#if defined(__linux__) && defined(__GLIBC__)
#include <malloc.h>
#include <limits.h>
void rc_malloc_keep_heap(void) {
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, INT_MAX);
}
#else
void rc_malloc_keep_heap(void) {}
#endif

#if defined(__x86_64__)
#include <xmmintrin.h>
int rc_flush_denormals(void) {
    unsigned int csr = _mm_getcsr();
    unsigned int want = csr | 0x8040;  // FTZ (bit 15) | DAZ (bit 6)
    if (csr == want) return 1;
    _mm_setcsr(want);
    return 0;
}
#elif defined(__aarch64__)
int rc_flush_denormals(void) {
    unsigned long fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    unsigned long want = fpcr | (1UL << 24);  // FZ
    if (fpcr == want) return 1;
    __asm__ volatile("msr fpcr, %0" : : "r"(want));
    return 0;
}
#else
int rc_flush_denormals(void) { return 1; }
#endif

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

#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
__attribute__((target("avx512f"))) static const char *isa512(void) { return "avx512"; }
const char *rc_kernel_isa(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return isa512();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "avx2";
    return "generic";
}
#else
const char *rc_kernel_isa(void) { return "generic"; }
#endif

RC_CLONES void rc_sigmoid(float *x, long n) {
    for (long i = 0; i < n; i++) x[i] = rc_sigmoidf(x[i]);
}

RC_CLONES void rc_tanh(float *x, long n) {
    for (long i = 0; i < n; i++) x[i] = rc_tanhf(x[i]);
}

RC_CLONES void rc_exp(float *x, long n) {
    for (long i = 0; i < n; i++) x[i] = rc_expf(x[i]);
}

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

RC_CLONES void rc_simple_forward(float *restrict g, const float *restrict bias, float *restrict h, long U) {
    for (long u = 0; u < U; u++) {
        float v = rc_tanhf(g[u] + (bias ? bias[u] : 0.0f));
        g[u] = v; h[u] = v;
    }
}

RC_CLONES void rc_simple_backward(float *restrict g, const float *restrict dh, long U) {
    for (long u = 0; u < U; u++) g[u] = dh[u] * (1.0f - g[u] * g[u]);
}

// ---------------------------------------------------------------- packed GEMM
// The recurrent products h₋₁·R (forward) and dG·Rᵀ (backward) multiply the same small matrix at
// every timestep. A CBLAS GEMM repacks it on every call (OpenBLAS: about a third of the time of
// a 32×512×128 product); here it is packed once per forward or backward pass. Micro-kernel: 12
// rows of A by one 32-column panel of B, 24 AVX-512 accumulators, one broadcast of A and two
// panel loads per k (the classic register-blocked GEMM of Goto and van de Geijn, 2008).

#define RC_NR 32
#define RC_MR 12

long rc_packed_size(long k, long n) { return k * ((n + RC_NR - 1) / RC_NR) * RC_NR; }

void rc_pack_panels(const float *b, long ldb, long k, long n, int transpose, float *packed) {
    long panels = (n + RC_NR - 1) / RC_NR;
    for (long p = 0; p < panels; p++) {
        float *dst = packed + p * k * RC_NR;
        for (long kk = 0; kk < k; kk++) {
            for (long j = 0; j < RC_NR; j++) {
                long col = p * RC_NR + j;
                float v = 0;
                if (col < n) v = transpose ? b[col * ldb + kk] : b[kk * ldb + col];
                dst[kk * RC_NR + j] = v;
            }
        }
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

int rc_packed_gemm_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
}

// `rows` (1…RC_MR) rows of A times one panel; `rows` is a constant at every call site and the
// loops over it are unrolled in full, so the accumulator arrays become registers (without the
// pragma, -O2 keeps them in memory and the kernel runs 2.5× slower).
#define RC_UNROLL _Pragma("clang loop unroll(full)")
__attribute__((target("avx512f"), always_inline)) static inline void
rc_panel_block(const int rows, long k, const float *a, long lda, const float *panel, float beta,
               float *c, long ldc, __mmask16 m0, __mmask16 m1) {
    __m512 lo[RC_MR], hi[RC_MR];
    RC_UNROLL
    for (int r = 0; r < rows; r++) { lo[r] = _mm512_setzero_ps(); hi[r] = _mm512_setzero_ps(); }
    for (long kk = 0; kk < k; kk++) {
        __m512 b0 = _mm512_loadu_ps(panel + kk * RC_NR), b1 = _mm512_loadu_ps(panel + kk * RC_NR + 16);
        RC_UNROLL
        for (int r = 0; r < rows; r++) {
            __m512 x = _mm512_set1_ps(a[r * lda + kk]);
            lo[r] = _mm512_fmadd_ps(x, b0, lo[r]);
            hi[r] = _mm512_fmadd_ps(x, b1, hi[r]);
        }
    }
    RC_UNROLL
    for (int r = 0; r < rows; r++) {
        float *cr = c + r * ldc;
        if (beta == 1.0f) {
            lo[r] = _mm512_add_ps(lo[r], _mm512_maskz_loadu_ps(m0, cr));
            hi[r] = _mm512_add_ps(hi[r], _mm512_maskz_loadu_ps(m1, cr + 16));
        } else if (beta != 0.0f) {
            __m512 bv = _mm512_set1_ps(beta);
            lo[r] = _mm512_add_ps(lo[r], _mm512_mul_ps(bv, _mm512_maskz_loadu_ps(m0, cr)));
            hi[r] = _mm512_add_ps(hi[r], _mm512_mul_ps(bv, _mm512_maskz_loadu_ps(m1, cr + 16)));
        }
        _mm512_mask_storeu_ps(cr, m0, lo[r]);
        _mm512_mask_storeu_ps(cr + 16, m1, hi[r]);
    }
}

__attribute__((target("avx512f"))) void
rc_gemm_packed(long m, long n, long k, const float *a, long lda, const float *packed, long packed_k,
               float beta, float *c, long ldc) {
    long panels = (n + RC_NR - 1) / RC_NR;
    for (long p = 0; p < panels; p++) {
        const float *panel = packed + p * packed_k * RC_NR;
        long cols = n - p * RC_NR;
        if (cols > RC_NR) cols = RC_NR;
        __mmask16 m0 = cols >= 16 ? 0xFFFF : (__mmask16)((1u << cols) - 1);
        __mmask16 m1 = cols >= 32 ? 0xFFFF : (cols > 16 ? (__mmask16)((1u << (cols - 16)) - 1) : 0);
        for (long i = 0; i < m; i += RC_MR) {
            long rows = m - i < RC_MR ? m - i : RC_MR;
            const float *ai = a + i * lda;
            float *ci = c + i * ldc + p * RC_NR;
            switch (rows) {
#define RC_BLOCK(R) case R: rc_panel_block(R, k, ai, lda, panel, beta, ci, ldc, m0, m1); break;
                RC_BLOCK(1) RC_BLOCK(2) RC_BLOCK(3) RC_BLOCK(4) RC_BLOCK(5) RC_BLOCK(6)
                RC_BLOCK(7) RC_BLOCK(8) RC_BLOCK(9) RC_BLOCK(10) RC_BLOCK(11) RC_BLOCK(12)
#undef RC_BLOCK
            }
        }
    }
}
#else
int rc_packed_gemm_available(void) { return 0; }

void rc_gemm_packed(long m, long n, long k, const float *a, long lda, const float *packed, long packed_k,
                    float beta, float *c, long ldc) {
    // Unreachable: without AVX-512 `PackedMatrix` keeps a plain copy and calls CBLAS.
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)packed; (void)packed_k; (void)beta; (void)c; (void)ldc;
    __builtin_trap();
}
#endif
