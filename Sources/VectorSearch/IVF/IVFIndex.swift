// IVFIndex: inverted-file search: a FlatIndex of centroids picks nprobe lists, whose vectors are scored with BLAS.
public import LinearAlgebra

/// faiss's `IndexIVFFlat` for inner products: `quantizer` holds the `listCount` unit centroids
/// (k-means on the rows); every row sits in the list of its nearest centroid. A query scores the
/// centroids, probes its `nprobe` best lists, and scores their rows exactly.
///
/// Batch search groups the queries by the lists they probe and scores each list against all of
/// its queries with one sgemm (faiss scans lists query by query), so each list is read once per
/// batch. One query takes a lean path: sgemv per probed list.
///
/// The lists may come in parts, one per segment of an index folder (rows appended later are
/// listed in a part of their own, on the same centroids); a probed list is scanned in every part.
public struct IVFIndex: VectorIndex {
    public let quantizer: FlatIndex
    /// The lists, part by part; row ids are the index's (global) row numbers.
    public let parts: [InvertedLists]
    /// nprobe when `SearchParameters.nprobe` is nil (the tuned value, from the manifest).
    public let defaultNProbe: Int

    public var dimension: Int { quantizer.dimension }
    public let count: Int
    /// The lists of a single-part index (built in memory, or a folder of one segment).
    public var lists: InvertedLists {
        precondition(parts.count == 1, "an IVF index of \(parts.count) parts has no single list set")
        return parts[0]
    }
    public var listCount: Int { quantizer.count }

    /// Queries of one list scored per sgemm, and list rows per sgemm: a tile is at most 8 MiB.
    static let queryChunk = 512
    static let listChunk = 4096
    /// Multiply-adds of a batch below which one thread does it all (threads cost more than they save).
    static let parallelWork = 1 << 22
    /// Queries searched together at most; larger batches go block by block.
    static let searchBlock = 8192
    /// Queries of one list at or below which each streams the list through the dot-product
    /// kernel instead of one sgemm for all of them.
    static let fewQueries = 2

    public init(quantizer: FlatIndex, lists: InvertedLists, defaultNProbe: Int? = nil) {
        self.init(quantizer: quantizer, parts: [lists], defaultNProbe: defaultNProbe)
    }

    public init(quantizer: FlatIndex, parts: [InvertedLists], defaultNProbe: Int? = nil) {
        for lists in parts {
            precondition(quantizer.count == lists.listCount && quantizer.dimension == lists.dimension,
                         "quantizer has \(quantizer.count) x \(quantizer.dimension), lists \(lists.listCount) x \(lists.dimension)")
        }
        precondition(!parts.isEmpty, "at least one part")
        self.quantizer = quantizer
        self.parts = parts
        count = parts.reduce(0) { $0 + $1.count }
        self.defaultNProbe = min(max(1, defaultNProbe ?? Self.defaultNProbe(listCount: quantizer.count)), max(1, quantizer.count))
    }

    /// An untuned default: about √nlist lists, which on clustered data finds most of the top 10.
    /// `rag index tune` replaces it with a measured value.
    public static func defaultNProbe(listCount: Int) -> Int {
        max(1, min(listCount, Int(Double(listCount).squareRoot().rounded())))
    }

    /// The nprobe a search uses: the asked-for value (or the default) clamped to `1...listCount`,
    /// as faiss clamps it.
    public func nprobe(for parameters: SearchParameters) -> Int {
        min(max(1, parameters.nprobe ?? defaultNProbe), max(1, listCount))
    }

    /// Top-`k` of every row of `queries` (`[nq x dimension]`) among the rows of the probed lists.
    /// `k` of the result is `min(k, count)`; a query whose probed lists hold fewer rows gets the
    /// rest of its row padded with id −1 and score −∞. Ties go to the lower row.
    public func search(_ queries: Matrix, k: Int, parameters: SearchParameters) -> SearchResult {
        let blank = blankResult(for: queries, k: k)
        let kk = blank.k, nq = queries.rows
        var ids = blank.ids, scores = blank.scores
        guard nq > 0, kk > 0 else { return SearchResult(queryCount: nq, k: kk, ids: ids, scores: scores) }
        let np = nprobe(for: parameters)
        // Blocks of queries bound the coarse result and the list → queries table (16 bytes per
        // query and probe) whatever the batch size.
        for q0 in stride(from: 0, to: nq, by: Self.searchBlock) {
            let block = nq <= Self.searchBlock ? queries : queries.rows(q0..<min(nq, q0 + Self.searchBlock))
            let coarse = quantizer.search(block, k: np)
            let heaps = block.rows == 1 ? [scanSingle(block, probes: coarse.ids, k: kk, allowed: parameters.allowed)]
                                        : scanGrouped(block, coarse: coarse, k: kk, allowed: parameters.allowed)
            for (r, heap) in heaps.enumerated() {
                for (j, e) in heap.sorted().enumerated() {
                    ids[(q0 + r) * kk + j] = e.id
                    scores[(q0 + r) * kk + j] = e.score
                }
            }
        }
        return SearchResult(queryCount: nq, k: kk, ids: ids, scores: scores)
    }

    /// Folds `n` scores of list entries `ids` into `heap`. Rows of a list are not in global id
    /// order, so an equal score is offered too and `TopK` breaks the tie by id.
    @inline(__always)
    static func fold(_ s: UnsafePointer<Float>, ids: UnsafePointer<UInt32>, count n: Int, allowed: RowMask?, into heap: inout TopK) {
        var threshold = heap.threshold
        if let allowed {
            for j in 0..<n where s[j] >= threshold && allowed.contains(Int(ids[j])) {
                heap.push(score: s[j], id: Int(ids[j]))
                threshold = heap.threshold
            }
            return
        }
        for j in 0..<n where s[j] >= threshold {
            heap.push(score: s[j], id: Int(ids[j]))
            threshold = heap.threshold
        }
    }

    /// One query: the SIMD dot-product kernel over each probed list.
    private func scanSingle(_ queries: Matrix, probes: [Int], k: Int, allowed: RowMask?) -> TopK {
        var heap = TopK(k: k)
        let longest = probes.lazy.filter { $0 >= 0 }.map { l in self.parts.map { $0.size(of: l) }.max() ?? 0 }.max() ?? 0
        guard longest > 0 else { return heap }
        let buf = UnsafeMutablePointer<Float>.allocate(capacity: longest)
        defer { buf.deallocate() }
        queries.storage.withUnsafeBufferPointer { q in
            for l in probes where l >= 0 {
                for lists in parts {
                    let n = lists.size(of: l)
                    guard n > 0 else { continue }
                    VectorKernels.dotRows(lists.vectors(of: l), count: n, dimension: dimension, query: q.baseAddress!, into: buf)
                    Self.fold(buf, ids: lists.ids(of: l).baseAddress!, count: n, allowed: allowed, into: &heap)
                }
            }
        }
        return heap
    }

    /// Many queries: the probes turned list by list (`ProbeGroups`), then one sgemm per list (and
    /// chunk) against all the queries that probe it, the lists shared among workers by work (`byList`).
    private func scanGrouped(_ queries: Matrix, coarse: SearchResult, k: Int, allowed: RowMask?) -> [TopK] {
        let groups = ProbeGroups(coarse, queryCount: queries.rows, listCount: listCount)
        return queries.storage.withUnsafeBufferPointer { q in
            byList(groups, queryCount: queries.rows) { range in
                scanLists(range, queries: q.baseAddress!, queryCount: queries.rows, groups: groups, k: k, allowed: allowed)
            }
        }
    }

    /// Scores the lists in `range` against their queries; returns one heap per query (most empty).
    private func scanLists(_ range: Range<Int>, queries: UnsafePointer<Float>, queryCount nq: Int,
                           groups: ProbeGroups, k: Int, allowed: RowMask?) -> [TopK] {
        let start = groups.start, members = groups.members
        var heaps = [TopK](repeating: TopK(k: k), count: nq)
        var maxQueries = 0, maxRows = 0
        for l in range {
            let largest = parts.map { $0.size(of: l) }.max() ?? 0
            guard largest > 0 else { continue }
            maxQueries = max(maxQueries, start[l + 1] - start[l])
            maxRows = max(maxRows, largest)
        }
        let qn = min(maxQueries, Self.queryChunk), vn = min(maxRows, Self.listChunk)
        guard qn > 0, vn > 0 else { return heaps }
        let d = dimension
        let block = UnsafeMutablePointer<Float>.allocate(capacity: qn * d)
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: qn * vn)
        defer { block.deallocate(); tile.deallocate() }
        heaps.withUnsafeMutableBufferPointer { hp in
            for l in range {
                for lists in parts {
                    let size = lists.size(of: l)
                    guard size > 0, start[l + 1] > start[l] else { continue }
                    let ids = lists.ids(of: l).baseAddress!
                    let base = lists.vectors(of: l)
                    for q0 in stride(from: start[l], to: start[l + 1], by: qn) {
                        let m = min(qn, start[l + 1] - q0)
                        for r in 0..<m { (block + r * d).update(from: queries + Int(members[q0 + r]) * d, count: d) }
                        for v0 in stride(from: 0, to: size, by: vn) {
                            let n = min(vn, size - v0)
                            if m <= Self.fewQueries {
                                // A list probed by few queries: sgemm would spend more packing the
                                // list than multiplying; the dot-product kernel streams it once a query.
                                for r in 0..<m {
                                    VectorKernels.dotRows(base + v0 * d, count: n, dimension: d, query: block + r * d, into: tile + r * n)
                                }
                            } else {
                                GEMM.multiplyTransposed(m: m, n: n, k: d, a: block, b: base + v0 * d, c: tile, ldc: n)
                            }
                            for r in 0..<m {
                                Self.fold(tile + r * n, ids: ids + v0, count: n, allowed: allowed, into: &hp[Int(members[q0 + r])])
                            }
                        }
                    }
                }
            }
        }
        return heaps
    }
}
