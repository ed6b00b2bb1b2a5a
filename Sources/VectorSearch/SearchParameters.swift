// SearchParameters: per-query knobs (nprobe, ef, exact, a filter), kept out of the index's own state as faiss does.

/// Knobs for one search call. Indexes ignore the ones that do not apply to them.
public struct SearchParameters: Sendable, Equatable {
    /// IVF lists probed per query; `nil` uses the index's tuned default.
    public var nprobe: Int?
    /// HNSW candidate list size per query (stores with an HNSW index; nil: the store's default).
    public var ef: Int?
    /// Search every row exactly even where an approximate index exists (an index folder with an
    /// IVF part; a remote store searches with its own index and ignores it).
    public var exact: Bool
    /// Only these rows may be returned (nil: every row). Set by a store with deleted rows; the
    /// search is still the top `k` among the rows allowed.
    public var allowed: RowMask?
    /// Only rows matching this (`bucket < 3 and src = "a"`): each store applies it its own way (an
    /// index folder turns it into `allowed`, Milvus into its boolean expression); still the top `k`
    /// among the rows that pass.
    public var filter: FilterExpression?
    /// Candidates kept per result by a scan of compressed vectors before the exact rescoring
    /// (`k · rescore`); nil uses the index's own.
    public var rescore: Int?

    public init(nprobe: Int? = nil, ef: Int? = nil, exact: Bool = false, allowed: RowMask? = nil, filter: FilterExpression? = nil,
                rescore: Int? = nil) {
        self.rescore = rescore
        self.nprobe = nprobe
        self.ef = ef
        self.exact = exact
        self.allowed = allowed
        self.filter = filter
    }

    /// The knobs a store honours (it ignores the others).
    public struct Knobs: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let exact = Knobs(rawValue: 1)
        public static let nprobe = Knobs(rawValue: 2)
        public static let ef = Knobs(rawValue: 4)
        public static let rescore = Knobs(rawValue: 8)
    }
}
