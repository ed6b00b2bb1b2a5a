// IVFIndexTests: IVF contracts: full probe equals flat, grouped batch equals single and the loop reference, recall floor, edge shapes, add.
import XCTest
import LinearAlgebra
import VectorSearch

final class IVFIndexTests: XCTestCase {
    static let all = KMeansTests.clustered(4_150, 32, clusters: 40, spread: 0.25, seed: 101)
    static let data = all.rows(0..<4_000)
    /// Held-out queries from the same clusters.
    static let queries = all.rows(4_000..<4_150)
    static let index = try! IVFIndex.train(on: data, listCount: 64)
    static let flat = FlatIndex(vectors: data)

    /// Equal up to ties: scores agree everywhere, and an id may differ only where its score ties
    /// (within float noise) with the other result's score at that rank.
    func assertEqualUpToTies(_ a: SearchResult, _ b: SearchResult, _ context: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.k, b.k, context, file: file, line: line)
        XCTAssertEqual(a.queryCount, b.queryCount, context, file: file, line: line)
        guard a.ids.count == b.ids.count else { return }
        var mismatches = 0
        for i in 0..<a.ids.count {
            XCTAssertEqual(a.scores[i], b.scores[i], accuracy: 1e-5, "\(context) at \(i)", file: file, line: line)
            if a.ids[i] != b.ids[i] {
                mismatches += 1
                let q = i / a.k
                let tied = b.neighbours(of: q).contains { $0.id == a.ids[i] && abs($0.score - a.scores[i]) < 1e-5 }
                XCTAssertTrue(tied, "\(context): query \(q) rank \(i % a.k) has \(a.ids[i]) vs \(b.ids[i])", file: file, line: line)
            }
        }
        XCTAssertLessThan(mismatches, max(3, a.ids.count / 200), context, file: file, line: line)
    }

    func testFullProbeEqualsFlat() {
        let ivf = Self.index
        let all = SearchParameters(nprobe: ivf.listCount)
        assertEqualUpToTies(ivf.search(Self.queries, k: 10, parameters: all), Self.flat.search(Self.queries, k: 10), "batch")
        for q in 0..<20 {
            let one = Self.queries.rows(q..<(q + 1))
            assertEqualUpToTies(ivf.search(one, k: 10, parameters: all), Self.flat.search(one, k: 10), "single \(q)")
        }
        // Stored rows find themselves first.
        let stored = Self.data.rows(0..<50)
        let r = ivf.search(stored, k: 1, parameters: all)
        XCTAssertEqual(r.ids, Array(0..<50))
    }

    func testGroupedBatchEqualsSingleQueriesAndReference() {
        let before = BLASThreads.count
        defer { BLASThreads.set(before) }
        for nprobe in [1, 3, 8] {
            let params = SearchParameters(nprobe: nprobe)
            let reference = Self.index.referenceSearch(Self.queries, k: 10, nprobe: nprobe)
            for threads in [1, 2] {
                BLASThreads.set(threads)
                let batch = Self.index.search(Self.queries, k: 10, parameters: params)
                assertEqualUpToTies(batch, reference, "nprobe=\(nprobe) threads=\(threads)")
            }
            var singles = SearchResult(queryCount: 0, k: 10, ids: [], scores: [])
            for q in 0..<Self.queries.rows {
                let r = Self.index.search(Self.queries.rows(q..<(q + 1)), k: 10, parameters: params)
                singles = SearchResult(queryCount: singles.queryCount + 1, k: 10, ids: singles.ids + r.ids, scores: singles.scores + r.scores)
            }
            assertEqualUpToTies(singles, reference, "single nprobe=\(nprobe)")
        }
    }

    func testParallelListScanEqualsOneThread() {
        // Enough work (1,000 queries x 16 lists) that the lists are shared among workers.
        let before = BLASThreads.count
        defer { BLASThreads.set(before) }
        let many = Self.data.rows(0..<1_000)
        let params = SearchParameters(nprobe: 16)
        BLASThreads.set(1)
        let serial = Self.index.search(many, k: 10, parameters: params)
        BLASThreads.set(2)
        let parallel = Self.index.search(many, k: 10, parameters: params)
        assertEqualUpToTies(parallel, serial, "2 workers vs 1")
        let head = SearchResult(queryCount: 100, k: 10, ids: Array(parallel.ids[0..<1_000]), scores: Array(parallel.scores[0..<1_000]))
        assertEqualUpToTies(head, Self.index.referenceSearch(many.rows(0..<100), k: 10, nprobe: 16), "2 workers vs reference")
    }

    func testLargeBatchesGoBlockByBlock() {
        // 8,193 queries: one full block of 8,192, then a block of one (the single-query path).
        var many = Self.data
        many.append(rowsOf: Self.data)
        many.append(rowsOf: Self.data.rows(0..<(8_193 - 8_000)))
        let params = SearchParameters(nprobe: 3)
        let whole = Self.index.search(many, k: 5, parameters: params)
        let head = Self.index.search(many.rows(0..<8_192), k: 5, parameters: params)
        let tail = Self.index.search(many.rows(8_192..<8_193), k: 5, parameters: params)
        XCTAssertEqual(whole.ids, head.ids + tail.ids)
        XCTAssertEqual(whole.scores, head.scores + tail.scores)
    }

    func testRecallFloorAtSmallNProbe() {
        let truth = Self.flat.search(Self.queries, k: 10)
        var last = 0.0
        for (nprobe, floor) in [(1, 0.75), (2, 0.93), (4, 0.97)] {
            let r = IVFIndex.recall(Self.index.search(Self.queries, k: 10, parameters: SearchParameters(nprobe: nprobe)), truth: truth, k: 10)
            XCTAssertGreaterThanOrEqual(r, floor, "recall@10 at nprobe \(nprobe) of 64")
            XCTAssertGreaterThanOrEqual(r, last)
            last = r
        }
    }

    /// Four centroids (d = 8), twelve rows only near the first two: lists 2 and 3 stay empty. And
    /// two queries: one nearest the empty list 2, one nearest list 0.
    static func twoEmptyLists() -> (ivf: IVFIndex, queries: Matrix) {
        let d = 8
        var centroids = Matrix(rows: 4, cols: d)
        for j in 0..<4 { centroids[j, j] = 1 }
        var rows: [[Float]] = []
        for i in 0..<12 {
            var v = [Float](repeating: 0.05 * Float(i % 5), count: d)
            v[i % 2] = 1
            rows.append(v)
        }
        let vectors = Normalization.normalizedRows(Matrix(stacking: rows))
        var q = Matrix(rows: 2, cols: d)
        q[0, 2] = 1
        q[1, 0] = 1
        return (IVFIndex(quantizer: FlatIndex(vectors: centroids), vectors: VectorStorage(copying: vectors.storage, count: 12, dimension: d)), q)
    }

    func testEmptyListsAndKBeyondTheProbedRows() throws {
        let (ivf, q) = Self.twoEmptyLists()
        XCTAssertEqual(ivf.lists.sizes, [6, 6, 0, 0])
        // A query nearest the empty list 2: with nprobe 1 it finds nothing, padded.
        let r = ivf.search(q, k: 8, parameters: SearchParameters(nprobe: 1))
        XCTAssertEqual(r.k, 8)
        XCTAssertEqual(r.ids[0..<8], ArraySlice([Int](repeating: -1, count: 8)))
        XCTAssertTrue(r.scores[0..<8].allSatisfy { $0 == -.infinity })
        // k larger than the one probed list: its 6 rows, then padding.
        XCTAssertEqual(Set(r.ids[8..<14]), Set([0, 2, 4, 6, 8, 10]))
        XCTAssertEqual(r.ids[14..<16], [-1, -1])
        // Single-query path pads the same way.
        let single = ivf.search(q.rows(1..<2), k: 8, parameters: SearchParameters(nprobe: 1))
        XCTAssertEqual(single.ids, Array(r.ids[8..<16]))
        // Probing everything finds every row; k beyond the count is cut to the count.
        let all = ivf.search(q, k: 50, parameters: SearchParameters(nprobe: 4))
        XCTAssertEqual(all.k, 12)
        XCTAssertEqual(Set(all.ids[0..<12]), Set(0..<12))
    }

    func testMoreListsThanRowsIsRefused() {
        let small = Self.data.rows(0..<10)
        XCTAssertThrowsError(try IVFIndex.train(on: small, listCount: 11)) { e in
            XCTAssertEqual(e as? IVFError, .moreListsThanRows(nlist: 11, rows: 10))
            let message = (e as? IVFError)?.errorDescription ?? ""
            XCTAssertTrue(message.contains("about 1 suit 10 rows") && !message.contains("--"), message)
        }
        XCTAssertThrowsError(try IVFIndex.train(on: small, listCount: 0)) { XCTAssertEqual($0 as? IVFError, .invalidListCount(0)) }
        XCTAssertThrowsError(try IVFIndex.train(on: Matrix(rows: 0, cols: 32))) { XCTAssertEqual($0 as? IVFError, .noRows) }
        XCTAssertNoThrow(try IVFIndex.train(on: small, listCount: 10))
    }

    func testSingleRowIndex() throws {
        let one = Self.data.rows(0..<1)
        let ivf = try IVFIndex.train(on: one)
        XCTAssertEqual(ivf.listCount, 1)
        XCTAssertEqual(ivf.count, 1)
        let r = ivf.search(Self.queries.rows(0..<3), k: 5)
        XCTAssertEqual(r.k, 1)
        XCTAssertEqual(r.ids, [0, 0, 0])
        XCTAssertEqual(ivf.search(one, k: 5).scores[0], 1, accuracy: 1e-5)
    }

    func testEmptyBatchAndNProbeClamping() {
        let empty = Self.index.search(Matrix(rows: 0, cols: 32), k: 10)
        XCTAssertEqual(empty.queryCount, 0)
        XCTAssertTrue(empty.ids.isEmpty)
        XCTAssertEqual(Self.index.nprobe(for: SearchParameters(nprobe: 0)), 1)
        XCTAssertEqual(Self.index.nprobe(for: SearchParameters(nprobe: 10_000)), 64)
        XCTAssertEqual(Self.index.nprobe(for: SearchParameters()), Self.index.defaultNProbe)
        XCTAssertEqual(Self.index.search(Self.queries, k: 10, parameters: SearchParameters(nprobe: 10_000)),
                       Self.index.search(Self.queries, k: 10, parameters: SearchParameters(nprobe: 64)))
    }

    func testListsAreContiguousAndCoverEveryRowOnce() {
        let lists = Self.index.lists
        XCTAssertEqual(lists.offsets.first, 0)
        XCTAssertEqual(lists.offsets.last, 4_000)
        XCTAssertEqual(lists.allIDs.sorted(), (0..<4_000).map(UInt32.init))
        for l in 0..<lists.listCount {
            let ids = Array(lists.ids(of: l))
            XCTAssertEqual(ids, ids.sorted(), "list \(l) keeps row order")
            for (j, id) in ids.enumerated() {
                XCTAssertEqual(Array(UnsafeBufferPointer(start: lists.vectors(of: l) + j * 32, count: 32)), Self.data.row(Int(id)))
            }
        }
    }

    func testAddingEqualsBuildingWithTheSameCentroids() {
        let first = try! IVFIndex.train(on: Self.data.rows(0..<3_000), listCount: 32)
        let grown = first.adding(Self.data.rows(3_000..<4_000))
        let whole = IVFIndex(quantizer: first.quantizer,
                             vectors: VectorStorage(copying: Self.data.storage, count: 4_000, dimension: 32))
        XCTAssertEqual(grown.count, 4_000)
        XCTAssertEqual(grown.lists.offsets, whole.lists.offsets)
        XCTAssertEqual(grown.lists.allIDs, whole.lists.allIDs)
        for nprobe in [2, 32] {
            let p = SearchParameters(nprobe: nprobe)
            XCTAssertEqual(grown.search(Self.queries, k: 10, parameters: p), whole.search(Self.queries, k: 10, parameters: p))
        }
        // And an added row is found as its own nearest neighbour.
        XCTAssertEqual(grown.search(Self.data.rows(3_500..<3_501), k: 1, parameters: SearchParameters(nprobe: 1)).ids, [3_500])
    }

    func testDefaultListCount() {
        XCTAssertEqual(IVFIndex.defaultListCount(rows: 0), 1)
        XCTAssertEqual(IVFIndex.defaultListCount(rows: 1), 1)
        XCTAssertEqual(IVFIndex.defaultListCount(rows: 100), 2)
        XCTAssertEqual(IVFIndex.defaultListCount(rows: 9_752), 128)
        XCTAssertEqual(IVFIndex.defaultListCount(rows: 100_000), 1_024)
        XCTAssertEqual(IVFIndex.defaultListCount(rows: 1_000_000), 4_096)
        for n in [1, 2, 38, 39, 40, 77, 78, 500, 5_000, 50_000] {
            let nlist = IVFIndex.defaultListCount(rows: n)
            XCTAssertTrue(nlist == 1 || n >= 39 * nlist, "n=\(n) nlist=\(nlist)")
            XCTAssertEqual(nlist & (nlist - 1), 0)
        }
    }

    func testTunePicksTheSmallestNProbeReachingTheTarget() throws {
        let (rows, sample) = IVFIndex.sampleRows(of: Self.flat, count: 200)
        let tuned = try Self.index.tuneNProbe(queries: sample, exact: Self.flat, targetRecall: 0.95, excluding: rows)
        XCTAssertTrue(tuned.reached)
        XCTAssertGreaterThanOrEqual(tuned.recall, 0.95)
        XCTAssertEqual(tuned.points.map(\.nprobe), tuned.points.map(\.nprobe).sorted())
        for (a, b) in zip(tuned.points, tuned.points.dropFirst()) { XCTAssertLessThanOrEqual(a.recall, b.recall + 1e-12) }
        if tuned.nprobe > 1 {
            let below = IVFIndex.recall(Self.index.search(sample, k: 11, parameters: SearchParameters(nprobe: tuned.nprobe - 1)),
                                        truth: Self.flat.search(sample, k: 11), k: 10, excluding: rows)
            XCTAssertLessThan(below, 0.95)
        }
        let full = try Self.index.tuneNProbe(queries: sample, exact: Self.flat, targetRecall: 1, excluding: rows)
        XCTAssertTrue(full.reached, "nprobe = nlist is exact, so a target of 1 is reachable")
        XCTAssertThrowsError(try Self.index.tuneNProbe(queries: sample, exact: Self.flat, targetRecall: 1.5)) {
            XCTAssertEqual($0 as? IVFError, .invalidTarget(1.5))
        }
    }

    func testRecallHelper() {
        let truth = SearchResult(queryCount: 2, k: 3, ids: [1, 2, 3, 4, 5, 6], scores: [Float](repeating: 0, count: 6))
        let found = SearchResult(queryCount: 2, k: 3, ids: [1, 3, 9, 6, 5, 4], scores: [Float](repeating: 0, count: 6))
        XCTAssertEqual(IVFIndex.recall(found, truth: truth, k: 3), (2.0 / 3 + 1) / 2, accuracy: 1e-12)
        // Leaving row 1 and row 4 out (each query's own row) compares the remaining top 2.
        XCTAssertEqual(IVFIndex.recall(found, truth: truth, k: 2, excluding: [1, 4]), (0.5 + 1) / 2, accuracy: 1e-12)
    }
}
