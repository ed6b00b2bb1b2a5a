// QuantizedIVFIndexTests: IVF lists scanned on int8 codes: every probed entry kept equals the float32 IVF search, rescored scores exact, a batch equals each query alone, masks, parts, short results.
import XCTest
import LinearAlgebra
import VectorSearch

final class QuantizedIVFIndexTests: XCTestCase {
    static let d = 37
    static let all = KMeansTests.clustered(3_300, d, clusters: 30, spread: 0.3, seed: 202)
    static let data = all.rows(0..<3_000)
    static let queries = all.rows(3_000..<3_300)
    static let ivf = try! IVFIndex.train(on: data, listCount: 48)
    static let flat = FlatIndex(vectors: data)

    /// The codes of `encoding` for the lists of `ivf` (int8: trained on them).
    static func format(_ encoding: VectorEncoding, _ ivf: IVFIndex) -> CodeFormat {
        .trained(encoding, blocks: ivf.parts.map { ($0.vectors.pointer, $0.count) }, dimension: ivf.dimension)
    }

    /// `index`'s results for `queries`, query by query, equal the float32 IVF search of each query alone
    /// (one query: the same dot-product kernel as the rescoring).
    func assertEqualsFloatSingles(_ result: SearchResult, _ ivf: IVFIndex, queries: Matrix, nprobe: Int, allowed: RowMask? = nil,
                                  file: StaticString = #filePath, line: UInt = #line) {
        for q in 0..<queries.rows {
            let want = ivf.search(queries.rows(q..<(q + 1)), k: result.k, parameters: SearchParameters(nprobe: nprobe, allowed: allowed))
            XCTAssertEqual(Array(result.ids[(q * result.k)..<((q + 1) * result.k)]), want.ids, "query \(q) nprobe \(nprobe)", file: file, line: line)
            XCTAssertEqual(Array(result.scores[(q * result.k)..<((q + 1) * result.k)]), want.scores, "query \(q) nprobe \(nprobe)", file: file, line: line)
        }
    }

    func testEveryProbedEntryKeptEqualsTheFloatSearch() {
        for encoding in QuantizedFlatIndex.encodings {
            let index = QuantizedIVFIndex(encoding: Self.ivf, format: Self.format(encoding, Self.ivf))
            XCTAssertEqual(index.codes.map(\.count), [3_000])
            for nprobe in [1, 4, 48] {
                // Any factor is valid (a request's): past the rows it keeps every entry.
                let result = index.search(Self.queries, k: 10, parameters: SearchParameters(nprobe: nprobe, rescore: nprobe == 48 ? .max : 3_000))
                assertEqualsFloatSingles(result, Self.ivf, queries: Self.queries, nprobe: nprobe)
            }
        }
    }

    /// Default candidates: every score is the row's exact float32 score, best first, and the rows
    /// are nearly all the float32 IVF search's at the same nprobe.
    func testRescoredScoresAreExactAndRecallIsHigh() {
        let index = QuantizedIVFIndex(encoding: Self.ivf)
        let result = index.search(Self.queries, k: 10, parameters: SearchParameters(nprobe: 6))
        assertExactScores(result, index: Self.flat, queries: Self.queries)
        let float = Self.ivf.search(Self.queries, k: 10, parameters: SearchParameters(nprobe: 6))
        XCTAssertGreaterThanOrEqual(IVFIndex.recall(result, truth: float, k: 10), 0.98)
        // One candidate per result: still exact scores, and fewer of the float search's rows.
        let lean = index.search(Self.queries, k: 10, parameters: SearchParameters(nprobe: 6, rescore: 1))
        assertExactScores(lean, index: Self.flat, queries: Self.queries)
        XCTAssertLessThanOrEqual(IVFIndex.recall(lean, truth: float, k: 10), IVFIndex.recall(result, truth: float, k: 10))
    }

    /// A batch (lists shared among workers, four queries per pass, a partial last group, a mask)
    /// returns exactly what each query searched alone does.
    func testABatchEqualsEachQueryAlone() {
        for encoding in QuantizedFlatIndex.encodings {
            let before = BLASThreads.count
            defer { BLASThreads.set(before) }
            let index = QuantizedIVFIndex(encoding: Self.ivf, format: Self.format(encoding, Self.ivf), rescore: 2)
            var mask = RowMask(count: 3_000, allSet: true)
            for r in stride(from: 2, to: 3_000, by: 5) { mask.remove(r) }
            for threads in [1, 2] {
                BLASThreads.set(threads)
                for allowed in [nil, mask] {
                    let parameters = SearchParameters(nprobe: 8, allowed: allowed)
                    let batch = index.search(Self.queries, k: 10, parameters: parameters)
                    for q in [0, 1, 2, 3, 4, 150, 299] {
                        let one = index.search(Self.queries.rows(q..<(q + 1)), k: 10, parameters: parameters)
                        XCTAssertEqual(Array(batch.ids[(q * 10)..<(q * 10 + 10)]), one.ids, "query \(q) threads \(threads) mask \(allowed != nil)")
                        XCTAssertEqual(Array(batch.scores[(q * 10)..<(q * 10 + 10)]), one.scores)
                    }
                    if let allowed { XCTAssertTrue(batch.ids.allSatisfy { $0 >= 0 && allowed.contains($0) }) }
                    assertExactScores(batch, index: Self.flat, queries: Self.queries)
                }
            }
        }
    }

    /// Lists in two parts (rows appended later on the same centroids), each with its own codes:
    /// with every probed entry kept, the float32 IVF search over the same parts.
    func testListsInPartsAreScannedPartByPart() {
        let labels = Self.ivf.quantizer.search(Self.data, k: 1).ids
        func part(_ rows: Range<Int>) -> InvertedLists {
            var offsets = [Int](repeating: 0, count: Self.ivf.listCount + 1)
            for r in rows { offsets[labels[r] + 1] += 1 }
            for l in 0..<Self.ivf.listCount { offsets[l + 1] += offsets[l] }
            let ids = (0..<Self.ivf.listCount).flatMap { l in rows.filter { labels[$0] == l }.map(UInt32.init) }
            return Self.data.storage.withUnsafeBufferPointer {
                InvertedLists(offsets: offsets, ids: ids, gathering: $0.baseAddress!, dimension: Self.d)
            }
        }
        // An empty part between the two (a segment whose rows were all in another list set).
        let parted = IVFIndex(quantizer: Self.ivf.quantizer, parts: [part(0..<2_200), part(2_200..<2_200), part(2_200..<3_000)])
        let index = QuantizedIVFIndex(encoding: parted)
        XCTAssertEqual(index.codes.map(\.count), [2_200, 0, 800])
        let result = index.search(Self.queries, k: 10, parameters: SearchParameters(nprobe: 5, rescore: 3_000))
        assertEqualsFloatSingles(result, parted, queries: Self.queries, nprobe: 5)
        assertExactScores(index.search(Self.queries, k: 10, parameters: SearchParameters(nprobe: 5)),
                                                    index: Self.flat, queries: Self.queries)
    }

    /// Empty lists probed, and k beyond the probed rows: padded with −1 and −∞ as the float32 search pads.
    func testEmptyListsAndKBeyondTheProbedRows() {
        let (ivf, q) = IVFIndexTests.twoEmptyLists()
        XCTAssertEqual(ivf.lists.sizes, [6, 6, 0, 0])
        let index = QuantizedIVFIndex(encoding: ivf, rescore: 1)
        let r = index.search(q, k: 8, parameters: SearchParameters(nprobe: 1))
        XCTAssertEqual(r.ids, ivf.search(q, k: 8, parameters: SearchParameters(nprobe: 1)).ids)
        XCTAssertEqual(r.ids[0..<8], ArraySlice([Int](repeating: -1, count: 8)))
        XCTAssertTrue(r.scores[0..<8].allSatisfy { $0 == -.infinity })
        XCTAssertEqual(Set(r.ids[8..<14]), Set([0, 2, 4, 6, 8, 10]))
        XCTAssertEqual(r.ids[14..<16], [-1, -1])
        // One query alone (its own path): the same rows and padding.
        let single = index.search(q.rows(1..<2), k: 8, parameters: SearchParameters(nprobe: 1))
        XCTAssertEqual(single.ids, Array(r.ids[8..<16]))
        XCTAssertEqual(index.search(q.rows(0..<1), k: 8, parameters: SearchParameters(nprobe: 1)).ids, [Int](repeating: -1, count: 8))
        let all = index.search(q, k: 50, parameters: SearchParameters(nprobe: 4))
        XCTAssertEqual(all.k, 12)
        XCTAssertEqual(Set(all.ids[0..<12]), Set(0..<12))
        XCTAssertEqual(index.search(Matrix(rows: 0, cols: 8), k: 5).queryCount, 0)
    }

    /// Lists longer than one block of the scan (4,096 entries at d = 64): every entry kept, the
    /// float32 search's rows, a batch and each query alone alike.
    func testListsLongerThanOneBlock() {
        let d = 64
        let rows = FlatIndexTests.unitRows(9_000, d, seed: 41)
        let queries = FlatIndexTests.unitRows(9, d, seed: 42)
        var centroids = Matrix(rows: 2, cols: d)
        centroids[0, 0] = 1
        centroids[1, 0] = -1
        let ivf = IVFIndex(quantizer: FlatIndex(vectors: centroids), vectors: VectorStorage(copying: rows.storage, count: 9_000, dimension: d))
        XCTAssertGreaterThan(ivf.lists.sizes.max()!, 4_096)
        let index = QuantizedIVFIndex(encoding: ivf)
        let result = index.search(queries, k: 10, parameters: SearchParameters(nprobe: 2, rescore: 900))
        assertEqualsFloatSingles(result, ivf, queries: queries, nprobe: 2)
        let batch = index.search(queries, k: 10, parameters: SearchParameters(nprobe: 1))
        for q in 0..<queries.rows {
            XCTAssertEqual(Array(batch.ids[(q * 10)..<(q * 10 + 10)]),
                           index.search(queries.rows(q..<(q + 1)), k: 10, parameters: SearchParameters(nprobe: 1)).ids, "query \(q)")
        }
    }

    /// nprobe tuned on the codes' search: its recall is the one measured through the quantized lists.
    func testTuningNProbeMeasuresTheCodesSearch() throws {
        let index = QuantizedIVFIndex(encoding: Self.ivf, rescore: 1)
        let tuned = try Self.ivf.tuneNProbe(queries: Self.queries, exact: Self.flat, targetRecall: 0.9, searching: index)
        let truth = Self.flat.search(Self.queries, k: 10)
        let measured = IVFIndex.recall(index.search(Self.queries, k: 10, parameters: SearchParameters(nprobe: tuned.nprobe)), truth: truth, k: 10)
        XCTAssertEqual(tuned.recall, measured, accuracy: 1e-12)
        XCTAssertGreaterThanOrEqual(tuned.recall, 0.9)
    }

    /// nprobe and rescore tuned together: the pair's recall, measured again, reaches the target;
    /// its nprobe is between the float32 lists' smallest and twice it; one candidate fewer falls
    /// short; at each nprobe recall does not fall as the factor grows.
    func testTuningThePairStartsAtTheFloatListsNProbe() throws {
        let index = QuantizedIVFIndex(encoding: Self.ivf)
        let tuned = try index.tune(queries: Self.queries, exact: Self.flat, targetRecall: 0.9)
        XCTAssertTrue(tuned.reached)
        XCTAssertEqual(tuned.queries, Self.queries.rows)
        let floor = try Self.ivf.tuneNProbe(queries: Self.queries, exact: Self.flat, targetRecall: 0.9)
        XCTAssertGreaterThanOrEqual(tuned.nprobe, floor.nprobe)
        XCTAssertLessThanOrEqual(tuned.nprobe, 2 * floor.nprobe)
        let truth = Self.flat.search(Self.queries, k: 10)
        func recall(_ nprobe: Int, _ rescore: Int) -> Double {
            IVFIndex.recall(index.search(Self.queries, k: 10, parameters: SearchParameters(nprobe: nprobe, rescore: rescore)), truth: truth, k: 10)
        }
        XCTAssertEqual(tuned.recall, recall(tuned.nprobe, tuned.rescore), accuracy: 1e-12)
        XCTAssertGreaterThanOrEqual(tuned.recall, 0.9)
        if tuned.rescore > 1 { XCTAssertLessThan(recall(tuned.nprobe, tuned.rescore - 1), 0.9) }
        XCTAssertTrue(tuned.points.contains { $0.nprobe == tuned.nprobe && $0.rescore == tuned.rescore && $0.recall == tuned.recall })
        for nprobe in Set(tuned.points.map(\.nprobe)) {
            let line = tuned.points.filter { $0.nprobe == nprobe }
            XCTAssertEqual(line.map(\.rescore), line.map(\.rescore).sorted())
            for (a, b) in zip(line, line.dropFirst()) { XCTAssertLessThanOrEqual(a.recall, b.recall, "nprobe \(nprobe)") }
        }
        XCTAssertThrowsError(try index.tune(queries: Self.queries, exact: Self.flat, targetRecall: 0)) {
            XCTAssertEqual($0 as? IVFError, .invalidTarget(0))
        }
    }
}
