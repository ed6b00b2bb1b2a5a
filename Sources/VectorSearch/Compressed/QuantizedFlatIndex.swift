// QuantizedFlatIndex: exact top-k from compressed codes (int8, float16, bfloat16): a scan of the codes picks k x rescore candidates, the float32 rows rescore them.
public import LinearAlgebra

/// Flat search over a quarter (int8) or half (16-bit floats) of the bytes. Every row's code is
/// scored against the query (`CodeFormat.int8`: the query turned into 8-bit integers by
/// `ScalarQuantizer.prepare`, the integer kernel `VectorKernels.codeDotRows`, AVX-512 VNNI,
/// AVX-512, AVX2 or plain; `CodeFormat.half`: the float32 query against the decoded codes,
/// `VectorKernels.halfDotRows`), the `k · rescore` best approximate scores are kept, and those
/// candidates are scored again against their float32 rows: the scores returned are exact (the
/// same kernel as `FlatIndex`'s single-query scan), only the choice of candidates is
/// approximate. Rows a mask excludes never become candidates, so a search returns `k` allowed
/// rows whenever there are `k`.
public struct QuantizedFlatIndex: VectorIndex {
    /// The float32 rows, for rescoring (and the exact search when asked).
    public let exact: FlatIndex
    public let format: CodeFormat
    /// The codes, one block per segment of `exact`, row for row (`dimension · format.bytesPerDimension` bytes a row).
    public let codes: [CodeStorage]
    /// Candidates kept per result when a search does not say (`SearchParameters.rescore`).
    public let rescore: Int
    public var dimension: Int { exact.dimension }
    public var count: Int { exact.count }
    /// The int8 format's quantizer (nil for 16-bit floats).
    public var quantizer: ScalarQuantizer? { format.quantizer }

    /// Candidates per result by default (recall against it measured in BENCHMARKS.md).
    public static let defaultRescore = 4

    public init(exact: FlatIndex, format: CodeFormat, codes: [CodeStorage], rescore: Int = defaultRescore) {
        let rowBytes = exact.dimension * format.bytesPerDimension
        precondition(codes.count == exact.segments.count && zip(codes, exact.segments).allSatisfy { $0.count == $1.count && $0.dimension == rowBytes },
                     "one block of codes per segment, row for row")
        precondition(format.quantizer.map { $0.dimension == exact.dimension } ?? true && rescore >= 1)
        self.exact = exact
        self.format = format
        self.codes = codes
        self.rescore = rescore
    }

    /// Encodes `exact`'s rows as `encoding` (an int8 quantizer trained on them), in memory.
    public init(encoding exact: FlatIndex, as encoding: VectorEncoding = .int8, rescore: Int = defaultRescore) {
        let d = exact.dimension
        let format = CodeFormat.trained(encoding, blocks: exact.segments.map { ($0.pointer, $0.count) }, dimension: d)
        let codes = exact.segments.map { s in
            CodeStorage(copying: format.encode(rows: s.pointer, count: s.count, dimension: d), count: s.count, dimension: d * format.bytesPerDimension)
        }
        self.init(exact: exact, format: format, codes: codes, rescore: rescore)
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
        // The factor clamped to the rows first: any factor asked (a request's) is a valid one, and k x it cannot overflow.
        let candidates = min(count, kk * min(count, max(1, parameters.rescore ?? rescore)))

        queries.storage.withUnsafeBufferPointer { qbuf in
            let q = qbuf.baseAddress!
            ids.withUnsafeMutableBufferPointer { idOut in
                scores.withUnsafeMutableBufferPointer { scoreOut in
                    let idBase = idOut.baseAddress!, scoreBase = scoreOut.baseAddress!
                    // Queries a chunk at a time: each chunk is one pass over the codes, its rows
                    // split over the workers (one query alone: only past ~64k rows, where a second
                    // worker pays for its wake-up), then its candidates rescored, the queries split.
                    let parts = nq > 1 || count >= 65_536 ? BLASThreads.count : 1
                    for chunk in stride(from: 0, to: nq, by: Self.queryChunk) {
                        let members = chunk..<min(nq, chunk + Self.queryChunk)
                        let chosen = scan(CodeScan(format: format, queries: q + chunk * dimension, count: members.count, dimension: dimension),
                                          candidates: candidates, allowed: allowed, parts: parts)
                        let split = BLASThreads.chunks(members.count, parts: members.count >= 8 ? BLASThreads.count : 1)
                        BLASThreads.parallel(split.count) { part in
                            for j in split[part] {
                                let qi = chunk + j
                                for (r, e) in rescored(chosen[j], query: q + qi * dimension, k: kk).enumerated() {
                                    idBase[qi * kk + r] = e.id
                                    scoreBase[qi * kk + r] = e.score
                                }
                            }
                        }
                    }
                }
            }
        }
        return SearchResult(queryCount: nq, k: kk, ids: ids, scores: scores)
    }

    /// Queries scanned in one pass over the codes (their prepared values stay in cache beside a block of codes).
    public static let queryChunk = 256

    /// For each prepared query, the rows of its `candidates` best approximate scores (allowed rows
    /// only, ties to the lower row), ascending by row. The rows are split in `parts` ranges, one
    /// per worker; each worker takes its rows a block at a time (a block's codes stay in the
    /// core's L2 cache) and scores the block against every query, four at a time, so the codes are
    /// read from memory once for all the queries. int8 candidates are chosen on the integer dot
    /// products (the score is `offset + scale · dot` with `scale ≥ 0`, the same order), so no
    /// float is computed per row.
    func scan(_ queries: CodeScan, candidates: Int, allowed: RowMask?, parts: Int) -> [[Int]] {
        let nq = queries.count
        guard nq > 0 else { return [] }
        let ranges = BLASThreads.chunks(count, parts: parts)
        let rowBytes = dimension * format.bytesPerDimension
        let blockRows = max(16, Self.blockBytes / max(1, rowBytes))
        var heaps = [TopK](repeating: TopK(k: candidates), count: ranges.count * nq)
        heaps.withUnsafeMutableBufferPointer { hp in
            let heapsBase = hp.baseAddress!
            BLASThreads.parallel(ranges.count) { part in
                let range = ranges[part]
                let scratch = CodeScan.Scratch(format: format, block: min(range.count, blockRows), dimension: dimension)
                for run in codeRuns(range) {
                    for b0 in stride(from: 0, to: run.count, by: scratch.block) {
                        let bn = min(scratch.block, run.count - b0)
                        for first in stride(from: 0, to: nq, by: 4) {
                            let members = min(4, nq - first)
                            queries.score(run.codes + b0 * rowBytes, count: bn, members: members, query: { first + $0 }, scratch: scratch)
                            for j in 0..<members {
                                queries.fold(scratch, member: j, count: bn, firstID: run.first + b0, allowed: allowed,
                                             into: &heapsBase[part * nq + first + j])
                            }
                        }
                    }
                }
            }
        }
        // The workers' heaps merged: the same candidates however the rows were split.
        return (0..<nq).map { j in
            var merged = heaps[j]
            for part in ranges.indices.dropFirst() {
                for e in heaps[part * nq + j].sorted() { merged.push(score: e.score, id: e.id) }
            }
            return merged.sorted().map(\.id).sorted()
        }
    }

    /// Bytes of codes per block a worker scores against every query (within a core's L2 cache).
    static let blockBytes = 256 * 1_024

    /// Offers `n` integer dot products of ids `firstID ..< firstID + n` (allowed ones) to `heap`,
    /// comparing integers against the heap's threshold: only rows that enter are turned into floats.
    /// The mask is read at the same ids, or at `rowIDs[j]` when given (IVF entries, whose ids are list positions).
    /// The heap holds the dots as Float: exact up to 2²⁴, so past d ≈ 518 (255 · 127 · d) near-equal
    /// dots may tie in the heap and go to the lower id; only the choice among near-equal candidates moves.
    static func fold(_ dots: UnsafePointer<Int32>, count n: Int, firstID: Int, rowIDs: UnsafePointer<UInt32>? = nil,
                     allowed: RowMask?, into heap: inout TopK) {
        func bar(_ threshold: Float) -> Int32 {
            threshold == -.infinity ? .min : Int32(clamping: Int64(threshold.rounded(.down)))
        }
        var threshold = bar(heap.threshold)
        for j in 0..<n where dots[j] >= threshold {
            if let allowed, !allowed.contains(rowIDs.map { Int($0[j]) } ?? firstID + j) { continue }
            heap.push(score: Float(dots[j]), id: firstID + j)
            threshold = bar(heap.threshold)
        }
    }

    /// `fold` for float scores (16-bit float codes): offered where they reach the heap's threshold.
    static func fold(_ scores: UnsafePointer<Float>, count n: Int, firstID: Int, rowIDs: UnsafePointer<UInt32>? = nil,
                     allowed: RowMask?, into heap: inout TopK) {
        var threshold = heap.threshold
        for j in 0..<n where scores[j] >= threshold {
            if let allowed, !allowed.contains(rowIDs.map { Int($0[j]) } ?? firstID + j) { continue }
            heap.push(score: scores[j], id: firstID + j)
            threshold = heap.threshold
        }
    }

    /// The top `k` of `rows` by their exact float32 scores (ties to the lower row).
    func rescored(_ rows: [Int], query: UnsafePointer<Float>, k: Int) -> [(score: Float, id: Int)] {
        var heap = TopK(k: k)
        for r in rows { heap.push(score: exact.score(r, query: query), id: r) }
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
