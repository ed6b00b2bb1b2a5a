// GEMM: C = alpha * op(A) * op(B) + beta * C through OpenBLAS sgemm, with a scalar reference beside it.
internal import CBLAS

/// Matrix products on raw row-major buffers. The fast path is OpenBLAS `cblas_sgemm`;
/// `reference` is the plain triple loop the tests hold it against.
public enum GEMM {
    /// `C[m x n] = alpha * A[m x k] * Bᵀ + beta * C` where `B` is stored `[n x k]` row-major
    /// (the layout of linear weights and of stored vectors). Leading dimensions are the row widths
    /// unless given. Large products are split by rows over `BLASThreads.count` workers.
    @inlinable
    public static func multiplyTransposed(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int? = nil,
        b: UnsafePointer<Float>, ldb: Int? = nil,
        c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
        alpha: Float = 1, beta: Float = 0
    ) {
        sgemm(transB: true, m: m, n: n, k: k, a: a, lda: lda ?? k, b: b, ldb: ldb ?? k,
              c: c, ldc: ldc ?? n, alpha: alpha, beta: beta)
    }

    /// `C[m x n] = alpha * A[m x k] * B[k x n] + beta * C`, all row-major.
    @inlinable
    public static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int? = nil,
        b: UnsafePointer<Float>, ldb: Int? = nil,
        c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
        alpha: Float = 1, beta: Float = 0
    ) {
        sgemm(transB: false, m: m, n: n, k: k, a: a, lda: lda ?? k, b: b, ldb: ldb ?? n,
              c: c, ldc: ldc ?? n, alpha: alpha, beta: beta)
    }

    /// `C[m x n] = alpha * Aᵀ * B + beta * C` where `A` is stored `[k x m]` and `B` `[k x n]`, both
    /// row-major: the weight gradient `dYᵀ·X` of a linear layer. Split over the rows of C.
    public static func multiplyATransposed(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int? = nil,
        b: UnsafePointer<Float>, ldb: Int? = nil,
        c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
        alpha: Float = 1, beta: Float = 0
    ) {
        sgemm(transA: true, transB: false, m: m, n: n, k: k, a: a, lda: lda ?? m, b: b, ldb: ldb ?? n,
              c: c, ldc: ldc ?? n, alpha: alpha, beta: beta)
    }

    /// The upper triangle of `C[k x k] = Aᵀ A` for `A` stored `[n x k]` row-major (OpenBLAS ssyrk);
    /// the strict lower triangle of `c` is left as it was.
    public static func gramUpper(n: Int, k: Int, a: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>) {
        guard k > 0 else { return }
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(k), Int32(n), 1, a, Int32(k), 0, c, Int32(k))
    }

    /// `y[n] = A[n x d] · x[d]` (OpenBLAS sgemv): one vector against many rows.
    public static func matrixVector(n: Int, d: Int, a: UnsafePointer<Float>, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        guard n > 0 else { return }
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(d), 1, a, Int32(d), x, 1, 0, y, 1)
    }

    @usableFromInline
    static func sgemm(transA: Bool = false, transB: Bool, m: Int, n: Int, k: Int,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
            return
        }
        // Split the rows of op(A) (and C) over the workers when each part still gets enough rows for
        // sgemm to run at its peak; small products stay on the calling thread. A row of Aᵀ is a
        // column of A: the part starts that many columns in.
        let threads = BLASThreads.count
        let parts = (threads > 1 && m >= 128 && m * n * k >= 1 << 21) ? min(threads, m / 64) : 1
        let rows = BLASThreads.chunks(m, parts: parts)
        BLASThreads.parallel(rows.count) { p in
            let r = rows[p]
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(r.count), Int32(n), Int32(k), alpha, a + (transA ? r.lowerBound : r.lowerBound * lda), Int32(lda),
                        b, Int32(ldb), beta, c + r.lowerBound * ldc, Int32(ldc))
        }
    }

    /// `A * Bᵀ` for matrices: `[a.rows x b.rows]`.
    public static func multiplyTransposed(_ a: Matrix, _ b: Matrix) -> Matrix {
        precondition(a.cols == b.cols, "inner dimensions differ: \(a.cols) vs \(b.cols)")
        var c = Matrix(rows: a.rows, cols: b.rows)
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.storage.withUnsafeMutableBufferPointer { pc in
                    guard let ba = pa.baseAddress, let bb = pb.baseAddress, let bc = pc.baseAddress else { return }
                    multiplyTransposed(m: a.rows, n: b.rows, k: a.cols, a: ba, b: bb, c: bc)
                }
            }
        }
        return c
    }

    /// `A * B` for matrices: `[a.rows x b.cols]`.
    public static func multiply(_ a: Matrix, _ b: Matrix) -> Matrix {
        precondition(a.cols == b.rows, "inner dimensions differ: \(a.cols) vs \(b.rows)")
        var c = Matrix(rows: a.rows, cols: b.cols)
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.storage.withUnsafeMutableBufferPointer { pc in
                    guard let ba = pa.baseAddress, let bb = pb.baseAddress, let bc = pc.baseAddress else { return }
                    multiply(m: a.rows, n: b.cols, k: a.cols, a: ba, b: bb, c: bc)
                }
            }
        }
        return c
    }

    /// Scalar reference for `A * Bᵀ`, accumulated in Double: what the sgemm path is tested against.
    public static func referenceMultiplyTransposed(_ a: Matrix, _ b: Matrix) -> Matrix {
        precondition(a.cols == b.cols)
        var c = Matrix(rows: a.rows, cols: b.rows)
        for i in 0..<a.rows {
            for j in 0..<b.rows {
                var acc = 0.0
                for p in 0..<a.cols { acc += Double(a[i, p]) * Double(b[j, p]) }
                c[i, j] = Float(acc)
            }
        }
        return c
    }
}
