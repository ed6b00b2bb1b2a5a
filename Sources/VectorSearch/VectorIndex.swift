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

    /// A search's start: `queries` checked against the index's dimension, the result's `k`
    /// (`min(k, count)`), and ids and scores of the result's shape all padding (−1, −∞).
    func blankResult(for queries: Matrix, k: Int) -> (k: Int, ids: [Int], scores: [Float]) {
        precondition(queries.cols == dimension || queries.rows == 0,
                     "query dimension \(queries.cols) differs from index dimension \(dimension)")
        let kk = max(0, min(k, count))
        return (kk, [Int](repeating: -1, count: queries.rows * kk), [Float](repeating: -.infinity, count: queries.rows * kk))
    }
}
