// GEMM+Packed: C = A·Wᵀ over weights packed once (PackedWeights for few rows of A, BFloat16Weights at any), split by columns over threads.
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
        withExtendedLifetime(w.storage) {
            let b = w.pointer
            splitByColumns(m: m, n: n, k: k, tile: 32) { begin, end in
                lr_small_gemm(path.rawValue, a, m, k, lda, b, n, begin, end, c, ldc)
            }
        }
    }

    /// `C[m x n] = A[m x k] · Wᵀ` in bfloat16 (C overwritten): A's values rounded to bfloat16 as
    /// they are read, `W` rounded and packed in `w`, products summed in float32 (`vdpbf16ps` on
    /// `HalfPath.avx512BF16`; elsewhere the float32 packed kernel over the decoded values, the same
    /// products at about float32's speed). Any `m`; columns split over threads as `multiplyPacked`'s.
    public static func multiplyBFloat16(
        m: Int, a: UnsafePointer<Float>, lda: Int? = nil,
        weights w: BFloat16Weights,
        c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
        path: HalfPath = .current
    ) {
        let n = w.rows, k = w.cols
        guard m > 0, n > 0 else { return }
        let lda = lda ?? k, ldc = ldc ?? n
        withExtendedLifetime(w.storage) {
            let b = w.pointer
            splitByColumns(m: m, n: n, k: k, tile: 32) { begin, end in
                // Its only failure is the allocation of a few hundred KiB for A's rounded rows.
                precondition(lr_bf16_gemm(path.rawValue, a, m, k, lda, b, n, begin, end, c, ldc) == 0, "out of memory")
            }
        }
    }

    /// Runs `body(begin, end)` over the columns `0..<n` of an `m x n x k` product: once when it is
    /// small (`packedSplitWork`) or there is one thread, else split over `BLASThreads.count` threads
    /// in whole tiles of `tile` columns, at least two tiles a part (each thread reads only its
    /// part of the weights).
    private static func splitByColumns(m: Int, n: Int, k: Int, tile: Int, _ body: (Int, Int) -> Void) {
        let tiles = (n + tile - 1) / tile
        let threads = BLASThreads.count
        let parts = (threads > 1 && m * n * k >= packedSplitWork) ? min(threads, tiles / 2) : 1
        if parts <= 1 {
            body(0, n)
            return
        }
        BLASThreads.parallel(parts) { p in
            body(p * tiles / parts * tile, min(n, (p + 1) * tiles / parts * tile))
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
