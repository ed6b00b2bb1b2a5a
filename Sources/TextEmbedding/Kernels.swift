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

    /// `x = LayerNorm(x + residual) * gamma + beta`, per row, biased variance (as torch), in place in `x`.
    static func addLayerNorm(_ x: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?, rows: Int, cols: Int,
                             gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float) {
        let n = Float(cols)
        for r in 0..<rows {
            let row = x + r * cols
            if let residual {
                let res = residual + r * cols
                for c in 0..<cols { row[c] += res[c] }
            }
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

    /// Softmax of each row of `[rows x cols]`, in place.
    static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            let row = x + r * cols
            var m = -Float.infinity
            for c in 0..<cols { m = max(m, row[c]) }
            var s: Float = 0
            for c in 0..<cols {
                let e = expf(row[c] - m)
                row[c] = e
                s += e
            }
            let inv = 1 / s
            for c in 0..<cols { row[c] *= inv }
        }
    }

    /// Exact (erf) GELU, `x * (1 + erf(x / sqrt 2)) / 2`, over `n` values in place. erf is a rational
    /// approximation (Eigen's `generic_fast_erf_float`, |error| < 5e-7), in SIMD lanes, because
    /// glibc's scalar erff over 1,536 activations per token would cost more than the sgemms.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        let lanes = 16
        var i = 0
        let raw = UnsafeMutableRawPointer(x)
        while i + lanes <= n {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            let g = 0.5 * v * (1 + erf(v * 0.70710678118654752))
            raw.storeBytes(of: g, toByteOffset: i * 4, as: SIMD16<Float>.self)
            i += lanes
        }
        while i < n {
            let v = SIMD16<Float>(repeating: x[i])
            x[i] = (0.5 * v * (1 + erf(v * 0.70710678118654752)))[0]
            i += 1
        }
    }

    @inline(__always)
    static func erf(_ a: SIMD16<Float>) -> SIMD16<Float> {
        let x = a.clamped(lowerBound: SIMD16(repeating: -4), upperBound: SIMD16(repeating: 4))
        let x2 = x * x
        var p = x2 * -2.72614225801306e-10 + 2.77068142495902e-08
        p = p * x2 + -2.10102402082508e-06
        p = p * x2 + -5.69250639462346e-05
        p = p * x2 + -7.34990630326855e-04
        p = p * x2 + -2.95459980854025e-03
        p = p * x2 + -1.60960333262415e-02
        p = p * x
        var q = x2 * -1.45660718464996e-05 + -2.13374055278905e-04
        q = q * x2 + -1.68282697438203e-03
        q = q * x2 + -7.37332916720468e-03
        q = q * x2 + -1.42647390514189e-02
        return p / q
    }
}
