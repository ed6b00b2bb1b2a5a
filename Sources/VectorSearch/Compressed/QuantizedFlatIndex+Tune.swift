// QuantizedFlatIndex+Tune: the smallest rescore factor whose recall@k against exact search reaches a target (`rag index tune` on an index with codes).
public import LinearAlgebra

extension QuantizedFlatIndex {
    /// The smallest rescore factor (the result's `value`) whose recall@`k` against the exact float32 search on `queries`
    /// reaches `targetRecall` (`RecallTuning`: more candidates are a superset of fewer, the
    /// candidates being the top by approximate score). `excluding`: the stored row each query was taken
    /// from, left out of both results; `live`: the rows both searches may return.
    public func tuneRescore(queries: Matrix, targetRecall: Double, k: Int = 10, excluding: [Int]? = nil,
                            live: RowMask? = nil) throws -> RecallTuning {
        guard targetRecall > 0, targetRecall <= 1 else { throw IVFError.invalidTarget(targetRecall) }
        precondition(excluding == nil || excluding!.count == queries.rows)
        let fetch = excluding == nil ? k : k + 1
        let truth = exact.search(queries, k: fetch, parameters: SearchParameters(allowed: live))
        // At `limit`, every row is a candidate: the exact search.
        let limit = max(1, (count + fetch - 1) / fetch)
        return RecallTuning(limit: limit, target: targetRecall, k: k, queries: queries.rows, truth: truth, excluding: excluding) { rescore in
            search(queries, k: fetch, parameters: SearchParameters(allowed: live, rescore: rescore))
        }
    }
}
