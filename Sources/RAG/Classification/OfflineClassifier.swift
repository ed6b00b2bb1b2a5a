// OfflineClassifier: the techniques that need no network (zero-shot, neighbour vote, head, head + vote) on one embedding pass.
public import LinearAlgebra
public import TextEmbedding
public import VectorSearch

/// Classifies rows with every offline technique from one embedding of the inputs and one search.
public struct OfflineClassifier: Sendable {
    public enum Method: String, Sendable, CaseIterable, Codable {
        /// Nearest label name by embedding: "base model without RAG".
        case zeroShot = "zero-shot"
        /// Similarity-weighted vote of the top k: "base model with RAG".
        case knn
        /// The trained linear head: "fine-tuned model without RAG".
        case head
        /// The linear head's probabilities blended with the vote.
        case blend
        /// The softmax head trained with the encoder (`rag train encoder`): "fine-tuned model without RAG".
        case finetuned
        /// That head's probabilities blended with the vote over the fine-tuned encoder's embeddings:
        /// "fine-tuned model with RAG".
        case finetunedBlend = "finetuned-blend"

        /// Whether the method reads the head trained with the encoder (`finetuned`, `finetuned-blend`).
        public var usesFineTunedEncoder: Bool { self == .finetuned || self == .finetunedBlend }

        /// Methods by their names, in the order given; a name that is none is refused, naming it.
        public static func named(_ names: [String]) throws -> [Method] {
            try names.map { name in
                guard let m = Method(rawValue: name) else { throw ClassificationError.unknownMethod(name) }
                return m
            }
        }
    }

    public let retriever: Retriever
    public let head: LinearHead?
    /// The head saved beside a fine-tuned encoder (the retriever's embedder must be that encoder).
    public let fineTunedHead: FineTunedHead?
    public var k: Int
    /// Weight of the head in the blend; the vote gets the rest.
    public var blendWeight: Double
    /// Only stored rows matching this are neighbours (nil: every row).
    public var filter: FilterExpression?
    /// The labels zero-shot and the fine-tuned head choose among (nil: every stored label): those
    /// of the rows `filter` matches.
    public var candidateLabels: [String]?

    public init(retriever: Retriever, head: LinearHead?, fineTunedHead: FineTunedHead? = nil, k: Int = 10, blendWeight: Double = 0.5) {
        self.retriever = retriever
        self.head = head
        self.fineTunedHead = fineTunedHead
        self.k = k
        self.blendWeight = blendWeight
    }

    /// Predictions of each asked method for `rows`, in row order.
    public func classify(_ rows: [LabelledText], methods: [Method], excludeSelf: Bool = false) throws -> [Method: [Prediction]] {
        let texts = rows.map(\.text)
        // The fine-tuned head reads the mean-pooled embeddings before normalisation (as it was
        // trained): one encoder pass gives those, and the normalised rows the rest use.
        let fineTuned = methods.contains(where: \.usesFineTunedEncoder)
        var pooled: Matrix?
        if fineTuned {
            guard fineTunedHead != nil, let encoder = retriever.embedder as? SentenceEncoder else {
                throw ClassificationError.noFineTunedEncoder
            }
            pooled = try encoder.encode(texts, as: .query, normalized: false)
        }
        let embeddings = try pooled.map(Normalization.normalizedRows) ?? retriever.embedder.embed(texts, as: .query)
        return try classify(rows, embeddings: embeddings, pooled: pooled, methods: methods, excludeSelf: excludeSelf)
    }

    /// As `classify(_:methods:excludeSelf:)`, from the rows' query embeddings already computed
    /// (`[rows x dimension]`, unit length), so several classifiers can share one embedding pass.
    /// The fine-tuned methods also need `pooled`, the fine-tuned encoder's embeddings before normalisation.
    public func classify(_ rows: [LabelledText], embeddings: Matrix, pooled: Matrix? = nil, methods: [Method],
                         excludeSelf: Bool = false) throws -> [Method: [Prediction]] {
        let texts = rows.map(\.text)
        let fineTuned = methods.contains(where: \.usesFineTunedEncoder)
        if fineTuned, pooled == nil || fineTunedHead == nil { throw ClassificationError.noFineTunedEncoder }
        var out: [Method: [Prediction]] = [:]
        func make(_ m: Method, _ i: Int, _ label: String, _ confidence: Double) -> Prediction {
            Prediction(row: rows[i].row, text: rows[i].text, gold: rows[i].label, predicted: label, confidence: confidence, method: m.rawValue)
        }
        if methods.contains(.zeroShot) {
            let zs = try ZeroShotClassifier(labels: candidateLabels ?? LabelOrder.sorted(retriever.store.labels), embedder: retriever.embedder)
            out[.zeroShot] = zs.classify(embeddings).enumerated().map { make(.zeroShot, $0, $1.label, Double(max(0, $1.score))) }
        }
        let needsNeighbours = methods.contains(.knn) || methods.contains(.blend) || methods.contains(.finetunedBlend)
        let neighbours = needsNeighbours ? try retriever.retrieve(embeddings: embeddings, texts: texts, k: k, excludeSelf: excludeSelf,
                                                                 parameters: SearchParameters(filter: filter)) : []
        let votes = neighbours.map { NeighbourVote().vote($0) }
        if methods.contains(.knn) {
            out[.knn] = votes.enumerated().map { i, v in make(.knn, i, v?.label ?? "", v?.confidence ?? 0) }
        }
        if methods.contains(.head) || methods.contains(.blend) {
            guard let head else { throw ClassificationError.noHead(index: retriever.store.location) }
            let probs = head.probabilities(embeddings)
            if methods.contains(.head) {
                out[.head] = (0..<rows.count).map { i in
                    let (c, p) = Self.argmax(probs, row: i)
                    return make(.head, i, head.labels[c], Double(p))
                }
            }
            if methods.contains(.blend) {
                out[.blend] = blended(probs, labels: head.labels, votes: votes).enumerated().map { make(.blend, $0, $1.0, $1.1) }
            }
        }
        if fineTuned, let fineTunedHead, let pooled {
            let unknown = Set(retriever.store.labels).subtracting(fineTunedHead.labels)
            guard unknown.isEmpty else { throw FineTuneError.unknownLabels(unknown.sorted()) }
            var probs = fineTunedHead.probabilities(pooled)
            if let candidateLabels {
                // Labels outside the filtered rows cannot win.
                let allowed = Set(candidateLabels)
                for (c, label) in fineTunedHead.labels.enumerated() where !allowed.contains(label) {
                    for i in 0..<probs.rows { probs[i, c] = -1 }
                }
            }
            if methods.contains(.finetuned) {
                out[.finetuned] = (0..<rows.count).map { i in
                    let (c, p) = Self.argmax(probs, row: i)
                    return make(.finetuned, i, fineTunedHead.labels[c], Double(p))
                }
            }
            if methods.contains(.finetunedBlend) {
                out[.finetunedBlend] = blended(probs, labels: fineTunedHead.labels, votes: votes).enumerated()
                    .map { make(.finetunedBlend, $0, $1.0, $1.1) }
            }
        }
        return out
    }

    /// Per row, the label maximising `blendWeight·p(label) + (1 − blendWeight)·(its share of the vote)`.
    func blended(_ probs: Matrix, labels: [String], votes: [(label: String, confidence: Double, weights: [String: Double])?]) -> [(String, Double)] {
        (0..<probs.rows).map { i in
            let weights = votes[i]?.weights ?? [:]
            let total = weights.values.reduce(0, +)
            var best = "", bestScore = -1.0
            for (c, label) in labels.enumerated() {
                let share = total > 0 ? (weights[label] ?? 0) / total : 0
                let s = blendWeight * Double(probs[i, c]) + (1 - blendWeight) * share
                if s > bestScore { best = label; bestScore = s }
            }
            return (best, bestScore)
        }
    }

    static func argmax(_ m: Matrix, row: Int) -> (Int, Float) {
        var best = 0
        for c in 1..<m.cols where m[row, c] > m[row, best] { best = c }
        return (best, m[row, best])
    }
}
