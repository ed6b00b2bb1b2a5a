// TopK: keeps the k best (score, id) pairs of a stream; ties go to the lower id.

/// A bounded selection of the `k` highest scores seen so far. Order: higher score first,
/// then lower id, so results are deterministic under ties.
public struct TopK: Sendable {
    public let k: Int
    /// A min-heap on (score, -id): the root is the current worst kept entry.
    @usableFromInline var scores: [Float]
    @usableFromInline var ids: [Int]

    public init(k: Int) {
        precondition(k >= 0)
        self.k = k
        scores = []
        ids = []
        scores.reserveCapacity(k)
        ids.reserveCapacity(k)
    }

    /// The score an entry must beat to enter (−∞ while fewer than k are kept).
    @inlinable
    public var threshold: Float { scores.count < k ? -Float.infinity : scores[0] }

    /// `true` when (s1, i1) ranks below (s2, i2).
    @inlinable
    static func worse(_ s1: Float, _ i1: Int, _ s2: Float, _ i2: Int) -> Bool {
        s1 < s2 || (s1 == s2 && i1 > i2)
    }

    /// Offers one candidate. NaN scores are ignored.
    @inlinable
    public mutating func push(score: Float, id: Int) {
        guard k > 0, !score.isNaN else { return }
        if scores.count < k {
            scores.append(score)
            ids.append(id)
            siftUp(scores.count - 1)
        } else if TopK.worse(scores[0], ids[0], score, id) {
            scores[0] = score
            ids[0] = id
            siftDown(0)
        }
    }

    @usableFromInline
    mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            if TopK.worse(scores[child], ids[child], scores[parent], ids[parent]) {
                scores.swapAt(child, parent)
                ids.swapAt(child, parent)
                child = parent
            } else { return }
        }
    }

    @usableFromInline
    mutating func siftDown(_ start: Int) {
        var parent = start
        let n = scores.count
        while true {
            let l = 2 * parent + 1, r = l + 1
            var worst = parent
            if l < n && TopK.worse(scores[l], ids[l], scores[worst], ids[worst]) { worst = l }
            if r < n && TopK.worse(scores[r], ids[r], scores[worst], ids[worst]) { worst = r }
            if worst == parent { return }
            scores.swapAt(parent, worst)
            ids.swapAt(parent, worst)
            parent = worst
        }
    }

    /// The kept entries, best first.
    public func sorted() -> [(score: Float, id: Int)] {
        zip(scores, ids).map { (score: $0.0, id: $0.1) }.sorted { a, b in
            TopK.worse(b.score, b.id, a.score, a.id)
        }
    }
}
