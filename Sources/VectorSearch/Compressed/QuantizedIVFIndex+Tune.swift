// QuantizedIVFIndex+Tune: nprobe and the rescore factor together: the fastest pair whose recall@k against exact search reaches a target (`rag index tune` on an IVF index with codes in its lists).
public import LinearAlgebra

extension QuantizedIVFIndex {
    /// One measured pair.
    public struct TuningPoint: Sendable, Equatable {
        public var nprobe: Int
        public var rescore: Int
        /// Mean recall@k against the exact search over the sample.
        public var recall: Double
        /// Batch search throughput over the sample (one run; the best of three for the pairs
        /// reaching the target, which the choice compares).
        public var queriesPerSecond: Double
    }

    /// What `tune` measured and picked.
    public struct Tuning: Sendable {
        /// The pair chosen: the fastest of those reaching the target (every list and every entry a
        /// candidate when none did).
        public var nprobe: Int
        public var rescore: Int
        public var recall: Double
        public var reached: Bool
        /// Every pair measured, by nprobe then rescore.
        public var points: [TuningPoint]
        public var queries: Int
    }

    /// nprobe and the rescore factor tuned together on `queries` against `exact`. The codes'
    /// search at an nprobe can reach at most the float32 lists' recall there (its candidates are
    /// some of the probed entries; all of them give the float32 search), so the smallest nprobe
    /// whose float32 search reaches `targetRecall` is the floor. At the floor, 1.5x and 2x it, the
    /// smallest rescore factor reaching the target is found (`RecallTuning`: more candidates are a
    /// superset of fewer), and of those pairs the fastest on the sample (best of three timed
    /// batch searches) is chosen: more lists with fewer candidates can beat the floor with many.
    /// `excluding`: the stored row each query was taken from, left out of both results; `live`:
    /// the rows both searches may return.
    public func tune(queries: Matrix, exact: FlatIndex, targetRecall: Double, k: Int = 10,
                     excluding: [Int]? = nil, live: RowMask? = nil) throws -> Tuning {
        guard targetRecall > 0, targetRecall <= 1 else { throw IVFError.invalidTarget(targetRecall) }
        precondition(excluding == nil || excluding!.count == queries.rows)
        let fetch = excluding == nil ? k : k + 1
        // The exact search once, for the floor and every pair.
        let truth = exact.search(queries, k: fetch, parameters: SearchParameters(allowed: live))
        let floor = ivf.tuneNProbe(queries: queries, truth: truth, targetRecall: targetRecall, k: k, excluding: excluding, live: live)
        let listCount = ivf.listCount
        let nprobes = floor.reached
            ? Set([floor.value, (3 * floor.value + 1) / 2, 2 * floor.value].map { min($0, listCount) }).sorted()
            : [listCount]
        // At `limit`, every entry is a candidate.
        let limit = max(1, (count + fetch - 1) / fetch)
        var points: [TuningPoint] = []
        var pairs: [(nprobe: Int, rescore: Int, recall: Double, reached: Bool)] = []
        for nprobe in nprobes {
            let tuned = RecallTuning(limit: limit, target: targetRecall, k: k, queries: queries.rows, truth: truth, excluding: excluding) { rescore in
                search(queries, k: fetch, parameters: SearchParameters(nprobe: nprobe, allowed: live, rescore: rescore))
            }
            points += tuned.points.map { TuningPoint(nprobe: nprobe, rescore: $0.value, recall: $0.recall, queriesPerSecond: $0.queriesPerSecond) }
            pairs.append((nprobe, tuned.value, tuned.recall, tuned.reached))
        }
        let reaching = pairs.filter(\.reached)
        let chosen: (nprobe: Int, rescore: Int, recall: Double, reached: Bool)
        if reaching.count > 1 {
            let clock = ContinuousClock()
            let times = reaching.map { pair in
                (0..<3).map { _ in
                    clock.measure { _ = search(queries, k: fetch, parameters: SearchParameters(nprobe: pair.nprobe, allowed: live, rescore: pair.rescore)) }
                }.min()!
            }
            chosen = reaching[times.indices.min { times[$0] < times[$1] }!]
            for (pair, time) in zip(reaching, times) {
                if let i = points.firstIndex(where: { $0.nprobe == pair.nprobe && $0.rescore == pair.rescore }) {
                    points[i].queriesPerSecond = time.queriesPerSecond(queries.rows)
                }
            }
        } else {
            chosen = reaching.first ?? pairs.max { $0.recall < $1.recall }!
        }
        return Tuning(nprobe: chosen.nprobe, rescore: chosen.rescore, recall: chosen.recall, reached: chosen.reached,
                      points: points, queries: queries.rows)
    }
}
