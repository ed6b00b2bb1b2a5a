// MaskedSearchTests: RowMask, and flat and IVF search restricted to the rows a mask allows, against the loop reference.
import XCTest
import LinearAlgebra
import VectorSearch

final class MaskedSearchTests: XCTestCase {
    /// A mask keeping about `fraction` of `count` rows (at least one).
    static func randomMask(_ count: Int, keeping fraction: Double, seed: UInt64) -> RowMask {
        var rng = SplitMix64(seed: seed)
        var mask = RowMask(count: count, allSet: false)
        for i in 0..<count where Double(rng.next() >> 11) / Double(1 << 53) < fraction { mask.insert(i) }
        if mask.population == 0 { mask.insert(count / 2) }
        return mask
    }

    func testRowMaskSetsCountsAndGrows() {
        var mask = RowMask(count: 70, allSet: true)
        XCTAssertEqual(mask.population, 70)
        XCTAssertEqual(mask.words[1], (1 << 6) - 1, "bits past count stay clear")
        mask.remove(3)
        mask.remove(69)
        XCTAssertFalse(mask.contains(3))
        XCTAssertEqual(mask.population, 68)
        let grown = mask.extended(to: 130, allSet: true)
        XCTAssertEqual(grown.population, 128)
        XCTAssertFalse(grown.contains(69))
        XCTAssertTrue(grown.contains(70) && grown.contains(129))
        let cleared = mask.extended(to: 130, allSet: false)
        XCTAssertEqual(cleared.population, 68)
        XCTAssertEqual(grown.intersection(cleared).population, 68)
        XCTAssertEqual(mask.complement().members, [3, 69], "the complement keeps bits past count clear")
        XCTAssertEqual(mask.complement().complement(), mask)
        XCTAssertNil(RowMask(count: 70, words: [0, 1 << 6]), "a bit past count is refused")
        XCTAssertNil(RowMask(count: 70, words: [0]), "a word too few is refused")
        XCTAssertEqual(RowMask(count: 70, words: mask.words), mask)
        XCTAssertEqual(RowMask(count: 0, allSet: true).population, 0)
    }

    /// The top k among the allowed rows, not fewer: masked flat search equals the loop over the
    /// allowed rows at every selectivity, one query and batches, one and two threads.
    func testMaskedFlatSearchEqualsTheReference() {
        let before = BLASThreads.count
        defer { BLASThreads.set(before) }
        let n = 9_001, d = 24
        let index = FlatIndex(vectors: FlatIndexTests.unitRows(n, d, seed: 5))
        for (i, fraction) in [0.001, 0.01, 0.1, 0.5, 1.0].enumerated() {
            let mask = Self.randomMask(n, keeping: fraction, seed: UInt64(i))
            for nq in [1, 40] {
                let queries = FlatIndexTests.unitRows(nq, d, seed: UInt64(100 + i))
                for threads in [1, 2] {
                    BLASThreads.set(threads)
                    let got = index.search(queries, k: 10, parameters: SearchParameters(allowed: mask))
                    let want = index.referenceSearch(queries, k: 10, allowed: mask)
                    XCTAssertEqual(got.ids, want.ids, "fraction \(fraction) nq \(nq) threads \(threads)")
                    XCTAssertLessThanOrEqual(zip(got.scores, want.scores).map { abs($0 - $1) }.max() ?? 0, 1e-5)
                    XCTAssertTrue(got.ids.allSatisfy { $0 == -1 || mask.contains($0) }, "only allowed rows")
                    let filled = got.ids.filter { $0 >= 0 }.count
                    XCTAssertEqual(filled, nq * min(10, mask.population), "k rows whenever k are allowed")
                }
            }
        }
    }

    /// The split single-query scan (past 65,536 rows) honours the mask in each worker's range.
    func testMaskedSingleQueryOverALargeBase() {
        let before = BLASThreads.count
        defer { BLASThreads.set(before) }
        let index = FlatIndex(vectors: FlatIndexTests.unitRows(70_000, 8, seed: 3))
        let mask = Self.randomMask(70_000, keeping: 0.05, seed: 9)
        let query = FlatIndexTests.unitRows(1, 8, seed: 4)
        for threads in [1, 2] {
            BLASThreads.set(threads)
            XCTAssertEqual(index.search(query, k: 10, parameters: SearchParameters(allowed: mask)).ids,
                           index.referenceSearch(query, k: 10, allowed: mask).ids, "threads \(threads)")
        }
    }

    /// IVF probing every list with a mask equals masked flat search (up to ties), grouped and single.
    func testMaskedIVFWithEveryListEqualsMaskedFlat() {
        let ivf = IVFIndexTests.index, flat = IVFIndexTests.flat
        for (i, fraction) in [0.01, 0.1, 1.0].enumerated() {
            let mask = Self.randomMask(flat.count, keeping: fraction, seed: UInt64(20 + i))
            let all = SearchParameters(nprobe: ivf.listCount, allowed: mask)
            let got = ivf.search(IVFIndexTests.queries, k: 10, parameters: all)
            let want = flat.search(IVFIndexTests.queries, k: 10, parameters: SearchParameters(allowed: mask))
            XCTAssertEqual(got.scores.count, want.scores.count)
            for (a, b) in zip(got.scores, want.scores) { XCTAssertEqual(a, b, accuracy: 1e-5, "fraction \(fraction)") }
            XCTAssertTrue(got.ids.allSatisfy { $0 == -1 || mask.contains($0) }, "only allowed rows")
            let one = IVFIndexTests.queries.rows(0..<1)
            let single = ivf.search(one, k: 10, parameters: all)
            let reference = flat.search(one, k: 10, parameters: SearchParameters(allowed: mask))
            for (a, b) in zip(single.scores, reference.scores) { XCTAssertEqual(a, b, accuracy: 1e-5, "single, fraction \(fraction)") }
        }
    }
}
