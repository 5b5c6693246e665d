#include "CKernels.h"

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
