// LocalVectorStore: an opened index folder as a VectorStore, searched through its flat or IVF index.
public import LinearAlgebra

/// The rows of an index folder searched with one of its indexes (the flat one unless given).
public struct LocalVectorStore: VectorStore {
    public let store: IndexStore
    public let index: any VectorIndex

    public init(_ store: IndexStore, index: (any VectorIndex)? = nil) {
        self.store = store
        self.index = index ?? store.flat
    }

    public var location: String { store.folder.relativePath }
    public var count: Int { store.count }
    public var dimension: Int { store.dimension }
    public var embedderIdentifier: String { store.manifest.embedder }
    public var labels: [String] { store.documents.labels }

    public func nearest(_ queries: Matrix, k: Int, parameters: SearchParameters) -> [[ScoredDocument]] {
        let result = index.search(queries, k: k, parameters: parameters)
        return (0..<queries.rows).map { q in
            result.neighbours(of: q).filter { $0.id >= 0 }.map { ScoredDocument(score: $0.score, document: store.documents.document($0.id)) }
        }
    }

    public func labelledVectors() -> (vectors: Matrix, labels: [String?]) {
        (store.flat.storage.matrix(), (0..<store.count).map { store.documents.labelIndex($0).map { store.documents.labels[$0] } })
    }
}
