// FlatIndex: exact inner-product top-k over all stored vectors, sgemm over blocks of the base.
public import LinearAlgebra
import Dispatch

/// Exact search. Scores a block of queries against a block of base rows with one sgemm, then
/// folds each tile row into that query's top-k, so memory stays `queryBlock x baseBlock` floats
/// whatever the base size (never a queries x N matrix). The rows may sit in several segments
/// (an index folder's appends), numbered on from one to the next; a block never spans two.
public struct FlatIndex: VectorIndex {
    /// The rows, segment by segment: row `i` of the index is row `i - bases[s]` of segment `s`.
    public let segments: [VectorStorage]
    /// Where each segment's rows start.
    let bases: SegmentBases
    public let dimension: Int
    public var count: Int { bases.total }

    /// The one block of rows of a single-segment index (what k-means, the IVF build and tests use).
    public var storage: VectorStorage {
        precondition(segments.count == 1, "an index of \(segments.count) segments has no single storage")
        return segments[0]
    }

    /// Queries scored per sgemm.
    static let queryBlock = 1024
    /// Base rows scored per sgemm; a 1024 x 4096 tile is 16 MiB.
    static let baseBlock = 4096

    public init(storage: VectorStorage) {
        self.init(segments: [storage])
    }

    /// An index over `segments` in order (at least one; all of one dimension).
    public init(segments: [VectorStorage]) {
        precondition(!segments.isEmpty && segments.allSatisfy { $0.dimension == segments[0].dimension }, "segments of one dimension")
        self.segments = segments
        dimension = segments[0].dimension
        bases = SegmentBases(counts: segments.map(\.count))
    }

    /// An in-memory index over `vectors` (`[count x dimension]`, rows already unit length).
    public init(vectors: Matrix) {
        self.init(storage: VectorStorage(copying: vectors.storage, count: vectors.rows, dimension: vectors.cols))
    }

    /// Row `i`: `dimension` floats.
    public func row(_ i: Int) -> UnsafePointer<Float> {
        let s = bases.segment(of: i)
        return segments[s].row(i - bases.starts[s])
    }

    /// Row `i`'s score for `query` (`dimension` floats) with the single-query scan's own kernel:
    /// the exact float32 score a search returns for that row.
    public func score(_ i: Int, query: UnsafePointer<Float>) -> Float {
        var score: Float = 0
        VectorKernels.dotRows(row(i), count: 1, dimension: dimension, query: query, into: &score)
        return score
    }

    /// Rows `range` as runs of consecutive rows within one segment: (first row, rows, their vectors).
    func runs(_ range: Range<Int>) -> [(first: Int, count: Int, vectors: UnsafePointer<Float>)] {
        var out: [(first: Int, count: Int, vectors: UnsafePointer<Float>)] = []
        var i = range.lowerBound
        while i < range.upperBound {
            let s = bases.segment(of: i)
            let end = min(range.upperBound, bases.starts[s + 1])
            out.append((i, end - i, segments[s].row(i - bases.starts[s])))
            i = end
        }
        return out
    }

    /// Every row as one Matrix copy (small indexes, heads' training rows, tests).
    public func matrix() -> Matrix {
        var values = [Float]()
        values.reserveCapacity(count * dimension)
        for s in segments { values.append(contentsOf: UnsafeBufferPointer(start: s.pointer, count: s.count * s.dimension)) }
        return Matrix(rows: count, cols: dimension, storage: values)
    }

    public func search(_ queries: Matrix, k: Int, parameters: SearchParameters) -> SearchResult {
        let blank = blankResult(for: queries, k: k)
        let kk = blank.k, nq = queries.rows
        var ids = blank.ids, scores = blank.scores
        guard nq > 0, kk > 0 else { return SearchResult(queryCount: nq, k: kk, ids: ids, scores: scores) }
        let allowed = parameters.allowed
        precondition(allowed == nil || allowed!.count == count, "a mask over \(allowed!.count) rows for \(count)")
        if let allowed, allowed.population * Self.sparseFraction < count {
            guard nq > Self.fewQueries else {
                // A few queries: each scores the allowed rows where they lie (no copy of them).
                let members = allowed.members
                queries.storage.withUnsafeBufferPointer { qbuf in
                    for q in 0..<nq {
                        var heap = TopK(k: kk)
                        scanAmong(members, qbuf.baseAddress! + q * dimension, into: &heap)
                        write(heap, row: q, k: kk, ids: &ids, scores: &scores)
                    }
                }
                return SearchResult(queryCount: nq, k: kk, ids: ids, scores: scores)
            }
            return searchAmong(allowed.members, queries, k: kk)
        }

        queries.storage.withUnsafeBufferPointer { qbuf in
            let q = qbuf.baseAddress!
            if nq == 1 {
                var heap = TopK(k: kk)
                scanSingle(q, allowed: allowed, into: &heap)
                write(heap, row: 0, k: kk, ids: &ids, scores: &scores)
                return
            }
            let qBlock = min(nq, Self.queryBlock)
            let bBlock = min(count, Self.baseBlock)
            let tile = UnsafeMutablePointer<Float>.allocate(capacity: qBlock * bBlock)
            defer { tile.deallocate() }
            for q0 in stride(from: 0, to: nq, by: qBlock) {
                let qn = min(qBlock, nq - q0)
                var heaps = [TopK](repeating: TopK(k: kk), count: qn)
                for run in runs(0..<count) {
                    for b0 in stride(from: 0, to: run.count, by: bBlock) {
                        let bn = min(bBlock, run.count - b0)
                        GEMM.multiplyTransposed(m: qn, n: bn, k: dimension,
                                                a: q + q0 * dimension, b: run.vectors + b0 * dimension, c: tile, ldc: bn)
                        heaps.withUnsafeMutableBufferPointer { hp in
                            for r in 0..<qn {
                                Self.fold(tile + r * bn, count: bn, firstID: run.first + b0, allowed: allowed, into: &hp[r])
                            }
                        }
                    }
                }
                for r in 0..<qn { write(heaps[r], row: q0 + r, k: kk, ids: &ids, scores: &scores) }
            }
        }
        return SearchResult(queryCount: nq, k: kk, ids: ids, scores: scores)
    }

    /// Below one allowed row in `sparseFraction`, a masked search scores the allowed rows only.
    static let sparseFraction = 8
    /// Up to this many queries, those rows are scored in place, query by query; more share one
    /// gathered copy of them (a product of matrices).
    static let fewQueries = 4

    /// Scores `rows` (ascending) against one query with the scan's own kernel, consecutive rows of
    /// one segment together, into `heap` in row order (ties to the lower row).
    private func scanAmong(_ rows: [Int], _ q: UnsafePointer<Float>, into heap: inout TopK) {
        let block = 256
        let buf = UnsafeMutablePointer<Float>.allocate(capacity: block)
        defer { buf.deallocate() }
        var i = 0
        while i < rows.count {
            let start = row(rows[i])
            var n = 1
            while n < block, i + n < rows.count, rows[i + n] == rows[i] + n, row(rows[i + n]) == start + n * dimension { n += 1 }
            VectorKernels.dotRows(start, count: n, dimension: dimension, query: q, into: buf)
            for j in 0..<n where buf[j] > heap.threshold { heap.push(score: buf[j], id: rows[i + j]) }
            i += n
        }
    }

    /// The top `k` (the index's `min(k, count)`) among `rows` (ascending): their vectors gathered
    /// into one block and searched exactly; ties still go to the lower row.
    private func searchAmong(_ rows: [Int], _ queries: Matrix, k kk: Int) -> SearchResult {
        var gathered = [Float]()
        gathered.reserveCapacity(rows.count * dimension)
        for r in rows { gathered.append(contentsOf: UnsafeBufferPointer(start: row(r), count: dimension)) }
        let found = FlatIndex(vectors: Matrix(rows: rows.count, cols: dimension, storage: gathered)).search(queries, k: kk)
        var ids = [Int](repeating: -1, count: queries.rows * kk)
        var scores = [Float](repeating: -.infinity, count: queries.rows * kk)
        for q in 0..<queries.rows {
            for j in 0..<found.k {
                let id = found.ids[q * found.k + j]
                ids[q * kk + j] = id >= 0 ? rows[id] : -1
                scores[q * kk + j] = found.scores[q * found.k + j]
            }
        }
        return SearchResult(queryCount: queries.rows, k: kk, ids: ids, scores: scores)
    }

    /// Folds `n` scores of consecutive rows into `heap`. Rows arrive in ascending id order, so a
    /// score equal to the threshold always loses (ties go to the lower row).
    @inline(__always)
    static func fold(_ s: UnsafePointer<Float>, count n: Int, firstID: Int, allowed: RowMask?, into heap: inout TopK) {
        var threshold = heap.threshold
        if let allowed {
            for j in 0..<n where s[j] > threshold && allowed.contains(firstID + j) {
                heap.push(score: s[j], id: firstID + j)
                threshold = heap.threshold
            }
            return
        }
        for j in 0..<n where s[j] > threshold {
            heap.push(score: s[j], id: firstID + j)
            threshold = heap.threshold
        }
    }

    /// One query: memory-bound, so the base is cut into one contiguous range per worker; each
    /// scans its range in blocks with the SIMD dot-product kernel (four rows per pass over the
    /// query, AVX-512 or AVX2 by cpuid) and keeps its own heap, and the heaps are merged.
    private func scanSingle(_ q: UnsafePointer<Float>, allowed: RowMask?, into heap: inout TopK) {
        let k = heap.k
        // Below ~64k rows a second worker costs more to wake than it saves.
        let parts = count >= 65_536 ? BLASThreads.count : 1
        let ranges = BLASThreads.chunks(count, parts: parts)
        var heaps = [TopK](repeating: TopK(k: k), count: ranges.count)
        heaps.withUnsafeMutableBufferPointer { hp in
            let heapsBase = hp.baseAddress!
            BLASThreads.parallel(ranges.count) { part in
                let range = ranges[part]
                let bBlock = min(range.count, 16_384)
                let buf = UnsafeMutablePointer<Float>.allocate(capacity: max(1, bBlock))
                defer { buf.deallocate() }
                for run in runs(range) {
                    for b0 in stride(from: 0, to: run.count, by: bBlock) {
                        let bn = min(bBlock, run.count - b0)
                        VectorKernels.dotRows(run.vectors + b0 * dimension, count: bn, dimension: dimension, query: q, into: buf)
                        Self.fold(buf, count: bn, firstID: run.first + b0, allowed: allowed, into: &heapsBase[part])
                    }
                }
            }
        }
        // Ranges are in row order, so pushing part by part keeps ties going to the lower row.
        for part in heaps {
            for e in part.sorted() { heap.push(score: e.score, id: e.id) }
        }
    }

    private func write(_ heap: TopK, row: Int, k: Int, ids: inout [Int], scores: inout [Float]) {
        for (j, e) in heap.sorted().enumerated() {
            ids[row * k + j] = e.id
            scores[row * k + j] = e.score
        }
    }

    /// Reference search: a plain loop over every (query, row) pair (the `allowed` ones), for tests.
    public func referenceSearch(_ queries: Matrix, k: Int, allowed: RowMask? = nil) -> SearchResult {
        let kk = max(0, min(k, count))
        var ids: [Int] = []
        var scores: [Float] = []
        for qi in 0..<queries.rows {
            var heap = TopK(k: kk)
            for i in 0..<count where allowed?.contains(i) ?? true {
                let row = self.row(i)
                var acc: Float = 0
                for c in 0..<dimension { acc += queries[qi, c] * row[c] }
                heap.push(score: acc, id: i)
            }
            let found = heap.sorted()
            for e in found {
                ids.append(e.id)
                scores.append(e.score)
            }
            // Fewer allowed rows than k: padded as the fast path pads.
            ids += [Int](repeating: -1, count: kk - found.count)
            scores += [Float](repeating: -.infinity, count: kk - found.count)
        }
        return SearchResult(queryCount: queries.rows, k: kk, ids: ids, scores: scores)
    }
}
