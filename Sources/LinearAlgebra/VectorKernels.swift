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

    /// `out[i] = Σ_c codes[i, c] · query[c]` in exact int32 arithmetic for `i` in `0..<n`: unsigned
    /// 8-bit codes `[n x dim]` row-major against a signed 8-bit query (the compressed scan). `dim`
    /// at most `maxCodeDimension`, so no sum overflows.
    @inline(__always)
    public static func codeDotRows(_ codes: UnsafePointer<UInt8>, count n: Int, dimension dim: Int, query q: UnsafePointer<Int8>,
                                   into out: UnsafeMutablePointer<Int32>, path: Int8Path = .current) {
        guard n > 0 else { return }
        precondition(dim <= maxCodeDimension, "8-bit codes of \(dim) dimensions could overflow int32 sums")
        lr_u8_dot_rows(path.rawValue, codes, n, dim, q, out)
    }

    /// `codeDotRows` for four queries at once (`queries` holds them one after the other, `dim`
    /// bytes each): query `j`'s values go to `out[j · ldo ..< j · ldo + n]`. The VNNI path reads
    /// each row's codes once for the four.
    @inline(__always)
    public static func codeDotRows4(_ codes: UnsafePointer<UInt8>, count n: Int, dimension dim: Int, queries: UnsafePointer<Int8>,
                                    into out: UnsafeMutablePointer<Int32>, ldo: Int, path: Int8Path = .current) {
        guard n > 0 else { return }
        precondition(dim <= maxCodeDimension && ldo >= n, "8-bit codes of \(dim) dimensions, \(n) rows in \(ldo)")
        lr_u8_dot_rows_x4(path.rawValue, codes, n, dim, queries, out, ldo)
    }

    /// The widest rows `codeDotRows` sums exactly: 255 · 127 · 66,000 < 2³¹.
    public static let maxCodeDimension = 66_000

    /// `out[i] = Σ_c decode(codes[i, c]) · query[c]` in float for `i` in `0..<n`: 16-bit float
    /// codes (`queries.format`) `[n x dim]` row-major against query `j` of `queries`, on their path
    /// (the compressed scan). The paths sum in different orders, so they agree up to rounding
    /// (`HalfPath.avx512BF16` scores bfloat16 codes against the query rounded to bfloat16: an
    /// approximate score, rescored anyway).
    @inline(__always)
    public static func halfDotRows(_ codes: UnsafePointer<UInt16>, count n: Int, dimension dim: Int,
                                   queries: HalfQueries, query j: Int, into out: UnsafeMutablePointer<Float>) {
        guard n > 0 else { return }
        precondition(dim == queries.dimension, "codes of \(dim) dimensions against queries of \(queries.dimension)")
        queries.withQuery(j) { lr_half_dot_rows(queries.path.rawValue, queries.format.rawValue, codes, n, dim, $0, out) }
    }

    /// `halfDotRows` for four queries of `queries` at once (`members`, repeats allowed): member
    /// `m`'s values go to `out[m · ldo ..< m · ldo + n]`, bit for bit what it scores alone.
    @inline(__always)
    public static func halfDotRows4(_ codes: UnsafePointer<UInt16>, count n: Int, dimension dim: Int,
                                    queries: HalfQueries, members: (Int, Int, Int, Int),
                                    into out: UnsafeMutablePointer<Float>, ldo: Int) {
        guard n > 0 else { return }
        precondition(dim == queries.dimension && ldo >= n, "\(n) rows of \(dim) in \(ldo), queries of \(queries.dimension)")
        queries.withQueries(members) { lr_half_dot_rows_x4(queries.path.rawValue, queries.format.rawValue, codes, n, dim, $0, out, ldo) }
    }

    /// `x[r, :] = GELU(x[r, :] + bias)` (exact erf GELU) over `rows x cols`; no bias when nil.
    @inline(__always)
    public static func biasGELU(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, bias: UnsafePointer<Float>?,
                                path: SIMDPath = .current) {
        guard rows > 0, cols > 0 else { return }
        lr_bias_gelu(path.rawValue, x, rows, cols, bias)
    }

    /// Self-attention of one sentence for one head: `out[i, :] = Σ_j softmax_j(scale · q_i·k_j + rel[j - i + n - 1]) v_j`
    /// over `n` tokens of head size `d`; rows of q, k, v are `ld` floats apart, rows of `out` `ldo`
    /// apart; `relativeBias` (MPNet's, by relative position; none for BERT) holds `2n - 1` floats;
    /// `scratch` holds `(n + 16) * (d + 1)` floats. Scores, softmax and context in one pass per
    /// query, without the two small sgemms (and their packing) per head.
    @inline(__always)
    public static func attentionHead(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, ld: Int,
                                     tokens n: Int, headSize d: Int, scale: Float, relativeBias: UnsafePointer<Float>? = nil,
                                     out: UnsafeMutablePointer<Float>, ldo: Int,
                                     scratch: UnsafeMutablePointer<Float>, path: SIMDPath = .current) {
        guard n > 0, d > 0 else { return }
        lr_attention_head(path.rawValue, q, k, v, ld, n, d, scale, relativeBias, out, ldo, scratch)
    }

    /// `x[i] = exp(x[i])` (relative error < 3e-7 on [-87.3, 88.3]; clamped to that range), the exp of the attention softmax.
    @inline(__always)
    public static func exp(_ x: UnsafeMutablePointer<Float>, count n: Int, path: SIMDPath = .current) {
        guard n > 0 else { return }
        lr_exp(path.rawValue, x, n)
    }

    /// For each of `rows` rows of `s` (`cols` values, rows `ld` apart): the index of its largest
    /// value (the first on ties) and that value; -1 and -∞ for a row with nothing above -∞ (NaN never wins).
    /// `second`, when given, gets the runner-up: the largest value at any other index (the maximum
    /// again on a tie; -∞ for fewer than two columns); a NaN may raise it, never lower it.
    @inline(__always)
    public static func argmaxRows(_ s: UnsafePointer<Float>, rows: Int, cols: Int, ld: Int,
                                  index: UnsafeMutablePointer<Int32>, value: UnsafeMutablePointer<Float>,
                                  second: UnsafeMutablePointer<Float>? = nil, path: SIMDPath = .current) {
        guard rows > 0 else { return }
        lr_argmax_rows(path.rawValue, s, rows, cols, ld, index, value, second)
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
