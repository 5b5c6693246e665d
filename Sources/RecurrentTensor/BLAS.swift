import CKernels
import Foundation
#if canImport(Accelerate)
import Accelerate
#else
import COpenBLAS
#endif

/// Matrix products through CBLAS: OpenBLAS on Linux, Accelerate on macOS.
///
/// Every matrix product in Recurrent goes through `BLAS.gemm`, except the per-step recurrent
/// products on CPUs with AVX-512, which use `PackedMatrix`. Matrices are row-major; `lda`,
/// `ldb` and `ldc` are row strides in elements, so a matrix can be a strided view (for example
/// the rows of one timestep inside a `(batch, timesteps, features)` buffer).
///
/// Threading: Recurrent sets the BLAS library to one thread (`BLAS.configureThreads()`) and splits
/// work across cores itself (`BLAS.gemmParallel`, and batch splitting in the recurrent kernels), so
/// the two never oversubscribe the cores.
public enum BLAS {
    /// `C = alpha · op(A) · op(B) + beta · C` where `op(A)` is `(m, k)`, `op(B)` is `(k, n)`
    /// and `C` is `(m, n)`. Runs on the calling thread.
    @inlinable
    public static func gemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        _ = rc_flush_denormals()
        if k == 0 {
            if beta == 0 {
                for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) }
            } else if beta != 1 {
                for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
            }
            return
        }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The same product as `gemm`, split across `Parallel.workerCount` threads by rows of `C`
    /// (or by columns when `m` is small), each part a single-threaded BLAS call. Use it for the
    /// large products (input projections over all timesteps, weight gradients).
    public static func gemmParallel(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let workers = Parallel.workerCount
        let flops = 2 * m * n * k
        if workers < 2 || flops < 4_000_000 {
            gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                 b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        let pa = UnsafeSendable(UnsafeMutablePointer(mutating: a))
        let pb = UnsafeSendable(UnsafeMutablePointer(mutating: b))
        let pc = UnsafeSendable(c)
        if m >= n || m >= 16 * workers {
            // Split rows of C (rows of op(A)) in blocks of 16 for the micro-kernel, ⌊blocks/W⌋ or
            // ⌈blocks/W⌉ per worker (229 rows on 2 → 112 + 117, not 128 + 101); the last block
            // may be short.
            let blocks = (m + 15) / 16
            @inline(__always) func start(_ w: Int) -> Int { min(m, (w * blocks / workers) * 16) }
            Parallel.forEach(workers) { w in
                let m0 = start(w), m1 = start(w + 1)
                if m0 >= m1 { return }
                let aOff = transA ? m0 : m0 * lda
                gemm(transA: transA, transB: transB, m: m1 - m0, n: n, k: k, alpha: alpha,
                     a: pa.value + aOff, lda: lda, b: pb.value, ldb: ldb, beta: beta,
                     c: pc.value + m0 * ldc, ldc: ldc)
            }
        } else {
            let chunk = ((n + workers - 1) / workers + 15) / 16 * 16
            Parallel.forEach(workers) { w in
                let n0 = w * chunk, n1 = min(n, n0 + chunk)
                if n0 >= n1 { return }
                let bOff = transB ? n0 * ldb : n0
                gemm(transA: transA, transB: transB, m: m, n: n1 - n0, k: k, alpha: alpha,
                     a: pa.value, lda: lda, b: pb.value + bOff, ldb: ldb, beta: beta,
                     c: pc.value + n0, ldc: ldc)
            }
        }
    }

    /// The kernel family the BLAS library chose for this CPU (OpenBLAS `openblas_get_corename`),
    /// or "Accelerate" on macOS.
    public static var coreName: String {
        #if canImport(Accelerate)
        return "Accelerate"
        #else
        return String(cString: openblas_get_corename())
        #endif
    }

    /// The `OPENBLAS_CORETYPE` to use when OpenBLAS did not recognise this CPU and fell back to
    /// its generic SSE3 kernels (Debian's 0.3.21 does this on CPUs newer than it, e.g. Intel
    /// Emerald Rapids, family 6 model 207): `SkylakeX` when the CPU has AVX-512 (F, BW, DQ, VL),
    /// `Haswell` when it has AVX2 and FMA; nil when OpenBLAS chose well or on macOS.
    /// OpenBLAS reads the variable once, when it loads, so the `recurrent` tool re-executes itself
    /// with it set (see `RecurrentCLI`).
    public static func suggestedCoreType() -> String? {
        #if canImport(Accelerate)
        return nil
        #else
        let generic: Set<String> = ["Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Katmai",
                                    "Coppermine", "Northwood", "Banias"]
        guard generic.contains(coreName),
              let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        if ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
        return nil
        #endif
    }

    /// Pins the BLAS library to one thread; Recurrent parallelises above it.
    /// Called once, before the first product, by `Parallel`.
    public static func configureThreads() {
        #if !canImport(Accelerate)
        openblas_set_num_threads(1)
        #endif
    }
}
