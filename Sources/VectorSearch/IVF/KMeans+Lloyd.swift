// KMeans+Lloyd: one Lloyd iteration's parts: the sgemm assignment (best and runner-up), mean update with the objective, empty-cluster split.
import LinearAlgebra

extension KMeans {
    /// Rows and centroids per sgemm in the assignment step (a 4096 x 1024 score tile, 16 MiB).
    static let assignBlock = 4096
    static let centroidBlock = 1024
    /// Additions (rows x dimension) of an update below which one thread does it all.
    static let parallelUpdateWork = 1 << 20

    /// The centroids as the assignment scores them: themselves when spherical, else each with a
    /// trailing −‖c‖²/2 (against rows with a trailing 1, `augment`), so the inner product
    /// `x·c − ‖c‖²/2` ranks centroids by L2 distance and the search stays an inner-product one.
    package static func scoring(_ centroids: Matrix, spherical: Bool) -> Matrix {
        if spherical { return centroids }
        let d = centroids.cols
        var aug = Matrix(rows: centroids.rows, cols: d + 1)
        for j in 0..<centroids.rows {
            var norm: Float = 0
            for c in 0..<d {
                aug[j, c] = centroids[j, c]
                norm += centroids[j, c] * centroids[j, c]
            }
            aug[j, d] = -norm / 2
        }
        return aug
    }

    /// Top-1 of each of the `n` rows at `x` (`[n x d]`) in `quantizer` (see `scan`). `augment`
    /// appends the constant 1 column the L2 trick needs.
    package static func nearest(_ x: UnsafePointer<Float>, rows n: Int, dimension d: Int, in quantizer: FlatIndex,
                        augment: Bool, labels: inout [Int32], scores: inout [Float]) {
        precondition(labels.count == n && scores.count == n && quantizer.dimension == (augment ? d + 1 : d))
        guard n > 0, quantizer.count > 0 else { return }
        labels.withUnsafeMutableBufferPointer { lp in
            scores.withUnsafeMutableBufferPointer { sp in
                scan(x, dimension: d, rows: n, picking: nil, centroids: quantizer.storage.row(0), count: quantizer.count,
                     augment: augment, labels: lp.baseAddress!, scores: sp.baseAddress!, second: nil)
            }
        }
    }

    /// `scan` into new arrays: for each of `n` rows (rows `picking` when given) its best centroid,
    /// that score, and the runner-up's score.
    static func topTwo(_ x: UnsafePointer<Float>, dimension d: Int, rows n: Int, picking: [Int32]? = nil,
                       centroids: [Float], count k: Int, augment: Bool) -> (labels: [Int32], scores: [Float], second: [Float]) {
        var labels = [Int32](repeating: 0, count: n), scores = [Float](repeating: 0, count: n), second = [Float](repeating: 0, count: n)
        labels.withUnsafeMutableBufferPointer { l in
            scores.withUnsafeMutableBufferPointer { s in
                second.withUnsafeMutableBufferPointer { o in
                    centroids.withUnsafeBufferPointer { c in
                        (picking ?? []).withUnsafeBufferPointer { p in
                            scan(x, dimension: d, rows: n, picking: picking == nil ? nil : p.baseAddress, centroids: c.baseAddress!,
                                 count: k, augment: augment, labels: l.baseAddress!, scores: s.baseAddress!, second: o.baseAddress!)
                        }
                    }
                }
            }
        }
        return (labels, scores, second)
    }

    /// The best of `k` centroids (`[k x width]` at `centroids`, width `d + 1` when `augment`) for
    /// `n` rows of `x` (`[· x d]`): rows `picking[0..<n]` when given, else rows `0..<n`. Result `i`
    /// (the `i`-th row scanned) goes to `labels[i]` and `scores[i]`, and the runner-up's score (the
    /// best of the other centroids) to `second[i]` when given. Blocks of at most `assignBlock`
    /// rows against blocks of at most `centroidBlock` centroids (faiss's blocking), one sgemm
    /// each, then the SIMD arg-max of each row folded into the row's best so far (a later block
    /// must be strictly better, so ties go to the lower centroid, as a `FlatIndex` search gives).
    /// Rows are copied only when picked or augmented.
    static func scan(_ x: UnsafePointer<Float>, dimension d: Int, rows n: Int, picking: UnsafePointer<Int32>?,
                     centroids: UnsafePointer<Float>, count k: Int, augment: Bool,
                     labels: UnsafeMutablePointer<Int32>, scores: UnsafeMutablePointer<Float>,
                     second: UnsafeMutablePointer<Float>?) {
        guard n > 0, k > 0 else { return }
        let width = augment ? d + 1 : d
        let block = min(assignBlock, n), cBlock = min(centroidBlock, k)
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: block * cBlock)
        let blockIndex = UnsafeMutablePointer<Int32>.allocate(capacity: block)
        let blockValue = UnsafeMutablePointer<Float>.allocate(capacity: block)
        let blockSecond = second == nil ? nil : UnsafeMutablePointer<Float>.allocate(capacity: block)
        let copy = augment || picking != nil ? UnsafeMutablePointer<Float>.allocate(capacity: block * width) : nil
        defer { tile.deallocate(); blockIndex.deallocate(); blockValue.deallocate(); blockSecond?.deallocate(); copy?.deallocate() }
        nonisolated(unsafe) let labelsBase = labels, scoresBase = scores, secondBase = second
        for b0 in stride(from: 0, to: n, by: block) {
            let bn = min(block, n - b0)
            var q = x + b0 * d
            if let copy {
                for r in 0..<bn {
                    let source = picking.map { x + Int($0[b0 + r]) * d } ?? x + (b0 + r) * d
                    (copy + r * width).update(from: source, count: d)
                    if augment { copy[r * width + d] = 1 }
                }
                q = UnsafePointer(copy)
            }
            for c0 in stride(from: 0, to: k, by: cBlock) {
                let cn = min(cBlock, k - c0)
                GEMM.multiplyTransposed(m: bn, n: cn, k: width, a: q, b: centroids + c0 * width, c: tile, ldc: cn)
                let parts = BLASThreads.chunks(bn, parts: bn * cn >= 1 << 20 ? BLASThreads.count : 1)
                BLASThreads.parallel(parts.count) { p in
                    let r = parts[p]
                    VectorKernels.argmaxRows(tile + r.lowerBound * cn, rows: r.count, cols: cn, ld: cn,
                                             index: blockIndex + r.lowerBound, value: blockValue + r.lowerBound,
                                             second: blockSecond.map { $0 + r.lowerBound })
                    for i in r {
                        let out = b0 + i
                        if c0 == 0 {
                            labelsBase[out] = blockIndex[i] < 0 ? -1 : blockIndex[i] + Int32(c0)
                            scoresBase[out] = blockValue[i]
                            if let secondBase, let blockSecond { secondBase[out] = blockSecond[i] }
                        } else if blockValue[i] > scoresBase[out] {
                            if let secondBase, let blockSecond { secondBase[out] = max(scoresBase[out], blockSecond[i]) }
                            labelsBase[out] = blockIndex[i] < 0 ? -1 : blockIndex[i] + Int32(c0)
                            scoresBase[out] = blockValue[i]
                        } else if let secondBase {
                            secondBase[out] = max(secondBase[out], blockValue[i])
                        }
                    }
                }
            }
        }
    }

    /// Moves every non-empty cluster's centroid to the mean of its rows (re-normalised when
    /// spherical); empty clusters keep theirs until `splitEmpty`. Returns the cluster sizes and,
    /// when `objective` asks, the objective of `labels` under the centroids as they were:
    /// Σ‖x − c(x)‖², in Double from the rows (not from the float sgemm scores, whose cancellation
    /// would blur small changes). The rows are split over the workers, each summing into its own
    /// buffer; the buffers are added in worker order, so a thread count gives one result.
    func update(_ centroids: inout Matrix, _ x: UnsafePointer<Float>, rows n: Int, labels: [Int32],
                objective wantObjective: Bool) -> (counts: [Int], objective: Double?) {
        let d = centroids.cols, k = clusters
        let parts = n * d >= Self.parallelUpdateWork ? BLASThreads.count : 1
        let ranges = BLASThreads.chunks(n, parts: parts)
        let workers = ranges.count
        var sums = [Double](repeating: 0, count: workers * k * d)
        var counts = [Int](repeating: 0, count: workers * k)
        var objectives = [Double](repeating: 0, count: workers)
        sums.withUnsafeMutableBufferPointer { sp in
            counts.withUnsafeMutableBufferPointer { cp in
                objectives.withUnsafeMutableBufferPointer { op in
                    centroids.storage.withUnsafeBufferPointer { cbuf in
                        labels.withUnsafeBufferPointer { lbuf in
                            // Worker w writes only its own slices of the three buffers.
                            nonisolated(unsafe) let s = sp.baseAddress!, c = cp.baseAddress!, o = op.baseAddress!
                            nonisolated(unsafe) let cent = cbuf.baseAddress!, lab = lbuf.baseAddress!
                            BLASThreads.parallel(workers) { w in
                                let sum = s + w * k * d, count = c + w * k
                                var sse = 0.0
                                for i in ranges[w] {
                                    let l = Int(lab[i])
                                    guard l >= 0 else { continue }  // a row with no finite score (NaN)
                                    count[l] += 1
                                    let row = x + i * d, acc = sum + l * d
                                    for j in 0..<d { acc[j] += Double(row[j]) }
                                    if wantObjective {
                                        let c0 = cent + l * d
                                        for j in 0..<d { let t = Double(row[j]) - Double(c0[j]); sse += t * t }
                                    }
                                }
                                o[w] = sse
                            }
                        }
                    }
                }
            }
        }
        for w in 1..<max(1, workers) {
            for i in 0..<(k * d) { sums[i] += sums[w * k * d + i] }
            for j in 0..<k { counts[j] += counts[w * k + j] }
        }
        let total = Array(counts.prefix(k))
        for j in 0..<k where total[j] > 0 {
            setCentroid(&centroids, j, sum: sums[(j * d)..<((j + 1) * d)], count: total[j])
        }
        return (total, wantObjective ? objectives.reduce(0, +) : nil)
    }

    /// Centroid `j` from the sum of its `count` rows: the mean, or the unit vector along the sum.
    private func setCentroid(_ centroids: inout Matrix, _ j: Int, sum: ArraySlice<Double>, count: Int) {
        let d = centroids.cols
        var scale = 1 / Double(count)
        if configuration.spherical {
            let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
            scale = norm > 0 ? 1 / norm : 0
        }
        for (c, v) in sum.enumerated() where c < d { centroids[j, c] = Float(v * scale) }
    }

    /// Gives every empty cluster half of the largest splittable cluster, as faiss does, but by
    /// partitioning that cluster's rows at their mean along the direction to its farthest row, and
    /// giving each part its own optimal centroid, so the objective cannot rise. A cluster whose rows
    /// are all equal cannot be split; with no splittable cluster left, the rest stay empty.
    /// `relabeled`: the clusters split and filled (ascending), whose rows changed labels.
    func splitEmpty(_ centroids: inout Matrix, _ counts: inout [Int], _ labels: inout [Int32],
                    _ x: UnsafePointer<Float>, rows n: Int) -> (splits: Int, empty: Int, relabeled: [Int32]) {
        let d = centroids.cols
        var splits = 0
        var relabeled = Set<Int32>()
        var unsplittable = Set<Int>()
        for e in 0..<clusters where counts[e] == 0 {
            while true {
                var big = -1
                for j in 0..<clusters where counts[j] >= 2 && !unsplittable.contains(j) {
                    if big < 0 || counts[j] > counts[big] { big = j }
                }
                guard big >= 0 else { break }
                let members = (0..<n).filter { labels[$0] == Int32(big) }
                var mean = [Double](repeating: 0, count: d)
                for i in members { for c in 0..<d { mean[c] += Double(x[i * d + c]) } }
                for c in 0..<d { mean[c] /= Double(members.count) }
                var far = members[0], farDistance = -1.0
                for i in members {
                    var dist = 0.0
                    for c in 0..<d { let t = Double(x[i * d + c]) - mean[c]; dist += t * t }
                    if dist > farDistance { far = i; farDistance = dist }
                }
                let direction = (0..<d).map { Double(x[far * d + $0]) - mean[$0] }
                var moved: [Int] = [], kept: [Int] = []
                for i in members {
                    var dot = 0.0
                    for c in 0..<d { dot += (Double(x[i * d + c]) - mean[c]) * direction[c] }
                    if dot > 0 { moved.append(i) } else { kept.append(i) }
                }
                guard !moved.isEmpty, !kept.isEmpty else {
                    unsplittable.insert(big)
                    continue
                }
                for (j, part) in [(big, kept), (e, moved)] {
                    var sum = [Double](repeating: 0, count: d)
                    for i in part {
                        labels[i] = Int32(j)
                        for c in 0..<d { sum[c] += Double(x[i * d + c]) }
                    }
                    counts[j] = part.count
                    setCentroid(&centroids, j, sum: sum[...], count: part.count)
                }
                splits += 1
                relabeled.formUnion([Int32(big), Int32(e)])
                break
            }
        }
        return (splits, counts.filter { $0 == 0 }.count, relabeled.sorted())
    }
}
