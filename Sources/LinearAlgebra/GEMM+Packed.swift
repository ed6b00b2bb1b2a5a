// GEMM+Packed: C = A·Wᵀ for few rows of A over weights packed once (PackedWeights), split by columns over threads.
internal import SIMDKernels
import Foundation

extension GEMM {
    /// Up to this many rows of A, `multiplyTransposed(m:a:lda:packed:unpacked:c:ldc:)` runs the packed
    /// kernel; above it OpenBLAS sgemm on the unpacked weights. `LOCALRAG_PACKED_MAX_ROWS` overrides it
    /// (0: always sgemm), for A/B runs without a rebuild.
    public static let packedRowLimit: Int = {
        if let s = ProcessInfo.processInfo.environment["LOCALRAG_PACKED_MAX_ROWS"], let v = Int(s), v >= 0 { return v }
        return 128
    }()

    /// Multiply-adds (m·n·k) from which the packed product is split by columns over `BLASThreads.count`
    /// threads. The smallest MiniLM product at one query (11 x 384 x 384 = 1.6 M, ~23 µs) is
    /// below it; the others (4.9 M to 6.5 M, 75-100 µs) are above.
    public static let packedSplitWork = 3_000_000

    /// `C[m x n] = A[m x k] · Wᵀ` (no bias, C overwritten) with `W [n x k]` packed in `packed`,
    /// on the packed kernel whatever `m` is (it re-reads the weights once per 120 rows). Columns are
    /// split over `BLASThreads.count` threads in whole 32-column tiles when the product is large
    /// enough (`packedSplitWork`), so each thread reads only its own part of the weights.
    public static func multiplyPacked(
        m: Int, a: UnsafePointer<Float>, lda: Int? = nil,
        packed w: PackedWeights,
        c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
        path: SIMDPath = .current
    ) {
        let n = w.rows, k = w.cols
        guard m > 0, n > 0 else { return }
        let lda = lda ?? k, ldc = ldc ?? n
        let tiles = (n + 31) / 32
        let threads = BLASThreads.count
        // At least two tiles (64 columns) per part; boundaries on whole tiles.
        let parts = (threads > 1 && m * n * k >= packedSplitWork) ? min(threads, tiles / 2) : 1
        withExtendedLifetime(w.storage) {
            let b = w.pointer
            if parts <= 1 {
                lr_small_gemm(path.rawValue, a, m, k, lda, b, n, 0, n, c, ldc)
                return
            }
            BLASThreads.parallel(parts) { p in
                let begin = p * tiles / parts * 32, end = min(n, (p + 1) * tiles / parts * 32)
                lr_small_gemm(path.rawValue, a, m, k, lda, b, n, begin, end, c, ldc)
            }
        }
    }

    /// `C[m x n] = A[m x k] · Wᵀ` for a linear layer held both packed and as stored (`unpacked`,
    /// `[n x k]` row-major): the packed kernel up to `packedRowLimit` rows, sgemm above.
    public static func multiplyTransposed(
        m: Int, a: UnsafePointer<Float>, lda: Int? = nil,
        packed: PackedWeights, unpacked: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int? = nil
    ) {
        if m <= packedRowLimit {
            multiplyPacked(m: m, a: a, lda: lda, packed: packed, c: c, ldc: ldc)
        } else {
            multiplyTransposed(m: m, n: packed.rows, k: packed.cols, a: a, lda: lda, b: unpacked, c: c, ldc: ldc)
        }
    }
}
