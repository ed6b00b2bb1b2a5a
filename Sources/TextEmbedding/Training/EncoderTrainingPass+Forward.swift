// EncoderTrainingPass+Forward: the forward steps (embeddings, one transformer layer, mean pooling), keeping what backward needs.
import LinearAlgebra

extension EncoderTrainingPass {
    /// Word + position (+ token type 0 for BERT), LayerNorm, dropout, into `saved.hidden[0]`.
    func embed(_ batch: PackedBatch, _ saved: TrainingActivations, _ sites: inout DropoutSites) {
        let P = parameters, h = P.config.hiddenSize, tokens = batch.tokens, first = P.config.firstPosition
        let word = P.values + P.wordEmbeddings, position = P.values + P.positionEmbeddings
        let type0 = P.tokenTypeEmbeddings.map { P.values + $0 }
        let sum = saved.scratch, out = saved.hidden[0]
        var t = 0
        for sequence in batch.sequences {
            for (p, id) in sequence.enumerated() {
                let row = sum + t * h, w = word + Int(id) * h, pe = position + (first + p) * h
                for j in 0..<h { row[j] = w[j] + pe[j] }
                if let type0 { for j in 0..<h { row[j] += type0[j] } }
                t += 1
            }
        }
        BLASThreads.parallel(batch.rowChunks.count) { part in
            LayerNormTraining.forward(sum, rows: batch.rowChunks[part], cols: h, gamma: P.values + P.embeddingNormWeight,
                                      beta: P.values + P.embeddingNormBias, eps: P.config.layerNormEps,
                                      xhat: saved.embeddingNormXhat, invStd: saved.embeddingNormInvStd, out: out)
        }
        sites.fill(saved.embeddingMask, count: tokens * h)
        if let mask = saved.embeddingMask { for j in 0..<(tokens * h) { out[j] *= mask[j] } }
    }

    /// Layer `l`: self-attention (stacked QKV projection, per sentence and head), output projection,
    /// dropout, residual, LayerNorm; feed-forward up, GELU, down, dropout, residual, LayerNorm.
    /// Reads `saved.hidden[l]`, writes `saved.hidden[l + 1]`.
    func forwardLayer(_ l: Int, _ batch: PackedBatch, _ saved: TrainingActivations, _ sites: inout DropoutSites) {
        let P = parameters, c = P.config
        let h = c.hiddenSize, inter = c.intermediateSize, heads = c.numAttentionHeads, d = c.headSize, eps = c.layerNormEps
        let tokens = batch.tokens, rowChunks = batch.rowChunks
        let o = P.layers[l], a = saved.layers[l]
        let x = saved.hidden[l], tmp = saved.scratch
        let scale = 1 / Float(d).squareRoot()

        GEMM.multiplyTransposed(m: tokens, n: 3 * h, k: h, a: x, b: P.values + o.qkvWeight, c: a.qkv)
        sites.fill(a.probabilityMask, count: batch.probabilityCount)
        let relative = relativeBiasTable(longest: batch.longest)
        let qkvBias = P.values + o.qkvBias
        BLASThreads.parallel(batch.sentenceChunks.count) { part in
            let sentences = batch.sentenceChunks[part]
            guard !sentences.isEmpty else { return }
            for r in batch.rows(of: sentences) {
                let row = a.qkv + r * 3 * h
                for j in 0..<(3 * h) { row[j] += qkvBias[j] }
            }
            for s in sentences {
                let n = batch.sequences[s].count, first = batch.offsets[s]
                for head in 0..<heads {
                    let base = batch.probabilityOffsets[s] + head * n * n
                    let rel = relative.map { $0.baseAddress! + head * (2 * batch.longest - 1) + (batch.longest - n) }
                    AttentionTraining.forward(qkv: a.qkv + first * 3 * h + head * d, ld: 3 * h, hidden: h, tokens: n, headSize: d,
                                              scale: scale, relativeBias: rel, probs: a.probabilities + base,
                                              mask: a.probabilityMask.map { $0 + base }, out: a.context + first * h + head * d, ldo: h)
                }
            }
        }
        // Output projection + dropout + residual, LayerNorm.
        GEMM.multiplyTransposed(m: tokens, n: h, k: h, a: a.context, b: P.values + o.outputWeight, c: tmp)
        sites.fill(a.attentionOutputMask, count: tokens * h)
        BLASThreads.parallel(rowChunks.count) { part in
            let r = rowChunks[part]
            Dropout.biasDropoutResidual(tmp, rows: r, cols: h, bias: P.values + o.outputBias, mask: a.attentionOutputMask, residual: x)
            LayerNormTraining.forward(tmp, rows: r, cols: h, gamma: P.values + o.attentionNormWeight, beta: P.values + o.attentionNormBias,
                                      eps: eps, xhat: a.attentionNormXhat, invStd: a.attentionNormInvStd, out: a.attended)
        }
        // Feed-forward: up, GELU, down + dropout + residual, LayerNorm.
        GEMM.multiplyTransposed(m: tokens, n: inter, k: h, a: a.attended, b: P.values + o.intermediateWeight, c: a.up)
        let upBias = P.values + o.intermediateBias
        BLASThreads.parallel(rowChunks.count) { part in
            let r = rowChunks[part]
            for t in r {
                let ur = a.up + t * inter, gr = a.activated + t * inter
                for j in 0..<inter {
                    ur[j] += upBias[j]
                    gr[j] = ur[j]
                }
            }
            VectorKernels.biasGELU(a.activated + r.lowerBound * inter, rows: r.count, cols: inter, bias: nil)
        }
        GEMM.multiplyTransposed(m: tokens, n: h, k: inter, a: a.activated, b: P.values + o.ffnOutputWeight, c: tmp)
        sites.fill(a.feedForwardMask, count: tokens * h)
        let out = saved.hidden[l + 1]
        BLASThreads.parallel(rowChunks.count) { part in
            let r = rowChunks[part]
            Dropout.biasDropoutResidual(tmp, rows: r, cols: h, bias: P.values + o.ffnOutputBias, mask: a.feedForwardMask, residual: a.attended)
            LayerNormTraining.forward(tmp, rows: r, cols: h, gamma: P.values + o.ffnNormWeight, beta: P.values + o.ffnNormBias,
                                      eps: eps, xhat: a.feedForwardNormXhat, invStd: a.feedForwardNormInvStd, out: out)
        }
    }

    /// MPNet: each head's biases for relative positions -(longest-1) ... longest-1 (`2·longest - 1`
    /// per head), from the bucket table; nil for BERT.
    func relativeBiasTable(longest: Int) -> UnsafeBufferPointer<Float>? {
        guard let offset = parameters.relativeAttentionBias else { return nil }
        let c = parameters.config, heads = c.numAttentionHeads, width = 2 * longest - 1
        let table = arena.take(heads * width)
        for r in 0..<width {
            let bucket = MPNetPositions.bucket(r - (longest - 1), buckets: c.relativeAttentionBuckets)
            for head in 0..<heads { table[head * width + r] = parameters.values[offset + bucket * heads + head] }
        }
        return UnsafeBufferPointer(start: table, count: heads * width)
    }

    /// The mean of each sentence's token rows of `last` (`[sentences x hidden]`).
    func meanPool(_ last: UnsafePointer<Float>, _ batch: PackedBatch) -> [Float] {
        let h = parameters.config.hiddenSize
        var pooled = [Float](repeating: 0, count: batch.count * h)
        for s in 0..<batch.count {
            for t in batch.rows(of: s) {
                let row = last + t * h
                for j in 0..<h { pooled[s * h + j] += row[j] }
            }
            let inv = 1 / Float(batch.sequences[s].count)
            for j in 0..<h { pooled[s * h + j] *= inv }
        }
        return pooled
    }
}
