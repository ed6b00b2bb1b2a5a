// EncoderWeights: the encoder's tensors (BERT's or MPNet's names), mapped from model.safetensors, with Q, K and V
// fused for one sgemm and the four dense matrices of each layer also packed once for the small-batch kernel.
import Foundation
import LinearAlgebra

/// Linear weights are `[out x in]` as stored (y = x·Wᵀ + b). Everything except the fused QKV
/// matrices points into the mapped file.
public final class EncoderWeights: @unchecked Sendable {
    // Safe to share: nothing is written after init.
    public struct Layer {
        /// `[3H x H]`: query, key and value weights stacked, so one sgemm projects all three.
        var qkvWeight: [Float]
        var qkvBias: [Float]
        var outputWeight: UnsafeBufferPointer<Float>
        var outputBias: UnsafeBufferPointer<Float>
        var attentionNormWeight: UnsafeBufferPointer<Float>
        var attentionNormBias: UnsafeBufferPointer<Float>
        var intermediateWeight: UnsafeBufferPointer<Float>
        var intermediateBias: UnsafeBufferPointer<Float>
        var ffnOutputWeight: UnsafeBufferPointer<Float>
        var ffnOutputBias: UnsafeBufferPointer<Float>
        var ffnNormWeight: UnsafeBufferPointer<Float>
        var ffnNormBias: UnsafeBufferPointer<Float>
        /// The four dense matrices above packed for `GEMM.multiplyPacked` (batches of up to
        /// `GEMM.packedRowLimit` tokens, e.g. one query): 7.1 MB per layer, 42.5 MB for L6.
        var qkvPacked: PackedWeights
        var outputPacked: PackedWeights
        var intermediatePacked: PackedWeights
        var ffnOutputPacked: PackedWeights
    }

    public let config: EncoderConfig
    let file: SafeTensors
    let wordEmbeddings: UnsafeBufferPointer<Float>
    let positionEmbeddings: UnsafeBufferPointer<Float>
    /// Row 0 only: every token of a single sentence has token type 0 (nil: MPNet has no token types).
    let tokenTypeEmbedding: UnsafeBufferPointer<Float>?
    /// MPNet's `[buckets x heads]` biases by relative position (nil for BERT).
    let relativeAttentionBias: UnsafeBufferPointer<Float>?
    let embeddingNormWeight: UnsafeBufferPointer<Float>
    let embeddingNormBias: UnsafeBufferPointer<Float>
    let layers: [Layer]

    public init(file: SafeTensors, config: EncoderConfig) throws {
        self.config = config
        self.file = file
        let h = config.hiddenSize, i = config.intermediateSize
        func t(_ name: String, _ shape: [Int]) throws -> UnsafeBufferPointer<Float> { try file.floats(name, shape: shape) }
        wordEmbeddings = try t("embeddings.word_embeddings.weight", [config.vocabSize, h])
        positionEmbeddings = try t("embeddings.position_embeddings.weight", [config.maxPositionEmbeddings, h])
        if config.isMPNet {
            tokenTypeEmbedding = nil
            relativeAttentionBias = try t("encoder.relative_attention_bias.weight", [config.relativeAttentionBuckets, config.numAttentionHeads])
        } else {
            tokenTypeEmbedding = UnsafeBufferPointer(rebasing: try t("embeddings.token_type_embeddings.weight", [config.typeVocabSize, h])[0..<h])
            relativeAttentionBias = nil
        }
        embeddingNormWeight = try t("embeddings.LayerNorm.weight", [h])
        embeddingNormBias = try t("embeddings.LayerNorm.bias", [h])
        let names = LayerNames(mpnet: config.isMPNet)
        layers = try (0..<config.numHiddenLayers).map { l in
            let p = "encoder.layer.\(l)."
            let q = try t(p + names.query + ".weight", [h, h])
            let k = try t(p + names.key + ".weight", [h, h])
            let v = try t(p + names.value + ".weight", [h, h])
            let qb = try t(p + names.query + ".bias", [h])
            let kb = try t(p + names.key + ".bias", [h])
            let vb = try t(p + names.value + ".bias", [h])
            let qkv = Array(q) + Array(k) + Array(v)
            let output = try t(p + names.attentionOutput + ".weight", [h, h])
            let intermediate = try t(p + "intermediate.dense.weight", [i, h])
            let ffnOutput = try t(p + "output.dense.weight", [h, i])
            return Layer(
                qkvWeight: qkv,
                qkvBias: Array(qb) + Array(kb) + Array(vb),
                outputWeight: output,
                outputBias: try t(p + names.attentionOutput + ".bias", [h]),
                attentionNormWeight: try t(p + names.attentionNorm + ".weight", [h]),
                attentionNormBias: try t(p + names.attentionNorm + ".bias", [h]),
                intermediateWeight: intermediate,
                intermediateBias: try t(p + "intermediate.dense.bias", [i]),
                ffnOutputWeight: ffnOutput,
                ffnOutputBias: try t(p + "output.dense.bias", [h]),
                ffnNormWeight: try t(p + "output.LayerNorm.weight", [h]),
                ffnNormBias: try t(p + "output.LayerNorm.bias", [h]),
                qkvPacked: PackedWeights(qkv, rows: 3 * h, cols: h),
                outputPacked: PackedWeights(output, rows: h, cols: h),
                intermediatePacked: PackedWeights(intermediate, rows: i, cols: h),
                ffnOutputPacked: PackedWeights(ffnOutput, rows: h, cols: i))
        }
    }

    /// A layer's four dense matrices rounded to bfloat16 and packed (`EncoderPrecision.bfloat16`).
    struct BFloat16Layer {
        var qkv, output, intermediate, ffnOutput: BFloat16Weights
    }

    /// Every layer's dense matrices rounded to bfloat16 (half their float32 bytes: 10.6 MB for L6).
    func bfloat16Layers() -> [BFloat16Layer] {
        let h = config.hiddenSize, i = config.intermediateSize
        return layers.map { l in
            BFloat16Layer(qkv: BFloat16Weights(l.qkvWeight, rows: 3 * h, cols: h),
                          output: BFloat16Weights(l.outputWeight, rows: h, cols: h),
                          intermediate: BFloat16Weights(l.intermediateWeight, rows: i, cols: h),
                          ffnOutput: BFloat16Weights(l.ffnOutputWeight, rows: h, cols: i))
        }
    }

    /// Where a layer's attention tensors are, under `encoder.layer.N.` (the feed-forward's names are shared).
    struct LayerNames {
        var query, key, value, attentionOutput, attentionNorm: String

        init(mpnet: Bool) {
            if mpnet {
                (query, key, value) = ("attention.attn.q", "attention.attn.k", "attention.attn.v")
                (attentionOutput, attentionNorm) = ("attention.attn.o", "attention.LayerNorm")
            } else {
                (query, key, value) = ("attention.self.query", "attention.self.key", "attention.self.value")
                (attentionOutput, attentionNorm) = ("attention.output.dense", "attention.output.LayerNorm")
            }
        }
    }
}
