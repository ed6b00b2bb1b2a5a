// FlatIndexTests: the blocked sgemm search against the loop reference, and its contracts (k > N, empty batch, ties).
import XCTest
import LinearAlgebra
import VectorSearch

final class FlatIndexTests: XCTestCase {
    static func unitRows(_ rows: Int, _ cols: Int, seed: UInt64) -> Matrix {
        var rng = SplitMix64(seed: seed)
        let m = Matrix(rows: rows, cols: cols, storage: (0..<(rows * cols)).map { _ in Float.random(in: -1...1, using: &rng) })
        return Normalization.normalizedRows(m)
    }

    func assertSame(_ a: SearchResult, _ b: SearchResult, _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.k, b.k, context, file: file, line: line)
        XCTAssertEqual(a.queryCount, b.queryCount, context, file: file, line: line)
        XCTAssertEqual(a.ids, b.ids, context, file: file, line: line)
        let diff = zip(a.scores, b.scores).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(diff, 1e-5, context, file: file, line: line)
    }

    func testMatchesReferenceOverShapes() {
        let before = BLASThreads.count
        defer { BLASThreads.set(before) }
        // N not a multiple of the 4,096-row block, k of 1, 10 and more than N, d of 384 and 768.
        for (n, d) in [(1, 384), (37, 384), (4_097, 384), (9_001, 384), (5_000, 768)] {
            let index = FlatIndex(vectors: Self.unitRows(n, d, seed: UInt64(n)))
            for nq in [1, 3, 70] {
                let queries = Self.unitRows(nq, d, seed: UInt64(n + nq))
                for k in [1, 10, n + 5] where k <= 10 || n < 100 {
                    for threads in [1, 2] {
                        BLASThreads.set(threads)
                        assertSame(index.search(queries, k: k), index.referenceSearch(queries, k: k),
                                   "n=\(n) d=\(d) nq=\(nq) k=\(k) threads=\(threads)")
                    }
                }
            }
        }
    }

    func testSingleQueryOverALargeBaseIsSplitOverWorkers() {
        // 70,000 rows is past the size where one query's scan is split into one range per worker;
        // duplicated rows across the split point check that ties still go to the lower row.
        var base = Self.unitRows(70_000, 8, seed: 11)
        for c in 0..<8 { base[50_000, c] = base[10, c]; base[69_999, c] = base[10, c] }
        let index = FlatIndex(vectors: base)
        let before = BLASThreads.count
        defer { BLASThreads.set(before) }
        for threads in [1, 2, 3] {
            BLASThreads.set(threads)
            let queries = Matrix(rows: 1, cols: 8, storage: base.row(10))
            let r = index.search(queries, k: 5)
            assertSame(r, index.referenceSearch(queries, k: 5), "threads=\(threads)")
            XCTAssertEqual(Array(r.ids.prefix(3)), [10, 50_000, 69_999])
        }
    }

    func testKLargerThanCountReturnsCount() {
        let index = FlatIndex(vectors: Self.unitRows(5, 8, seed: 1))
        let r = index.search(Self.unitRows(2, 8, seed: 2), k: 50)
        XCTAssertEqual(r.k, 5)
        XCTAssertEqual(Set(r.neighbours(of: 0).map(\.id)), Set(0..<5))
    }

    func testEmptyBatchAndEmptyIndex() {
        let index = FlatIndex(vectors: Self.unitRows(5, 8, seed: 1))
        let r = index.search(Matrix(rows: 0, cols: 8), k: 3)
        XCTAssertEqual(r.queryCount, 0)
        XCTAssertTrue(r.ids.isEmpty)
        let empty = FlatIndex(vectors: Matrix(rows: 0, cols: 8))
        let e = empty.search(Self.unitRows(2, 8, seed: 3), k: 3)
        XCTAssertEqual(e.k, 0)
        XCTAssertEqual(e.queryCount, 2)
    }

    func testTiesGoToTheLowerRow() {
        // Rows 2, 5 and 6 are the same vector: equal scores must come back in row order.
        var base = Self.unitRows(8, 16, seed: 9)
        for c in 0..<16 { base[5, c] = base[2, c]; base[6, c] = base[2, c] }
        let index = FlatIndex(vectors: base)
        for nq in [1, 2] {
            let queries = Matrix(rows: nq, cols: 16, storage: Array((0..<nq).flatMap { _ in base.row(2) }))
            XCTAssertEqual(Array(index.search(queries, k: 3).neighbours(of: 0).map(\.id)), [2, 5, 6], "nq=\(nq)")
        }
    }

    func testStoredVectorFindsItselfFirstAndScoresAreSorted() {
        let base = Self.unitRows(300, 64, seed: 4)
        let index = FlatIndex(vectors: base)
        let r = index.search(base, k: 10)
        for q in 0..<300 {
            let nb = r.neighbours(of: q)
            XCTAssertEqual(nb[0].id, q)
            XCTAssertEqual(nb[0].score, 1, accuracy: 1e-5)
            XCTAssertEqual(nb.map(\.score), nb.map(\.score).sorted(by: >))
        }
    }

    func testScoresAreSymmetric() {
        let base = Self.unitRows(40, 32, seed: 5)
        let r = FlatIndex(vectors: base).search(base, k: 40)
        var score = [[Float]](repeating: [Float](repeating: 0, count: 40), count: 40)
        for q in 0..<40 { for (id, s) in r.neighbours(of: q) { score[q][id] = s } }
        for i in 0..<40 { for j in 0..<40 { XCTAssertEqual(score[i][j], score[j][i], accuracy: 1e-6) } }
    }
}
