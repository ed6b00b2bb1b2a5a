// AttentionTraining: one head of one sentence's scaled dot-product attention, forward keeping its probabilities and exact backward.
import Foundation

/// Q, K and V of a head sit in one row-major buffer at column offsets 0, `hidden` and `2·hidden`
/// from `qkv` (leading dimension `ld`), as the stacked QKV projection writes them. Dropout on
/// the probabilities is a mask (nil: off). MPNet adds a bias by relative position to every score:
/// `rel[j - i + n - 1]` (`2n - 1` floats, nil for BERT). (The inference forward is `VectorKernels.attentionHead`.)
public enum AttentionTraining {
    /// `P = softmax(QKᵀ·scale + rel)` kept in `probs` (`[n x n]`, before dropout), `out = (P∘mask)·V`.
    public static func forward(qkv: UnsafePointer<Float>, ld: Int, hidden h: Int, tokens n: Int, headSize d: Int, scale: Float,
                               relativeBias rel: UnsafePointer<Float>? = nil,
                               probs: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>?,
                               out: UnsafeMutablePointer<Float>, ldo: Int) {
        for i in 0..<n {
            let q = qkv + i * ld
            let p = probs + i * n
            let bias = rel.map { $0 + (n - 1) - i }
            var mx = -Float.infinity
            for j in 0..<n {
                let s = VectorArithmetic.dot(q, qkv + j * ld + h, d) * scale + (bias?[j] ?? 0)
                p[j] = s
                mx = max(mx, s)
            }
            var sum: Float = 0
            for j in 0..<n { p[j] = expf(p[j] - mx); sum += p[j] }
            let inv = 1 / sum
            for j in 0..<n { p[j] *= inv }
            let o = out + i * ldo
            o.update(repeating: 0, count: d)
            let m = mask.map { $0 + i * n }
            for j in 0..<n {
                VectorArithmetic.axpy(m.map { p[j] * $0[j] } ?? p[j], qkv + j * ld + 2 * h, o, d)
            }
        }
    }

    /// Backward of `forward`: adds dQ, dK, dV into `dqkv` (same layout as `qkv`) from `dOut`, and
    /// each score's gradient into `dRelativeBias[j - i + n - 1]` when given; `scratch` holds `n` floats.
    public static func backward(qkv: UnsafePointer<Float>, dqkv: UnsafeMutablePointer<Float>, ld: Int, hidden h: Int, tokens n: Int,
                                headSize d: Int, scale: Float, probs: UnsafePointer<Float>, mask: UnsafePointer<Float>?,
                                dOut: UnsafePointer<Float>, ldo: Int, scratch dp: UnsafeMutablePointer<Float>,
                                dRelativeBias: UnsafeMutablePointer<Float>? = nil) {
        for i in 0..<n {
            let go = dOut + i * ldo, p = probs + i * n
            let m = mask.map { $0 + i * n }
            // dP̃_ij = dO_i·V_j; dV_j += P̃_ij dO_i; dP = dP̃∘mask.
            var rowDot: Float = 0
            for j in 0..<n {
                let s = VectorArithmetic.dot(go, qkv + j * ld + 2 * h, d)
                let keep = m.map { $0[j] } ?? 1
                VectorArithmetic.axpy(p[j] * keep, go, dqkv + j * ld + 2 * h, d)
                dp[j] = s * keep
                rowDot += p[j] * dp[j]
            }
            // dS_ij = P_ij (dP_ij − Σ_j' P_ij' dP_ij'), then dQ_i += dS_ij K_j·scale, dK_j += dS_ij Q_i·scale.
            let q = qkv + i * ld, dq = dqkv + i * ld
            if let dRel = dRelativeBias.map({ $0 + (n - 1) - i }) {
                for j in 0..<n { dRel[j] += p[j] * (dp[j] - rowDot) }
            }
            for j in 0..<n {
                let ds = p[j] * (dp[j] - rowDot) * scale
                VectorArithmetic.axpy(ds, qkv + j * ld + h, dq, d)
                VectorArithmetic.axpy(ds, q, dqkv + j * ld + h, d)
            }
        }
    }
}
