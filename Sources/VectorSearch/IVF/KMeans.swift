// KMeans: Lloyd k-means shaped as faiss's Clustering (seeded init, FlatIndex/sgemm assignment, spherical variant, empty-cluster split).
public import LinearAlgebra

/// k-means as faiss's `Clustering` runs it: a seeded initialisation, then Lloyd iterations whose
/// assignment step is a `FlatIndex` search of the training rows against the current centroids
/// (one sgemm per block; after the first step, only against the centroids that moved, with the
/// same labels: `Configuration.scoresMovedCentroidsOnly`), a mean update, and a split of the
/// largest cluster for every cluster left empty. At most `maxPointsPerCentroid * clusters` rows are used (a seeded sample), as faiss
/// does, because more add time and little quality.
///
/// The objective, when `recordObjective` asks for it (it costs a pass over the rows each
/// iteration), is the sum of squared L2 distances of the training rows to their
/// assigned centroid, measured (in Double, from the rows) at each assignment step. It never rises from one iteration to the
/// next: assignment picks the nearest centroid, the update is optimal for the assignment (the
/// mean, or for `spherical` the re-normalised mean, which is the best unit vector), and a split
/// partitions a cluster's points and gives each part its own optimal centroid, which cannot cost
/// more than the one centroid it replaces. (faiss perturbs a copied centroid by ±ε instead, which
/// can raise the objective by a little.)
public struct KMeans: Sendable {
    public enum Initialization: Sendable, Equatable {
        /// `clusters` distinct training rows from a seeded permutation (faiss's default).
        case sampled
        /// k-means++ (Arthur & Vassilvitskii): each next centroid drawn with probability ∝ squared
        /// distance to the nearest chosen one. Better starts, but one pass over the sample per
        /// centroid, so it suits small `clusters`.
        case kMeansPlusPlus
    }

    public struct Configuration: Sendable, Equatable {
        /// Lloyd iterations (faiss `ClusteringParameters.niter`; its IVF training uses 10).
        public var iterations: Int
        /// Keep centroids unit length (cosine / inner-product data), as faiss's `spherical`.
        public var spherical: Bool
        public var initialization: Initialization
        public var seed: UInt64
        /// Training rows kept per centroid; more are sampled down (faiss: 256).
        public var maxPointsPerCentroid: Int
        /// Below this many rows per centroid the result is flagged `underTrained` (faiss warns at 39).
        public var minPointsPerCentroid: Int
        /// Measure the objective at every iteration (`Result.objective`); off, it stays empty.
        public var recordObjective: Bool
        /// After the first assignment step, score the rows only against the centroids the last
        /// update moved, and against all of them only where a bound says an unmoved one could win
        /// (`KMeans.Assignment`): the labels of scoring every centroid, for less work. Off, every
        /// step scores every centroid (faiss's way; the reference in the tests).
        public var scoresMovedCentroidsOnly: Bool

        public init(iterations: Int = 25, spherical: Bool = false, initialization: Initialization = .sampled,
                    seed: UInt64 = 1234, maxPointsPerCentroid: Int = 256, minPointsPerCentroid: Int = 39,
                    recordObjective: Bool = false, scoresMovedCentroidsOnly: Bool = true) {
            self.iterations = iterations
            self.spherical = spherical
            self.initialization = initialization
            self.seed = seed
            self.maxPointsPerCentroid = maxPointsPerCentroid
            self.minPointsPerCentroid = minPointsPerCentroid
            self.recordObjective = recordObjective
            self.scoresMovedCentroidsOnly = scoresMovedCentroidsOnly
        }
    }

    public struct Result: Sendable {
        /// `[clusters x dimension]`; unit rows when `spherical` (an empty cluster's row may be zero).
        public var centroids: Matrix
        /// Sum of squared distances at each iteration's assignment step, one entry per iteration
        /// (empty unless `Configuration.recordObjective`).
        public var objective: [Double]
        /// Lloyd iterations run.
        public var iterations: Int
        /// Rows actually clustered (after sampling).
        public var trainingPoints: Int
        /// Empty clusters re-seeded by splitting the largest one, over all iterations.
        public var splits: Int
        /// Clusters still empty after the last update (the data has fewer distinct rows than clusters).
        public var emptyClusters: Int
        /// Fewer than `minPointsPerCentroid` training rows per cluster.
        public var underTrained: Bool
        /// Wall seconds of each phase over all iterations (the profile of a training).
        public var seconds: Phases = Phases()
        /// Row x centroid scores the assignment steps computed, as a share of what scoring every
        /// centroid at every step computes (1 without `scoresMovedCentroidsOnly`; 0 for no iterations).
        public var scoredShare: Double = 0
    }

    /// Where a training's time goes: the assignment step (sgemm of rows x centroids and the arg-max
    /// of each row), the mean update (with the objective when recorded), the empty-cluster splits,
    /// and the initial centroids.
    public struct Phases: Sendable, Equatable {
        public var initialization = 0.0
        public var assignment = 0.0
        public var update = 0.0
        public var split = 0.0
        public init() {}
    }

    public let clusters: Int
    public var configuration: Configuration

    public init(clusters: Int, configuration: Configuration = Configuration()) {
        self.clusters = clusters
        self.configuration = configuration
    }

    /// Clusters the rows of `data` (`[n x d]`).
    public func train(_ data: Matrix) throws -> Result {
        try data.storage.withUnsafeBufferPointer { buf in
            try train(buf.baseAddress ?? UnsafePointer(bitPattern: 16)!, rows: data.rows, dimension: data.cols)
        }
    }

    /// Clusters the rows of `data` (mapped or owned; not copied unless sampled down).
    public func train(_ data: VectorStorage) throws -> Result {
        try train(data.pointer, rows: data.count, dimension: data.dimension)
    }

    func train(_ x: UnsafePointer<Float>, rows n: Int, dimension d: Int) throws -> Result {
        guard clusters >= 1 else { throw IVFError.invalidListCount(clusters) }
        guard n > 0 else { throw IVFError.noRows }
        guard clusters <= n else { throw IVFError.moreListsThanRows(nlist: clusters, rows: n) }
        precondition(configuration.iterations >= 0 && configuration.maxPointsPerCentroid >= 1)
        var rng = SplitMix64(seed: configuration.seed)

        // Sample down as faiss does; sorted ids keep the copy a forward scan of the source.
        let cap = clusters.multipliedReportingOverflow(by: configuration.maxPointsPerCentroid)
        var sampleBuffer: [Float] = []
        let m: Int
        if !cap.overflow && n > cap.partialValue {
            m = cap.partialValue
            let picked = Self.sample(m, of: n, using: &rng).sorted()
            sampleBuffer.reserveCapacity(m * d)
            for i in picked { sampleBuffer.append(contentsOf: UnsafeBufferPointer(start: x + i * d, count: d)) }
        } else {
            m = n
        }
        if sampleBuffer.isEmpty {
            return run(x, rows: m, dimension: d, rng: &rng)
        }
        return sampleBuffer.withUnsafeBufferPointer { run($0.baseAddress!, rows: m, dimension: d, rng: &rng) }
    }

    private func run(_ x: UnsafePointer<Float>, rows n: Int, dimension d: Int, rng: inout SplitMix64) -> Result {
        let k = clusters
        let spherical = configuration.spherical
        let clock = ContinuousClock()
        var seconds = Phases()
        func timed<T>(_ phase: WritableKeyPath<Phases, Double>, _ body: () -> T) -> T {
            let start = clock.now
            let value = body()
            seconds[keyPath: phase] += (clock.now - start).seconds
            return value
        }
        var centroids = timed(\.initialization) { initialCentroids(x, rows: n, dimension: d, rng: &rng) }
        var assignment = Assignment(rows: n)
        // The centroids the last step scored, while the next may score only those moved since, and
        // the clusters whose rows a split relabeled (scored again as if moved, whatever their centroids).
        var scored: Matrix? = nil
        var relabeled: [Int32] = []
        var objective: [Double] = []
        var splits = 0
        var empty = 0
        for _ in 0..<configuration.iterations {
            timed(\.assignment) {
                let scoring = Self.scoring(centroids, spherical: spherical)
                if let scored {
                    let moved = Set(Assignment.moved(from: scored, to: centroids)).union(relabeled).sorted()
                    assignment.reassign(x, dimension: d, scoring: scoring, augment: !spherical, moved: moved)
                } else {
                    assignment.assignAll(x, dimension: d, scoring: scoring, augment: !spherical)
                }
            }
            if configuration.scoresMovedCentroidsOnly { scored = centroids }
            var (counts, sse) = timed(\.update) { update(&centroids, x, rows: n, labels: assignment.labels, objective: configuration.recordObjective) }
            if let sse { objective.append(sse) }
            let s = timed(\.split) { splitEmpty(&centroids, &counts, &assignment.labels, x, rows: n) }
            relabeled = s.relabeled
            splits += s.splits
            empty = s.empty
        }
        return Result(centroids: centroids, objective: objective, iterations: configuration.iterations, trainingPoints: n, splits: splits,
                      emptyClusters: empty, underTrained: n < k * configuration.minPointsPerCentroid, seconds: seconds,
                      scoredShare: assignment.fullWork > 0 ? Double(assignment.scored) / Double(assignment.fullWork) : 0)
    }

    /// `count` distinct indices of `0..<n`, seeded (a partial Fisher–Yates shuffle).
    static func sample(_ count: Int, of n: Int, using rng: inout SplitMix64) -> [Int] {
        var perm = Array(0..<n)
        for i in 0..<count {
            perm.swapAt(i, Int.random(in: i..<n, using: &rng))
        }
        return Array(perm.prefix(count))
    }

    private func initialCentroids(_ x: UnsafePointer<Float>, rows n: Int, dimension d: Int,
                                  rng: inout SplitMix64) -> Matrix {
        var c = Matrix(rows: clusters, cols: d)
        let picks: [Int]
        switch configuration.initialization {
        case .sampled:
            picks = Self.sample(clusters, of: n, using: &rng)
        case .kMeansPlusPlus:
            picks = Self.kMeansPlusPlus(x, rows: n, dimension: d, clusters: clusters, rng: &rng)
        }
        c.storage.withUnsafeMutableBufferPointer { cp in
            for (j, i) in picks.enumerated() {
                (cp.baseAddress! + j * d).update(from: x + i * d, count: d)
            }
            if configuration.spherical { Normalization.normalizeRows(cp.baseAddress!, rows: clusters, cols: d) }
        }
        return c
    }

    /// Row indices chosen by k-means++ seeding; one sgemv over the rows per chosen centroid.
    static func kMeansPlusPlus(_ x: UnsafePointer<Float>, rows n: Int, dimension d: Int, clusters k: Int,
                               rng: inout SplitMix64) -> [Int] {
        var norms = [Float](repeating: 0, count: n)
        for i in 0..<n {
            var acc: Float = 0
            for j in 0..<d { acc += x[i * d + j] * x[i * d + j] }
            norms[i] = acc
        }
        var nearest = [Float](repeating: .infinity, count: n)
        var dots = [Float](repeating: 0, count: n)
        var picks = [Int.random(in: 0..<n, using: &rng)]
        while picks.count < k {
            let c = x + picks[picks.count - 1] * d
            let cn = norms[picks[picks.count - 1]]
            dots.withUnsafeMutableBufferPointer { GEMM.matrixVector(n: n, d: d, a: x, x: c, y: $0.baseAddress!) }
            var total = 0.0
            for i in 0..<n {
                nearest[i] = min(nearest[i], max(0, norms[i] + cn - 2 * dots[i]))
                total += Double(nearest[i])
            }
            var next = -1
            if total > 0 {
                var r = Double.random(in: 0..<total, using: &rng)
                for i in 0..<n where nearest[i] > 0 {
                    r -= Double(nearest[i])
                    if r < 0 { next = i; break }
                }
                if next < 0 { next = (0..<n).last { nearest[$0] > 0 } ?? -1 }
            }
            if next < 0 {
                // Every row sits on a chosen centroid: take any row not yet picked (the split step
                // later deals with the duplicates).
                let chosen = Set(picks)
                next = (0..<n).first { !chosen.contains($0) } ?? picks[0]
            }
            picks.append(next)
        }
        return picks
    }
}
