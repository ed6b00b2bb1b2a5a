// Neighbour: one retrieved row with its score and rank.
public import VectorSearch

public struct Neighbour: Sendable, Equatable {
    /// 1-based rank among the query's results.
    public var rank: Int
    public var score: Float
    public var document: Document

    public init(rank: Int, score: Float, document: Document) {
        self.rank = rank
        self.score = score
        self.document = document
    }
}
