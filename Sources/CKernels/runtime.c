// Process-wide settings of the kernels' threads and the instruction set they dispatched to.
#include "CKernels.h"

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
