// Embedder: the protocol every text-to-vector model implements (the sentence encoder, the hashing fallback).
public import LinearAlgebra

/// Turns texts into L2-normalised vectors. Implementations are immutable once built and
/// safe to share across threads.
public protocol Embedder: Sendable {
    /// Length of every vector.
    var dimension: Int { get }
    /// Names the model and its weights, e.g. `minilm:all-MiniLM-L6-v2:sha256=53aa…`.
    /// An index records it and refuses queries from an embedder with another identifier.
    var identifier: String { get }
    /// Embeds `texts` as `role` (which picks the model's prompt, if it has any): `[texts.count x
    /// dimension]`, row i for texts[i], every row unit length (or zero when a text has nothing to embed).
    func embed(_ texts: [String], as role: EmbeddingRole) throws -> Matrix
    /// The model's own vectors of `texts` as `role`, as sentence-transformers returns them (not
    /// unit length when the model has no Normalize module); `embed` for embedders without one.
    func sentenceEmbeddings(_ texts: [String], as role: EmbeddingRole) throws -> Matrix
}

extension Embedder {
    public func sentenceEmbeddings(_ texts: [String], as role: EmbeddingRole) throws -> Matrix { try embed(texts, as: role) }

    /// Embeds `texts` as `SentenceTransformer.encode` would, with the model's default prompt if it has one.
    public func embed(_ texts: [String]) throws -> Matrix { try embed(texts, as: .plain) }
}
