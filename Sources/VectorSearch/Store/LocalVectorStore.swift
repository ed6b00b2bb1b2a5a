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
    /// Live rows (deleted ones are never returned).
    public var count: Int { store.liveCount }
    public var dimension: Int { store.dimension }
    public var embedderIdentifier: String { store.manifest.embedder }
    public var labels: [String] { store.documents.labels }

    public func nearest(_ queries: Matrix, k: Int, parameters: SearchParameters) throws -> [[ScoredDocument]] {
        var parameters = parameters
        if let filter = parameters.filter {
            let mask = try store.rows(matching: filter)
            parameters.allowed = parameters.allowed.map { $0.intersection(mask) } ?? mask
            parameters.filter = nil
        }
        if let live = store.live { parameters.allowed = parameters.allowed.map { $0.intersection(live) } ?? live }
        let result = index.search(queries, k: k, parameters: parameters)
        return (0..<queries.rows).map { q in
            result.neighbours(of: q).filter { $0.id >= 0 }.map { ScoredDocument(score: $0.score, document: store.documents.document($0.id)) }
        }
    }

    /// Every live row's vector and label, in row order.
    public func labelledVectors() -> (vectors: Matrix, labels: [String?]) {
        guard let live = store.live else { return (store.flat.matrix(), (0..<store.count).map(label)) }
        return labelledVectors(rows: live)
    }

    /// The vectors and labels of the rows in `rows` (live ones: a mask from `IndexStore.rows(matching:)`), in row order.
    public func labelledVectors(rows mask: RowMask) -> (vectors: Matrix, labels: [String?]) {
        let rows = mask.members
        var values = [Float]()
        values.reserveCapacity(rows.count * store.dimension)
        for i in rows { values.append(contentsOf: UnsafeBufferPointer(start: store.flat.row(i), count: store.dimension)) }
        return (Matrix(rows: rows.count, cols: store.dimension, storage: values), rows.map(label))
    }

    /// Every live row's text, in the order of `labelledVectors()`.
    public func liveTexts() -> [String] {
        (store.live?.members ?? Array(0..<store.count)).map { store.documents.document($0).text }
    }

    private func label(_ row: Int) -> String? { store.documents.labelIndex(row).map { store.documents.labels[$0] } }
}
