// SearchResult: the k neighbours of every query of a batch, as flat row-major id and score buffers.

/// `queryCount x k` results, row-major: `ids[q * k + j]` is the j-th best row for query `q`.
public struct SearchResult: Sendable, Equatable {
    public let queryCount: Int
    /// Results per query: `min(requested k, index count)`.
    public let k: Int
    /// Row ids in the index, `[queryCount x k]`.
    public var ids: [Int]
    /// Inner products, `[queryCount x k]`, non-increasing along each row.
    public var scores: [Float]

    public init(queryCount: Int, k: Int, ids: [Int], scores: [Float]) {
        precondition(ids.count == queryCount * k && scores.count == queryCount * k, "result buffers do not match shape")
        self.queryCount = queryCount
        self.k = k
        self.ids = ids
        self.scores = scores
    }

    /// The neighbours of query `q`, best first.
    public func neighbours(of q: Int) -> [(id: Int, score: Float)] {
        (0..<k).map { (id: ids[q * k + $0], score: scores[q * k + $0]) }
    }
}
