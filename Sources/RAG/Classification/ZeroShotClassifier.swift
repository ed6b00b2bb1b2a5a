// ZeroShotClassifier: the label whose name's embedding is nearest the text's ("base model without RAG", offline).
public import LinearAlgebra
public import TextEmbedding

/// Embeds every label name once (underscores read as spaces: `card_arrival` → "card arrival")
/// and answers the label with the highest cosine similarity. Confidence is that similarity.
public struct ZeroShotClassifier: Sendable {
    public let labels: [String]
    /// `[labels.count x dimension]`, unit rows.
    public let labelVectors: Matrix

    public init(labels: [String], embedder: any Embedder) throws {
        self.labels = labels
        labelVectors = try embedder.embed(labels.map { $0.replacingOccurrences(of: "_", with: " ") }, as: .document)
    }

    /// The best label and its similarity for every row of `embeddings` (`[n x dimension]`).
    public func classify(_ embeddings: Matrix) -> [(label: String, score: Float)] {
        let scores = GEMM.multiplyTransposed(embeddings, labelVectors)
        return (0..<embeddings.rows).map { r in
            var best = 0
            for c in 1..<labels.count where scores[r, c] > scores[r, best] { best = c }
            return (labels[best], scores[r, best])
        }
    }
}
