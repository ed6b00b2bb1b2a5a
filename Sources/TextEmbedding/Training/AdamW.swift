// AdamW: Adam with decoupled weight decay over the flat parameter buffer, as torch.optim.AdamW computes it.
import Foundation
import LinearAlgebra

/// torch.optim.AdamW's update, element by element: `p ← p·(1 − lr·λ)`, then the moments, then
/// `p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)`. Weight decay only where the tensor `decays`; the
/// head's learning rate is the encoder's times `headLearningRateMultiplier`.
public struct AdamW {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    public var weightDecay: Float
    public var headLearningRateMultiplier: Float
    /// Steps taken so far.
    public var step: Int = 0
    public let firstMoment: EncoderParameters
    public let secondMoment: EncoderParameters

    public init(like parameters: EncoderParameters, weightDecay: Float, headLearningRateMultiplier: Float) {
        self.weightDecay = weightDecay
        self.headLearningRateMultiplier = headLearningRateMultiplier
        firstMoment = EncoderParameters(zerosLike: parameters)
        secondMoment = EncoderParameters(zerosLike: parameters)
    }

    /// One update of `parameters` with `gradients` (times `gradientScale`, the clipping factor) at
    /// encoder learning rate `learningRate`.
    public mutating func update(_ parameters: EncoderParameters, gradients: EncoderParameters, learningRate: Float, gradientScale: Float = 1) {
        step += 1
        let bc1 = 1 - Foundation.pow(Double(beta1), Double(step))
        let bc2Sqrt = Float((1 - Foundation.pow(Double(beta2), Double(step))).squareRoot())
        let b1 = beta1, b2 = beta2, eps = epsilon
        let p = parameters.values, g = gradients.values, m = firstMoment.values, v = secondMoment.values
        for t in parameters.tensors {
            let lr = t.isHead ? learningRate * headLearningRateMultiplier : learningRate
            let decay: Float = t.decays ? 1 - lr * weightDecay : 1
            let stepSize = Float(Double(lr) / bc1)
            let chunks = BLASThreads.chunks(t.count, parts: t.count >= 1 << 16 ? BLASThreads.count : 1)
            BLASThreads.parallel(chunks.count) { part in
                for j in chunks[part].shiftedBy(t.offset) {
                    let gj = g[j] * gradientScale
                    let mj = b1 * m[j] + (1 - b1) * gj
                    let vj = b2 * v[j] + (1 - b2) * gj * gj
                    m[j] = mj
                    v[j] = vj
                    p[j] = p[j] * decay - stepSize * mj / (vj.squareRoot() / bc2Sqrt + eps)
                }
            }
        }
    }

    /// The global L2 norm of the gradients: sums of 4096-element blocks (in parallel), added in
    /// block order, so the value does not depend on the thread count.
    public static func gradientNorm(_ gradients: EncoderParameters) -> Double {
        let g = gradients.values
        let block = 4096
        let blocks = (gradients.count + block - 1) / block
        var partial = [Double](repeating: 0, count: blocks)
        partial.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            let parts = BLASThreads.chunks(blocks, parts: BLASThreads.count)
            BLASThreads.parallel(parts.count) { part in
                for b in parts[part] {
                    let start = b * block, n = min(block, gradients.count - start)
                    base[b] = Double(VectorArithmetic.dot(g + start, g + start, n))
                }
            }
        }
        return partial.reduce(0, +).squareRoot()
    }

    /// torch's `clip_grad_norm_` factor: `maxNorm / (norm + 1e-6)` when that is below 1, else 1
    /// (and 1 when `maxNorm` is 0: no clipping).
    public static func clipFactor(norm: Double, maxNorm: Float) -> Float {
        guard maxNorm > 0 else { return 1 }
        return Float(min(1, Double(maxNorm) / (norm + 1e-6)))
    }
}

extension Range where Bound == Int {
    func shiftedBy(_ offset: Int) -> Range<Int> { (lowerBound + offset)..<(upperBound + offset) }
}
