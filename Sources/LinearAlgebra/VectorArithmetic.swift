// VectorArithmetic: dot products, sums and axpy over float runs in 16-wide lanes, the loops the training kernels share.

/// Plain loops over `n` floats, written so they vectorise (a scalar loop would keep the additions
/// in order and not vectorise). Results depend on `n` only, never on threads.
public enum VectorArithmetic {
    /// Σ a[i]·b[i].
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>()
        var i = 0
        while i + 16 <= n {
            acc += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self) * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float>.self)
            i += 16
        }
        var s = acc.sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// Σ a[i] and Σ a[i]·b[i] together.
    @inline(__always)
    public static func sumAndDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> (sum: Float, dot: Float) {
        var s1 = SIMD16<Float>(), s2 = SIMD16<Float>()
        var i = 0
        while i + 16 <= n {
            let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self)
            s1 += x
            s2 += x * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float>.self)
            i += 16
        }
        var t1 = s1.sum(), t2 = s2.sum()
        while i < n { t1 += a[i]; t2 += a[i] * b[i]; i += 1 }
        return (t1, t2)
    }

    /// `y += w·x` over n elements.
    @inline(__always)
    public static func axpy(_ w: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] += w * x[i] }
    }

    /// `out[j] = Σ_r x[r, j]` over `rows` of a row-major `[* x cols]` buffer (overwrites `out`).
    public static func columnSums(_ x: UnsafePointer<Float>, rows: Range<Int>, cols: Int, into out: UnsafeMutablePointer<Float>) {
        out.update(repeating: 0, count: cols)
        for r in rows {
            let row = x + r * cols
            for j in 0..<cols { out[j] += row[j] }
        }
    }
}
