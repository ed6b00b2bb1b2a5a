// Embedder: the protocol every text-to-vector model implements (MiniLM, the hashing fallback).
public import LinearAlgebra

/// Turns texts into L2-normalised vectors. Implementations are immutable once built and
/// safe to share across threads.
public protocol Embedder: Sendable {
    /// Length of every vector.
    var dimension: Int { get }
    /// Names the model and its weights, e.g. `minilm:all-MiniLM-L6-v2:sha256=53aa…`.
    /// An index records it and refuses queries from an embedder with another identifier.
    var identifier: String { get }
    /// Embeds `texts`: `[texts.count x dimension]`, row i for texts[i], every row unit length
    /// (or zero when a text has nothing to embed).
    func embed(_ texts: [String]) throws -> Matrix
}
