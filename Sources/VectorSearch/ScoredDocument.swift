// ScoredDocument: one stored row found by a search, with its cosine similarity to the query.

public struct ScoredDocument: Sendable, Equatable {
    public var score: Float
    public var document: Document

    public init(score: Float, document: Document) {
        self.score = score
        self.document = document
    }
}
