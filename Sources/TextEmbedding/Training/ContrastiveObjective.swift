// ContrastiveObjective: supervised contrastive loss over a batch's normalised embeddings (in-batch negatives, SetFit's few-shot idea without its pairs).
import Foundation
import LinearAlgebra

/// Khosla et al.'s supervised contrastive loss on the cosine similarities of the batch:
/// for each sentence `i` that has another of its label in the batch (its positives `P(i)`),
/// `Lᵢ = −1/|P(i)| Σ_{p∈P(i)} log( exp(s·cᵢₚ) / Σ_{j≠i} exp(s·cᵢⱼ) )`, averaged over those
/// sentences; `s` is `scale` (1/temperature). Every other sentence of the batch is a negative, so
/// a batch of b rows weighs b(b−1) pairs and an epoch costs what a softmax-head epoch costs:
/// linear in the rows, whatever the number of labels (SetFit draws its pairs explicitly and, at
/// hundreds of labels, a number quadratic in the rows). Batches need positives: `ContrastiveBatches`
/// draws them. The head's parameters are untouched (their gradient stays zero).
public struct ContrastiveObjective: TrainingObjective {
    /// Class index of each sentence.
    public var labels: [Int]
    /// Multiplies the cosine similarities (sentence-transformers' MultipleNegativesRankingLoss uses 20).
    public var scale: Double

    public init(labels: [Int], scale: Double = 20) {
        self.labels = labels
        self.scale = scale
    }

    public func evaluate(pooled: [Float], sentences b: Int, parameters P: EncoderParameters, gradients: EncoderParameters?) -> ObjectiveResult {
        precondition(labels.count == b)
        let h = P.config.hiddenSize
        // Unit rows u = e / |e| and their cosine matrix C = U·Uᵀ.
        var norms = [Float](repeating: 0, count: b)
        var unit = pooled
        for i in 0..<b {
            var s: Float = 0
            for t in 0..<h { s += unit[i * h + t] * unit[i * h + t] }
            norms[i] = max(s.squareRoot(), 1e-12)
            for t in 0..<h { unit[i * h + t] /= norms[i] }
        }
        var cosine = [Float](repeating: 0, count: b * b)
        unit.withUnsafeBufferPointer { u in
            cosine.withUnsafeMutableBufferPointer { c in
                GEMM.multiplyTransposed(m: b, n: b, k: h, a: u.baseAddress!, b: u.baseAddress!, c: c.baseAddress!)
            }
        }
        // dLoss/dC (zero on the diagonal and on rows without positives), in Double per anchor.
        let positives = (0..<b).map { i in (0..<b).filter { $0 != i && labels[$0] == labels[i] } }
        let anchors = (0..<b).filter { !positives[$0].isEmpty }
        guard !anchors.isEmpty else {
            return ObjectiveResult(loss: 0, outputs: [], pooledGradient: gradients == nil ? nil : [Float](repeating: 0, count: b * h))
        }
        var loss = 0.0
        var dCosine = [Float](repeating: 0, count: b * b)
        let perAnchor = 1 / Double(anchors.count)
        for i in anchors {
            var mx = -Double.infinity
            for j in 0..<b where j != i { mx = max(mx, scale * Double(cosine[i * b + j])) }
            var sum = 0.0
            for j in 0..<b where j != i { sum += Foundation.exp(scale * Double(cosine[i * b + j]) - mx) }
            let logSum = mx + Foundation.log(sum)
            let share = 1 / Double(positives[i].count)
            for p in positives[i] { loss += perAnchor * share * (logSum - scale * Double(cosine[i * b + p])) }
            for j in 0..<b where j != i {
                let softmax = Foundation.exp(scale * Double(cosine[i * b + j]) - logSum)
                let target = labels[j] == labels[i] ? share : 0
                dCosine[i * b + j] = Float(perAnchor * scale * (softmax - target))
            }
        }
        guard gradients != nil else { return ObjectiveResult(loss: loss, outputs: [], pooledGradient: nil) }
        // C is symmetric in the rows: dU = (dC + dCᵀ)·U; then through u = e/|e|: de = (du − u(u·du)) / |e|.
        var symmetric = [Float](repeating: 0, count: b * b)
        for i in 0..<b { for j in 0..<b { symmetric[i * b + j] = dCosine[i * b + j] + dCosine[j * b + i] } }
        var dUnit = [Float](repeating: 0, count: b * h)
        symmetric.withUnsafeBufferPointer { g in
            unit.withUnsafeBufferPointer { u in
                dUnit.withUnsafeMutableBufferPointer { d in
                    GEMM.multiply(m: b, n: h, k: b, a: g.baseAddress!, b: u.baseAddress!, c: d.baseAddress!)
                }
            }
        }
        for i in 0..<b {
            var dot: Float = 0
            for t in 0..<h { dot += unit[i * h + t] * dUnit[i * h + t] }
            for t in 0..<h { dUnit[i * h + t] = (dUnit[i * h + t] - unit[i * h + t] * dot) / norms[i] }
        }
        return ObjectiveResult(loss: loss, outputs: [], pooledGradient: dUnit)
    }
}
