// QuantizedFlatIndexTests: 8-bit codes round-trip within half a step, the integer score tracks the float one, and the rescored search returns exact scores (equal to the flat search when every row is a candidate).
import XCTest
import LinearAlgebra
import VectorSearch

final class QuantizedFlatIndexTests: XCTestCase {
    func testCodesRoundTripWithinHalfAStepAndClampOutsideTheTrainedRange() {
        let rows = FlatIndexTests.unitRows(300, 37, seed: 1)
        var values = rows.storage
        for r in 0..<300 { values[r * 37 + 5] = 0.25 }  // a dimension every row shares
        let q = values.withUnsafeBufferPointer { ScalarQuantizer.train(blocks: [($0.baseAddress!, 300)], dimension: 37) }
        XCTAssertEqual(q.step[5], 0)
        let codes = values.withUnsafeBufferPointer { CodeFormat.int8(q).encode(rows: $0.baseAddress!, count: 300, dimension: 37) }
        XCTAssertEqual(codes.count, 300 * 37)
        for r in 0..<300 {
            let back = codes.withUnsafeBufferPointer { q.decode($0.baseAddress! + r * 37) }
            for d in 0..<37 {
                XCTAssertEqual(back[d], values[r * 37 + d], accuracy: q.step[d] / 2 + 1e-6, "row \(r) dimension \(d)")
            }
        }
        XCTAssertEqual(codes.min(), 0)
        XCTAssertEqual(codes.max(), 255)
        var outside = [Float](repeating: 5, count: 37)
        outside[0] = -5
        let clamped = outside.withUnsafeBufferPointer { CodeFormat.int8(q).encode(rows: $0.baseAddress!, count: 1, dimension: 37) }
        XCTAssertEqual(clamped[0], 0)
        XCTAssertEqual(clamped[1], 255)
    }

    func testTheIntegerScoreTracksTheDecodedDotProduct() {
        let rows = FlatIndexTests.unitRows(200, 384, seed: 2)
        let q = rows.storage.withUnsafeBufferPointer { ScalarQuantizer.train(blocks: [($0.baseAddress!, 200)], dimension: 384) }
        let codes = rows.storage.withUnsafeBufferPointer { CodeFormat.int8(q).encode(rows: $0.baseAddress!, count: 200, dimension: 384) }
        let query = FlatIndexTests.unitRows(1, 384, seed: 3).storage
        let prepared = query.withUnsafeBufferPointer { q.prepare(query: $0.baseAddress!) }
        XCTAssertTrue(prepared.values.allSatisfy { (-127...127).contains($0) })
        XCTAssertTrue(prepared.values.contains { abs($0) == 127 }, "the largest weight uses the whole range")
        var dots = [Int32](repeating: 0, count: 200)
        VectorKernels.codeDotRows(codes, count: 200, dimension: 384, query: prepared.values, into: &dots)
        for r in 0..<200 {
            let decoded = codes.withUnsafeBufferPointer { q.decode($0.baseAddress! + r * 384) }
            let want = zip(decoded, query).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            // The query's own rounding: at most half a unit of `scale` per dimension, times a code of at most 255.
            XCTAssertEqual(prepared.score(dots[r]), want, accuracy: prepared.scale * 0.5 * 255 * 384 / 8, "row \(r)")
        }
        let zero = [Float](repeating: 0, count: 384).withUnsafeBufferPointer { q.prepare(query: $0.baseAddress!) }
        XCTAssertEqual(zero.scale, 0)
        XCTAssertEqual(zero.score(0), 0)
    }

    /// Every row a candidate: the rescored search is the exact search, ids and scores. (The exact
    /// search scores with sgemm, the rescoring with the dot kernel: where two rows score within
    /// rounding of each other, as OpenBLAS's Haswell kernels make them, their order may differ.)
    func testWithEveryRowACandidateTheSearchIsTheExactOne() {
        for encoding in QuantizedFlatIndex.encodings {
            let before = BLASThreads.count
            defer { BLASThreads.set(before) }
            for (n, d) in [(1, 384), (37, 33), (700, 384)] {
                let flat = FlatIndex(vectors: FlatIndexTests.unitRows(n, d, seed: UInt64(n)))
                let index = QuantizedFlatIndex(encoding: flat, as: encoding)
                for nq in [1, 5] {
                    let queries = FlatIndexTests.unitRows(nq, d, seed: UInt64(n + nq))
                    for k in [1, 10, n + 3] {
                        for threads in [1, 2] {
                            BLASThreads.set(threads)
                            // Any factor is a valid one (a request's): past the rows it is every row.
                            let got = index.search(queries, k: k, parameters: SearchParameters(rescore: threads == 1 ? n : .max))
                            let want = flat.search(queries, k: k, parameters: SearchParameters())
                            XCTAssertEqual(got.ids.count, want.ids.count)
                            for i in got.ids.indices where got.ids[i] != want.ids[i] {
                                XCTAssertEqual(got.scores[i], want.scores[i], accuracy: 1e-6,
                                               "\(encoding) n \(n) d \(d) nq \(nq) k \(k) threads \(threads) at \(i): \(got.ids[i]) for \(want.ids[i]), not a near-tie")
                            }
                            XCTAssertEqual(got.k, min(k, n))
                            assertExactScores(got, index: flat, queries: queries)
                        }
                    }
                }
            }
        }
    }

    /// Fewer candidates: whatever is returned carries its exact float32 score, best first, and
    /// the top 10 mostly agrees with the exact search (codes only choose candidates).
    func testRescoredScoresAreExactAndRecallIsHigh() {
        let flat = FlatIndex(vectors: FlatIndexTests.unitRows(70_000, 64, seed: 9))
        let index = QuantizedFlatIndex(encoding: flat, rescore: 4)
        let queries = FlatIndexTests.unitRows(20, 64, seed: 10)
        let got = index.search(queries, k: 10), want = flat.search(queries, k: 10)
        assertExactScores(got, index: flat, queries: queries)
        var hits = 0
        for qi in 0..<20 { hits += Set(got.ids[(qi * 10)..<(qi * 10 + 10)]).intersection(want.ids[(qi * 10)..<(qi * 10 + 10)]).count }
        XCTAssertGreaterThanOrEqual(Double(hits) / 200, 0.95, "recall@10 with 40 candidates")
        let one = index.search(Matrix(rows: 1, cols: 64, storage: Array(queries.storage[0..<64])), k: 10)
        XCTAssertEqual(one.ids, Array(got.ids[0..<10]), "one query (rows split over workers) finds what the batch finds")
    }

    /// A batch (query chunks of 256, groups of four with a partial last one, rows split over the
    /// workers, a mask) chooses and returns exactly what each query searched alone does: the
    /// candidates are the global top by integer score, ties to the lower row, however the work is cut.
    func testABatchEqualsEachQueryAlone() {
        for encoding in QuantizedFlatIndex.encodings {
            let before = BLASThreads.count
            defer { BLASThreads.set(before) }
            let flat = FlatIndex(vectors: FlatIndexTests.unitRows(3_001, 40, seed: 31))
            let index = QuantizedFlatIndex(encoding: flat, as: encoding, rescore: 2)
            let queries = FlatIndexTests.unitRows(QuantizedFlatIndex.queryChunk + 5, 40, seed: 32)
            var mask = RowMask(count: 3_001, allSet: true)
            for r in stride(from: 1, to: 3_001, by: 7) { mask.remove(r) }
            for threads in [1, 2] {
                BLASThreads.set(threads)
                for allowed in [nil, mask] {
                    let batch = index.search(queries, k: 10, parameters: SearchParameters(allowed: allowed))
                    for qi in [0, 3, 4, 255, 256, 259, 260] {
                        let one = index.search(queries.rows(qi..<(qi + 1)), k: 10, parameters: SearchParameters(allowed: allowed))
                        XCTAssertEqual(Array(batch.ids[(qi * 10)..<(qi * 10 + 10)]), one.ids, "\(encoding) query \(qi) threads \(threads) mask \(allowed != nil)")
                        XCTAssertEqual(Array(batch.scores[(qi * 10)..<(qi * 10 + 10)]), one.scores)
                    }
                    if let allowed { XCTAssertTrue(batch.ids.allSatisfy { allowed.contains($0) }) }
                    assertExactScores(batch, index: flat, queries: queries)
                }
            }
        }
    }

    /// 16-bit float codes: two bytes a row's dimension, decoded exactly, and candidates chosen on
    /// scores within the format's rounding of the exact ones, so one candidate per result already
    /// finds nearly all of the exact top 10 (float16 more than bfloat16); scores returned exact.
    func testHalfCodesChooseNearlyTheExactCandidates() {
        let rows = FlatIndexTests.unitRows(20_000, 96, seed: 51)
        let flat = FlatIndex(vectors: rows)
        let queries = FlatIndexTests.unitRows(50, 96, seed: 52)
        let want = flat.search(queries, k: 10)
        for (encoding, floor) in [(VectorEncoding.f16, 0.99), (.bf16, 0.95)] {
            let index = QuantizedFlatIndex(encoding: flat, as: encoding, rescore: 1)
            XCTAssertNil(index.quantizer)
            XCTAssertEqual(index.codes[0].dimension, 96 * 2)
            guard case .half(let format) = index.format else { return XCTFail("\(encoding) has half codes") }
            for r in [0, 777, 19_999] {
                for d in 0..<96 {
                    let code = UnsafeRawPointer(index.codes[0].row(r)).assumingMemoryBound(to: UInt16.self)[d]
                    let back = format.decode(code), value = rows[r, d]
                    XCTAssertEqual(back, value, accuracy: abs(value) * (encoding == .f16 ? 1.0 / 2048 : 1.0 / 256) + 1e-7, "\(encoding) row \(r) dimension \(d)")
                }
            }
            let got = index.search(queries, k: 10)
            assertExactScores(got, index: flat, queries: queries)
            XCTAssertGreaterThanOrEqual(IVFIndex.recall(got, truth: want, k: 10), floor, "\(encoding) recall@10 with k candidates")
        }
    }

    /// `rag index tune` on int8 codes: the smallest rescore factor reaching the target (the one
    /// below misses it), recall rising with the factor, every target reachable (at the largest
    /// factor every row is a candidate), an easy target met at once.
    func testTunePicksTheSmallestRescoreReachingTheTarget() throws {
        let flat = FlatIndex(vectors: FlatIndexTests.unitRows(20_000, 32, seed: 41))
        let index = QuantizedFlatIndex(encoding: flat)
        let (rows, sample) = IVFIndex.sampleRows(of: flat, count: 100)
        let tuned = try index.tuneRescore(queries: sample, targetRecall: 1, excluding: rows)
        XCTAssertTrue(tuned.reached)
        XCTAssertEqual(tuned.recall, 1)
        XCTAssertEqual(tuned.queries, 100)
        XCTAssertEqual(tuned.points.map(\.value), tuned.points.map(\.value).sorted())
        for (a, b) in zip(tuned.points, tuned.points.dropFirst()) { XCTAssertLessThanOrEqual(a.recall, b.recall + 1e-12) }
        XCTAssertGreaterThan(tuned.value, 1, "32 random dimensions in 8 bits: one candidate per result misses some")
        let below = IVFIndex.recall(index.search(sample, k: 11, parameters: SearchParameters(rescore: tuned.value - 1)),
                                    truth: flat.search(sample, k: 11), k: 10, excluding: rows)
        XCTAssertLessThan(below, 1)
        let easy = try index.tuneRescore(queries: sample, targetRecall: 0.9, excluding: rows)
        XCTAssertEqual(easy.points.map(\.value), [1])
        XCTAssertEqual(easy.value, 1)
        XCTAssertThrowsError(try index.tuneRescore(queries: sample, targetRecall: 0)) { XCTAssertEqual($0 as? IVFError, .invalidTarget(0)) }
    }

    func testMasksSegmentsAndExactRequestsAreHonoured() {
        for encoding in QuantizedFlatIndex.encodings {
            let a = FlatIndexTests.unitRows(400, 48, seed: 21), b = FlatIndexTests.unitRows(250, 48, seed: 22)
            let flat = FlatIndex(segments: [VectorStorage(copying: a.storage, count: 400, dimension: 48),
                                            VectorStorage(copying: b.storage, count: 250, dimension: 48)])
            let index = QuantizedFlatIndex(encoding: flat, as: encoding, rescore: 650)
            let queries = FlatIndexTests.unitRows(3, 48, seed: 23)
            XCTAssertEqual(index.search(queries, k: 10).ids, flat.search(queries, k: 10).ids, "rows in two segments")
            var mask = RowMask(count: 650, allSet: false)
            for r in stride(from: 0, to: 650, by: 3) { mask.insert(r) }  // dense: scanned as codes
            let masked = index.search(queries, k: 10, parameters: SearchParameters(allowed: mask, rescore: 1))
            XCTAssertTrue(masked.ids.allSatisfy { $0 >= 0 && mask.contains($0) }, "k allowed rows, however few candidates")
            var sparse = RowMask(count: 650, allSet: false)
            for r in [3, 400, 649] { sparse.insert(r) }
            let few = index.search(queries, k: 5, parameters: SearchParameters(allowed: sparse))
            XCTAssertEqual(few.ids, flat.search(queries, k: 5, parameters: SearchParameters(allowed: sparse)).ids)
            let exact = index.search(queries, k: 4, parameters: SearchParameters(exact: true, rescore: 1))
            XCTAssertEqual(exact.ids, flat.search(queries, k: 4).ids)
            XCTAssertEqual(index.search(Matrix(rows: 0, cols: 48, storage: []), k: 3).ids, [])
        }
    }
}

extension XCTestCase {
    /// Every returned row's score is its exact float32 score in `index`, best first.
    func assertExactScores(_ result: SearchResult, index: FlatIndex, queries: Matrix, file: StaticString = #filePath, line: UInt = #line) {
        for qi in 0..<result.queryCount {
            var previous = Float.infinity
            for j in 0..<result.k {
                let id = result.ids[qi * result.k + j], score = result.scores[qi * result.k + j]
                guard id >= 0 else { continue }
                let want = index.score(id, query: queries.row(qi))
                XCTAssertEqual(score, want, "query \(qi) rank \(j): the float32 score", file: file, line: line)
                XCTAssertLessThanOrEqual(score, previous, file: file, line: line)
                previous = score
            }
        }
    }
}
