// Fused elementwise kernels of Recurrent's recurrent cells and optimizer updates, and the packed GEMM of the
// per-step recurrent products, in C so that they can be compiled for
// AVX-512 and AVX2 with runtime dispatch (target_clones on Linux x86-64) while the package still
// runs on any x86-64 or arm64 CPU. Activations are the Keras defaults: σ = sigmoid, tanh.
// exp is Cephes' expf (about 2 ulp); tanh uses Cephes' tanhf polynomial below |x| < 0.625.
// All pointers are contiguous rows of `n` (or `U`) floats.
#ifndef RECURRENT_CKERNELS_H
#define RECURRENT_CKERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// Sets flush-to-zero and denormals-are-zero for the calling thread (x86-64 MXCSR; FPCR.FZ on
/// arm64), as TensorFlow does for its kernels: subnormal floats (below 1.2e-38), which appear as
/// gradients vanish over long sequences, otherwise cost a microcode assist per operation and make
/// GEMMs 10× slower. Returns nonzero when the mode was already set.
int rc_flush_denormals(void);

/// Linux/glibc: serve every allocation from the heap and never trim it (mallopt M_MMAP_MAX 0,
/// M_TRIM_THRESHOLD max), so large per-batch tensors reuse memory instead of being fresh mmaps
/// that the kernel faults in and zeroes on every step. No-op elsewhere. For executables only.
void rc_malloc_keep_heap(void);

/// The instruction set the dispatched kernels use: "avx512", "avx2" or "generic".
const char *rc_kernel_isa(void);

void rc_sigmoid(float *x, long n);
void rc_tanh(float *x, long n);
void rc_exp(float *x, long n);

/// One value through the same formulas as the array kernels (the Swift side's only copy:
/// `VectorMath.exp`, `sigmoid`, `tanh`).
float rc_exp_scalar(float x);
float rc_sigmoid_scalar(float x);
float rc_tanh_scalar(float x);

/// LSTM forward for one row. `g` holds the 4U pre-activations (x·K + h₋₁·R) in the order
/// i, f, c, o; `bias` (4U) may be NULL. On return `g` holds σ(i), σ(f), tanh(c̃), σ(o) and
/// c = f·c₋₁ + i·c̃, actc = tanh(c), h = o·actc.
void rc_lstm_forward(float *g, const float *bias, const float *cprev, float *c, float *actc, float *h, long U);

/// LSTM backward for one row. In: `g` the activated gates, `dh` dLoss/dh, `dc` dLoss/dc from the
/// next step, `actc` tanh(c), `cprev` c₋₁. Out: `g` the pre-activation gradients, `dc` dLoss/dc₋₁.
void rc_lstm_backward(float *g, const float *dh, float *dc, const float *actc, const float *cprev, long U);

/// GRU (reset_after) forward for one row. `g` holds x·K (3U, order z, r, h), `q` h₋₁·R (3U);
/// `bx`, `br` the input and recurrent biases (3U each, or NULL). On return `g` holds z, r, hh,
/// `rh` = q_h + br_h, and `h` = z·h₋₁ + (1 − z)·hh.
void rc_gru_forward(float *g, const float *q, const float *bx, const float *br, const float *hprev,
                    float *rh, float *h, long U);

/// GRU (reset_after) backward for one row. In: `g` (z, r, hh), `rh`, `hprev`, `dh`. Out: `g` the
/// input-side pre-activation gradients (dz, dr, dhh), `t` (3U) the recurrent-side ones
/// (dz, dr, dhh·r), `rh` dhh·r, and `direct` = dh·z (the part of dLoss/dh₋₁ outside R).
void rc_gru_backward(float *g, float *rh, float *t, float *direct, const float *hprev, const float *dh, long U);

/// SimpleRNN (tanh) forward for one row: h = tanh(g + bias) written to `g` and `h`.
void rc_simple_forward(float *g, const float *bias, float *h, long U);

/// SimpleRNN (tanh) backward for one row: g = dh · (1 − g²), where g holds h.
void rc_simple_backward(float *g, const float *dh, long U);

/// One optimizer update over `n` contiguous floats of a weight `w` (Keras's formulas, see the
/// Swift optimizers; every operation rounded to float32, no fused multiply-adds):
/// - `g`: the gradient, or NULL for a zero gradient (rows an Embedding's backward left at zero);
/// - `g2`: NULL to use g² of the clipped g, or Σ of the squared occurrences for a gradient Keras
///   keeps as IndexedSlices (scaled by (multiplier / divisor)² when the clip scales);
/// - clip: `scales` → g·multiplier / divisor, then `clamps` → clip(g, −bound, bound);
/// - weight decay (`decays`): w − (w · weight_decay) · learning_rate before the step;
/// - `s0`, `s1`, `s2`: the slots in the optimizer's order (unused ones may be NULL).
typedef struct rc_update {
    float *w;
    const float *g;
    const float *g2;
    float *s0, *s1, *s2;
    long n;
    float multiplier, divisor, bound;
    int scales, clamps;
    float weight_decay, learning_rate;
    int decays;
} rc_update;

/// The clip of `u` applied to one gradient element (scales, then clamps): what every update
/// kernel does to each g before using it.
float rc_clipped_gradient(const rc_update *u, float g);

/// SGD (keras/src/optimizers/sgd.py): without momentum w ← w − g·lr; with it
/// m ← m·momentum − g·lr and w ← w + m, or with `nesterov` w ← w + (m·momentum − g·lr).
/// `learning_rate` is `u->learning_rate`. Slot: momentum (if `has_momentum`).
void rc_sgd_update(const rc_update *u, float momentum, int has_momentum, int nesterov);

/// Adam: m ← m + (g − m)·c1; v ← v + (g² − v)·c2; amsgrad v̂ ← max(v̂, v);
/// w ← w − (m·α) / (√v + ε). Slots: m, v, v̂.
void rc_adam_update(const rc_update *u, float c1, float c2, float alpha, float eps, int amsgrad);

/// Adam's update of a row that sparse gradients left at zero for `steps` consecutive steps,
/// whose coefficients are alphas[0..<steps): per element and step, exactly the zero-gradient
/// update of rc_adam_update (m ← m + (0 − m)·c1; v ← v + (0 − v)·c2; w ← w − (m·α) / (√v + ε)),
/// so the result is bit-identical to those steps run one by one. `n` weights at w, m and v.
void rc_adam_replay(float *w, float *m, float *v, long n, float c1, float c2, const float *alphas, long steps, float eps);

/// RMSprop: v ← ρ·v + (1−ρ)·g²; centered a ← ρ·a + (1−ρ)·g, d = (v − a²) + ε, else d = v + ε;
/// Δ = (lr·g) / √d; momentum m ← μ·m + Δ, w ← w − m; else w ← w − Δ.
/// Slots: velocity, then momentum (if `has_momentum`), then average_gradient (if `centered`).
void rc_rmsprop_update(const rc_update *u, float rho, float one_minus_rho, float eps, float momentum,
                       int has_momentum, int centered);


/// Products with a matrix that is multiplied many times, such as a recurrent kernel at every
/// timestep: `B` (`(k, n)`) is packed once into panels of 32 columns (each panel `k` rows of 32
/// floats, the last one zero-padded), and each product then streams the panels from cache
/// instead of repacking `B` on every call as a CBLAS GEMM must. Each element of `C` is one
/// float32 sum over `k` in order with fused multiply-adds, so the result does not depend on how
/// the rows of `A` are split across threads.
///
/// Floats a packed `(k, n)` matrix takes: `k · ⌈n / 32⌉ · 32`.
long rc_packed_size(long k, long n);

/// 1 when `rc_gemm_packed` runs here (x86-64 with AVX-512F); otherwise callers use CBLAS.
int rc_packed_gemm_available(void);

/// Packs `B` (`(k, n)`, row stride `ldb`), or with `transpose` packs `Bᵀ` where `b` holds the
/// `(n, k)` matrix with row stride `ldb`, into `packed` (`rc_packed_size(k, n)` floats).
void rc_pack_panels(const float *b, long ldb, long k, long n, int transpose, float *packed);

/// `C = A · B + beta · C` with `A` `(m, k)` (row stride `lda`), `B` the first `k` rows of a
/// matrix packed with `packed_k` rows (`k ≤ packed_k`) and `n` columns, `C` `(m, n)` (row stride
/// `ldc`). Requires `rc_packed_gemm_available()`.
void rc_gemm_packed(long m, long n, long k, const float *a, long lda, const float *packed, long packed_k,
                    float beta, float *c, long ldc);

#ifdef __cplusplus
}
#endif
#endif
