// QuantizedIVFIndex: IVF search on compressed codes (int8, float16, bfloat16): the probed lists' codes scanned, the best entries rescored exactly against the lists' float32 vectors.
public import LinearAlgebra

/// An `IVFIndex` whose lists also hold their entries' codes (`CodeFormat`: int8 as faiss's SQ8,
/// or 16-bit floats), entry for entry. A query probes the same lists as the float32 IVF search;
/// their codes (a quarter or half of the bytes) are scanned, the `k · rescore` best entries
/// are kept, and those are rescored exactly against the lists' float32 vectors: every score
/// returned is the exact float32 score, and with every probed entry kept the result is the
/// float32 IVF search's. Batches go list by list as `IVFIndex` does, four queries of a list per
/// pass over its codes.
public struct QuantizedIVFIndex: VectorIndex {
    public let ivf: IVFIndex
    public let format: CodeFormat
    /// The codes of each part of `ivf`, in list order: entry `e` of part `p` is `codes[p].row(e)`.
    public let codes: [CodeStorage]
    /// Candidates kept per result when a search does not say (`SearchParameters.rescore`).
    public let rescore: Int
    /// The first entry of each part when the parts' entries are numbered one after the other
    /// (candidates are entries until rescored), then the total.
    private let partStarts: [Int]
    /// The centroids' own int8 codes, for one query's coarse step (a quarter of the bytes of the
    /// float32 centroids, which a lone query reads whole): at least `coarseCandidates` and
    /// `4 · nprobe` centroids chosen on them and rescored exactly. The lists probed are the
    /// float32 search's unless one of its best nprobe ranks below all those on the codes (a
    /// batch picks on the float32 centroids with sgemm), so a query alone and in a batch probe
    /// the same lists in all but such near-ties.
    private let coarseCodes: QuantizedFlatIndex
    static let coarseCandidates = 64

    public var dimension: Int { ivf.dimension }
    public var count: Int { ivf.count }

    /// The int8 format's quantizer (nil for 16-bit floats).
    public var quantizer: ScalarQuantizer? { format.quantizer }

    public init(ivf: IVFIndex, format: CodeFormat, codes: [CodeStorage], rescore: Int = QuantizedFlatIndex.defaultRescore) {
        let rowBytes = ivf.dimension * format.bytesPerDimension
        precondition(codes.count == ivf.parts.count && zip(codes, ivf.parts).allSatisfy { $0.count == $1.count && $0.dimension == rowBytes },
                     "one block of codes per part of the lists, entry for entry")
        precondition(format.quantizer.map { $0.dimension == ivf.dimension } ?? true && rescore >= 1)
        self.ivf = ivf
        self.format = format
        self.codes = codes
        self.rescore = rescore
        var starts = [0]
        for part in ivf.parts { starts.append(starts.last! + part.count) }
        partStarts = starts
        coarseCodes = QuantizedFlatIndex(encoding: ivf.quantizer)
    }

    /// Encodes the lists' vectors as `format` (int8 codes trained on them when nil), in memory.
    public init(encoding ivf: IVFIndex, format: CodeFormat? = nil, rescore: Int = QuantizedFlatIndex.defaultRescore) {
        let d = ivf.dimension
        let format = format ?? .trained(.int8, blocks: ivf.parts.map { ($0.vectors.pointer, $0.count) }, dimension: d)
        let codes = ivf.parts.map { part in
            CodeStorage(copying: format.encode(rows: part.vectors.pointer, count: part.count, dimension: d), count: part.count,
                        dimension: d * format.bytesPerDimension)
        }
        self.init(ivf: ivf, format: format, codes: codes, rescore: rescore)
    }

    /// Top-`k` as `IVFIndex.search` (same probes, same padding of short results), the candidates
    /// chosen on the codes and rescored exactly.
    public func search(_ queries: Matrix, k: Int, parameters: SearchParameters) -> SearchResult {
        let blank = blankResult(for: queries, k: k)
        let kk = blank.k, nq = queries.rows
        var ids = blank.ids, scores = blank.scores
        guard nq > 0, kk > 0 else { return SearchResult(queryCount: nq, k: kk, ids: ids, scores: scores) }
        let np = ivf.nprobe(for: parameters)
        let candidates = min(count, kk * min(count, max(1, parameters.rescore ?? rescore)))
        for q0 in stride(from: 0, to: nq, by: IVFIndex.searchBlock) {
            let block = nq <= IVFIndex.searchBlock ? queries : queries.rows(q0..<min(nq, q0 + IVFIndex.searchBlock))
            let coarse = block.rows == 1
                ? coarseCodes.search(block, k: np, parameters: SearchParameters(rescore: max(4, (Self.coarseCandidates + np - 1) / np)))
                : ivf.quantizer.search(block, k: np)
            let chosen = scan(block, coarse: coarse, candidates: candidates, allowed: parameters.allowed)
            let split = BLASThreads.chunks(block.rows, parts: block.rows >= 8 ? BLASThreads.count : 1)
            block.storage.withUnsafeBufferPointer { q in
                ids.withUnsafeMutableBufferPointer { idOut in
                    scores.withUnsafeMutableBufferPointer { scoreOut in
                        BLASThreads.parallel(split.count) { part in
                            for j in split[part] {
                                for (r, e) in rescored(chosen[j], query: q.baseAddress! + j * dimension, k: kk).enumerated() {
                                    idOut[(q0 + j) * kk + r] = e.id
                                    scoreOut[(q0 + j) * kk + r] = e.score
                                }
                            }
                        }
                    }
                }
            }
        }
        return SearchResult(queryCount: nq, k: kk, ids: ids, scores: scores)
    }

    /// For each query, its `candidates` best entries of its probed lists by approximate score
    /// (allowed rows only; ties to the lower entry), the lists shared among workers by work. One
    /// query goes straight through its probes (no list-by-list table over every list).
    func scan(_ queries: Matrix, coarse: SearchResult, candidates: Int, allowed: RowMask?) -> [TopK] {
        let nq = queries.rows
        let prepared = queries.storage.withUnsafeBufferPointer { CodeScan(format: format, queries: $0.baseAddress!, count: nq, dimension: dimension) }
        if nq == 1 {
            return [scanProbes(coarse.ids.filter { $0 >= 0 }, query: prepared, candidates: candidates, allowed: allowed)]
        }
        let groups = IVFIndex.ProbeGroups(coarse, queryCount: nq, listCount: ivf.listCount)
        return ivf.byList(groups, queryCount: nq) { range in
            scanLists(range, queries: prepared, groups: groups, candidates: candidates, allowed: allowed)
        }
    }

    /// Scans the codes of the lists in `range` against their queries, a block of entries at a
    /// time against four queries per kernel call; one heap of entries per query.
    private func scanLists(_ range: Range<Int>, queries: CodeScan, groups: IVFIndex.ProbeGroups,
                           candidates: Int, allowed: RowMask?) -> [TopK] {
        var heaps = [TopK](repeating: TopK(k: candidates), count: queries.count)
        let rowBytes = dimension * format.bytesPerDimension
        let scratch = CodeScan.Scratch(format: format, block: max(16, QuantizedFlatIndex.blockBytes / max(1, rowBytes)), dimension: dimension)
        heaps.withUnsafeMutableBufferPointer { hp in
            for l in range {
                let probing = groups.queries(of: l)
                guard !probing.isEmpty else { continue }
                for (p, lists) in ivf.parts.enumerated() {
                    let size = lists.size(of: l)
                    guard size > 0 else { continue }
                    let first = lists.offsets[l]
                    let listCodes = codes[p].row(first), rowIDs = lists.ids(of: l).baseAddress!
                    for v0 in stride(from: 0, to: size, by: scratch.block) {
                        let n = min(scratch.block, size - v0)
                        for g0 in stride(from: probing.lowerBound, to: probing.upperBound, by: 4) {
                            let members = min(4, probing.upperBound - g0)
                            queries.score(listCodes + v0 * rowBytes, count: n, members: members, query: { Int(groups.members[g0 + $0]) }, scratch: scratch)
                            for j in 0..<members {
                                queries.fold(scratch, member: j, count: n, firstID: partStarts[p] + first + v0, rowIDs: rowIDs + v0, allowed: allowed,
                                             into: &hp[Int(groups.members[g0 + j])])
                            }
                        }
                    }
                }
            }
        }
        return heaps
    }

    /// One query's `candidates` best entries of the lists `probes`.
    private func scanProbes(_ probes: [Int], query: CodeScan, candidates: Int, allowed: RowMask?) -> TopK {
        var heap = TopK(k: candidates)
        let longest = probes.lazy.map { l in self.ivf.parts.map { $0.size(of: l) }.max() ?? 0 }.max() ?? 0
        guard longest > 0 else { return heap }
        let scratch = CodeScan.Scratch(format: format, block: longest, dimension: dimension)
        for l in probes {
            for (p, lists) in ivf.parts.enumerated() {
                let size = lists.size(of: l)
                guard size > 0 else { continue }
                let first = lists.offsets[l]
                query.score(codes[p].row(first), count: size, members: 1, query: { _ in 0 }, scratch: scratch)
                query.fold(scratch, member: 0, count: size, firstID: partStarts[p] + first, rowIDs: lists.ids(of: l).baseAddress!,
                           allowed: allowed, into: &heap)
            }
        }
        return heap
    }

    /// The top `k` of the candidate entries by their exact float32 scores, as row ids (ties to the lower row).
    func rescored(_ candidates: TopK, query: UnsafePointer<Float>, k: Int) -> [(score: Float, id: Int)] {
        var top = TopK(k: k)
        for e in candidates.sorted() {
            let p = partStarts.lastIndex { $0 <= e.id }!
            let lists = ivf.parts[p], entry = e.id - partStarts[p]
            var score: Float = 0
            VectorKernels.dotRows(lists.vectors.row(entry), count: 1, dimension: dimension, query: query, into: &score)
            top.push(score: score, id: lists.rowID(at: entry))
        }
        return top.sorted()
    }
}
