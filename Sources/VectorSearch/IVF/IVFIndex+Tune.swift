// IVFIndex+Tune: recall@k against exact search, and the smallest nprobe that reaches a target recall.
public import LinearAlgebra

extension IVFIndex {
    /// One measured nprobe.
    public struct TuningPoint: Sendable, Equatable {
        public var nprobe: Int
        /// Mean recall@k against the flat index over the sample.
        public var recall: Double
        /// Batch search throughput over the sample (informal: one run).
        public var queriesPerSecond: Double
    }

    /// What `tuneNProbe` measured and picked.
    public struct TuningResult: Sendable {
        /// The smallest nprobe whose recall reached the target (`listCount` if none did).
        public var nprobe: Int
        public var recall: Double
        public var reached: Bool
        /// Every nprobe measured, ascending.
        public var points: [TuningPoint]
        public var queries: Int
    }

    /// Mean recall@k of `found` against `truth` (both `[nq x ≥k]`): the fraction of each query's
    /// true top-k ids that `found`'s top-k holds. With `excluding`, query `q`'s own row
    /// `excluding[q]` is dropped from both before the top-k is taken (leave-one-out).
    public static func recall(_ found: SearchResult, truth: SearchResult, k: Int, excluding: [Int]? = nil) -> Double {
        precondition(found.queryCount == truth.queryCount)
        guard found.queryCount > 0 else { return 1 }
        func top(_ r: SearchResult, _ q: Int) -> [Int] {
            let own = excluding?[q]
            return Array(r.neighbours(of: q).lazy.map(\.id).filter { $0 >= 0 && $0 != own }.prefix(k))
        }
        var total = 0.0
        for q in 0..<found.queryCount {
            let t = top(truth, q)
            guard !t.isEmpty else { total += 1; continue }
            let f = Set(top(found, q))
            total += Double(t.filter(f.contains).count) / Double(t.count)
        }
        return total / Double(found.queryCount)
    }

    /// `count` distinct stored rows (seeded; live ones only when `live` is given) and their
    /// vectors, to use as held-out queries with `excluding` (each query leaves its own row out of
    /// both result lists).
    public static func sampleRows(of index: FlatIndex, count: Int, seed: UInt64 = 4321, live: RowMask? = nil) -> (rows: [Int], queries: Matrix) {
        var rng = SplitMix64(seed: seed)
        let candidates = live?.members
        let n = min(count, candidates?.count ?? index.count)
        let rows = KMeans.sample(n, of: candidates?.count ?? index.count, using: &rng).map { candidates?[$0] ?? $0 }
        var m = Matrix(rows: n, cols: index.dimension)
        m.storage.withUnsafeMutableBufferPointer { dst in
            for (j, r) in rows.enumerated() {
                (dst.baseAddress! + j * index.dimension).update(from: index.row(r), count: index.dimension)
            }
        }
        return (rows, m)
    }

    /// The smallest nprobe whose recall@`k` against `exact` on `queries` (`[nq x d]`) reaches
    /// `targetRecall` (`RecallTuning`: recall cannot fall as nprobe grows, more lists being a
    /// superset of candidates; searched on int8 codes, where k x rescore candidates are kept
    /// whatever the lists, it can dip slightly, and the value found reaches the target but may not
    /// be the smallest that does).
    /// `excluding`: the stored row each query was taken from, left out of both results; `live`:
    /// the rows both searches may return (nil: every row); `searching`: the search measured, when
    /// not this index's own (`QuantizedIVFIndex`: the same lists scanned on their int8 codes).
    public func tuneNProbe(queries: Matrix, exact: FlatIndex, targetRecall: Double, k: Int = 10,
                           excluding: [Int]? = nil, live: RowMask? = nil, searching: (any VectorIndex)? = nil) throws -> TuningResult {
        guard targetRecall > 0, targetRecall <= 1 else { throw IVFError.invalidTarget(targetRecall) }
        precondition(excluding == nil || excluding!.count == queries.rows)
        let truth = exact.search(queries, k: excluding == nil ? k : k + 1, parameters: SearchParameters(allowed: live))
        let tuned = tuneNProbe(queries: queries, truth: truth, targetRecall: targetRecall, k: k, excluding: excluding, live: live, searching: searching)
        return TuningResult(nprobe: tuned.value, recall: tuned.recall, reached: tuned.reached,
                            points: tuned.points.map { TuningPoint(nprobe: $0.value, recall: $0.recall, queriesPerSecond: $0.queriesPerSecond) },
                            queries: queries.rows)
    }

    /// `tuneNProbe` against `truth`, the exact search's top `k` (`k + 1` with `excluding`) of
    /// `queries`, already computed (`QuantizedIVFIndex.tune` measures more knobs against it).
    func tuneNProbe(queries: Matrix, truth: SearchResult, targetRecall: Double, k: Int, excluding: [Int]?, live: RowMask?,
                    searching: (any VectorIndex)? = nil) -> RecallTuning {
        let fetch = excluding == nil ? k : k + 1
        return RecallTuning(limit: listCount, target: targetRecall, k: k, queries: queries.rows, truth: truth, excluding: excluding) { nprobe in
            let parameters = SearchParameters(nprobe: nprobe, allowed: live)
            return searching?.search(queries, k: fetch, parameters: parameters) ?? search(queries, k: fetch, parameters: parameters)
        }
    }
}
