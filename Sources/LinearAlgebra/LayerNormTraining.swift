// LayerNormTraining: LayerNorm forward keeping what backward needs, and its exact backward with repeatable parameter sums.

/// LayerNorm over the rows of row-major `[* x cols]` buffers with biased variance, as torch.
/// (The encoder's inference forward is fused with bias and residual in `VectorKernels.biasResidualLayerNorm`.)
public enum LayerNormTraining {
    /// LayerNorm of `x`'s `rows` into `out`, keeping x̂ (normalised, before γ and β) and 1/σ per row.
    public static func forward(_ x: UnsafePointer<Float>, rows: Range<Int>, cols: Int, gamma: UnsafePointer<Float>,
                               beta: UnsafePointer<Float>, eps: Float, xhat: UnsafeMutablePointer<Float>,
                               invStd: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let n = Float(cols)
        for r in rows {
            let row = x + r * cols, xr = xhat + r * cols, y = out + r * cols
            let sum = VectorArithmetic.sumAndDot(row, row, cols).sum
            let mean = sum / n
            for j in 0..<cols { xr[j] = row[j] - mean }
            let variance = VectorArithmetic.dot(xr, xr, cols) / n
            let inv = 1 / (variance + eps).squareRoot()
            invStd[r] = inv
            for j in 0..<cols {
                let v = xr[j] * inv
                xr[j] = v
                y[j] = v * gamma[j] + beta[j]
            }
        }
    }

    /// `dx = (1/σ)(dx̂ − mean(dx̂) − x̂·mean(dx̂∘x̂))` with `dx̂ = dy∘γ`; `dγ = Σ dy∘x̂`, `dβ = Σ dy`
    /// (added to what is there), summed per row chunk (one task each, `partials` holding
    /// `2·cols` floats per chunk) then in chunk order, so the sums repeat exactly.
    public static func backward(_ dy: UnsafePointer<Float>, rows: [Range<Int>], cols: Int, xhat: UnsafePointer<Float>,
                                invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                                dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>,
                                partials: UnsafeMutablePointer<Float>) {
        let n = Float(cols)
        BLASThreads.parallel(rows.count) { part in
            let pg = partials + part * 2 * cols, pb = pg + cols
            pg.update(repeating: 0, count: 2 * cols)
            for r in rows[part] {
                let g = dy + r * cols, xr = xhat + r * cols, out = dx + r * cols
                // dx̂ goes into out first, then is turned into dx in place.
                for j in 0..<cols {
                    out[j] = g[j] * gamma[j]
                    pg[j] += g[j] * xr[j]
                    pb[j] += g[j]
                }
                let (s1, s2) = VectorArithmetic.sumAndDot(out, xr, cols)
                let m1 = s1 / n, m2 = s2 / n
                let inv = invStd[r]
                for j in 0..<cols { out[j] = inv * (out[j] - m1 - xr[j] * m2) }
            }
        }
        for part in 0..<rows.count {
            let pg = partials + part * 2 * cols, pb = pg + cols
            for j in 0..<cols {
                dGamma[j] += pg[j]
                dBeta[j] += pb[j]
            }
        }
    }
}
