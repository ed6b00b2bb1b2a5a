// VectorKernels: the SIMD kernels (dot products of many rows, bias + GELU, bias + residual + LayerNorm) on raw buffers.
internal import SIMDKernels

/// Kernels where OpenBLAS is not the bound, each on the path given (default: `SIMDPath.current`).
public enum VectorKernels {
    /// `out[i] = rows[i, :] · q` for `i` in `0..<n`; `rows` is `[n x dim]` row-major.
    @inline(__always)
    public static func dotRows(_ rows: UnsafePointer<Float>, count n: Int, dimension dim: Int, query q: UnsafePointer<Float>,
                               into out: UnsafeMutablePointer<Float>, path: SIMDPath = .current) {
        guard n > 0 else { return }
        lr_dot_rows(path.rawValue, rows, n, dim, q, out)
    }

    /// `x[r, :] = GELU(x[r, :] + bias)` (exact erf GELU) over `rows x cols`; no bias when nil.
    @inline(__always)
    public static func biasGELU(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, bias: UnsafePointer<Float>?,
                                path: SIMDPath = .current) {
        guard rows > 0, cols > 0 else { return }
        lr_bias_gelu(path.rawValue, x, rows, cols, bias)
    }

    /// `x[r, :] = LayerNorm(x[r, :] + bias + residual[r, :]) * gamma + beta` per row (biased
    /// variance, as torch); `bias` and `residual` may be nil.
    @inline(__always)
    public static func biasResidualLayerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                                             bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?,
                                             gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float,
                                             path: SIMDPath = .current) {
        guard rows > 0, cols > 0 else { return }
        lr_bias_residual_layernorm(path.rawValue, x, rows, cols, bias, residual, gamma, beta, eps)
    }
}
