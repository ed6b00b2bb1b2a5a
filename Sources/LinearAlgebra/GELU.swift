// GELU: BERT's exact GELU and its derivative as scalar references, and the vectorised backward the training pass runs.
import Foundation

/// x·Φ(x) (BERT's "gelu", not the tanh approximation). The forward's vectorised kernel is
/// `VectorKernels.biasGELU`; `value` and `derivative` are the scalar references both are held to.
public enum GELU {
    /// x·Φ(x).
    @inline(__always)
    public static func value(_ x: Float) -> Float { 0.5 * x * (1 + erff(x * 0.70710678118654752)) }

    /// d/dx of x·Φ(x) = Φ(x) + x·φ(x).
    @inline(__always)
    public static func derivative(_ x: Float) -> Float {
        0.5 * (1 + erff(x * 0.70710678118654752)) + x * 0.39894228040143268 * expf(-0.5 * x * x)
    }

    /// `dy ∘= GELU'(u)` over `count` elements, with Φ(u) recovered as g/u from the forward's
    /// g = u·Φ(u) (0.5 near 0) and φ(u) from the vectorised exp: no erf in backward. `scratch`
    /// holds `scratchCount` floats (the block size).
    public static func backward(_ dy: UnsafeMutablePointer<Float>, u: UnsafePointer<Float>, g: UnsafePointer<Float>, count: Int,
                                scratch: UnsafeMutablePointer<Float>, scratchCount block: Int) {
        var start = 0
        while start < count {
            let n = min(block, count - start)
            for j in 0..<n { let x = u[start + j]; scratch[j] = -0.5 * x * x }
            VectorKernels.exp(scratch, count: n)
            for j in 0..<n {
                let x = u[start + j]
                let cdf: Float = abs(x) > 1e-6 ? g[start + j] / x : 0.5
                dy[start + j] *= cdf + x * 0.39894228040143268 * scratch[j]
            }
            start += n
        }
    }
}
