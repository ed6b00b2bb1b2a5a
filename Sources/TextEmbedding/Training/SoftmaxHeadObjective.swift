// SoftmaxHeadObjective: a linear softmax head over the pooled embeddings with mean cross-entropy, its parameters in the encoder's buffer.
import Foundation
import LinearAlgebra

/// `logits = E·Wᵀ + b` with W and b the parameters' head (`classifier.weight`, `classifier.bias`);
/// with labels, the loss is the mean softmax cross-entropy (computed in Double per sentence).
public struct SoftmaxHeadObjective: TrainingObjective {
    /// Class index of each sentence; nil to predict only.
    public var labels: [Int]?

    public init(labels: [Int]?) { self.labels = labels }

    public func evaluate(pooled: [Float], sentences b: Int, parameters P: EncoderParameters, gradients: EncoderParameters?) -> ObjectiveResult {
        let h = P.config.hiddenSize, C = P.classes
        var logits = [Float](repeating: 0, count: b * C)
        pooled.withUnsafeBufferPointer { e in
            logits.withUnsafeMutableBufferPointer { z in
                GEMM.multiplyTransposed(m: b, n: C, k: h, a: e.baseAddress!, b: P.values + P.headWeight, c: z.baseAddress!)
            }
        }
        for s in 0..<b { for k in 0..<C { logits[s * C + k] += P.values[P.headBias + k] } }
        guard let labels else {
            precondition(gradients == nil, "gradients need labels")
            return ObjectiveResult(loss: nil, outputs: logits, pooledGradient: nil)
        }
        precondition(labels.count == b)
        var loss = 0.0
        var dLogits = [Float](repeating: 0, count: b * C)
        for s in 0..<b {
            let z = Array(logits[(s * C)..<((s + 1) * C)])
            let mx = z.max()!
            var sum = 0.0
            for k in 0..<C { sum += Foundation.exp(Double(z[k] - mx)) }
            loss += Foundation.log(sum) - Double(z[labels[s]] - mx)
            for k in 0..<C {
                let p = Foundation.exp(Double(z[k] - mx)) / sum
                dLogits[s * C + k] = Float((p - (k == labels[s] ? 1 : 0)) / Double(b))
            }
        }
        loss /= Double(b)
        guard let G = gradients else { return ObjectiveResult(loss: loss, outputs: logits, pooledGradient: nil) }
        // dW = dZᵀ·E, db = Σ dZ, dE = dZ·W.
        var dPooled = [Float](repeating: 0, count: b * h)
        dLogits.withUnsafeBufferPointer { dz in
            pooled.withUnsafeBufferPointer { e in
                GEMM.multiplyATransposed(m: C, n: h, k: b, a: dz.baseAddress!, b: e.baseAddress!, c: G.values + P.headWeight)
            }
            VectorArithmetic.columnSums(dz.baseAddress!, rows: 0..<b, cols: C, into: G.values + P.headBias)
            dPooled.withUnsafeMutableBufferPointer { de in
                GEMM.multiply(m: b, n: h, k: C, a: dz.baseAddress!, b: P.values + P.headWeight, c: de.baseAddress!)
            }
        }
        return ObjectiveResult(loss: loss, outputs: logits, pooledGradient: dPooled)
    }
}
