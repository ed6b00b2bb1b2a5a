// FlatIndex: exact inner-product top-k over all stored vectors, sgemm over blocks of the base.
public import LinearAlgebra
import Dispatch

/// Exact search. Scores a block of queries against a block of base rows with one sgemm, then
/// folds each tile row into that query's top-k, so memory stays `queryBlock x baseBlock` floats
/// whatever the base size (never a queries x N matrix).
public struct FlatIndex: VectorIndex {
    public let storage: VectorStorage
    public var dimension: Int { storage.dimension }
    public var count: Int { storage.count }

    /// Queries scored per sgemm.
    static let queryBlock = 1024
    /// Base rows scored per sgemm; a 1024 x 4096 tile is 16 MiB.
    static let baseBlock = 4096

    public init(storage: VectorStorage) {
        self.storage = storage
    }

    /// An in-memory index over `vectors` (`[count x dimension]`, rows already unit length).
    public init(vectors: Matrix) {
        self.storage = VectorStorage(copying: vectors.storage, count: vectors.rows, dimension: vectors.cols)
    }

    public func search(_ queries: Matrix, k: Int, parameters: SearchParameters) -> SearchResult {
        precondition(queries.cols == dimension || queries.rows == 0,
                     "query dimension \(queries.cols) differs from index dimension \(dimension)")
        let kk = max(0, min(k, count))
        let nq = queries.rows
        var ids = [Int](repeating: -1, count: nq * kk)
        var scores = [Float](repeating: -.infinity, count: nq * kk)
        guard nq > 0, kk > 0 else { return SearchResult(queryCount: nq, k: kk, ids: ids, scores: scores) }
        let allowed = parameters.allowed
        precondition(allowed == nil || allowed!.count == count, "a mask over \(allowed!.count) rows for \(count)")

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
                for b0 in stride(from: 0, to: count, by: bBlock) {
                    let bn = min(bBlock, count - b0)
                    GEMM.multiplyTransposed(m: qn, n: bn, k: dimension,
                                            a: q + q0 * dimension, b: storage.row(b0), c: tile, ldc: bn)
                    heaps.withUnsafeMutableBufferPointer { hp in
                        for r in 0..<qn {
                            Self.fold(tile + r * bn, count: bn, firstID: b0, allowed: allowed, into: &hp[r])
                        }
                    }
                }
                for r in 0..<qn { write(heaps[r], row: q0 + r, k: kk, ids: &ids, scores: &scores) }
            }
        }
        return SearchResult(queryCount: nq, k: kk, ids: ids, scores: scores)
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
                for b0 in stride(from: range.lowerBound, to: range.upperBound, by: bBlock) {
                    let bn = min(bBlock, range.upperBound - b0)
                    VectorKernels.dotRows(storage.row(b0), count: bn, dimension: dimension, query: q, into: buf)
                    Self.fold(buf, count: bn, firstID: b0, allowed: allowed, into: &heapsBase[part])
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
                let row = storage.row(i)
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
