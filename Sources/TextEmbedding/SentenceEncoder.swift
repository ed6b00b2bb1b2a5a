// SentenceEncoder: the BERT or MPNet forward over sgemm on packed tokens (no padding rows), attention per sentence, the folder's pooling, prompts and normalisation.
public import LinearAlgebra
import Foundation
import Dispatch

/// The sentence embedder. Texts are tokenised, sorted by length and cut into batches of about
/// `tokenBudget` tokens; the dense layers of a batch run on all its tokens packed into one
/// `[tokens x hidden]` matrix, so no padding is computed anywhere (attention runs per sentence).
/// Ports BertModel (HF transformers) + sentence-transformers' Pooling (any of its modes) and,
/// when the folder has one, Normalize; the folder's prompts are prepended by role.
public struct SentenceEncoder: Embedder {
    public let tokenizer: WordPieceTokenizer
    public let weights: EncoderWeights
    /// The model, its folder's settings and the precision (`EncoderPrecision.identifierSuffix`).
    public private(set) var identifier: String
    /// Pooling modes, their vectors concatenated in order (all-MiniLM-L6-v2: the mean).
    public let pooling: [PoolingMode]
    /// Whether the model's own vectors are unit length (a Normalize module).
    public let normalizes: Bool
    public let prompts: EmbeddingPrompts
    /// The dense products' arithmetic (recorded in `identifier`).
    public let precision: EncoderPrecision
    /// Each layer's dense weights rounded to bfloat16 (`.bfloat16` precision; empty for float32).
    let bfloat16Layers: [EncoderWeights.BFloat16Layer]
    /// Tokens per batch: large enough that sgemm runs near its peak (M >= 256), small enough
    /// that the `[tokens x 1536]` FFN buffer stays in a few MiB.
    public var tokenBudget: Int

    public var dimension: Int { weights.config.hiddenSize * pooling.count }

    /// `identifier` names the model and its folder's settings; the precision's suffix is added to it
    /// (`EncoderPrecision.identifierSuffix`). At `.bfloat16` the dense weights are rounded and packed
    /// here (about half the float32 weights' bytes more).
    public init(tokenizer: WordPieceTokenizer, weights: EncoderWeights, identifier: String, pooling: [PoolingMode] = [.mean],
                normalizes: Bool = true, prompts: EmbeddingPrompts = .none, tokenBudget: Int = 2048,
                precision: EncoderPrecision = .float32) throws {
        guard tokenizer.vocabularySize == weights.config.vocabSize else {
            throw EmbeddingError.vocabularyMismatch(vocabulary: tokenizer.vocabularySize, model: weights.config.vocabSize)
        }
        precondition(!pooling.isEmpty, "at least one pooling mode")
        self.tokenizer = tokenizer
        self.weights = weights
        self.identifier = EncoderPrecision.stripped(identifier) + precision.identifierSuffix
        self.precision = precision
        bfloat16Layers = precision == .bfloat16 ? weights.bfloat16Layers() : []
        self.pooling = pooling
        self.normalizes = normalizes
        self.prompts = prompts
        self.tokenBudget = tokenBudget
    }

    /// The same model and settings computing at `precision` (self when it already does).
    public func at(_ precision: EncoderPrecision) throws -> SentenceEncoder {
        guard precision != self.precision else { return self }
        return try SentenceEncoder(tokenizer: tokenizer, weights: weights, identifier: identifier, pooling: pooling,
                                   normalizes: normalizes, prompts: prompts, tokenBudget: tokenBudget, precision: precision)
    }

    /// This encoder computing at its own precision but recording `recorded` in its identifier: to
    /// query, or add rows to, an index embedded at another precision (`--mix-precision`).
    public func recording(_ recorded: EncoderPrecision) -> SentenceEncoder {
        var copy = self
        copy.identifier = EncoderPrecision.stripped(identifier) + recorded.identifierSuffix
        return copy
    }

    /// Unit-length rows for search (cosine), whatever the model's own Normalize says.
    public func embed(_ texts: [String], as role: EmbeddingRole) throws -> Matrix {
        try encode(texts, as: role, normalized: true)
    }

    /// What `SentenceTransformer.encode` (`encode_query`, `encode_document`) returns for `texts`:
    /// unit length only when the folder has a Normalize module.
    public func sentenceEmbeddings(_ texts: [String], as role: EmbeddingRole) throws -> Matrix {
        try encode(texts, as: role, normalized: normalizes)
    }

    /// The pooled vectors of `texts` with the role's prompt, L2-normalised when `normalized` (a
    /// fine-tuned softmax head reads them unnormalised, as it was trained).
    ///
    /// With at least two batches per thread, whole batches run side by side, each on one thread
    /// (`BLASThreads.onOneThread`: no product or loop inside a batch is split, so no layer waits
    /// on a join, and each batch is computed exactly as at one thread); with fewer (a query, a
    /// small request) the batches run one after another, each one's products and loops split
    /// over the threads.
    public func encode(_ texts: [String], as role: EmbeddingRole, normalized: Bool) throws -> Matrix {
        let width = dimension
        var out = Matrix(rows: texts.count, cols: width)
        guard !texts.isEmpty else { return out }
        let ids = prompts.apply(role, to: texts).map { tokenizer.encode($0) }
        let batches = Self.batches(lengths: ids.map(\.count), tokenBudget: tokenBudget)
        let workers = BLASThreads.count
        var pooled = [[Float]](repeating: [], count: batches.count)
        pooled.withUnsafeMutableBufferPointer { results in
            // Each batch writes only its own slot.
            nonisolated(unsafe) let slots = results.baseAddress!
            if workers > 1 && batches.count >= 2 * workers {
                BLASThreads.parallel(workers) { w in
                    BLASThreads.onOneThread {
                        for b in stride(from: w, to: batches.count, by: workers) {
                            slots[b] = forward(batches[b].map { ids[$0] }, normalized: normalized)
                        }
                    }
                }
            } else {
                for b in batches.indices { slots[b] = forward(batches[b].map { ids[$0] }, normalized: normalized) }
            }
        }
        for (batch, vectors) in zip(batches, pooled) {
            for (j, row) in batch.enumerated() {
                for c in 0..<width { out[row, c] = vectors[j * width + c] }
            }
        }
        return out
    }

    /// The texts (by index) cut into batches: longest first, each batch as many as fit in
    /// `tokenBudget` tokens (at least one).
    package static func batches(lengths: [Int], tokenBudget: Int) -> [[Int]] {
        let order = lengths.indices.sorted { lengths[$0] > lengths[$1] }
        var batches: [[Int]] = []
        var start = 0
        while start < order.count {
            var end = start, tokens = 0
            while end < order.count && (end == start || tokens + lengths[order[end]] <= tokenBudget) {
                tokens += lengths[order[end]]
                end += 1
            }
            batches.append(Array(order[start..<end]))
            start = end
        }
        return batches
    }

    /// Runs the encoder on `sequences` (token ids with [CLS]/[SEP]) and returns the pooled,
    /// L2-normalised (unless `normalized` is false) `[sequences.count x dimension]` rows.
    func forward(_ sequences: [[Int32]], normalized: Bool = true) -> [Float] {
        let c = weights.config
        let h = c.hiddenSize, width = dimension
        var offsets = [0]
        for s in sequences { offsets.append(offsets.last! + s.count) }
        let total = offsets.last!
        var ws = EncoderScratchBuffers(tokens: total, config: c, longest: sequences.map(\.count).max() ?? 0,
                                relativeAttentionBias: weights.relativeAttentionBias)
        defer { ws.deallocate() }
        embedTokens(sequences, into: ws.x)
        for (i, layer) in weights.layers.enumerated() {
            applyLayer(layer, bfloat16: bfloat16Layer(i), ws: &ws, offsets: offsets)
        }
        var pooled = [Float](repeating: 0, count: sequences.count * width)
        pooled.withUnsafeMutableBufferPointer { out in
            for s in 0..<sequences.count {
                for (m, mode) in pooling.enumerated() {
                    mode.pool(ws.x + offsets[s] * h, count: offsets[s + 1] - offsets[s], hidden: h,
                              into: out.baseAddress! + s * width + m * h)
                }
            }
        }
        guard normalized else { return pooled }
        pooled.withUnsafeMutableBufferPointer { Normalization.normalizeRows($0.baseAddress!, rows: sequences.count, cols: width) }
        return pooled
    }

    /// word + position (+ token-type for BERT) embeddings, then LayerNorm.
    package func embedTokens(_ sequences: [[Int32]], into x: UnsafeMutablePointer<Float>) {
        let c = weights.config
        let h = c.hiddenSize
        var t = 0
        for seq in sequences {
            for (p, id) in seq.enumerated() {
                let row = x + t * h
                let w = weights.wordEmbeddings.baseAddress! + Int(id) * h
                let pe = weights.positionEmbeddings.baseAddress! + (c.firstPosition + p) * h
                if let te = weights.tokenTypeEmbedding?.baseAddress {
                    for j in 0..<h { row[j] = w[j] + pe[j] + te[j] }
                } else {
                    for j in 0..<h { row[j] = w[j] + pe[j] }
                }
                t += 1
            }
        }
        VectorKernels.biasResidualLayerNorm(x, rows: t, cols: h, bias: nil, residual: nil,
                                            gamma: weights.embeddingNormWeight.baseAddress!,
                                            beta: weights.embeddingNormBias.baseAddress!, eps: c.layerNormEps)
    }

    /// One post-LN transformer layer on the packed tokens in `ws.x` (result left in `ws.x`).
    /// The dense products are sgemms over all tokens (BLAS threads), or bfloat16 products when the
    /// layer's rounded weights are given; the element-wise parts and attention are split over the
    /// same number of threads, by rows or by sentences.
    func applyLayer(_ l: EncoderWeights.Layer, bfloat16 reduced: EncoderWeights.BFloat16Layer?, ws: inout EncoderScratchBuffers,
                    offsets: [Int]) {
        let c = weights.config
        let h = c.hiddenSize, inter = c.intermediateSize, heads = c.numAttentionHeads, d = c.headSize
        let tokens = ws.tokens
        let threads = max(1, min(BLASThreads.count, 8))
        let x = ws.x, tmp = ws.tmp, qkv = ws.qkv, context = ws.context, ffn = ws.ffn, attentionScratch = ws.attentionScratch
        let relativeBias = UnsafePointer(ws.relativeBias), longest = ws.longest
        let eps = c.layerNormEps
        // Q, K, V for every token in one product: [T x 3H].
        l.qkvWeight.withUnsafeBufferPointer { w in
            Self.dense(m: tokens, a: x, packed: l.qkvPacked, unpacked: w.baseAddress!, bfloat16: reduced?.qkv, c: qkv)
        }
        // Attention per sentence and head: no padding anywhere, so no mask is needed.
        let scale = 1 / Float(d).squareRoot()
        let sentenceChunks = Self.balancedChunks(offsets, parts: threads)
        l.qkvBias.withUnsafeBufferPointer { qb in
            let bias = qb.baseAddress!
            BLASThreads.parallel(sentenceChunks.count) { part in
                let sentences = sentenceChunks[part]
                guard !sentences.isEmpty else { return }
                let rows = offsets[sentences.lowerBound]..<offsets[sentences.upperBound]
                for r in rows {
                    let row = qkv + r * 3 * h
                    for j in 0..<(3 * h) { row[j] += bias[j] }
                }
                let scratch = attentionScratch + part * ws.scratchPerThread
                for s in sentences {
                    let o = offsets[s], n = offsets[s + 1] - offsets[s]
                    for hd in 0..<heads {
                        // Scores, softmax and context fused per head (SIMD kernel): sentences
                        // are short, and two tiny sgemms per head cost more in packing than math.
                        let q = qkv + o * 3 * h + hd * d
                        // MPNet: this head's biases for relative positions -(n-1) ... n-1.
                        let rel = relativeBias.map { $0 + hd * (2 * longest - 1) + (longest - n) }
                        VectorKernels.attentionHead(q: q, k: q + h, v: q + 2 * h, ld: 3 * h, tokens: n, headSize: d,
                                                    scale: scale, relativeBias: rel, out: context + o * h + hd * d, ldo: h, scratch: scratch)
                    }
                }
            }
        }
        // Output projection, then bias + residual + LayerNorm in one pass.
        Self.dense(m: tokens, a: context, packed: l.outputPacked, unpacked: l.outputWeight.baseAddress!, bfloat16: reduced?.output, c: tmp)
        let rowChunks = BLASThreads.chunks(tokens, parts: threads)
        BLASThreads.parallel(rowChunks.count) { part in
            let r = rowChunks[part]
            VectorKernels.biasResidualLayerNorm(tmp + r.lowerBound * h, rows: r.count, cols: h, bias: l.outputBias.baseAddress!,
                                                residual: x + r.lowerBound * h, gamma: l.attentionNormWeight.baseAddress!,
                                                beta: l.attentionNormBias.baseAddress!, eps: eps)
        }
        // Feed-forward: up, bias + GELU, down, bias + residual + LayerNorm.
        Self.dense(m: tokens, a: tmp, packed: l.intermediatePacked, unpacked: l.intermediateWeight.baseAddress!,
                   bfloat16: reduced?.intermediate, c: ffn)
        BLASThreads.parallel(rowChunks.count) { part in
            let r = rowChunks[part]
            VectorKernels.biasGELU(ffn + r.lowerBound * inter, rows: r.count, cols: inter, bias: l.intermediateBias.baseAddress!)
        }
        Self.dense(m: tokens, a: ffn, packed: l.ffnOutputPacked, unpacked: l.ffnOutputWeight.baseAddress!,
                   bfloat16: reduced?.ffnOutput, c: x)
        BLASThreads.parallel(rowChunks.count) { part in
            let r = rowChunks[part]
            VectorKernels.biasResidualLayerNorm(x + r.lowerBound * h, rows: r.count, cols: h, bias: l.ffnOutputBias.baseAddress!,
                                                residual: tmp + r.lowerBound * h, gamma: l.ffnNormWeight.baseAddress!,
                                                beta: l.ffnNormBias.baseAddress!, eps: eps)
        }
    }

    /// `c[m x n] = a[m x k] · Wᵀ` for one of a layer's dense matrices: in bfloat16 when its rounded
    /// weights are given, else float32 (the packed kernel up to `GEMM.packedRowLimit` rows, sgemm above).
    static func dense(m: Int, a: UnsafePointer<Float>, packed: PackedWeights, unpacked: UnsafePointer<Float>,
                      bfloat16: BFloat16Weights?, c: UnsafeMutablePointer<Float>) {
        if let bfloat16 {
            GEMM.multiplyBFloat16(m: m, a: a, weights: bfloat16, c: c)
        } else {
            GEMM.multiplyTransposed(m: m, a: a, packed: packed, unpacked: unpacked, c: c)
        }
    }

    /// Layer `i`'s weights rounded to bfloat16 (nil at float32 precision).
    func bfloat16Layer(_ i: Int) -> EncoderWeights.BFloat16Layer? { bfloat16Layers.isEmpty ? nil : bfloat16Layers[i] }

    /// Sentences cut into at most `parts` contiguous ranges of about equal attention cost (Σ n²).
    static func balancedChunks(_ offsets: [Int], parts: Int) -> [Range<Int>] {
        let count = offsets.count - 1
        guard parts > 1, count > 1 else { return [0..<count] }
        let cost: [Double] = (0..<count).map { s in
            let n = Double(offsets[s + 1] - offsets[s])
            return n * n + 64 * n
        }
        let total = cost.reduce(0, +)
        var out: [Range<Int>] = []
        var start = 0, acc = 0.0
        for s in 0..<count {
            acc += cost[s]
            if acc >= total * Double(out.count + 1) / Double(parts) && out.count < parts - 1 {
                out.append(start..<(s + 1))
                start = s + 1
            }
        }
        out.append(start..<count)
        return out
    }
}

/// Scratch buffers for one batch of `tokens` packed tokens.
struct EncoderScratchBuffers {
    let tokens: Int
    var x: UnsafeMutablePointer<Float>
    var tmp: UnsafeMutablePointer<Float>
    let qkv: UnsafeMutablePointer<Float>
    let context: UnsafeMutablePointer<Float>
    let ffn: UnsafeMutablePointer<Float>
    /// Attention scratch (K transposed and one row of scores), `scratchPerThread` floats for
    /// each of at most 8 threads.
    let attentionScratch: UnsafeMutablePointer<Float>
    let scratchPerThread: Int
    /// The batch's longest sentence, in tokens.
    let longest: Int
    /// MPNet: each head's biases for relative positions -(longest-1) ... longest-1, `2·longest - 1`
    /// floats per head, shared by every layer (nil for BERT).
    let relativeBias: UnsafeMutablePointer<Float>?

    init(tokens: Int, config c: EncoderConfig, longest: Int, relativeAttentionBias: UnsafeBufferPointer<Float>? = nil) {
        self.tokens = tokens
        self.longest = longest
        if let table = relativeAttentionBias, longest > 0 {
            let width = 2 * longest - 1
            let bias = UnsafeMutablePointer<Float>.allocate(capacity: c.numAttentionHeads * width)
            for r in 0..<width {
                let bucket = MPNetPositions.bucket(r - (longest - 1), buckets: c.relativeAttentionBuckets)
                for hd in 0..<c.numAttentionHeads { bias[hd * width + r] = table[bucket * c.numAttentionHeads + hd] }
            }
            relativeBias = bias
        } else {
            relativeBias = nil
        }
        let h = c.hiddenSize
        x = .allocate(capacity: max(1, tokens * h))
        tmp = .allocate(capacity: max(1, tokens * h))
        qkv = .allocate(capacity: max(1, tokens * 3 * h))
        context = .allocate(capacity: max(1, tokens * h))
        ffn = .allocate(capacity: max(1, tokens * c.intermediateSize))
        scratchPerThread = (longest + 16) * (c.headSize + 1)
        attentionScratch = .allocate(capacity: 8 * scratchPerThread)
    }

    func deallocate() {
        for p in [x, tmp, qkv, context, ffn, attentionScratch] { p.deallocate() }
        relativeBias?.deallocate()
    }
}
