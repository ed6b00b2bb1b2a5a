// EncoderConfig: the architecture read from config.json (BERT or MPNet), checked against what the encoder implements.
import Foundation

public struct EncoderConfig: Decodable, Sendable, Equatable {
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var vocabSize: Int
    public var maxPositionEmbeddings: Int
    public var typeVocabSize: Int
    public var layerNormEps: Float
    public var hiddenAct: String
    /// `bert` (absolute positions from 0, token types) or `mpnet` (positions from 2, no token
    /// types, a bias on the attention scores by relative position, shared by every layer).
    public var modelType: String = "bert"
    /// MPNet's buckets of relative positions (32).
    public var relativeAttentionBuckets: Int = 32
    /// BERT's `position_embedding_type`: only `absolute` is implemented.
    public var positionEmbeddingType: String = "absolute"

    public var isMPNet: Bool { modelType == "mpnet" }
    /// The position embedding row of a text's first token: MPNet counts from its padding id (1) + 1.
    public var firstPosition: Int { isMPNet ? 2 : 0 }
    /// The most tokens a text may have: its positions must stay inside the position embeddings.
    public var maxTokens: Int { maxPositionEmbeddings - firstPosition }

    public init(hiddenSize: Int, numHiddenLayers: Int, numAttentionHeads: Int, intermediateSize: Int, vocabSize: Int,
                maxPositionEmbeddings: Int, typeVocabSize: Int, layerNormEps: Float, hiddenAct: String, modelType: String = "bert") {
        self.hiddenSize = hiddenSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.intermediateSize = intermediateSize
        self.vocabSize = vocabSize
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps
        self.hiddenAct = hiddenAct
        self.modelType = modelType
    }

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size"
        case vocabSize = "vocab_size", maxPositionEmbeddings = "max_position_embeddings"
        case typeVocabSize = "type_vocab_size", layerNormEps = "layer_norm_eps", hiddenAct = "hidden_act"
        case modelType = "model_type", relativeAttentionBuckets = "relative_attention_num_buckets"
        case positionEmbeddingType = "position_embedding_type"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        numHiddenLayers = try c.decode(Int.self, forKey: .numHiddenLayers)
        numAttentionHeads = try c.decode(Int.self, forKey: .numAttentionHeads)
        intermediateSize = try c.decode(Int.self, forKey: .intermediateSize)
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        maxPositionEmbeddings = try c.decode(Int.self, forKey: .maxPositionEmbeddings)
        layerNormEps = try c.decode(Float.self, forKey: .layerNormEps)
        hiddenAct = try c.decode(String.self, forKey: .hiddenAct)
        modelType = try c.decodeIfPresent(String.self, forKey: .modelType) ?? "bert"
        relativeAttentionBuckets = try c.decodeIfPresent(Int.self, forKey: .relativeAttentionBuckets) ?? 32
        positionEmbeddingType = try c.decodeIfPresent(String.self, forKey: .positionEmbeddingType) ?? "absolute"
        // MPNet has no token types; BERT's config.json always gives their number.
        typeVocabSize = modelType == "mpnet" ? try c.decodeIfPresent(Int.self, forKey: .typeVocabSize) ?? 1
                                             : try c.decode(Int.self, forKey: .typeVocabSize)
    }

    public var headSize: Int { hiddenSize / numAttentionHeads }

    public static func read(_ url: URL) throws -> EncoderConfig {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw EmbeddingError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        let config: EncoderConfig
        do { config = try JSONDecoder().decode(EncoderConfig.self, from: data) } catch {
            throw EmbeddingError.badConfig(path: url.path, reason: "not a BERT or MPNet config.json (\(error))")
        }
        guard ["bert", "mpnet"].contains(config.modelType) else {
            throw EmbeddingError.badConfig(path: url.path, reason: "model_type \"\(config.modelType)\" is not implemented (bert and mpnet are)")
        }
        guard config.positionEmbeddingType == "absolute" else {
            throw EmbeddingError.badConfig(path: url.path, reason: "position_embedding_type \"\(config.positionEmbeddingType)\" is not implemented (only absolute)")
        }
        guard !config.isMPNet || config.relativeAttentionBuckets == 32 else {
            throw EmbeddingError.badConfig(path: url.path, reason: "relative_attention_num_buckets \(config.relativeAttentionBuckets) is not implemented (MPNet's 32)")
        }
        guard config.maxPositionEmbeddings > config.firstPosition + 1 else {
            throw EmbeddingError.badConfig(path: url.path, reason: "max_position_embeddings \(config.maxPositionEmbeddings) leaves no room for a text")
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
