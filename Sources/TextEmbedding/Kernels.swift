// Kernels: the element-wise parts of the encoder (bias add, LayerNorm, softmax, exact GELU), vectorisable loops.
import Foundation

/// Row-wise operations on row-major `[rows x cols]` buffers.
enum Kernels {
    /// `x[r, :] += bias` for every row.
    static func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, bias: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * cols
            for c in 0..<cols { row[c] += bias[c] }
        }
    }

    /// `x = LayerNorm(x) * gamma + beta`, per row, biased variance (as torch), in place (the
    /// embedding output's norm; the layers' norms are fused with their residual in
    /// `biasResidualLayerNorm`).
    static func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                          gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float) {
        let n = Float(cols)
        for r in 0..<rows {
            let row = x + r * cols
            var sum: Float = 0
            for c in 0..<cols { sum += row[c] }
            let mean = sum / n
            var sq: Float = 0
            for c in 0..<cols {
                let d = row[c] - mean
                sq += d * d
            }
            let inv = 1 / (sq / n + eps).squareRoot()
            for c in 0..<cols { row[c] = (row[c] - mean) * inv * gamma[c] + beta[c] }
        }
    }

    /// `x = LayerNorm(x + bias + residual) * gamma + beta`, per row, in place: the output
    /// projection's bias, the residual add and the norm in one pass over the row.
    static func biasResidualLayerNorm(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, residual: UnsafePointer<Float>,
                                      rows: Range<Int>, cols: Int, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float) {
        let n = Float(cols)
        for r in rows {
            let row = x + r * cols, res = residual + r * cols
            var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
            var c = 0
            while c + 4 <= cols {
                row[c] += bias[c] + res[c]; row[c + 1] += bias[c + 1] + res[c + 1]
                row[c + 2] += bias[c + 2] + res[c + 2]; row[c + 3] += bias[c + 3] + res[c + 3]
                s0 += row[c]; s1 += row[c + 1]; s2 += row[c + 2]; s3 += row[c + 3]
                c += 4
            }
            while c < cols { row[c] += bias[c] + res[c]; s0 += row[c]; c += 1 }
            let mean = (s0 + s1 + s2 + s3) / n
            var q0: Float = 0, q1: Float = 0, q2: Float = 0, q3: Float = 0
            c = 0
            while c + 4 <= cols {
                let d0 = row[c] - mean, d1 = row[c + 1] - mean, d2 = row[c + 2] - mean, d3 = row[c + 3] - mean
                q0 += d0 * d0; q1 += d1 * d1; q2 += d2 * d2; q3 += d3 * d3
                c += 4
            }
            while c < cols { let d = row[c] - mean; q0 += d * d; c += 1 }
            let inv = 1 / ((q0 + q1 + q2 + q3) / n + eps).squareRoot()
            for c in 0..<cols { row[c] = (row[c] - mean) * inv * gamma[c] + beta[c] }
        }
    }

    /// Exact (erf) GELU, `x * (1 + erf(x / sqrt 2)) / 2`, over `n` values in place. erf is a rational
    /// approximation (Eigen's `generic_fast_erf_float`, |error| < 5e-7) written as a plain loop of
    /// multiplies, adds and one divide that LLVM vectorises; glibc's scalar erff over 1,536
    /// activations per token would cost more than the sgemms.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        biasGELU(x, bias: nil, rows: 0..<1, cols: n)
    }

    /// `x[r, :] = GELU(x[r, :] + bias)` for the rows in `rows` (no bias when nil).
    static func biasGELU(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, rows: Range<Int>, cols: Int) {
        for r in rows {
            let row = x + r * cols
            if let bias { for c in 0..<cols { row[c] += bias[c] } }
            geluRow(row, count: cols)
        }
    }

    @inline(__always)
    static func geluRow(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        for i in 0..<n {
            let v = x[i]
            let t = min(max(v * 0.70710678118654752, -4), 4)
            let t2 = t * t
            var p: Float = t2 * -2.72614225801306e-10 + 2.77068142495902e-08
            p = p * t2 + -2.10102402082508e-06
            p = p * t2 + -5.69250639462346e-05
            p = p * t2 + -7.34990630326855e-04
            p = p * t2 + -2.95459980854025e-03
            p = p * t2 + -1.60960333262415e-02
            p = p * t
            var q: Float = t2 * -1.45660718464996e-05 + -2.13374055278905e-04
            q = q * t2 + -1.68282697438203e-03
            q = q * t2 + -7.37332916720468e-03
            q = q * t2 + -1.42647390514189e-02
            x[i] = 0.5 * v * (1 + p / q)
        }
    }
}
