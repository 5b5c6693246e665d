import CKernels

/// A matrix `B` `(k, n)` prepared once for many products `C = A · B + beta · C`, such as a
/// recurrent kernel that every timestep multiplies.
///
/// On x86-64 with AVX-512 it holds `B` packed into panels of 32 columns (`rc_pack_panels`) and
/// multiplies with a register-blocked kernel (`rc_gemm_packed`): a CBLAS GEMM repacks `B` on
/// every call, which at the per-step shapes (for example 32×512×128, one core's half of batch
/// 64 for an LSTM(128)) is about a third of its time. Elsewhere (arm64, macOS's Accelerate,
/// CPUs without AVX-512) it keeps a row-major copy and calls `BLAS.gemm`.
///
/// On the packed kernel each element of `C` is one float32 sum over `k` in order, so a product
/// does not depend on how the rows of `A` are split across threads (a CBLAS GEMM may block a
/// product differently for different row counts). Results differ from a CBLAS product only by
/// float32 rounding order. Like `BLAS.gemm`, a product flushes subnormals on the calling thread.
///
/// Immutable after `init`; `multiply` may be called from several threads at once.
public final class PackedMatrix: @unchecked Sendable {
    /// Rows of `B` (the inner dimension of the product).
    public let k: Int
    /// Columns of `B` and of `C`.
    public let n: Int
    private let storage: UnsafeMutablePointer<Float>
    private let packed: Bool

    /// Whether products run on the packed kernel here (otherwise on `BLAS.gemm`).
    public static let usesPackedKernel: Bool = rc_packed_gemm_available() != 0

    /// Prepares `B` from `b`, a row-major `(k, n)` matrix with row stride `ldb`; with
    /// `transposed`, `b` holds `Bᵀ` `(n, k)` with row stride `ldb` and the product uses its
    /// transpose. `packedKernel` false takes the CBLAS path even where the packed kernel runs.
    public init(_ b: UnsafePointer<Float>, ldb: Int, k: Int, n: Int, transposed: Bool = false,
                packedKernel: Bool = PackedMatrix.usesPackedKernel) {
        precondition(k > 0 && n > 0, "PackedMatrix needs a non-empty matrix, found (\(k), \(n))")
        self.k = k
        self.n = n
        packed = packedKernel && Self.usesPackedKernel
        let count = packed ? rc_packed_size(k, n) : k * n
        storage = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
        if packed {
            rc_pack_panels(b, ldb, k, n, transposed ? 1 : 0, storage)
        } else {
            for r in 0..<k {
                for c in 0..<n { storage[r * n + c] = transposed ? b[c * ldb + r] : b[r * ldb + c] }
            }
        }
    }

    deinit { storage.deallocate() }

    /// `C = A · B[0..<rows, :] + beta · C` on the calling thread: `A` is `(m, rows)` with row
    /// stride `lda`, `C` is `(m, n)` with row stride `ldc`; `rows` defaults to all `k` rows of
    /// `B` (a smaller value uses only the first rows, e.g. two of a GRU's three gate blocks).
    @inline(__always)
    public func multiply(m: Int, a: UnsafePointer<Float>, lda: Int, rows: Int? = nil,
                         beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let kk = rows ?? k
        precondition(kk <= k, "PackedMatrix has \(k) rows, a product asked for \(kk)")
        if m == 0 { return }
        _ = rc_flush_denormals()
        if packed {
            rc_gemm_packed(m, n, kk, a, lda, storage, k, beta, c, ldc)
        } else {
            BLAS.gemm(m: m, n: n, k: kk, a: a, lda: lda, b: storage, ldb: n, beta: beta, c: c, ldc: ldc)
        }
    }
}
