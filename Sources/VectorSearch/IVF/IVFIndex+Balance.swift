// IVFIndex+Balance: how unevenly the rows fill the lists (faiss's imbalance factor), and the rule that retrains drifted lists.

extension IVFIndex {
    /// Retrain the lists when their imbalance passes this multiple of the imbalance they had when
    /// trained: rows appended since have gathered in a few lists, which then cost every probe of
    /// them more (and the centroids no longer split the rows as k-means would).
    public static let retrainImbalanceRatio = 1.5

    /// faiss's imbalance factor of lists holding `sizes` rows: `nlist · Σ size² / (Σ size)²`; 1 when
    /// every list holds as many rows, `nlist` when one list holds them all (0 for no rows).
    public static func imbalance(sizes: [Int]) -> Double {
        let total = sizes.reduce(0, +)
        guard total > 0 else { return 0 }
        let squares = sizes.reduce(0.0) { $0 + Double($1) * Double($1) }
        return Double(sizes.count) * squares / (Double(total) * Double(total))
    }

    /// The imbalance of the lists over every segment, counting the rows `live` holds (nil: every row).
    public func imbalance(live: RowMask?) -> Double {
        var sizes = [Int](repeating: 0, count: listCount)
        for lists in parts {
            for l in 0..<listCount {
                let range = lists.offsets[l]..<lists.offsets[l + 1]
                sizes[l] += live.map { live in range.lazy.filter { live.contains(lists.rowID(at: $0)) }.count } ?? range.count
            }
        }
        return Self.imbalance(sizes: sizes)
    }

    /// Whether lists of imbalance `now` have drifted from lists trained at imbalance `trained`
    /// (nil, as for an index built before it was recorded: never).
    public static func hasDrifted(now: Double, trained: Double?) -> Bool {
        guard let trained, trained > 0 else { return false }
        return now > retrainImbalanceRatio * trained
    }
}
