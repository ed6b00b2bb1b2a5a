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
        let quantizer = ScalarQuantizer.train(blocks: exact.segments.map { ($0.pointer, $0.count) }, dimension: exact.dimension)
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
                    func write(_ found: [(score: Float, id: Int)], query qi: Int) {
                        for (j, e) in found.enumerated() {
                            idBase[qi * kk + j] = e.id
                            scoreBase[qi * kk + j] = e.score
                        }
                    }
                    if nq == 1 {
                        // One query: its rows split over the workers.
                        let prepared = quantizer.prepare(query: q)
                        let chosen = scan([prepared], candidates: candidates, allowed: allowed, parts: count >= 65_536 ? BLASThreads.count : 1)
                        write(rescored(chosen[0], query: q, k: kk), query: 0)
                        return
                    }
                    // Several: groups of four queries (one pass over the codes each) split over the workers.
                    let groups = BLASThreads.chunks((nq + 3) / 4, parts: BLASThreads.count)
                    BLASThreads.parallel(groups.count) { part in
                        for g in groups[part] {
                            let members = (g * 4)..<min(nq, g * 4 + 4)
                            let chosen = scan(members.map { quantizer.prepare(query: q + $0 * dimension) }, candidates: candidates,
                                              allowed: allowed, parts: 1)
                            for (qi, rows) in zip(members, chosen) { write(rescored(rows, query: q + qi * dimension, k: kk), query: qi) }
                        }
                    }
                }
            }
        }
        return SearchResult(queryCount: nq, k: kk, ids: ids, scores: scores)
    }

    /// For each of up to four queries, its `candidates` best approximate scores (allowed rows
    /// only), ascending by row; the rows split in `parts` ranges, each scanned once for all the queries.
    func scan(_ queries: [QuantizedQuery], candidates: Int, allowed: RowMask?, parts: Int) -> [[Int]] {
        precondition((1...4).contains(queries.count))
        let ranges = BLASThreads.chunks(count, parts: parts)
        // Four query rows of codes, the last repeated to fill the group (its values are not read back).
        var values = [Int8]()
        values.reserveCapacity(4 * dimension)
        for j in 0..<4 { values += queries[min(j, queries.count - 1)].values }
        var heaps = [TopK](repeating: TopK(k: candidates), count: ranges.count * queries.count)
        values.withUnsafeBufferPointer { values in
            heaps.withUnsafeMutableBufferPointer { hp in
                let heapsBase = hp.baseAddress!
                BLASThreads.parallel(ranges.count) { part in
                    let range = ranges[part]
                    let block = min(range.count, 4_096)
                    let dots = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, 4 * block))
                    let approx = UnsafeMutablePointer<Float>.allocate(capacity: max(1, block))
                    defer { dots.deallocate(); approx.deallocate() }
                    for run in codeRuns(range) {
                        for b0 in stride(from: 0, to: run.count, by: block) {
                            let bn = min(block, run.count - b0)
                            let codes = run.codes + b0 * dimension
                            if queries.count == 1 {
                                VectorKernels.codeDotRows(codes, count: bn, dimension: dimension, query: values.baseAddress!, into: dots)
                            } else {
                                VectorKernels.codeDotRows4(codes, count: bn, dimension: dimension, queries: values.baseAddress!, into: dots, ldo: block)
                            }
                            for (j, query) in queries.enumerated() {
                                let d = dots + j * block
                                for r in 0..<bn { approx[r] = query.score(d[r]) }
                                FlatIndex.fold(approx, count: bn, firstID: run.first + b0, allowed: allowed,
                                               into: &heapsBase[part * queries.count + j])
                            }
                        }
                    }
                }
            }
        }
        return queries.indices.map { j in
            var chosen: [Int] = []
            chosen.reserveCapacity(candidates * ranges.count)
            for part in ranges.indices { chosen += heaps[part * queries.count + j].sorted().map(\.id) }
            return chosen.sorted()
        }
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
