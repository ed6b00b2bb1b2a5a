// IVFIndex+Build: default nlist, training the coarse quantizer (k-means), filling lists, adding rows, the loop reference.
public import LinearAlgebra

extension IVFIndex {
    /// About 4·√rows lists rounded to a power of two, halved until each list has at least 39
    /// training rows (below that faiss warns that k-means is under-trained). 1 for tiny inputs.
    public static func defaultListCount(rows n: Int) -> Int {
        guard n > 1 else { return 1 }
        let target = 4 * Double(n).squareRoot()
        var p = 1
        while Double(p * 2) <= target { p *= 2 }
        if target > Double(p) * 2.0.squareRoot() { p *= 2 }  // nearest power of two on a log scale
        while p > 1 && n < 39 * p { p /= 2 }
        return p
    }

    /// faiss's IVF training: 10 iterations of spherical k-means (IndexIVF sets `spherical` for
    /// inner product), sampled initialisation, at most 256 rows per centroid.
    public static func trainingConfiguration(seed: UInt64 = 1234) -> KMeans.Configuration {
        KMeans.Configuration(iterations: 10, spherical: true, initialization: .sampled, seed: seed)
    }

    /// k-means on `vectors` (`[n x d]`, unit rows); the centroids become the coarse quantizer.
    /// Throws when `listCount` is below 1 or above the row count.
    public static func trainQuantizer(on vectors: VectorStorage, listCount: Int,
                                      configuration: KMeans.Configuration = trainingConfiguration()) throws
        -> (quantizer: FlatIndex, kmeans: KMeans.Result) {
        guard vectors.count > 0 else { throw IVFError.noRows }
        guard vectors.count <= Int(UInt32.max) else { throw IVFError.tooManyRows(vectors.count) }
        let result = try KMeans(clusters: listCount, configuration: configuration).train(vectors)
        return (FlatIndex(vectors: result.centroids), result)
    }

    /// The list (nearest centroid by inner product) of each of the `n` rows at `rows` (`[n x d]`).
    public static func assign(_ rows: UnsafePointer<Float>, count n: Int, to quantizer: FlatIndex) -> [Int32] {
        var labels = [Int32](repeating: 0, count: n)
        var scores = [Float](repeating: 0, count: n)
        KMeans.nearest(rows, rows: n, dimension: quantizer.dimension, in: quantizer, augment: false,
                       labels: &labels, scores: &scores)
        return labels
    }

    /// Trains an index on `vectors` in memory: k-means on a sample, then every row to its list.
    /// `listCount` defaults to `defaultListCount(rows:)`.
    public static func train(on vectors: VectorStorage, listCount: Int? = nil,
                             configuration: KMeans.Configuration = trainingConfiguration(),
                             defaultNProbe: Int? = nil) throws -> IVFIndex {
        let nlist = listCount ?? defaultListCount(rows: vectors.count)
        let (quantizer, _) = try trainQuantizer(on: vectors, listCount: nlist, configuration: configuration)
        return IVFIndex(quantizer: quantizer, vectors: vectors, defaultNProbe: defaultNProbe)
    }

    /// `train(on:)` for a Matrix of unit rows (copied).
    public static func train(on vectors: Matrix, listCount: Int? = nil,
                             configuration: KMeans.Configuration = trainingConfiguration(),
                             defaultNProbe: Int? = nil) throws -> IVFIndex {
        try train(on: VectorStorage(copying: vectors.storage, count: vectors.rows, dimension: vectors.cols),
                  listCount: listCount, configuration: configuration, defaultNProbe: defaultNProbe)
    }

    /// An index over `vectors` with a given quantizer (no training): each row goes to its nearest
    /// centroid. Rows are numbered 0..<vectors.count.
    public init(quantizer: FlatIndex, vectors: VectorStorage, defaultNProbe: Int? = nil) {
        precondition(quantizer.dimension == vectors.dimension)
        let labels = Self.assign(vectors.pointer, count: vectors.count, to: quantizer)
        let (offsets, ids) = InvertedLists.layout(labels: labels, listCount: quantizer.count)
        self.init(quantizer: quantizer,
                  lists: InvertedLists(offsets: offsets, ids: ids, gathering: vectors.pointer, dimension: vectors.dimension),
                  defaultNProbe: defaultNProbe)
    }

    /// This index with `vectors` (`[m x d]`, unit rows) added as rows `count ..< count + m`, each in
    /// the list of its nearest centroid; the centroids are not retrained (faiss's `add`).
    public func adding(_ vectors: Matrix) -> IVFIndex {
        precondition(vectors.cols == dimension || vectors.rows == 0)
        let d = dimension
        // Rows by id: the stored ones scattered back from list order, then the new ones.
        var byRow = [Float](repeating: 0, count: (count + vectors.rows) * d)
        byRow.withUnsafeMutableBufferPointer { dst in
            for e in 0..<count { (dst.baseAddress! + lists.rowID(at: e) * d).update(from: lists.vectors.row(e), count: d) }
            vectors.storage.withUnsafeBufferPointer { src in
                if let s = src.baseAddress { (dst.baseAddress! + count * d).update(from: s, count: vectors.rows * d) }
            }
        }
        let labels = vectors.storage.withUnsafeBufferPointer { src in
            src.baseAddress.map { Self.assign($0, count: vectors.rows, to: quantizer) } ?? []
        }
        let (offsets, ids) = InvertedLists.extendedLayout(offsets: lists.offsets, ids: lists.allIDs, labels: labels, firstRow: count)
        let grown = byRow.withUnsafeBufferPointer { InvertedLists(offsets: offsets, ids: ids, gathering: $0.baseAddress!, dimension: d) }
        return IVFIndex(quantizer: quantizer, lists: grown, defaultNProbe: defaultNProbe)
    }

    /// Reference search: scalar loops for the coarse step and every probed row, for tests.
    public func referenceSearch(_ queries: Matrix, k: Int, nprobe: Int) -> SearchResult {
        let kk = max(0, min(k, count))
        let np = min(max(1, nprobe), listCount)
        var ids: [Int] = [], scores: [Float] = []
        func dot(_ q: Int, _ p: UnsafePointer<Float>) -> Float {
            var acc: Float = 0
            for c in 0..<dimension { acc += queries[q, c] * p[c] }
            return acc
        }
        for q in 0..<queries.rows {
            var probes = TopK(k: np)
            for l in 0..<listCount { probes.push(score: dot(q, quantizer.storage.row(l)), id: l) }
            var heap = TopK(k: kk)
            for probe in probes.sorted() {
                for e in lists.offsets[probe.id]..<lists.offsets[probe.id + 1] {
                    heap.push(score: dot(q, lists.vectors.row(e)), id: lists.rowID(at: e))
                }
            }
            let found = heap.sorted()
            for j in 0..<kk {
                ids.append(j < found.count ? found[j].id : -1)
                scores.append(j < found.count ? found[j].score : -.infinity)
            }
        }
        return SearchResult(queryCount: queries.rows, k: kk, ids: ids, scores: scores)
    }
}
