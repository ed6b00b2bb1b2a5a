// EncoderTrainingPass: one forward and backward of MiniLM + mean pooling + softmax head over packed tokens.
import Foundation
import LinearAlgebra

/// Forward with the activations backward needs, then the exact gradient of the mean softmax
/// cross-entropy with respect to every parameter. Tokens of all sentences are packed into one
/// `[tokens x hidden]` matrix (no padding): dense layers and their gradients are sgemms over all
/// tokens, attention runs per sentence and head. Dropout (BERT's four places: embeddings, attention
/// probabilities, attention output, feed-forward output) is drawn from a seeded generator, so a
/// step repeats exactly. Memory: the activations of this batch only.
public struct EncoderTrainingPass {
    public struct Output {
        /// Mean cross-entropy over the batch (nil when no labels were given).
        public var loss: Double?
        /// `[sentences x classes]` logits.
        public var logits: [Float]
        /// `[sentences x hidden]` mean-pooled embeddings (not normalised).
        public var pooled: [Float]
    }

    public let parameters: EncoderParameters
    /// Dropout probability (0 turns it off, as at evaluation).
    public var dropout: Float
    /// Activation buffers, kept from one run to the next (same requests in the same order), so a
    /// step does not fault in fresh pages for ~100 MB of activations.
    let arena = Arena()

    public init(parameters: EncoderParameters, dropout: Float) {
        self.parameters = parameters
        self.dropout = dropout
    }

    /// Runs the batch. With `gradients`, also back-propagates `labels` (indices into the head's
    /// classes) and writes every parameter's gradient there (overwriting it).
    public func run(_ sequences: [[Int32]], labels: [Int]? = nil, gradients: EncoderParameters? = nil,
                    dropoutSeed: UInt64 = 0) -> Output {
        let P = parameters
        let c = P.config
        let h = c.hiddenSize, inter = c.intermediateSize, heads = c.numAttentionHeads, d = c.headSize
        let layerCount = c.numHiddenLayers
        let b = sequences.count
        precondition(b > 0)
        precondition(gradients == nil || labels != nil, "gradients need labels")
        var offsets = [0]
        for s in sequences { offsets.append(offsets.last! + s.count) }
        let T = offsets.last!
        var probOffsets = [0]
        for s in sequences { probOffsets.append(probOffsets.last! + heads * s.count * s.count) }
        let probCount = probOffsets.last!
        let useDropout = dropout > 0
        let keepScale: Float = useDropout ? 1 / (1 - dropout) : 1
        let threads = max(1, min(BLASThreads.count, 8))
        let rowChunks = BLASThreads.chunks(T, parts: threads)
        let sentenceChunks = MiniLM.Encoder.balancedChunks(offsets, parts: threads)
        let eps = c.layerNormEps

        // Activations kept for backward, per layer.
        let arena = self.arena
        arena.rewind()
        let hs = (0...layerCount).map { _ in arena.take(T * h) }          // layer inputs/outputs
        let qkv = (0..<layerCount).map { _ in arena.take(T * 3 * h) }
        let probs = (0..<layerCount).map { _ in arena.take(probCount) }
        let probMask = (0..<layerCount).map { _ in useDropout ? arena.take(probCount) : nil }
        let ctx = (0..<layerCount).map { _ in arena.take(T * h) }
        let mask1 = (0..<layerCount).map { _ in useDropout ? arena.take(T * h) : nil }
        let xhat1 = (0..<layerCount).map { _ in arena.take(T * h) }
        let inv1 = (0..<layerCount).map { _ in arena.take(T) }
        let h1 = (0..<layerCount).map { _ in arena.take(T * h) }
        let u = (0..<layerCount).map { _ in arena.take(T * inter) }
        let g = (0..<layerCount).map { _ in arena.take(T * inter) }
        let mask2 = (0..<layerCount).map { _ in useDropout ? arena.take(T * h) : nil }
        let xhat2 = (0..<layerCount).map { _ in arena.take(T * h) }
        let inv2 = (0..<layerCount).map { _ in arena.take(T) }
        let xhat0 = arena.take(T * h), inv0 = arena.take(T)
        let mask0 = useDropout ? arena.take(T * h) : nil
        let tmp = arena.take(T * h)

        var site: UInt64 = 0
        func fillMask(_ m: UnsafeMutablePointer<Float>?, _ n: Int) {
            guard let m else { return }
            site += 1
            Self.dropoutMask(m, count: n, p: dropout, scale: keepScale, seed: dropoutSeed &+ site &* 0xD1B5_4A32_D192_ED03)
        }

        // Embeddings: word + position + token type 0, LayerNorm, dropout.
        let word = P.values + P.wordEmbeddings, pos = P.values + P.positionEmbeddings, type0 = P.values + P.tokenTypeEmbeddings
        do {
            var t = 0
            for seq in sequences {
                for (p, id) in seq.enumerated() {
                    let row = tmp + t * h, w = word + Int(id) * h, pe = pos + p * h
                    for j in 0..<h { row[j] = w[j] + pe[j] + type0[j] }
                    t += 1
                }
            }
            BLASThreads.parallel(rowChunks.count) { part in
                let r = rowChunks[part]
                Self.layerNormForward(tmp, rows: r, cols: h, gamma: P.values + P.embeddingNormWeight,
                                      beta: P.values + P.embeddingNormBias, eps: eps, xhat: xhat0, invStd: inv0, out: hs[0])
            }
            fillMask(mask0, T * h)
            if let mask0 { for j in 0..<(T * h) { hs[0][j] *= mask0[j] } }
        }

        let scale = 1 / Float(d).squareRoot()
        for l in 0..<layerCount {
            let o = P.layers[l]
            let x = hs[l]
            GEMM.multiplyTransposed(m: T, n: 3 * h, k: h, a: x, b: P.values + o.qkvWeight, c: qkv[l])
            fillMask(probMask[l], probCount)
            let qb = P.values + o.qkvBias, q = qkv[l], pr = probs[l], pm = probMask[l], cx = ctx[l]
            BLASThreads.parallel(sentenceChunks.count) { part in
                let sentences = sentenceChunks[part]
                guard !sentences.isEmpty else { return }
                for r in offsets[sentences.lowerBound]..<offsets[sentences.upperBound] {
                    let row = q + r * 3 * h
                    for j in 0..<(3 * h) { row[j] += qb[j] }
                }
                for s in sentences {
                    let n = offsets[s + 1] - offsets[s], first = offsets[s]
                    for hd in 0..<heads {
                        let base = probOffsets[s] + hd * n * n
                        Self.attentionForward(qkv: q + first * 3 * h + hd * d, ld: 3 * h, hidden: h, tokens: n, headSize: d,
                                              scale: scale, probs: pr + base, mask: pm.map { $0 + base },
                                              out: cx + first * h + hd * d, ldo: h)
                    }
                }
            }
            // Output projection + dropout + residual, LayerNorm.
            GEMM.multiplyTransposed(m: T, n: h, k: h, a: cx, b: P.values + o.outputWeight, c: tmp)
            fillMask(mask1[l], T * h)
            let m1 = mask1[l]
            BLASThreads.parallel(rowChunks.count) { part in
                let r = rowChunks[part]
                Self.biasDropoutResidual(tmp, rows: r, cols: h, bias: P.values + o.outputBias, mask: m1, residual: x)
                Self.layerNormForward(tmp, rows: r, cols: h, gamma: P.values + o.attentionNormWeight,
                                      beta: P.values + o.attentionNormBias, eps: eps, xhat: xhat1[l], invStd: inv1[l], out: h1[l])
            }
            // Feed-forward: up, GELU, down + dropout + residual, LayerNorm.
            GEMM.multiplyTransposed(m: T, n: inter, k: h, a: h1[l], b: P.values + o.intermediateWeight, c: u[l])
            let ul = u[l], gl = g[l], ib = P.values + o.intermediateBias
            BLASThreads.parallel(rowChunks.count) { part in
                let r = rowChunks[part]
                for t in r {
                    let ur = ul + t * inter, gr = gl + t * inter
                    for j in 0..<inter {
                        ur[j] += ib[j]
                        gr[j] = ur[j]
                    }
                }
                VectorKernels.biasGELU(gl + r.lowerBound * inter, rows: r.count, cols: inter, bias: nil)
            }
            GEMM.multiplyTransposed(m: T, n: h, k: inter, a: gl, b: P.values + o.ffnOutputWeight, c: tmp)
            fillMask(mask2[l], T * h)
            let m2 = mask2[l]
            BLASThreads.parallel(rowChunks.count) { part in
                let r = rowChunks[part]
                Self.biasDropoutResidual(tmp, rows: r, cols: h, bias: P.values + o.ffnOutputBias, mask: m2, residual: h1[l])
                Self.layerNormForward(tmp, rows: r, cols: h, gamma: P.values + o.ffnNormWeight,
                                      beta: P.values + o.ffnNormBias, eps: eps, xhat: xhat2[l], invStd: inv2[l], out: hs[l + 1])
            }
        }

        // Mean pooling and the head.
        let last = hs[layerCount]
        var pooled = [Float](repeating: 0, count: b * h)
        for s in 0..<b {
            let n = offsets[s + 1] - offsets[s]
            for t in offsets[s]..<offsets[s + 1] {
                let row = last + t * h
                for j in 0..<h { pooled[s * h + j] += row[j] }
            }
            let inv = 1 / Float(n)
            for j in 0..<h { pooled[s * h + j] *= inv }
        }
        let C = P.classes
        var logits = [Float](repeating: 0, count: b * C)
        pooled.withUnsafeBufferPointer { e in
            logits.withUnsafeMutableBufferPointer { z in
                GEMM.multiplyTransposed(m: b, n: C, k: h, a: e.baseAddress!, b: P.values + P.headWeight, c: z.baseAddress!)
            }
        }
        for s in 0..<b { for k in 0..<C { logits[s * C + k] += P.values[P.headBias + k] } }
        guard let labels else { return Output(loss: nil, logits: logits, pooled: pooled) }
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
        guard let G = gradients else { return Output(loss: loss, logits: logits, pooled: pooled) }

        // ---- Backward ----
        let zeroChunks = BLASThreads.chunks(G.count, parts: threads)
        BLASThreads.parallel(zeroChunks.count) { part in
            (G.values + zeroChunks[part].lowerBound).update(repeating: 0, count: zeroChunks[part].count)
        }
        // Head: dW = dZᵀ·E, db = Σ dZ, dE = dZ·W; mean pooling spreads dE over each sentence's tokens.
        let dOut = arena.take(T * h), dH1 = arena.take(T * h), dBig = arena.take(T * inter)
        let dQKV = arena.take(T * 3 * h), dCtx = arena.take(T * h)
        let partials = arena.take(threads * 2 * max(h, 1))
        let geluScratch = arena.take(threads * inter)
        dLogits.withUnsafeBufferPointer { dz in
            pooled.withUnsafeBufferPointer { e in
                GEMM.multiplyATransposed(m: C, n: h, k: b, a: dz.baseAddress!, b: e.baseAddress!, c: G.values + P.headWeight)
                Self.columnSums(dz.baseAddress!, rows: 0..<b, cols: C, into: G.values + P.headBias)
                var dE = [Float](repeating: 0, count: b * h)
                dE.withUnsafeMutableBufferPointer { de in
                    GEMM.multiply(m: b, n: h, k: C, a: dz.baseAddress!, b: P.values + P.headWeight, c: de.baseAddress!)
                }
                for s in 0..<b {
                    let inv = 1 / Float(offsets[s + 1] - offsets[s])
                    for t in offsets[s]..<offsets[s + 1] {
                        for j in 0..<h { dOut[t * h + j] = dE[s * h + j] * inv }
                    }
                }
            }
        }

        for l in stride(from: layerCount - 1, through: 0, by: -1) {
            let o = P.layers[l]
            // LayerNorm 2 backward: dOut -> dH1 (the residual's gradient), then dropout for the FFN output.
            Self.layerNormBackward(dOut, rows: rowChunks, cols: h, xhat: xhat2[l], invStd: inv2[l], gamma: P.values + o.ffnNormWeight,
                                   dx: dH1, dGamma: G.values + o.ffnNormWeight, dBeta: G.values + o.ffnNormBias, partials: partials)
            let m2 = mask2[l]
            // df (in tmp) = dr2 ∘ mask.
            BLASThreads.parallel(rowChunks.count) { part in
                let r = rowChunks[part]
                Self.multiply(dH1, by: m2, into: tmp, range: (r.lowerBound * h)..<(r.upperBound * h))
            }
            GEMM.multiplyATransposed(m: h, n: inter, k: T, a: tmp, b: g[l], c: G.values + o.ffnOutputWeight)
            Self.columnSums(tmp, rows: 0..<T, cols: h, into: G.values + o.ffnOutputBias)
            GEMM.multiply(m: T, n: inter, k: h, a: tmp, b: P.values + o.ffnOutputWeight, c: dBig)
            let ul = u[l], gl = g[l]
            BLASThreads.parallel(rowChunks.count) { part in
                let r = rowChunks[part]
                Self.geluBackward(dBig + r.lowerBound * inter, u: ul + r.lowerBound * inter, g: gl + r.lowerBound * inter,
                                  count: r.count * inter, scratch: geluScratch + part * inter, scratchCount: inter)
            }
            GEMM.multiplyATransposed(m: inter, n: h, k: T, a: dBig, b: h1[l], c: G.values + o.intermediateWeight)
            Self.columnSums(dBig, rows: 0..<T, cols: inter, into: G.values + o.intermediateBias)
            GEMM.multiply(m: T, n: h, k: inter, a: dBig, b: P.values + o.intermediateWeight, c: dH1, beta: 1)
            // LayerNorm 1 backward: dH1 -> dOut (now the gradient of the layer input via the residual).
            Self.layerNormBackward(dH1, rows: rowChunks, cols: h, xhat: xhat1[l], invStd: inv1[l], gamma: P.values + o.attentionNormWeight,
                                   dx: dOut, dGamma: G.values + o.attentionNormWeight, dBeta: G.values + o.attentionNormBias, partials: partials)
            let m1 = mask1[l]
            BLASThreads.parallel(rowChunks.count) { part in
                let r = rowChunks[part]
                Self.multiply(dOut, by: m1, into: tmp, range: (r.lowerBound * h)..<(r.upperBound * h))
            }
            GEMM.multiplyATransposed(m: h, n: h, k: T, a: tmp, b: ctx[l], c: G.values + o.outputWeight)
            Self.columnSums(tmp, rows: 0..<T, cols: h, into: G.values + o.outputBias)
            GEMM.multiply(m: T, n: h, k: h, a: tmp, b: P.values + o.outputWeight, c: dCtx)
            // Attention backward per sentence and head.
            let q = qkv[l], pr = probs[l], pm = probMask[l]
            BLASThreads.parallel(sentenceChunks.count) { part in
                let sentences = sentenceChunks[part]
                guard !sentences.isEmpty else { return }
                let rows = offsets[sentences.lowerBound]..<offsets[sentences.upperBound]
                (dQKV + rows.lowerBound * 3 * h).update(repeating: 0, count: rows.count * 3 * h)
                let longest = sentences.map { offsets[$0 + 1] - offsets[$0] }.max() ?? 0
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(1, longest))
                defer { scratch.deallocate() }
                for s in sentences {
                    let n = offsets[s + 1] - offsets[s], first = offsets[s]
                    for hd in 0..<heads {
                        let base = probOffsets[s] + hd * n * n
                        Self.attentionBackward(qkv: q + first * 3 * h + hd * d, dqkv: dQKV + first * 3 * h + hd * d, ld: 3 * h, hidden: h,
                                               tokens: n, headSize: d, scale: scale, probs: pr + base, mask: pm.map { $0 + base },
                                               dOut: dCtx + first * h + hd * d, ldo: h, scratch: scratch)
                    }
                }
            }
            GEMM.multiplyATransposed(m: 3 * h, n: h, k: T, a: dQKV, b: hs[l], c: G.values + o.qkvWeight)
            Self.columnSums(dQKV, rows: 0..<T, cols: 3 * h, into: G.values + o.qkvBias)
            GEMM.multiply(m: T, n: h, k: 3 * h, a: dQKV, b: P.values + o.qkvWeight, c: dOut, beta: 1)
        }

        // Embeddings backward: dropout, LayerNorm, then scatter into the three tables.
        if let mask0 { for j in 0..<(T * h) { dOut[j] *= mask0[j] } }
        Self.layerNormBackward(dOut, rows: rowChunks, cols: h, xhat: xhat0, invStd: inv0, gamma: P.values + P.embeddingNormWeight,
                               dx: tmp, dGamma: G.values + P.embeddingNormWeight, dBeta: G.values + P.embeddingNormBias, partials: partials)
        let dWord = G.values + P.wordEmbeddings, dPos = G.values + P.positionEmbeddings, dType = G.values + P.tokenTypeEmbeddings
        var t = 0
        for seq in sequences {
            for (p, id) in seq.enumerated() {
                let row = tmp + t * h, w = dWord + Int(id) * h, pe = dPos + p * h
                for j in 0..<h {
                    w[j] += row[j]
                    pe[j] += row[j]
                    dType[j] += row[j]
                }
                t += 1
            }
        }
        return Output(loss: loss, logits: logits, pooled: pooled)
    }

    // MARK: - Pieces

    /// Exact GELU, as BERT's "gelu": x·Φ(x) (the scalar reference of the vectorised kernel).
    @inline(__always) static func gelu(_ x: Float) -> Float { 0.5 * x * (1 + erff(x * 0.70710678118654752)) }

    /// d/dx of x·Φ(x) = Φ(x) + x·φ(x) (scalar reference).
    @inline(__always) static func geluDerivative(_ x: Float) -> Float {
        0.5 * (1 + erff(x * 0.70710678118654752)) + x * 0.39894228040143268 * expf(-0.5 * x * x)
    }

    /// `dy ∘= GELU'(u)` with Φ(u) recovered as g/u from the forward's g = u·Φ(u) (0.5 near 0) and
    /// φ(u) from the vectorised exp: no erf in backward.
    static func geluBackward(_ dy: UnsafeMutablePointer<Float>, u: UnsafePointer<Float>, g: UnsafePointer<Float>, count: Int,
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

    /// Inverted-dropout multipliers: 0 with probability `p`, else `scale`; 16 random bits per
    /// element. Blocks of 4096 elements draw from their own generator (seeded from `seed` and the
    /// block), in parallel: the mask depends on the seed only, never on the thread count.
    static func dropoutMask(_ m: UnsafeMutablePointer<Float>, count n: Int, p: Float, scale: Float, seed: UInt64) {
        let threshold = UInt64((Double(p) * 65536).rounded())
        let block = 4096
        let blocks = (n + block - 1) / block
        let parts = BLASThreads.chunks(blocks, parts: BLASThreads.count)
        BLASThreads.parallel(parts.count) { part in
            for b in parts[part] {
                // The block's seed is a hash of (seed, block): seeds that differ by the generator's own
                // increment would give shifted copies of one stream.
                var mixer = SplitMix64(seed: seed ^ UInt64(b))
                var rng = SplitMix64(seed: mixer.next() ^ UInt64(b) << 32)
                var j = b * block
                let end = min(n, j + block)
                while j < end {
                    var bits = rng.next()
                    for _ in 0..<4 where j < end {
                        m[j] = (bits & 0xFFFF) < threshold ? 0 : scale
                        bits >>= 16
                        j += 1
                    }
                }
            }
        }
    }

    /// `out[j] = x[j] · mask[j]` over `range` (a copy without a mask).
    @inline(__always)
    static func multiply(_ x: UnsafePointer<Float>, by mask: UnsafeMutablePointer<Float>?, into out: UnsafeMutablePointer<Float>, range: Range<Int>) {
        if let mask {
            for j in range { out[j] = x[j] * mask[j] }
        } else {
            (out + range.lowerBound).update(from: x + range.lowerBound, count: range.count)
        }
    }

    /// Σ a[i]·b[i] in 16-wide vector lanes (a scalar loop would keep the additions in order and not vectorise).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
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

    /// Σ a[i] and Σ a[i]·b[i] together, vectorised.
    @inline(__always)
    static func sums(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> (Float, Float) {
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
    static func axpy(_ w: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] += w * x[i] }
    }

    /// `x[r] = x[r] + bias` then `∘ mask` then `+ residual[r]`.
    static func biasDropoutResidual(_ x: UnsafeMutablePointer<Float>, rows: Range<Int>, cols: Int, bias: UnsafePointer<Float>,
                                    mask: UnsafeMutablePointer<Float>?, residual: UnsafePointer<Float>) {
        for r in rows {
            let row = x + r * cols, res = residual + r * cols
            if let mask {
                let m = mask + r * cols
                for j in 0..<cols { row[j] = (row[j] + bias[j]) * m[j] + res[j] }
            } else {
                for j in 0..<cols { row[j] = row[j] + bias[j] + res[j] }
            }
        }
    }

    /// LayerNorm of `x`'s `rows` into `out`, keeping x̂ and 1/σ for backward (biased variance, as torch).
    static func layerNormForward(_ x: UnsafePointer<Float>, rows: Range<Int>, cols: Int, gamma: UnsafePointer<Float>,
                                 beta: UnsafePointer<Float>, eps: Float, xhat: UnsafeMutablePointer<Float>,
                                 invStd: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let n = Float(cols)
        for r in rows {
            let row = x + r * cols, xr = xhat + r * cols, y = out + r * cols
            let (sum, _) = sums(row, row, cols)
            let mean = sum / n
            for j in 0..<cols { xr[j] = row[j] - mean }
            let variance = dot(xr, xr, cols) / n
            let inv = 1 / (variance + eps).squareRoot()
            invStd[r] = inv
            for j in 0..<cols {
                let v = xr[j] * inv
                xr[j] = v
                y[j] = v * gamma[j] + beta[j]
            }
        }
    }

    /// LayerNorm backward: `dx = (1/σ)(dx̂ − mean(dx̂) − x̂·mean(dx̂∘x̂))` with `dx̂ = dy∘γ`; `dγ = Σ dy∘x̂`,
    /// `dβ = Σ dy` (added to what is there), summed per row chunk then in chunk order (repeatable).
    static func layerNormBackward(_ dy: UnsafePointer<Float>, rows: [Range<Int>], cols: Int, xhat: UnsafePointer<Float>,
                                  invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                                  dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>,
                                  partials: UnsafeMutablePointer<Float>) {
        let n = Float(cols)
        BLASThreads.parallel(rows.count) { part in
            let pg = partials + part * 2 * cols, pb = pg + cols
            pg.update(repeating: 0, count: 2 * cols)
            for r in rows[part] {
                let g = dy + r * cols, xr = xhat + r * cols, out = dx + r * cols
                // dx̂ goes into out first, then is turned into dx in place.
                for j in 0..<cols {
                    out[j] = g[j] * gamma[j]
                    pg[j] += g[j] * xr[j]
                    pb[j] += g[j]
                }
                let (s1, s2) = sums(out, xr, cols)
                let m1 = s1 / n, m2 = s2 / n
                let inv = invStd[r]
                for j in 0..<cols { out[j] = inv * (out[j] - m1 - xr[j] * m2) }
            }
        }
        for part in 0..<rows.count {
            let pg = partials + part * 2 * cols, pb = pg + cols
            for j in 0..<cols {
                dGamma[j] += pg[j]
                dBeta[j] += pb[j]
            }
        }
    }

    /// `out[j] = Σ_r x[r, j]` (overwrites).
    static func columnSums(_ x: UnsafePointer<Float>, rows: Range<Int>, cols: Int, into out: UnsafeMutablePointer<Float>) {
        out.update(repeating: 0, count: cols)
        for r in rows {
            let row = x + r * cols
            for j in 0..<cols { out[j] += row[j] }
        }
    }

    /// One head of one sentence: `P = softmax(QKᵀ·scale)` kept in `probs` (`[n x n]`, before
    /// dropout), `out = (P∘mask)·V`.
    static func attentionForward(qkv: UnsafePointer<Float>, ld: Int, hidden h: Int, tokens n: Int, headSize d: Int, scale: Float,
                                 probs: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>?,
                                 out: UnsafeMutablePointer<Float>, ldo: Int) {
        for i in 0..<n {
            let q = qkv + i * ld
            let p = probs + i * n
            var mx = -Float.infinity
            for j in 0..<n {
                let s = dot(q, qkv + j * ld + h, d) * scale
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
                axpy(m.map { p[j] * $0[j] } ?? p[j], qkv + j * ld + 2 * h, o, d)
            }
        }
    }

    /// Backward of `attentionForward`: adds dQ, dK, dV into `dqkv` (same layout as `qkv`).
    static func attentionBackward(qkv: UnsafePointer<Float>, dqkv: UnsafeMutablePointer<Float>, ld: Int, hidden h: Int, tokens n: Int,
                                  headSize d: Int, scale: Float, probs: UnsafePointer<Float>, mask: UnsafePointer<Float>?,
                                  dOut: UnsafePointer<Float>, ldo: Int, scratch dp: UnsafeMutablePointer<Float>) {
        for i in 0..<n {
            let go = dOut + i * ldo, p = probs + i * n
            let m = mask.map { $0 + i * n }
            // dP̃_ij = dO_i·V_j; dV_j += P̃_ij dO_i; dP = dP̃∘mask.
            var rowDot: Float = 0
            for j in 0..<n {
                let s = dot(go, qkv + j * ld + 2 * h, d)
                let keep = m.map { $0[j] } ?? 1
                axpy(p[j] * keep, go, dqkv + j * ld + 2 * h, d)
                dp[j] = s * keep
                rowDot += p[j] * dp[j]
            }
            // dS_ij = P_ij (dP_ij − Σ_j' P_ij' dP_ij'), then dQ_i += dS_ij K_j·scale, dK_j += dS_ij Q_i·scale.
            let q = qkv + i * ld, dq = dqkv + i * ld
            for j in 0..<n {
                let ds = p[j] * (dp[j] - rowDot) * scale
                axpy(ds, qkv + j * ld + h, dq, d)
                axpy(ds, q, dqkv + j * ld + h, d)
            }
        }
    }

    /// Buffers for a run, handed out in request order and kept for the next run, which makes the
    /// same requests (a larger request replaces the block).
    final class Arena: @unchecked Sendable {
        // Used by one run at a time.
        var blocks: [(pointer: UnsafeMutablePointer<Float>, capacity: Int)] = []
        var next = 0
        func rewind() { next = 0 }
        func take(_ n: Int) -> UnsafeMutablePointer<Float> {
            let need = max(1, n)
            defer { next += 1 }
            if next < blocks.count {
                if blocks[next].capacity >= need { return blocks[next].pointer }
                blocks[next].pointer.deallocate()
                blocks[next] = (.allocate(capacity: need), need)
                return blocks[next].pointer
            }
            blocks.append((.allocate(capacity: need), need))
            return blocks[next].pointer
        }
        deinit { for b in blocks { b.pointer.deallocate() } }
    }
}
