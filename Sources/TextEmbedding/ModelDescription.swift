// ModelDescription: what a model folder is (architecture, dimension, pooling, prompts, identifier), read without loading its weights.
public import Foundation
import Checksum

/// A model folder as `rag model list` shows it: read and checked as the encoder would load it,
/// the weights hashed but not mapped or packed.
public struct ModelDescription: Sendable, Equatable {
    /// `bert` or `mpnet`.
    public var architecture: String
    public var layers: Int
    public var hidden: Int
    /// The length of a vector: hidden size times pooling modes.
    public var dimension: Int
    public var folder: SentenceTransformerFolder
    /// What an index built with this folder records (`Embedder.identifier`).
    public var identifier: String

    /// Reads `dir`: config.json, the sentence-transformers files, and model.safetensors' SHA-256.
    public init(reading dir: URL) throws {
        let config = try EncoderConfig.read(dir.appendingPathComponent("config.json"))
        folder = try SentenceTransformerFolder(reading: dir, config: config)
        let weights = dir.appendingPathComponent("model.safetensors")
        guard let sha256 = SHA256Hasher.hex(ofFile: weights) else {
            throw EmbeddingError.unreadable(path: weights.path, reason: "missing or unreadable")
        }
        architecture = config.modelType
        layers = config.numHiddenLayers
        hidden = config.hiddenSize
        dimension = config.hiddenSize * folder.pooling.count
        identifier = Self.identifier(config: config, folder: folder, sha256: sha256)
    }

    /// The architecture and the weights' hash (BERT folders keep the name every index built so far
    /// records), and whatever else of the folder changes a vector (length, pooling, casing, prompts).
    static func identifier(config: EncoderConfig, folder: SentenceTransformerFolder, sha256: String) -> String {
        let base = config.isMPNet ? "mpnet:sha256=\(sha256.prefix(16))" : EncoderLoader.identifier(sha256: sha256)
        return base + folder.identifierSuffix
    }
}
