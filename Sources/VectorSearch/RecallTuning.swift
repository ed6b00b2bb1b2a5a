// RecallTuning: the smallest value of a search knob (IVF's nprobe, the codes' rescore) whose recall@k against exact search reaches a target.
public import LinearAlgebra

/// A knob whose recall cannot fall as it grows (more lists, more candidates: a superset of rows
/// considered): the value doubles from 1 until the target is met, then bisection finds the
/// smallest. Every value tried is measured once (recall, and batch throughput over the sample).
/// What `QuantizedFlatIndex.tuneRescore` returns (`IVFIndex.tuneNProbe` names its value nprobe).
public struct RecallTuning: Sendable {
    /// One measured value.
    public struct Point: Sendable, Equatable {
        public var value: Int
        /// Mean recall@k against the exact search over the sample.
        public var recall: Double
        /// Batch search throughput over the sample (informal: one run).
        public var queriesPerSecond: Double
    }

    /// The smallest value reaching the target (`limit` when none did), its recall, and every point measured, ascending.
    public var value: Int
    public var recall: Double
    public var reached: Bool
    public var points: [Point]
    /// Queries in the sample.
    public var queries: Int

    /// Tunes a knob in `1...limit`: `search(value)` returns the top `k` (`k + 1` with `excluding`)
    /// of the sample, scored against `truth` as `IVFIndex.recall` does.
    init(limit: Int, target: Double, k: Int, queries: Int, truth: SearchResult, excluding: [Int]?, search: (Int) -> SearchResult) {
        var measured: [Int: Point] = [:]
        func measure(_ value: Int) -> Double {
            if let p = measured[value] { return p.recall }
            let clock = ContinuousClock()
            var result: SearchResult?
            let elapsed = clock.measure { result = search(value) }
            let r = IVFIndex.recall(result!, truth: truth, k: k, excluding: excluding)
            measured[value] = Point(value: value, recall: r, queriesPerSecond: elapsed.queriesPerSecond(queries))
            return r
        }
        var lo = 0, hi = 1  // recall(lo) < target (lo = 0: nothing measured), recall(hi) unknown
        while measure(hi) < target {
            lo = hi
            guard hi < limit else { break }
            hi = min(hi * 2, limit)
        }
        reached = measure(hi) >= target
        if reached {
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if measure(mid) >= target { hi = mid } else { lo = mid }
            }
        }
        value = hi
        recall = measure(hi)
        self.queries = queries
        points = measured.values.sorted { $0.value < $1.value }
    }
}
