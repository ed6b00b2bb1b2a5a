// KMeansTests: the objective never rises, empty clusters are split, sampling and seeds hold, bad shapes are refused.
import XCTest
import LinearAlgebra
import VectorSearch

final class KMeansTests: XCTestCase {
    /// `n` unit rows around `clusters` random unit centres (noise `spread` per coordinate), seeded.
    /// Row `i` belongs to centre `i % clusters`.
    static func clustered(_ n: Int, _ d: Int, clusters: Int, spread: Float, seed: UInt64, normalized: Bool = true) -> Matrix {
        var rng = SplitMix64(seed: seed)
        let centres = Normalization.normalizedRows(Matrix(rows: clusters, cols: d,
            storage: (0..<(clusters * d)).map { _ in Float.random(in: -1...1, using: &rng) }))
        var m = Matrix(rows: n, cols: d)
        for i in 0..<n {
            for c in 0..<d { m[i, c] = centres[i % clusters, c] + spread * Float.random(in: -1...1, using: &rng) }
        }
        return normalized ? Normalization.normalizedRows(m) : m
    }

    func assertNeverRises(_ objective: [Double], _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(objective.isEmpty, context, file: file, line: line)
        for (a, b) in zip(objective, objective.dropFirst()) {
            // Scores come from float sgemm: allow rounding, nothing more.
            XCTAssertLessThanOrEqual(b, a * (1 + 1e-6) + 1e-6, "\(context): \(objective)", file: file, line: line)
        }
    }

    func testObjectiveNeverRises() throws {
        let data = Self.clustered(1_500, 16, clusters: 12, spread: 0.6, seed: 7)
        let raw = Self.clustered(1_500, 16, clusters: 12, spread: 0.6, seed: 8, normalized: false)
        for spherical in [true, false] {
            for initialization in [KMeans.Initialization.sampled, .kMeansPlusPlus] {
                let config = KMeans.Configuration(iterations: 15, spherical: spherical, initialization: initialization, seed: 3, recordObjective: true)
                let result = try KMeans(clusters: 25, configuration: config).train(spherical ? data : raw)
                XCTAssertEqual(result.objective.count, 15)
                assertNeverRises(result.objective, "spherical=\(spherical) init=\(initialization)")
                XCTAssertLessThan(result.objective.last!, result.objective.first!)
            }
        }
    }

    /// The phases' seconds are measured (the assignment runs every iteration) and together fit in the training's wall time.
    func testPhaseSecondsAreMeasuredWithinTheWallTime() throws {
        let data = Self.clustered(3_000, 32, clusters: 12, spread: 0.6, seed: 9)
        let start = ContinuousClock.now
        let result = try KMeans(clusters: 64, configuration: KMeans.Configuration(iterations: 5, seed: 3)).train(data)
        let wall = (ContinuousClock.now - start).components
        let phases = result.seconds
        XCTAssertGreaterThan(phases.assignment, 0)
        XCTAssertGreaterThan(phases.update, 0)
        XCTAssertLessThanOrEqual(phases.initialization + phases.assignment + phases.update + phases.split,
                                 Double(wall.seconds) + Double(wall.attoseconds) * 1e-18)
        XCTAssertEqual(try KMeans(clusters: 64, configuration: KMeans.Configuration(iterations: 0, seed: 3)).train(data).seconds.assignment, 0)
    }

    func testEmptyClustersAreSplitAndTheObjectiveStillNeverRises() throws {
        // 60 distinct rows, each 5 times: a sampled start picks duplicates, whose clusters come out
        // empty (ties go to the lower centroid) and must be split from the largest.
        let distinct = Self.clustered(60, 8, clusters: 6, spread: 0.5, seed: 11)
        var rows: [[Float]] = []
        for _ in 0..<5 { for i in 0..<60 { rows.append(distinct.row(i)) } }
        let data = Matrix(stacking: rows)
        for spherical in [true, false] {
            let config = KMeans.Configuration(iterations: 12, spherical: spherical, seed: 5, recordObjective: true)
            let result = try KMeans(clusters: 50, configuration: config).train(data)
            XCTAssertGreaterThan(result.splits, 0, "spherical=\(spherical)")
            XCTAssertEqual(result.emptyClusters, 0)
            assertNeverRises(result.objective, "duplicates spherical=\(spherical)")
        }
    }

    func testFewerDistinctRowsThanClustersLeavesTheRestEmpty() throws {
        let base = Self.clustered(3, 8, clusters: 3, spread: 0, seed: 2)
        let data = Matrix(stacking: (0..<30).map { base.row($0 % 3) })
        let result = try KMeans(clusters: 5, configuration: .init(iterations: 5, spherical: true, recordObjective: true)).train(data)
        XCTAssertEqual(result.emptyClusters, 2)
        assertNeverRises(result.objective, "3 distinct rows")
        XCTAssertEqual(result.objective.last!, 0, accuracy: 1e-4)
    }

    func testFindsWellSeparatedClusters() throws {
        let data = Self.clustered(800, 32, clusters: 8, spread: 0.05, seed: 21)
        // The objective of the true partition, around each cluster's normalised mean.
        var truth = 0.0
        for c in 0..<8 {
            var mean = [Double](repeating: 0, count: 32)
            for i in stride(from: c, to: 800, by: 8) { for j in 0..<32 { mean[j] += Double(data[i, j]) } }
            let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for i in stride(from: c, to: 800, by: 8) {
                var dot = 0.0
                for j in 0..<32 { dot += Double(data[i, j]) * mean[j] / norm }
                truth += 2 - 2 * dot
            }
        }
        let result = try KMeans(clusters: 8, configuration: .init(iterations: 20, spherical: true, initialization: .kMeansPlusPlus, seed: 9, recordObjective: true))
            .train(data)
        XCTAssertLessThanOrEqual(result.objective.last!, truth * 1.001 + 1e-3)
        // Every row's nearest centroid is shared exactly with its own cluster.
        let labels = data.storage.withUnsafeBufferPointer { IVFIndex.assign($0.baseAddress!, count: 800, to: FlatIndex(vectors: result.centroids)) }
        for i in 0..<800 { XCTAssertEqual(labels[i], labels[i % 8], "row \(i)") }
        XCTAssertEqual(Set(labels).count, 8)
    }

    func testSphericalCentroidsAreUnitAndSeedsRepeat() throws {
        let data = Self.clustered(600, 12, clusters: 5, spread: 0.4, seed: 4)
        let config = KMeans.Configuration(iterations: 6, spherical: true, seed: 77, recordObjective: true)
        let a = try KMeans(clusters: 10, configuration: config).train(data)
        let b = try KMeans(clusters: 10, configuration: config).train(data)
        XCTAssertEqual(a.centroids, b.centroids)
        XCTAssertEqual(a.objective, b.objective)
        for j in 0..<10 {
            let norm = a.centroids.row(j).reduce(0) { $0 + $1 * $1 }.squareRoot()
            XCTAssertEqual(norm, 1, accuracy: 1e-5)
        }
        var other = config
        other.seed = 78
        XCTAssertNotEqual(try KMeans(clusters: 10, configuration: other).train(data).centroids, a.centroids)
    }

    func testSamplesAtMostMaxPointsPerCentroid() throws {
        let data = Self.clustered(3_000, 8, clusters: 4, spread: 0.3, seed: 6)
        let capped = try KMeans(clusters: 4, configuration: .init(iterations: 3, spherical: true, maxPointsPerCentroid: 100)).train(data)
        XCTAssertEqual(capped.trainingPoints, 400)
        XCTAssertFalse(capped.underTrained)
        let all = try KMeans(clusters: 12, configuration: .init(iterations: 3, spherical: true)).train(data)
        XCTAssertEqual(all.trainingPoints, 3_000)
        let thin = try KMeans(clusters: 100, configuration: .init(iterations: 1, spherical: true)).train(data)
        XCTAssertTrue(thin.underTrained, "30 rows per centroid is under faiss's 39")
    }

    func testL2AssignmentMatchesBruteForce() {
        let data = Self.clustered(300, 10, clusters: 3, spread: 1, seed: 12, normalized: false)
        let centroids = Self.clustered(7, 10, clusters: 7, spread: 0.5, seed: 13, normalized: false)
        var state = KMeans.Assignment(rows: 300)
        data.storage.withUnsafeBufferPointer {
            state.assignAll($0.baseAddress!, dimension: 10, scoring: KMeans.scoring(centroids, spherical: false), augment: true)
        }
        let labels = state.labels
        for i in 0..<300 {
            let distances = (0..<7).map { j in (0..<10).reduce(Float(0)) { $0 + (data[i, $1] - centroids[j, $1]) * (data[i, $1] - centroids[j, $1]) } }
            let best = distances.indices.min { distances[$0] < distances[$1] }!
            XCTAssertTrue(Int(labels[i]) == best || abs(distances[Int(labels[i])] - distances[best]) < 1e-4, "row \(i)")
        }
    }

    func testBadShapesAreRefused() {
        let data = Self.clustered(10, 4, clusters: 2, spread: 0.1, seed: 1)
        XCTAssertThrowsError(try KMeans(clusters: 11).train(data)) { e in
            XCTAssertEqual(e as? IVFError, .moreListsThanRows(nlist: 11, rows: 10))
            XCTAssertTrue((e as? IVFError)?.errorDescription?.contains("more than the 10 rows to cluster") ?? false)
        }
        XCTAssertThrowsError(try KMeans(clusters: 0).train(data)) { XCTAssertEqual($0 as? IVFError, .invalidListCount(0)) }
        XCTAssertThrowsError(try KMeans(clusters: 1).train(Matrix(rows: 0, cols: 4))) { XCTAssertEqual($0 as? IVFError, .noRows) }
        XCTAssertNoThrow(try KMeans(clusters: 10, configuration: .init(iterations: 2)).train(data))
    }

    func testObjectiveOnlyWhenAskedAndWorkersAgreeWithOneThread() throws {
        // Enough rows that the update is split over the workers (rows x dimension >= 2^20).
        let data = Self.clustered(20_000, 64, clusters: 16, spread: 0.3, seed: 8)
        let saved = BLASThreads.count
        defer { BLASThreads.set(saved) }
        BLASThreads.set(2)
        let quiet = try KMeans(clusters: 32, configuration: .init(iterations: 4, spherical: true, seed: 1)).train(data)
        XCTAssertEqual(quiet.objective, [])
        XCTAssertEqual(quiet.iterations, 4)
        BLASThreads.set(1)
        let one = try KMeans(clusters: 32, configuration: .init(iterations: 4, spherical: true, seed: 1, recordObjective: true)).train(data)
        BLASThreads.set(2)
        let two = try KMeans(clusters: 32, configuration: .init(iterations: 4, spherical: true, seed: 1, recordObjective: true)).train(data)
        XCTAssertEqual(one.objective.count, 4)
        for (a, b) in zip(one.objective, two.objective) { XCTAssertEqual(a, b, accuracy: 1e-9 * a) }
        let diff = zip(one.centroids.storage, two.centroids.storage).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(diff, 1e-5, "centroids of 1 and 2 workers differ by \(diff)")
        XCTAssertEqual(quiet.centroids, two.centroids, "recording the objective changes nothing else")
    }

    /// 2,100 centroids: three centroid blocks of the assignment (ties within a row: VectorKernelsTests).
    func testNearestEqualsAFlatIndexTopOne() throws {
        let data = Self.clustered(3000, 24, clusters: 7, spread: 0.5, seed: 12, normalized: false)
        let centroids = Self.clustered(2_100, 24, clusters: 2_100, spread: 0.2, seed: 13, normalized: false)
        for augment in [false, true] {
            var aug = centroids
            if augment {
                aug = Matrix(rows: 2_100, cols: 25)
                for j in 0..<2_100 {
                    var norm: Float = 0
                    for c in 0..<24 { aug[j, c] = centroids[j, c]; norm += centroids[j, c] * centroids[j, c] }
                    aug[j, 24] = -norm / 2
                }
            }
            let quantizer = FlatIndex(vectors: aug)
            var labels = [Int32](repeating: 0, count: 3000), scores = [Float](repeating: 0, count: 3000)
            data.storage.withUnsafeBufferPointer { x in
                KMeans.nearest(x.baseAddress!, rows: 3000, dimension: 24, in: quantizer, augment: augment, labels: &labels, scores: &scores)
            }
            let queries = augment ? Matrix(stacking: (0..<3000).map { data.row($0) + [1] }) : data
            let reference = quantizer.referenceSearch(queries, k: 1)
            for i in 0..<3000 {
                XCTAssertEqual(Int(labels[i]), reference.ids[i], "augment \(augment) row \(i)")
                XCTAssertEqual(scores[i], reference.scores[i], accuracy: 1e-4)
            }
        }
    }

    /// Step by step beside the full assignment: after moving a random part of the centroids (a
    /// little, a lot, or not at all), scoring only the moved ones (and every one where the bound
    /// asks) gives the full assignment's labels and scores, up to rounding (sgemm may round a
    /// score by an ulp differently in a product of another shape: a label may differ only where
    /// the two centroids score within 1e-5), and the bound holds every other centroid's score;
    /// 1,500 centroids make two centroid blocks, 5,000 rows two row blocks.
    func testScoringOnlyMovedCentroidsGivesTheFullAssignment() {
        let n = 5_000, d = 20, k = 1_500
        let data = Self.clustered(n, d, clusters: 40, spread: 0.4, seed: 31, normalized: false)
        var rng = SplitMix64(seed: 5)
        for spherical in [true, false] {
            var centroids = Self.clustered(k, d, clusters: k, spread: 0, seed: 32, normalized: true)
            var state = KMeans.Assignment(rows: n)
            data.storage.withUnsafeBufferPointer { x in
                state.assignAll(x.baseAddress!, dimension: d, scoring: KMeans.scoring(centroids, spherical: spherical), augment: !spherical)
            }
            for (step, (share, size)) in [(0.5, Float(0.05)), (0.1, 0.3), (0.02, 1), (0, 0), (1, 0.01)].enumerated() {
                let before = centroids
                for j in 0..<k where Double.random(in: 0..<1, using: &rng) < share {
                    for c in 0..<d { centroids[j, c] += size * Float.random(in: -1...1, using: &rng) }
                }
                let moved = KMeans.Assignment.moved(from: before, to: centroids)
                XCTAssertEqual(moved.count, (0..<k).filter { before.row($0) != centroids.row($0) }.count)
                var labels = [Int32](repeating: 0, count: n), scores = [Float](repeating: 0, count: n)
                data.storage.withUnsafeBufferPointer { x in
                    state.reassign(x.baseAddress!, dimension: d, scoring: KMeans.scoring(centroids, spherical: spherical),
                                   augment: !spherical, moved: moved)
                    KMeans.nearest(x.baseAddress!, rows: n, dimension: d, in: FlatIndex(vectors: KMeans.scoring(centroids, spherical: spherical)),
                                   augment: !spherical, labels: &labels, scores: &scores)
                }
                let context = "spherical \(spherical) step \(step), \(moved.count) moved"
                let scoring = KMeans.scoring(centroids, spherical: spherical)
                func exact(_ i: Int, _ j: Int) -> Double {
                    zip(data.row(i) + (spherical ? [] : [1]), scoring.row(j)).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                }
                var differing = 0
                for i in 0..<n {
                    XCTAssertEqual(state.best[i], scores[i], accuracy: 1e-5, "\(context): row \(i)'s score")
                    guard state.labels[i] != labels[i] else { continue }
                    differing += 1
                    XCTAssertEqual(exact(i, Int(state.labels[i])), exact(i, Int(labels[i])), accuracy: 1e-5,
                                   "\(context): row \(i) took centroid \(state.labels[i]), the full step \(labels[i]), not a near-tie")
                }
                XCTAssertLessThanOrEqual(differing, 5, context)
                for i in stride(from: 0, to: n, by: 97) {
                    let row = data.row(i) + (spherical ? [] : [1])
                    for j in 0..<k where j != Int(labels[i]) {
                        let s = zip(row, scoring.row(j)).reduce(Float(0)) { $0 + $1.0 * $1.1 }
                        XCTAssertLessThanOrEqual(s, state.others[i] + 1e-4, "\(context): row \(i) centroid \(j) over the bound")
                    }
                }
            }
            XCTAssertLessThan(state.scored, state.fullWork, "spherical \(spherical): the steps with few moved centroids scored less")
        }
    }

    /// Training that scores only the moved centroids ends where scoring every centroid ends (same
    /// objective at every iteration, the same centroids but for rounding's near-ties), with less
    /// scoring; with splits too.
    func testTrainingScoringOnlyMovedCentroidsEqualsTheFullOne() throws {
        let data = Self.clustered(6_000, 16, clusters: 30, spread: 0.5, seed: 41)
        let raw = Self.clustered(6_000, 16, clusters: 30, spread: 0.5, seed: 42, normalized: false)
        var duplicated: [[Float]] = []
        for _ in 0..<5 { for i in 0..<200 { duplicated.append(data.row(i)) } }
        let cases: [(String, Matrix, Int, Bool)] = [("spherical", data, 300, true), ("L2", raw, 300, false),
                                                     ("duplicates", Matrix(stacking: duplicated), 150, true)]
        for (name, rows, clusters, spherical) in cases {
            var config = KMeans.Configuration(iterations: 12, spherical: spherical, seed: 3, recordObjective: true)
            let fast = try KMeans(clusters: clusters, configuration: config).train(rows)
            config.scoresMovedCentroidsOnly = false
            let full = try KMeans(clusters: clusters, configuration: config).train(rows)
            // A near-tie decided the other way by rounding moves one row between two clusters: a
            // few centroids may differ, the objective only within rounding.
            let changed = (0..<clusters).filter { j in zip(fast.centroids.row(j), full.centroids.row(j)).contains { abs($0 - $1) > 1e-5 } }
            XCTAssertLessThanOrEqual(changed.count, clusters / 50, "\(name): centroids \(changed) differ")
            XCTAssertEqual(fast.objective.count, full.objective.count, name)
            for (a, b) in zip(fast.objective, full.objective) { XCTAssertEqual(a, b, accuracy: 1e-4 * b + 1e-6, name) }
            XCTAssertEqual(full.scoredShare, 1, name)
            XCTAssertLessThan(fast.scoredShare, 0.95, name)
            if name == "duplicates" { XCTAssertGreaterThan(fast.splits, 0); XCTAssertGreaterThan(full.splits, 0) }
        }
    }
}
