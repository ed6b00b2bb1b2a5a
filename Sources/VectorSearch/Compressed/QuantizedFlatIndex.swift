// QuantizedFlatIndex: exact top-k from 8-bit codes: an integer scan picks k x rescore candidates, the float32 rows rescore them.
public import LinearAlgebra

/// Flat search over a quarter of the bytes. Every query is turned into 8-bit integers
/// (`ScalarQuantizer.prepare`), every row's code is scored with the integer kernel
/// (`VectorKernels.codeDotRows`: AVX-512 VNNI, AVX-512, AVX2 or plain), the `k · rescore` best
/// approximate scores are kept, and those candidates are scored again against their float32
/// rows: the scores returned are exact (the same kernel as `FlatIndex`'s single-query scan), only
/// the choice of candidates is approximate. Rows a mask excludes never become candidates, so a
/// search returns `k` allowed rows whenever there are `k`.
public struct QuantizedFlatIndex: VectorIndex {
    /// The float32 rows, for rescoring (and the exact search when asked).
    public let exact: FlatIndex
    public let quantizer: ScalarQuantizer
    /// The codes, one block per segment of `exact`, row for row.
    public let codes: [CodeStorage]
    /// Candidates kept per result when a search does not say (`SearchParameters.rescore`).
    public let rescore: Int
    public var dimension: Int { exact.dimension }
    public var count: Int { exact.count }

    /// Candidates per result by default (recall against it measured in BENCHMARKS.md).
    public static let defaultRescore = 4

    public init(exact: FlatIndex, quantizer: ScalarQuantizer, codes: [CodeStorage], rescore: Int = defaultRescore) {
        precondition(codes.count == exact.segments.count && zip(codes, exact.segments).allSatisfy { $0.count == $1.count && $0.dimension == $1.dimension },
                     "one block of codes per segment, row for row")
        precondition(quantizer.dimension == exact.dimension && rescore >= 1)
        self.exact = exact
        self.quantizer = quantizer
        self.codes = codes
        self.rescore = rescore
    }

    /// Trains a quantizer on `exact`'s rows and encodes them (in memory).
    public init(encoding exact: FlatIndex, rescore: Int = defaultRescore) {
        var quantizer = ScalarQuantizer(minimum: [], step: [])
        if exact.segments.count == 1 {
            quantizer = ScalarQuantizer.train(rows: exact.storage.pointer, count: exact.count, dimension: exact.dimension)
        } else {
            quantizer = exact.matrix().storage.withUnsafeBufferPointer {
                ScalarQuantizer.train(rows: $0.baseAddress!, count: exact.count, dimension: exact.dimension)
            }
        }
        let codes = exact.segments.map { s in
            CodeStorage(copying: quantizer.encode(rows: s.pointer, count: s.count), count: s.count, dimension: s.dimension)
        }
        self.init(exact: exact, quantizer: quantizer, codes: codes, rescore: rescore)
    }

    public func search(_ queries: Matrix, k: Int, parameters: SearchParameters) -> SearchResult {
        precondition(queries.cols == dimension || queries.rows == 0,
                     "query dimension \(queries.cols) differs from index dimension \(dimension)")
        let allowed = parameters.allowed
        // Exact when asked, and where a mask leaves so few rows that scoring them alone is cheaper.
        if parameters.exact || (allowed.map { $0.population * FlatIndex.sparseFraction < count } ?? false) {
            return exact.search(queries, k: k, parameters: parameters)
        }
        precondition(allowed == nil || allowed!.count == count, "a mask over \(allowed!.count) rows for \(count)")
        let kk = max(0, min(k, count))
        let nq = queries.rows
        var ids = [Int](repeating: -1, count: nq * kk)
        var scores = [Float](repeating: -.infinity, count: nq * kk)
        guard nq > 0, kk > 0 else { return SearchResult(queryCount: nq, k: kk, ids: ids, scores: scores) }
        let candidates = min(count, kk * max(1, parameters.rescore ?? rescore))

        queries.storage.withUnsafeBufferPointer { qbuf in
            let q = qbuf.baseAddress!
            ids.withUnsafeMutableBufferPointer { idOut in
                scores.withUnsafeMutableBufferPointer { scoreOut in
                    let idBase = idOut.baseAddress!, scoreBase = scoreOut.baseAddress!
                    // One query: its rows split over the workers. Several: the queries split over them.
                    let rowParts = nq == 1 && count >= 65_536 ? BLASThreads.count : 1
                    let queryParts = BLASThreads.chunks(nq, parts: nq == 1 ? 1 : BLASThreads.count)
                    BLASThreads.parallel(queryParts.count) { part in
                        for qi in queryParts[part] {
                            let query = q + qi * dimension
                            let found = rescored(scan(quantizer.prepare(query: query), candidates: candidates, allowed: allowed, parts: rowParts),
                                                 query: query, k: kk)
                            for (j, e) in found.enumerated() {
                                idBase[qi * kk + j] = e.id
                                scoreBase[qi * kk + j] = e.score
                            }
                        }
                    }
                }
            }
        }
        return SearchResult(queryCount: nq, k: kk, ids: ids, scores: scores)
    }

    /// The `candidates` best approximate scores (allowed rows only), the rows split in `parts` ranges.
    func scan(_ query: QuantizedQuery, candidates: Int, allowed: RowMask?, parts: Int) -> [Int] {
        let ranges = BLASThreads.chunks(count, parts: parts)
        var heaps = [TopK](repeating: TopK(k: candidates), count: ranges.count)
        query.values.withUnsafeBufferPointer { values in
            heaps.withUnsafeMutableBufferPointer { hp in
                let heapsBase = hp.baseAddress!
                BLASThreads.parallel(ranges.count) { part in
                    let range = ranges[part]
                    let block = min(range.count, 16_384)
                    let dots = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, block))
                    let approx = UnsafeMutablePointer<Float>.allocate(capacity: max(1, block))
                    defer { dots.deallocate(); approx.deallocate() }
                    for run in codeRuns(range) {
                        for b0 in stride(from: 0, to: run.count, by: block) {
                            let bn = min(block, run.count - b0)
                            VectorKernels.codeDotRows(run.codes + b0 * dimension, count: bn, dimension: dimension,
                                                      query: values.baseAddress!, into: dots)
                            for j in 0..<bn { approx[j] = query.score(dots[j]) }
                            FlatIndex.fold(approx, count: bn, firstID: run.first + b0, allowed: allowed, into: &heapsBase[part])
                        }
                    }
                }
            }
        }
        var chosen: [Int] = []
        chosen.reserveCapacity(candidates * heaps.count)
        for h in heaps { chosen += h.sorted().map(\.id) }
        return chosen.sorted()
    }

    /// The top `k` of `rows` by their exact float32 scores (ties to the lower row).
    func rescored(_ rows: [Int], query: UnsafePointer<Float>, k: Int) -> [(score: Float, id: Int)] {
        var heap = TopK(k: k)
        var score: Float = 0
        for r in rows {
            VectorKernels.dotRows(exact.row(r), count: 1, dimension: dimension, query: query, into: &score)
            heap.push(score: score, id: r)
        }
        return heap.sorted()
    }

    /// Rows `range` as runs of consecutive rows within one segment: (first row, rows, their codes).
    private func codeRuns(_ range: Range<Int>) -> [(first: Int, count: Int, codes: UnsafePointer<UInt8>)] {
        exact.runs(range).map { run in
            let s = exact.bases.segment(of: run.first)
            return (run.first, run.count, codes[s].row(run.first - exact.bases.starts[s]))
        }
    }
}
