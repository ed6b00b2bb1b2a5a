// QuantizedStoreTests: the codes part (int8, f16, bf16) in an index folder (codes of the rows, and of the IVF lists): build, reopen mapped, search exact scores, append, delete, compact, damage caught, old indexes unchanged.
import XCTest
import Foundation
import LinearAlgebra
import VectorSearch

final class QuantizedStoreTests: XCTestCase {
    var folder: URL!
    static let d = 24
    static let all = KMeansTests.clustered(2_560, d, clusters: 12, spread: 0.4, seed: 77)
    static let rows = all.rows(0..<2_500)
    static let queries = all.rows(2_500..<2_560)

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("localrag-int8-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// A committed index of rows `0..<n` with the int8 part.
    func buildIndex(rows n: Int = 2_000, encoding: VectorEncoding = .int8, rescore: Int = QuantizedFlatIndex.defaultRescore) throws {
        let writer = try IndexWriter(folder: folder, embedder: "test:v1", dimension: Self.d)
        try writer.append(Self.rows.rows(0..<n), documents: IVFStoreTests.documents(0..<n))
        try QuantizedFlatIndex.build(in: writer, encoding: encoding, rescore: rescore)
        try writer.commit()
    }

    static func codesRole(_ store: IndexStore, segment: Int = 0, encoding: VectorEncoding = .int8) -> String {
        store.manifest.role(QuantizedFlatIndex.Role.codes(encoding), of: store.manifest.rowSegments[segment])
    }

    func testBuildReopenMappedEqualsInMemory() throws {
        try buildIndex(rescore: 6)
        let store = try IndexStore(opening: folder)
        XCTAssertEqual(store.vectorEncoding, .int8)
        XCTAssertEqual(store.manifest.kinds, ["flat", "int8"])
        XCTAssertEqual(store.manifest.settings[QuantizedFlatIndex.Setting.rescore(.int8)], "6")
        // The names int8 indexes were written with before the 16-bit formats: unchanged.
        XCTAssertEqual(QuantizedFlatIndex.Setting.rescore(.int8), "int8.rescore")
        XCTAssertEqual(QuantizedFlatIndex.Role.codes(.int8), "int8_codes")
        XCTAssertEqual(store.manifest.version, 2, "an int8 index stays readable by binaries that predate the 16-bit codes")
        XCTAssertEqual(store.manifest.settings[QuantizedFlatIndex.Setting.trainedRows], "2000")
        XCTAssertEqual(store.manifest.files[QuantizedFlatIndex.Role.quantizer]?.bytes, 16 + 8 * Self.d)
        XCTAssertEqual(store.manifest.files[Self.codesRole(store)]?.bytes, 2_000 * Self.d)
        let mapped = try store.quantized()
        XCTAssertEqual(mapped.rescore, 6)
        let inMemory = QuantizedFlatIndex(encoding: FlatIndex(vectors: store.flat.matrix()), rescore: 6)
        XCTAssertEqual(mapped.quantizer, inMemory.quantizer)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: mapped.codes[0].pointer, count: 2_000 * Self.d)),
                       Array(UnsafeBufferPointer(start: inMemory.codes[0].pointer, count: 2_000 * Self.d)))
        for rescore in [nil, 1, 50] {
            let p = SearchParameters(rescore: rescore)
            XCTAssertEqual(mapped.search(Self.queries, k: 10, parameters: p), inMemory.search(Self.queries, k: 10, parameters: p))
        }
        XCTAssertTrue(try IndexStore.verify(folder: folder).allSatisfy(\.ok))
        let folderStore = try FolderVectorStore(store)
        XCTAssertTrue(folderStore.knobs.contains(.rescore))
        XCTAssertFalse(folderStore.knobs.contains(.nprobe))
        let codes = try XCTUnwrap(folderStore.describe().lines.first { $0.name == "codes" })
        XCTAssertEqual(codes.value, "int8, 24 bytes a row beside the float32 rows' 96; k x 6 candidates rescored exactly (`rag query --rescore` to change)")
    }

    /// The store searches the codes unless `exact`; every score it returns is the float32 one, and
    /// with enough candidates the rows are the exact search's.
    func testTheFolderStoreSearchesTheCodesAndReturnsExactScores() throws {
        try buildIndex()
        let store = try FolderVectorStore(opening: folder)
        let approximate = try store.nearest(Self.queries, k: 10, parameters: SearchParameters())
        let exact = try store.nearest(Self.queries, k: 10, parameters: SearchParameters(exact: true))
        var same = 0
        for q in 0..<Self.queries.rows {
            XCTAssertEqual(approximate[q].count, 10)
            for hit in approximate[q] {
                XCTAssertEqual(hit.score, store.index.flat.score(hit.document.row, query: Self.queries.row(q)), "query \(q) row \(hit.document.row)")
            }
            same += Set(approximate[q].map(\.document.row)).intersection(exact[q].map(\.document.row)).count
        }
        XCTAssertGreaterThanOrEqual(Double(same) / Double(10 * Self.queries.rows), 0.95, "recall@10 with 40 candidates")
        // Every row a candidate: the exact search's rows.
        let all = try store.nearest(Self.queries, k: 10, parameters: SearchParameters(rescore: 200))
        XCTAssertEqual(all.map { $0.map(\.document.row) }, exact.map { $0.map(\.document.row) })
    }

    /// An add encodes its segment with the stored quantizer; the quantizer and the stored codes are carried.
    func testAddEncodesTheNewSegmentWithTheStoredQuantizer() throws {
        try buildIndex()
        let old = try FolderVectorStore(opening: folder)
        let write = try old.beginWrite(appendingRows: true)
        try write.append(Self.rows.rows(2_000..<2_500), documents: IVFStoreTests.documents(2_000..<2_500))
        let store = try XCTUnwrap(try write.commit() as? FolderVectorStore)
        XCTAssertEqual(store.index.manifest.rowSegments.map(\.rows), [2_000, 500])
        XCTAssertEqual(store.index.manifest.files[QuantizedFlatIndex.Role.quantizer], old.index.manifest.files[QuantizedFlatIndex.Role.quantizer])
        XCTAssertEqual(store.index.manifest.files[Self.codesRole(store.index)], old.index.manifest.files[Self.codesRole(old.index)])
        let quantized = try XCTUnwrap(store.quantized)
        XCTAssertEqual(quantized.quantizer, old.quantized?.quantizer)
        XCTAssertEqual(quantized.codes.map(\.count), [2_000, 500])
        let expected = Self.rows.rows(2_000..<2_500).storage.withUnsafeBufferPointer { quantized.format.encode(rows: $0.baseAddress!, count: 500, dimension: Self.d) }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: quantized.codes[1].pointer, count: 500 * Self.d)), expected)
        let all = try store.nearest(Self.queries, k: 10, parameters: SearchParameters(rescore: 250))
        let exact = try store.nearest(Self.queries, k: 10, parameters: SearchParameters(exact: true))
        XCTAssertEqual(all.map { $0.map(\.document.row) }, exact.map { $0.map(\.document.row) })
        XCTAssertTrue(try store.verify().allSatisfy(\.ok))
    }

    /// Deleted rows never become candidates (k live rows come back); compaction trains the
    /// quantizer anew on the live rows and keeps the rescore factor.
    func testDeletedRowsAreNeverReturnedAndCompactionRetrains() throws {
        try buildIndex(rescore: 3)
        let old = try FolderVectorStore(opening: folder)
        // Delete every neighbour the exact search finds for the first queries.
        let exact = try old.nearest(Self.queries.rows(0..<5), k: 10, parameters: SearchParameters(exact: true))
        let doomed = Set(exact.flatMap { $0.map(\.document.row) })
        let write = try old.beginWrite(appendingRows: false)
        XCTAssertEqual(try write.delete(ids: doomed.map { "row-\($0)" }), [])
        let store = try XCTUnwrap(try write.commit() as? FolderVectorStore)
        let found = try store.nearest(Self.queries.rows(0..<5), k: 10, parameters: SearchParameters())
        for hits in found {
            XCTAssertEqual(hits.count, 10)
            XCTAssertTrue(hits.allSatisfy { !doomed.contains($0.document.row) })
        }
        let compacted = try store.compacted(retrainingIVF: false)
        XCTAssertEqual(compacted.index.count, 2_000 - doomed.count)
        XCTAssertEqual(compacted.index.manifest.rowSegments.count, 1)
        XCTAssertEqual(compacted.index.manifest.settings[QuantizedFlatIndex.Setting.trainedRows], "\(2_000 - doomed.count)")
        XCTAssertEqual(compacted.index.manifest.settings[QuantizedFlatIndex.Setting.trainedGeneration], "\(compacted.generation)")
        let quantized = try XCTUnwrap(compacted.quantized)
        XCTAssertEqual(quantized.rescore, 3)
        let flat = compacted.index.flat
        XCTAssertEqual(quantized.quantizer, ScalarQuantizer.train(blocks: [(flat.segments[0].pointer, flat.count)], dimension: Self.d))
        let again = try compacted.nearest(Self.queries, k: 10, parameters: SearchParameters(rescore: 200))
        let exactAgain = try compacted.nearest(Self.queries, k: 10, parameters: SearchParameters(exact: true))
        XCTAssertEqual(again.map { $0.map(\.document.text) }, exactAgain.map { $0.map(\.document.text) })
        XCTAssertTrue(try compacted.verify().allSatisfy(\.ok))
    }

    func testDamagedCodesAndQuantizerAreCaughtAtOpenAndByVerify() throws {
        try buildIndex(rows: 300)
        let store = try IndexStore(opening: folder)
        let codes = store.manifest.files[Self.codesRole(store)]!
        let codesURL = folder.appendingPathComponent(codes.name)
        var data = try Data(contentsOf: codesURL)
        data[17] ^= 0xFF
        try data.write(to: codesURL)
        XCTAssertEqual(try IndexStore.verify(folder: folder).filter { !$0.ok }.map(\.role), [Self.codesRole(store)])
        try data.prefix(data.count - 1).write(to: codesURL)
        XCTAssertThrowsError(try FolderVectorStore(opening: folder)) { e in
            XCTAssertEqual(e as? StoreError, .sizeMismatch(file: codes.name, expected: codes.bytes, actual: codes.bytes - 1))
        }

        try buildIndex(rows: 300)
        let fresh = try IndexStore(opening: folder)
        let entry = fresh.manifest.files[QuantizedFlatIndex.Role.quantizer]!
        let url = folder.appendingPathComponent(entry.name)
        let original = try Data(contentsOf: url)
        let nan = Float.nan.bitPattern
        for (offset, bytes, expectation) in [(0, [UInt8(ascii: "X")], "bad magic"), (8, [2], "version 2"),
                                             (12, [25], "dimension 25"),
                                             (16 + 4 * Self.d, withUnsafeBytes(of: nan.littleEndian) { Array($0) }, "not finite")] {
            var damaged = original
            damaged.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
            try damaged.write(to: url)
            XCTAssertThrowsError(try FolderVectorStore(opening: folder), expectation) { e in
                guard case .corrupt(let file, let reason)? = e as? StoreError else { return XCTFail("\(e)") }
                XCTAssertEqual(file, entry.name)
                XCTAssertTrue(reason.contains(expectation), reason)
            }
            XCTAssertEqual(try IndexStore.verify(folder: folder).filter { !$0.ok }.map(\.role), [QuantizedFlatIndex.Role.quantizer])
        }
    }

    /// `--vectors f16|bf16`: the part is named by its encoding, holds no quantizer, two bytes a
    /// dimension per row; reopened mapped it equals the in-memory codes; an add encodes the new
    /// segment, a compaction encodes the live rows anew, the IVF lists carry the same codes; every
    /// score is exact and every row a candidate gives the exact rows; a flipped byte is caught.
    func testHalfCodesAreBuiltAddedCompactedAndVerified() throws {
        for encoding in [VectorEncoding.f16, .bf16] {
            try? FileManager.default.removeItem(at: folder)
            try buildIndex(encoding: encoding, rescore: 5)
            let index = try IndexStore(opening: folder)
            XCTAssertEqual(index.vectorEncoding, encoding)
            XCTAssertEqual(Set(index.manifest.kinds), ["flat", encoding.rawValue])
            XCTAssertEqual(index.manifest.version, Manifest.halfCodesVersion, "binaries that predate the 16-bit codes refuse the index")
            XCTAssertEqual(index.manifest.settings[QuantizedFlatIndex.Setting.rescore(encoding)], "5")
            XCTAssertNil(index.manifest.files[QuantizedFlatIndex.Role.quantizer])
            XCTAssertNil(index.manifest.settings[QuantizedFlatIndex.Setting.trainedRows])
            let role = Self.codesRole(index, encoding: encoding)
            XCTAssertEqual(index.manifest.files[role]?.bytes, 2_000 * Self.d * 2)
            XCTAssertTrue(index.manifest.files[role]!.name.hasSuffix(".u16"), index.manifest.files[role]!.name)
            let mapped = try index.quantized()
            let inMemory = QuantizedFlatIndex(encoding: FlatIndex(vectors: index.flat.matrix()), as: encoding, rescore: 5)
            XCTAssertEqual(mapped.format, inMemory.format)
            XCTAssertEqual(Array(UnsafeBufferPointer(start: mapped.codes[0].pointer, count: 2_000 * Self.d * 2)),
                           Array(UnsafeBufferPointer(start: inMemory.codes[0].pointer, count: 2_000 * Self.d * 2)))
            XCTAssertEqual(mapped.search(Self.queries, k: 10), inMemory.search(Self.queries, k: 10))

            let old = try FolderVectorStore(index)
            let codes = try XCTUnwrap(old.describe().lines.first { $0.name == "codes" })
            XCTAssertEqual(codes.value, "\(encoding.rawValue), 48 bytes a row beside the float32 rows' 96; k x 5 candidates rescored exactly (`rag query --rescore` to change)")
            let write = try old.beginWrite(appendingRows: true)
            try write.append(Self.rows.rows(2_000..<2_500), documents: IVFStoreTests.documents(2_000..<2_500))
            let added = try XCTUnwrap(try write.commit() as? FolderVectorStore)
            let quantized = try XCTUnwrap(added.quantized)
            XCTAssertEqual(quantized.codes.map(\.count), [2_000, 500])
            let expected = Self.rows.rows(2_000..<2_500).storage.withUnsafeBufferPointer { quantized.format.encode(rows: $0.baseAddress!, count: 500, dimension: Self.d) }
            XCTAssertEqual(Array(UnsafeBufferPointer(start: quantized.codes[1].pointer, count: 500 * Self.d * 2)), expected)
            let exact = try added.nearest(Self.queries, k: 10, parameters: SearchParameters(exact: true))
            XCTAssertEqual(try added.nearest(Self.queries, k: 10, parameters: SearchParameters(rescore: 250)).map { $0.map(\.document.row) },
                           exact.map { $0.map(\.document.row) })
            for (q, hits) in try added.nearest(Self.queries, k: 10, parameters: SearchParameters(rescore: 1)).enumerated() {
                for hit in hits { XCTAssertEqual(hit.score, added.index.flat.score(hit.document.row, query: Self.queries.row(q))) }
            }
            let compacted = try added.compacted(retrainingIVF: false)
            XCTAssertEqual(compacted.quantized?.codes.map(\.count), [2_500])
            XCTAssertEqual(compacted.quantized?.rescore, 5)
            XCTAssertTrue(try compacted.verify().allSatisfy(\.ok))

            // The IVF lists carry the same format's codes.
            try? FileManager.default.removeItem(at: folder)
            try buildIVFIndex(encoding: encoding)
            let lists = try FolderVectorStore(opening: folder)
            XCTAssertEqual(Set(lists.index.manifest.kinds), ["flat", encoding.rawValue, "ivf"])
            XCTAssertEqual(lists.index.manifest.files[Self.listCodesRole(lists.index)]?.bytes, 2_000 * Self.d * 2)
            XCTAssertTrue(lists.index.manifest.files[Self.listCodesRole(lists.index)]!.name.hasSuffix(".u16"))
            try assertListCodesMatch(lists)

            // A flipped byte of the codes is caught by verify.
            let entry = lists.index.manifest.files[Self.codesRole(lists.index, encoding: encoding)]!
            let url = folder.appendingPathComponent(entry.name)
            var data = try Data(contentsOf: url)
            data[33] ^= 0xFF
            try data.write(to: url)
            XCTAssertEqual(try IndexStore.verify(folder: folder).filter { !$0.ok }.map(\.role), [Self.codesRole(lists.index, encoding: encoding)])
        }
    }

    /// Rows appended by a writer that did not extend the codes: the manifest is reported, not searched wrongly.
    func testRowsAddedWithoutCodesAreReported() throws {
        try buildIndex(rows: 300)
        let writer = try IndexWriter(updating: try IndexStore(opening: folder), appendingRows: true)
        try writer.append(Self.rows.rows(300..<310), documents: IVFStoreTests.documents(300..<310))
        let manifest = try writer.commit()
        XCTAssertThrowsError(try FolderVectorStore(opening: folder)) { e in
            guard case .badManifest(_, let reason)? = e as? StoreError else { return XCTFail("\(e)") }
            XCTAssertEqual(reason, "the int8 part lists no int8_codes@\(manifest.generation) file")
        }
    }

    /// An index without the part (today's format) opens and is searched as float32, exactly.
    func testAnIndexWithoutCodesOpensAsFloat32() throws {
        let writer = try IndexWriter(folder: folder, embedder: "test:v1", dimension: Self.d)
        try writer.append(Self.rows.rows(0..<200), documents: IVFStoreTests.documents(0..<200))
        try writer.commit()
        let store = try FolderVectorStore(opening: folder)
        XCTAssertEqual(store.index.vectorEncoding, .f32)
        XCTAssertNil(store.quantized)
        XCTAssertFalse(store.knobs.contains(.rescore))
        XCTAssertThrowsError(try store.index.quantized()) { XCTAssertEqual($0 as? StoreError, .kindMissing(kind: "int8, f16 or bf16")) }
        XCTAssertEqual(try store.nearest(Self.queries, k: 5, parameters: SearchParameters(rescore: 1)).map { $0.map(\.document.row) },
                       try store.nearest(Self.queries, k: 5, parameters: SearchParameters(exact: true)).map { $0.map(\.document.row) })
    }

    // MARK: Codes in the IVF lists

    /// A committed index of rows `0..<n` with the int8 part and the IVF part (16 lists), the lists' codes beside them.
    func buildIVFIndex(rows n: Int = 2_000, encoding: VectorEncoding = .int8) throws {
        let writer = try IndexWriter(folder: folder, embedder: "test:v1", dimension: Self.d)
        try writer.append(Self.rows.rows(0..<n), documents: IVFStoreTests.documents(0..<n))
        let format = try QuantizedFlatIndex.build(in: writer, encoding: encoding)
        try IVFIndex.build(in: writer, listCount: 16, targetRecall: nil, codes: format)
        try writer.commit()
    }

    static func listCodesRole(_ store: IndexStore, segment: Int = 0) -> String {
        store.manifest.role(IVFIndex.Role.codes, of: store.manifest.rowSegments[segment])
    }

    /// The mapped lists' codes are the quantizer's codes of the lists' vectors, part by part, and
    /// with every probed entry kept the store's search is the float32 IVF search of each query alone.
    func assertListCodesMatch(_ store: FolderVectorStore, file: StaticString = #filePath, line: UInt = #line) throws {
        let index = try XCTUnwrap(store.quantizedIVF, file: file, line: line)
        let ivf = try XCTUnwrap(store.ivf, file: file, line: line)
        for (p, part) in ivf.parts.enumerated() {
            XCTAssertEqual(Array(UnsafeBufferPointer(start: index.codes[p].pointer, count: part.count * Self.d * index.format.bytesPerDimension)),
                           index.format.encode(rows: part.vectors.pointer, count: part.count, dimension: Self.d), "part \(p)", file: file, line: line)
        }
        let found = try store.nearest(Self.queries, k: 10, parameters: SearchParameters(nprobe: 4, rescore: 1_000))
        for q in 0..<Self.queries.rows {
            let want = ivf.search(Self.queries.rows(q..<(q + 1)), k: 10, parameters: SearchParameters(nprobe: 4, allowed: store.index.live))
            XCTAssertEqual(found[q].map(\.document.row), want.ids.filter { $0 >= 0 }, "query \(q)", file: file, line: line)
            XCTAssertEqual(found[q].map(\.score), Array(want.scores.prefix(found[q].count)), "query \(q)", file: file, line: line)
        }
    }

    /// `--kind ivf --vectors int8`: each segment's lists carry their codes (`ivf_codes@<segment>`);
    /// the store searches them with exact scores; an add encodes the new segment's lists with the
    /// stored quantizer; deleted rows are never returned; compaction writes the lists' codes with
    /// the quantizer trained anew, with or without new centroids.
    func testCodesInIVFListsAreBuiltSearchedAddedAndCompacted() throws {
        try buildIVFIndex()
        let store = try FolderVectorStore(opening: folder)
        XCTAssertEqual(Set(store.index.manifest.kinds), ["flat", "int8", "ivf"])
        XCTAssertEqual(store.index.manifest.files[Self.listCodesRole(store.index)]?.bytes, 2_000 * Self.d)
        XCTAssertTrue(store.knobs.isSuperset(of: [.exact, .nprobe, .rescore]))
        try assertListCodesMatch(store)
        let found = try store.nearest(Self.queries, k: 10, parameters: SearchParameters())
        for (q, hits) in found.enumerated() {
            XCTAssertEqual(hits.count, 10)
            for hit in hits { XCTAssertEqual(hit.score, store.index.flat.score(hit.document.row, query: Self.queries.row(q))) }
        }
        let codes = try XCTUnwrap(store.describe().lines.first { $0.name == "codes" })
        XCTAssertEqual(codes.value, "int8, 24 bytes a row beside the float32 rows' 96 (and beside the IVF lists' vectors, scanned by IVF search); "
                       + "k x 4 candidates rescored exactly (`rag query --rescore` to change)")
        XCTAssertTrue(try store.verify().allSatisfy(\.ok))

        let write = try store.beginWrite(appendingRows: true)
        try write.append(Self.rows.rows(2_000..<2_500), documents: IVFStoreTests.documents(2_000..<2_500))
        let grown = try XCTUnwrap(try write.commit() as? FolderVectorStore)
        XCTAssertEqual(grown.quantizedIVF?.codes.map(\.count), [2_000, 500])
        XCTAssertEqual(grown.index.manifest.files[Self.listCodesRole(grown.index)], store.index.manifest.files[Self.listCodesRole(store.index)])
        XCTAssertEqual(grown.index.manifest.files[Self.listCodesRole(grown.index, segment: 1)]?.bytes, 500 * Self.d)
        try assertListCodesMatch(grown)

        let doomed = Set(found.prefix(5).flatMap { $0.map(\.document.row) })
        let deleting = try grown.beginWrite(appendingRows: false)
        XCTAssertEqual(try deleting.delete(ids: doomed.map { "row-\($0)" }), [])
        let deleted = try XCTUnwrap(try deleting.commit() as? FolderVectorStore)
        for hits in try deleted.nearest(Self.queries.rows(0..<5), k: 10, parameters: SearchParameters()) {
            XCTAssertTrue(hits.allSatisfy { !doomed.contains($0.document.row) })
        }
        try assertListCodesMatch(deleted)

        let compacted = try deleted.compacted(retrainingIVF: false)
        XCTAssertEqual(compacted.quantizedIVF?.codes.map(\.count), [2_500 - doomed.count])
        XCTAssertEqual(compacted.index.manifest.settings[QuantizedFlatIndex.Setting.trainedRows], "\(2_500 - doomed.count)")
        // The lists' codes are the quantizer trained anew on the live rows, not the stored one.
        let flat = compacted.index.flat
        let retrainedQuantizer = ScalarQuantizer.train(blocks: [(flat.segments[0].pointer, flat.count)], dimension: Self.d)
        XCTAssertEqual(compacted.quantizedIVF?.quantizer, retrainedQuantizer)
        XCTAssertNotEqual(retrainedQuantizer, store.quantized?.quantizer)
        try assertListCodesMatch(compacted)
        XCTAssertTrue(try compacted.verify().allSatisfy(\.ok))
        let retrained = try compacted.compacted(retrainingIVF: true)
        XCTAssertEqual(retrained.index.manifest.settings[IVFIndex.Setting.trainedGeneration], "\(retrained.generation)")
        try assertListCodesMatch(retrained)
    }

    /// A damaged list-codes file is caught by verify and at open; rows appended by a writer that
    /// extended the lists without their codes are reported by name.
    func testDamagedOrMissingListCodesAreReported() throws {
        try buildIVFIndex(rows: 400)
        let store = try IndexStore(opening: folder)
        let role = Self.listCodesRole(store)
        let entry = try XCTUnwrap(store.manifest.files[role])
        let url = folder.appendingPathComponent(entry.name)
        var data = try Data(contentsOf: url)
        data[5] ^= 0x40
        try data.write(to: url)
        XCTAssertEqual(try IndexStore.verify(folder: folder).filter { !$0.ok }.map(\.role), [role])
        try data.prefix(data.count - 3).write(to: url)
        XCTAssertThrowsError(try FolderVectorStore(opening: folder)) { e in
            XCTAssertEqual(e as? StoreError, .sizeMismatch(file: entry.name, expected: entry.bytes, actual: entry.bytes - 3))
        }

        try buildIVFIndex(rows: 400)
        let old = try FolderVectorStore(opening: folder)
        let writer = try IndexWriter(updating: old.index, appendingRows: true)
        try writer.append(Self.rows.rows(400..<410), documents: IVFStoreTests.documents(400..<410))
        try XCTUnwrap(old.ivf).extend(in: writer)
        try XCTUnwrap(old.quantized).extend(in: writer)
        let manifest = try writer.commit()
        XCTAssertThrowsError(try FolderVectorStore(opening: folder)) { e in
            guard case .badManifest(_, let reason)? = e as? StoreError else { return XCTFail("\(e)") }
            XCTAssertEqual(reason, "the ivf part lists no ivf_codes@\(manifest.generation) file (an index with the ivf and int8 parts keeps its lists' codes)")
        }
    }
}
