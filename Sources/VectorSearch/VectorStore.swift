// VectorStore: the store protocol: stored rows searched by vector, in an index folder here (LocalVectorStore) or in a database server (Milvus).
public import LinearAlgebra

/// Labelled rows with their unit vectors, searchable by cosine similarity. Everything above the
/// store (retrieval, prompts, the vote, heads, comparison, the server) reads rows through this.
public protocol VectorStore: Sendable {
    /// Where the rows live, for messages: an index folder's path, or a server's address and collection.
    var location: String { get }
    var count: Int { get }
    var dimension: Int { get }
    /// The identifier of the embedder the rows were embedded with.
    var embedderIdentifier: String { get }
    /// The label names of the stored rows (the categories).
    var labels: [String] { get }
    /// The top-`k` stored rows of every query row (`[nq x dimension]`, unit length), best first,
    /// scored by cosine similarity; fewer than `k` when the store holds fewer.
    func nearest(_ queries: Matrix, k: Int, parameters: SearchParameters) throws -> [[ScoredDocument]]
    /// Every stored vector in row order with its label (nil for unlabelled rows): what heads train on.
    func labelledVectors() throws -> (vectors: Matrix, labels: [String?])
}

extension VectorStore {
    /// Refuses an embedder other than the one the rows were embedded with.
    public func check(embedderIdentifier: String, dimension: Int) throws {
        guard dimension == self.dimension else {
            throw StoreError.dimensionMismatch(index: self.dimension, current: dimension)
        }
        guard embedderIdentifier == self.embedderIdentifier else {
            throw StoreError.embedderMismatch(index: self.embedderIdentifier, current: embedderIdentifier)
        }
    }
}
