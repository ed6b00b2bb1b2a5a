// MiniLM.Weights: the encoder's tensors, mapped from model.safetensors, with Q, K and V fused for one sgemm.
import Foundation

extension MiniLM {
    /// Linear weights are `[out x in]` as stored (y = x·Wᵀ + b). Everything except the fused QKV
    /// matrices points into the mapped file.
    public final class Weights: @unchecked Sendable {
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
        }

        public let config: Config
        let file: SafeTensors
        let wordEmbeddings: UnsafeBufferPointer<Float>
        let positionEmbeddings: UnsafeBufferPointer<Float>
        /// Row 0 only: every token of a single sentence has token type 0.
        let tokenTypeEmbedding: UnsafeBufferPointer<Float>
        let embeddingNormWeight: UnsafeBufferPointer<Float>
        let embeddingNormBias: UnsafeBufferPointer<Float>
        let layers: [Layer]

        public init(file: SafeTensors, config: Config) throws {
            self.config = config
            self.file = file
            let h = config.hiddenSize, i = config.intermediateSize
            func t(_ name: String, _ shape: [Int]) throws -> UnsafeBufferPointer<Float> { try file.floats(name, shape: shape) }
            wordEmbeddings = try t("embeddings.word_embeddings.weight", [config.vocabSize, h])
            positionEmbeddings = try t("embeddings.position_embeddings.weight", [config.maxPositionEmbeddings, h])
            tokenTypeEmbedding = UnsafeBufferPointer(rebasing: try t("embeddings.token_type_embeddings.weight", [config.typeVocabSize, h])[0..<h])
            embeddingNormWeight = try t("embeddings.LayerNorm.weight", [h])
            embeddingNormBias = try t("embeddings.LayerNorm.bias", [h])
            layers = try (0..<config.numHiddenLayers).map { l in
                let p = "encoder.layer.\(l)."
                let q = try t(p + "attention.self.query.weight", [h, h])
                let k = try t(p + "attention.self.key.weight", [h, h])
                let v = try t(p + "attention.self.value.weight", [h, h])
                let qb = try t(p + "attention.self.query.bias", [h])
                let kb = try t(p + "attention.self.key.bias", [h])
                let vb = try t(p + "attention.self.value.bias", [h])
                return Layer(
                    qkvWeight: Array(q) + Array(k) + Array(v),
                    qkvBias: Array(qb) + Array(kb) + Array(vb),
                    outputWeight: try t(p + "attention.output.dense.weight", [h, h]),
                    outputBias: try t(p + "attention.output.dense.bias", [h]),
                    attentionNormWeight: try t(p + "attention.output.LayerNorm.weight", [h]),
                    attentionNormBias: try t(p + "attention.output.LayerNorm.bias", [h]),
                    intermediateWeight: try t(p + "intermediate.dense.weight", [i, h]),
                    intermediateBias: try t(p + "intermediate.dense.bias", [i]),
                    ffnOutputWeight: try t(p + "output.dense.weight", [h, i]),
                    ffnOutputBias: try t(p + "output.dense.bias", [h]),
                    ffnNormWeight: try t(p + "output.LayerNorm.weight", [h]),
                    ffnNormBias: try t(p + "output.LayerNorm.bias", [h]))
            }
        }
    }
}
