// SearchParameters: per-query knobs (nprobe, threads), kept out of the index's own state as faiss does.

/// Knobs for one search call. Indexes ignore the ones that do not apply to them.
public struct SearchParameters: Sendable, Equatable {
    /// IVF lists probed per query; `nil` uses the index's tuned default.
    public var nprobe: Int?
    /// HNSW candidate list size per query (stores with an HNSW index; nil: the store's default).
    public var ef: Int?

    public init(nprobe: Int? = nil, ef: Int? = nil) {
        self.nprobe = nprobe
        self.ef = ef
    }
}
