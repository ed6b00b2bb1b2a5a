// InMemoryVectorStore: labelled unit vectors held in memory and scanned exactly, such as a drawn subset of a store's rows (learning curves).
public import LinearAlgebra

/// A store that lives only in memory: the rows of another store taken apart (a stratified draw of
/// its training rows), searched with the flat scan. It keeps labels, not texts or metadata, so a
/// filter is refused.
public struct InMemoryVectorStore: VectorStore {
    public let location: String
    public let embedderIdentifier: String
    public let labels: [String]
    /// Each row's label (nil: unlabelled), in row order.
    public let rowLabels: [String?]
    let index: FlatIndex
    let vectors: Matrix

    public var count: Int { vectors.rows }
    public var dimension: Int { vectors.cols }

    /// - Parameters:
    ///   - vectors: `[rows x dimension]`, each row unit length (as stored rows are).
    ///   - location: what messages call it, such as `8 rows per label of ./index (seed 1)`.
    public init(vectors: Matrix, labels: [String?], embedderIdentifier: String, location: String) {
        precondition(vectors.rows == labels.count, "one label (or nil) per row")
        self.vectors = vectors
        rowLabels = labels
        self.labels = Array(Set(labels.compactMap { $0 })).sorted()
        self.embedderIdentifier = embedderIdentifier
        self.location = location
        index = FlatIndex(vectors: vectors)
    }

    public func nearest(_ queries: Matrix, k: Int, parameters: SearchParameters) throws -> [[ScoredDocument]] {
        guard parameters.filter == nil else { throw StoreError.unsupported(operation: "filters", store: "an in-memory store (\(location))") }
        let found = index.search(queries, k: k, parameters: parameters)
        return (0..<queries.rows).map { q in
            found.neighbours(of: q).filter { $0.id >= 0 }.map {
                ScoredDocument(score: $0.score, document: Document(row: $0.id, sourceRow: $0.id, text: "", label: rowLabels[$0.id]))
            }
        }
    }

    public func labelledVectors() throws -> (vectors: Matrix, labels: [String?]) { (vectors, rowLabels) }
}
