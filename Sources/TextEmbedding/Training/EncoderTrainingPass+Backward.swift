// EncoderTrainingPass+Backward: the backward steps (mean pooling, one transformer layer, embeddings), writing each parameter's gradient.
import LinearAlgebra

/// The gradients flowing between backward steps (from the pass's arena).
struct BackwardBuffers {
    /// Gradient of the current layer's output, then of its input (`[tokens x H]`).
    let dOut: UnsafeMutablePointer<Float>
    /// Gradient of the attention block's output (`[tokens x H]`).
    let dAttended: UnsafeMutablePointer<Float>
    /// Gradient of the feed-forward's inner activations (`[tokens x I]`).
    let dInner: UnsafeMutablePointer<Float>
    let dQKV: UnsafeMutablePointer<Float>
    let dContext: UnsafeMutablePointer<Float>
    /// LayerNorm parameter sums per task, and GELU scratch per task.
    let normPartials: UnsafeMutablePointer<Float>
    let geluScratch: UnsafeMutablePointer<Float>
    /// MPNet's per-task gradients by relative position (one block, reused by every layer).
    private let relativeBlock: UnsafeMutablePointer<Float>?
    private let relativeCount: Int

    init(batch: PackedBatch, config c: EncoderConfig, arena: ActivationArena) {
        let t = batch.tokens, h = c.hiddenSize, inter = c.intermediateSize
        dOut = arena.take(t * h)
        dAttended = arena.take(t * h)
        dInner = arena.take(t * inter)
        dQKV = arena.take(t * 3 * h)
        dContext = arena.take(t * h)
        normPartials = arena.take(batch.threads * 2 * max(h, 1))
        geluScratch = arena.take(batch.threads * inter)
        relativeCount = c.isMPNet ? batch.sentenceChunks.count * c.numAttentionHeads * (2 * batch.longest - 1) : 0
        relativeBlock = c.isMPNet ? arena.take(relativeCount) : nil
    }

    /// The block for MPNet's per-task relative-position gradients (`count` floats).
    func relativeScratch(count: Int) -> UnsafeMutablePointer<Float> {
        precondition(count <= relativeCount, "relative-position scratch sized at init")
        return relativeBlock!
    }
}

extension EncoderTrainingPass {
    /// Mean pooling backward: each sentence's `dPooled` row spread evenly over its tokens, into `dOut`.
    func unpool(_ dPooled: [Float], _ batch: PackedBatch, into dOut: UnsafeMutablePointer<Float>) {
        let h = parameters.config.hiddenSize
        for s in 0..<batch.count {
            let inv = 1 / Float(batch.sequences[s].count)
            for t in batch.rows(of: s) {
                for j in 0..<h { dOut[t * h + j] = dPooled[s * h + j] * inv }
            }
        }
    }

    /// Layer `l` backward: `flow.dOut` holds dLoss/d(layer output) and leaves holding dLoss/d(layer input).
    func backwardLayer(_ l: Int, _ batch: PackedBatch, _ saved: TrainingActivations, _ flow: BackwardBuffers, _ G: EncoderParameters) {
        let P = parameters, c = P.config
        let h = c.hiddenSize, inter = c.intermediateSize, heads = c.numAttentionHeads, d = c.headSize
        let tokens = batch.tokens, rowChunks = batch.rowChunks
        let o = P.layers[l], a = saved.layers[l], tmp = saved.scratch
        let scale = 1 / Float(d).squareRoot()

        // Feed-forward block: its LayerNorm (dOut → dAttended, the residual's share) and dropout, the
        // down projection, GELU, the up projection (adding into dAttended).
        normAndDropoutBackward(flow.dOut, rows: rowChunks, cols: h, xhat: a.feedForwardNormXhat, invStd: a.feedForwardNormInvStd,
                               gamma: o.ffnNormWeight, beta: o.ffnNormBias, mask: a.feedForwardMask,
                               dx: flow.dAttended, masked: tmp, flow, G)
        denseBackward(tmp, input: a.activated, tokens: tokens, inputs: inter, outputs: h, weight: o.ffnOutputWeight,
                      bias: o.ffnOutputBias, into: flow.dInner, accumulate: false, G)
        BLASThreads.parallel(rowChunks.count) { part in
            let r = rowChunks[part]
            GELU.backward(flow.dInner + r.lowerBound * inter, u: a.up + r.lowerBound * inter, g: a.activated + r.lowerBound * inter,
                          count: r.count * inter, scratch: flow.geluScratch + part * inter, scratchCount: inter)
        }
        denseBackward(flow.dInner, input: a.attended, tokens: tokens, inputs: h, outputs: inter, weight: o.intermediateWeight,
                      bias: o.intermediateBias, into: flow.dAttended, accumulate: true, G)

        // Attention block: its LayerNorm (dAttended → dOut, the layer input's share via the residual)
        // and dropout, the output projection.
        normAndDropoutBackward(flow.dAttended, rows: rowChunks, cols: h, xhat: a.attentionNormXhat, invStd: a.attentionNormInvStd,
                               gamma: o.attentionNormWeight, beta: o.attentionNormBias, mask: a.attentionOutputMask,
                               dx: flow.dOut, masked: tmp, flow, G)
        denseBackward(tmp, input: a.context, tokens: tokens, inputs: h, outputs: h, weight: o.outputWeight,
                      bias: o.outputBias, into: flow.dContext, accumulate: false, G)

        // Attention backward per sentence and head, then the QKV projection. MPNet: each task adds its
        // scores' gradients by relative position into its own slice, summed into the buckets after.
        let width = 2 * batch.longest - 1
        let dRelative = P.relativeAttentionBias.map { _ in flow.relativeScratch(count: batch.sentenceChunks.count * heads * width) }
        BLASThreads.parallel(batch.sentenceChunks.count) { part in
            let sentences = batch.sentenceChunks[part]
            let mine = dRelative.map { $0 + part * heads * width }
            mine?.update(repeating: 0, count: heads * width)  // also a task with no sentences: its slice is summed
            guard !sentences.isEmpty else { return }
            let rows = batch.rows(of: sentences)
            (flow.dQKV + rows.lowerBound * 3 * h).update(repeating: 0, count: rows.count * 3 * h)
            let longest = sentences.map { batch.sequences[$0].count }.max() ?? 0
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(1, longest))
            defer { scratch.deallocate() }
            for s in sentences {
                let n = batch.sequences[s].count, first = batch.offsets[s]
                for head in 0..<heads {
                    let base = batch.probabilityOffsets[s] + head * n * n
                    AttentionTraining.backward(qkv: a.qkv + first * 3 * h + head * d, dqkv: flow.dQKV + first * 3 * h + head * d,
                                               ld: 3 * h, hidden: h, tokens: n, headSize: d, scale: scale,
                                               probs: a.probabilities + base, mask: a.probabilityMask.map { $0 + base },
                                               dOut: flow.dContext + first * h + head * d, ldo: h, scratch: scratch,
                                               dRelativeBias: mine.map { $0 + head * width + (batch.longest - n) })
                }
            }
        }
        if let dRelative, let offset = P.relativeAttentionBias {
            let dTable = G.values + offset
            for r in 0..<width {
                let bucket = MPNetPositions.bucket(r - (batch.longest - 1), buckets: c.relativeAttentionBuckets)
                for part in 0..<batch.sentenceChunks.count {
                    for head in 0..<heads { dTable[bucket * heads + head] += dRelative[(part * heads + head) * width + r] }
                }
            }
        }
        denseBackward(flow.dQKV, input: saved.hidden[l], tokens: tokens, inputs: h, outputs: 3 * h, weight: o.qkvWeight,
                      bias: o.qkvBias, into: flow.dOut, accumulate: true, G)
    }

    /// A LayerNorm's backward (dy → dx, its γ and β gradients) and then the dropout before it:
    /// `masked = dx ∘ mask`.
    private func normAndDropoutBackward(_ dy: UnsafePointer<Float>, rows: [Range<Int>], cols: Int, xhat: UnsafePointer<Float>,
                                        invStd: UnsafePointer<Float>, gamma: Int, beta: Int, mask: UnsafeMutablePointer<Float>?,
                                        dx: UnsafeMutablePointer<Float>, masked: UnsafeMutablePointer<Float>,
                                        _ flow: BackwardBuffers, _ G: EncoderParameters) {
        let P = parameters
        LayerNormTraining.backward(dy, rows: rows, cols: cols, xhat: xhat, invStd: invStd, gamma: P.values + gamma, dx: dx,
                                   dGamma: G.values + gamma, dBeta: G.values + beta, partials: flow.normPartials)
        BLASThreads.parallel(rows.count) { part in
            let r = rows[part]
            Dropout.apply(mask, to: dx, into: masked, range: (r.lowerBound * cols)..<(r.upperBound * cols))
        }
    }

    /// A dense layer `y = x·Wᵀ + b` (W `[outputs x inputs]`) backward from `dy` (`[tokens x outputs]`):
    /// dW = dyᵀ·x and db = Σ dy into `G`, dx = dy·W into `dx` (added to it when `accumulate`).
    private func denseBackward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, tokens: Int, inputs: Int, outputs: Int,
                               weight: Int, bias: Int, into dx: UnsafeMutablePointer<Float>, accumulate: Bool, _ G: EncoderParameters) {
        GEMM.multiplyATransposed(m: outputs, n: inputs, k: tokens, a: dy, b: x, c: G.values + weight)
        VectorArithmetic.columnSums(dy, rows: 0..<tokens, cols: outputs, into: G.values + bias)
        GEMM.multiply(m: tokens, n: inputs, k: outputs, a: dy, b: parameters.values + weight, c: dx, beta: accumulate ? 1 : 0)
    }

    /// Embeddings backward: dropout, LayerNorm, then each token's gradient added into its word,
    /// position and (BERT) token-type rows.
    func backwardEmbeddings(_ batch: PackedBatch, _ saved: TrainingActivations, _ flow: BackwardBuffers, _ G: EncoderParameters) {
        let P = parameters, h = P.config.hiddenSize, tokens = batch.tokens
        let dOut = flow.dOut, tmp = saved.scratch
        if let mask = saved.embeddingMask { for j in 0..<(tokens * h) { dOut[j] *= mask[j] } }
        LayerNormTraining.backward(dOut, rows: batch.rowChunks, cols: h, xhat: saved.embeddingNormXhat, invStd: saved.embeddingNormInvStd,
                                   gamma: P.values + P.embeddingNormWeight, dx: tmp, dGamma: G.values + P.embeddingNormWeight,
                                   dBeta: G.values + P.embeddingNormBias, partials: flow.normPartials)
        let dWord = G.values + P.wordEmbeddings, dPosition = G.values + P.positionEmbeddings
        let dType = P.tokenTypeEmbeddings.map { G.values + $0 }, first = P.config.firstPosition
        var t = 0
        for sequence in batch.sequences {
            for (p, id) in sequence.enumerated() {
                let row = tmp + t * h, w = dWord + Int(id) * h, pe = dPosition + (first + p) * h
                for j in 0..<h {
                    w[j] += row[j]
                    pe[j] += row[j]
                }
                if let dType { for j in 0..<h { dType[j] += row[j] } }
                t += 1
            }
        }
    }
}
