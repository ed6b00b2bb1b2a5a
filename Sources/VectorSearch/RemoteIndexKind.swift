// RemoteIndexKind: the search index a remote store builds over its vectors (exact, inverted lists, or a graph).

public enum RemoteIndexKind: Sendable, Equatable {
    /// Every row scored (exact; the local flat index's answers).
    case flat
    /// Inverted lists over k-means centroids (nil: the local IVF default for the row count).
    case ivf(nlist: Int?)
    /// A navigable small-world graph: `m` links per node, `efConstruction` candidates while building.
    case hnsw(m: Int, efConstruction: Int)
}
