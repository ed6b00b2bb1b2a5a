// VectorIndex: the protocol of every searchable index (flat, IVF): batch-first top-k by inner product.
public import LinearAlgebra

/// A searchable set of `count` unit vectors of length `dimension`. Scores are inner products,
/// i.e. cosine similarity because every stored vector and query is L2-normalised.
public protocol VectorIndex: Sendable {
    var dimension: Int { get }
    var count: Int { get }
    /// Top-`k` of every row of `queries` (`[nq x dimension]`). Returns `min(k, count)`
    /// results per query, best first, ties to the lower row.
    func search(_ queries: Matrix, k: Int, parameters: SearchParameters) -> SearchResult
}

extension VectorIndex {
    public func search(_ queries: Matrix, k: Int) -> SearchResult {
        search(queries, k: k, parameters: SearchParameters())
    }
}
