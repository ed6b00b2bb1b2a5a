// MiniLM.Config: the architecture read from config.json, checked against what the encoder implements.
import Foundation

extension MiniLM {
    public struct Config: Decodable, Sendable, Equatable {
        public var hiddenSize: Int
        public var numHiddenLayers: Int
        public var numAttentionHeads: Int
        public var intermediateSize: Int
        public var vocabSize: Int
        public var maxPositionEmbeddings: Int
        public var typeVocabSize: Int
        public var layerNormEps: Float
        public var hiddenAct: String

        public init(hiddenSize: Int, numHiddenLayers: Int, numAttentionHeads: Int, intermediateSize: Int, vocabSize: Int,
                    maxPositionEmbeddings: Int, typeVocabSize: Int, layerNormEps: Float, hiddenAct: String) {
            self.hiddenSize = hiddenSize
            self.numHiddenLayers = numHiddenLayers
            self.numAttentionHeads = numAttentionHeads
            self.intermediateSize = intermediateSize
            self.vocabSize = vocabSize
            self.maxPositionEmbeddings = maxPositionEmbeddings
            self.typeVocabSize = typeVocabSize
            self.layerNormEps = layerNormEps
            self.hiddenAct = hiddenAct
        }

        enum CodingKeys: String, CodingKey {
            case hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
            case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size"
            case vocabSize = "vocab_size", maxPositionEmbeddings = "max_position_embeddings"
            case typeVocabSize = "type_vocab_size", layerNormEps = "layer_norm_eps", hiddenAct = "hidden_act"
        }

        public var headSize: Int { hiddenSize / numAttentionHeads }

        public static func read(_ url: URL) throws -> Config {
            let data: Data
            do { data = try Data(contentsOf: url) } catch {
                throw EmbeddingError.unreadable(path: url.path, reason: error.localizedDescription)
            }
            let config: Config
            do { config = try JSONDecoder().decode(Config.self, from: data) } catch {
                throw EmbeddingError.badConfig(path: url.path, reason: "not a BERT config.json (\(error))")
            }
            // Only exact-erf GELU is implemented; "gelu_new" or others would silently differ.
            guard config.hiddenAct == "gelu" else {
                throw EmbeddingError.badConfig(path: url.path, reason: "hidden_act \(config.hiddenAct) is not supported (only gelu)")
            }
            // Sizes the encoder allocates and divides by (a zero or negative one would trap, not fail).
            for (field, value, least) in [("hidden_size", config.hiddenSize, 1), ("num_hidden_layers", config.numHiddenLayers, 1),
                                          ("num_attention_heads", config.numAttentionHeads, 1), ("intermediate_size", config.intermediateSize, 1),
                                          ("vocab_size", config.vocabSize, 1), ("max_position_embeddings", config.maxPositionEmbeddings, 2),
                                          ("type_vocab_size", config.typeVocabSize, 1)] where value < least {
                throw EmbeddingError.badConfig(path: url.path, reason: "\(field) \(value) is below \(least)")
            }
            guard config.layerNormEps.isFinite, config.layerNormEps >= 0 else {
                throw EmbeddingError.badConfig(path: url.path, reason: "layer_norm_eps \(config.layerNormEps) is not a finite non-negative number")
            }
            guard config.hiddenSize % config.numAttentionHeads == 0, config.hiddenSize > 0 else {
                throw EmbeddingError.badConfig(path: url.path, reason: "hidden_size \(config.hiddenSize) is not a multiple of \(config.numAttentionHeads) heads")
            }
            return config
        }
    }
}
