// IVFStoreTests: the IVF part in an index folder: build, reopen mapped, add atomically, tune, and damage caught.
import XCTest
import Foundation
import LinearAlgebra
import VectorSearch

final class IVFStoreTests: XCTestCase {
    var folder: URL!
    static let d = 16
    static let all = KMeansTests.clustered(3_060, d, clusters: 24, spread: 0.3, seed: 31)
    static let rows = all.rows(0..<3_000)
    static let queries = all.rows(3_000..<3_060)

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("localrag-ivf-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    static func documents(_ range: Range<Int>) -> [Document] {
        range.map { Document(sourceRow: $0, text: "row \($0)", label: "l\($0 % 5)", id: "row-\($0)") }
    }

    /// A committed index of rows `0..<n` with an IVF part of `nlist` lists.
    @discardableResult
    func buildIndex(rows n: Int = 2_000, nlist: Int? = 16) throws -> IVFIndex.BuildReport {
        let writer = try IndexWriter(folder: folder, embedder: "test:v1", dimension: Self.d)
        try writer.append(Self.rows.rows(0..<n), documents: Self.documents(0..<n))
        let report = try IVFIndex.build(in: writer, listCount: nlist)
        try writer.commit()
        return report
    }

    func indexFiles() throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") })
    }

    /// The role of the first segment's file of `kind`.
    static func segmentRole(_ store: IndexStore, _ kind: String) -> String {
        store.manifest.role(kind, of: store.manifest.rowSegments[0])
    }

    func testBuildReopenMappedEqualsInMemory() throws {
        let report = try buildIndex()
        XCTAssertEqual(report.listCount, 16)
        XCTAssertEqual(report.rows, 2_000)
        let store = try IndexStore(opening: folder)
        XCTAssertTrue(store.hasIVF)
        XCTAssertEqual(store.manifest.kinds, ["flat", "ivf"])
        XCTAssertEqual(store.manifest.settings[IVFIndex.Setting.nlist], "16")
        for role in [IVFIndex.Role.centroids, Self.segmentRole(store, IVFIndex.Role.lists), Self.segmentRole(store, IVFIndex.Role.vectors)] {
            XCTAssertNotNil(store.manifest.files[role], role)
        }
        XCTAssertEqual(store.manifest.files[Self.segmentRole(store, IVFIndex.Role.vectors)]?.bytes, 2_000 * Self.d * 4)
        XCTAssertEqual(store.manifest.files[Self.segmentRole(store, IVFIndex.Role.lists)]?.bytes, 32 + 8 * 17 + 4 * 2_000)
        let ivf = try store.ivf()
        XCTAssertEqual(ivf.defaultNProbe, report.defaultNProbe)
        let inMemory = IVFIndex(quantizer: FlatIndex(vectors: ivf.quantizer.storage.matrix()), vectors: store.flat.storage)
        XCTAssertEqual(ivf.lists.offsets, inMemory.lists.offsets)
        XCTAssertEqual(ivf.lists.allIDs, inMemory.lists.allIDs)
        XCTAssertEqual(ivf.lists.vectors.matrix(), inMemory.lists.vectors.matrix())
        for nprobe in [1, 4, 16] {
            let p = SearchParameters(nprobe: nprobe)
            XCTAssertEqual(ivf.search(Self.queries, k: 10, parameters: p), inMemory.search(Self.queries, k: 10, parameters: p))
        }
        XCTAssertTrue(try IndexStore.verify(folder: folder).allSatisfy(\.ok))
    }

    /// An add writes a segment of its own: every stored file is carried as it is (the append costs
    /// the added rows only), and searches equal one build of all the rows on the same centroids.
    func testAddAppendsASegmentAndSearchesAsOneBuildWithTheSameCentroids() throws {
        try buildIndex()
        let old = try IndexStore(opening: folder)
        let oldIVF = try old.ivf()
        let oldFiles = try indexFiles()
        let writer = try IndexWriter(updating: old, appendingRows: true)
        XCTAssertEqual(writer.segmentBase, 2_000)
        try writer.append(Self.rows.rows(2_000..<3_000), documents: Self.documents(2_000..<3_000))
        XCTAssertEqual(try oldIVF.extend(in: writer), 1_000)
        try writer.commit()

        let store = try IndexStore(opening: folder)
        XCTAssertEqual(store.count, 3_000)
        XCTAssertEqual(store.manifest.rowSegments.map(\.rows), [2_000, 1_000])
        let ivf = try store.ivf()
        XCTAssertEqual(ivf.count, 3_000)
        XCTAssertEqual(ivf.parts.count, 2)
        // Every file of the stored segment and the centroids are carried; only the labels file is rewritten.
        let files = try indexFiles()
        let oldLabels = old.manifest.files["labels"]!.name
        XCTAssertTrue(oldFiles.subtracting([oldLabels, "manifest.json"]).isSubset(of: files), "stored files are kept")
        let oldSegment = old.manifest.rowSegments[0]
        for kind in ["vectors", "rows", "texts", IVFIndex.Role.lists, IVFIndex.Role.vectors] {
            XCTAssertEqual(store.manifest.files["\(kind)@\(oldSegment.id)"], old.manifest.files[old.manifest.role(kind, of: oldSegment)], kind)
        }
        XCTAssertEqual(store.manifest.files[IVFIndex.Role.centroids], old.manifest.files[IVFIndex.Role.centroids])
        // Same as putting all 3,000 rows in the same centroids' lists at once.
        let whole = IVFIndex(quantizer: FlatIndex(vectors: oldIVF.quantizer.storage.matrix()),
                             vectors: VectorStorage(copying: store.flat.matrix().storage, count: 3_000, dimension: store.dimension))
        // The same rows scored in other sgemm blocks: equal scores to float noise, ids up to ties.
        func assertSame(_ a: SearchResult, _ b: SearchResult, _ context: String) {
            XCTAssertEqual(a.scores.count, b.scores.count, context)
            for (x, y) in zip(a.scores, b.scores) { XCTAssertEqual(x, y, accuracy: 1e-5, context) }
            XCTAssertLessThanOrEqual(zip(a.ids, b.ids).filter { $0 != $1 }.count, 2, context)
        }
        for nprobe in [2, 16] {
            let p = SearchParameters(nprobe: nprobe)
            assertSame(ivf.search(Self.queries, k: 10, parameters: p), whole.search(Self.queries, k: 10, parameters: p), "batch, nprobe \(nprobe)")
            assertSame(ivf.search(Self.queries.rows(0..<1), k: 10, parameters: p), whole.search(Self.queries.rows(0..<1), k: 10, parameters: p),
                       "one query, nprobe \(nprobe)")
        }
        assertSame(store.flat.search(Self.queries, k: 10), FlatIndex(vectors: store.flat.matrix()).search(Self.queries, k: 10),
                   "flat search over two segments equals one block")
        XCTAssertEqual(store.documents.document(2_500).text, "row 2500")
        XCTAssertEqual(store.documents.document(2_500).row, 2_500)
        XCTAssertEqual(store.flat.matrix().rows(0..<2_000), old.flat.matrix())
        XCTAssertTrue(try IndexStore.verify(folder: folder).allSatisfy(\.ok))
    }

    func testAbandonedAddLeavesTheOldIndexWhole() throws {
        try buildIndex()
        let before = try indexFiles()
        let manifest = try IndexStore(opening: folder).manifest
        do {
            let old = try IndexStore(opening: folder)
            let writer = try IndexWriter(updating: old, appendingRows: true)
            try writer.append(Self.rows.rows(2_000..<2_100), documents: Self.documents(2_000..<2_100))
            try old.ivf().extend(in: writer)
            // No commit: the writer is dropped as after a failure.
        }
        XCTAssertEqual(try indexFiles(), before)
        let store = try IndexStore(opening: folder)
        XCTAssertEqual(store.manifest, manifest)
        XCTAssertEqual(try store.ivf().count, 2_000)
    }

    func testTunedNProbeIsStoredAndBecomesTheDefault() throws {
        try buildIndex()
        let store = try IndexStore(opening: folder)
        let ivf = try store.ivf()
        let (rows, sample) = IVFIndex.sampleRows(of: store.flat, count: 300)
        let tuned = try ivf.tuneNProbe(queries: sample, exact: store.flat, targetRecall: 0.9, excluding: rows)
        let writer = try IndexWriter(updating: store, appendingRows: false)
        writer.setSetting(IVFIndex.Setting.nprobe, "\(tuned.nprobe)")
        try writer.commit()
        let reopened = try IndexStore(opening: folder)
        XCTAssertEqual(try reopened.ivf().defaultNProbe, tuned.nprobe)
        XCTAssertEqual(reopened.manifest.files[Self.segmentRole(reopened, IVFIndex.Role.lists)], store.manifest.files[Self.segmentRole(store, IVFIndex.Role.lists)])
        XCTAssertTrue(try IndexStore.verify(folder: folder).allSatisfy(\.ok))
    }

    func testDamagedListFileIsCaughtAtOpenAndByVerify() throws {
        try buildIndex(rows: 500, nlist: 8)
        let store = try IndexStore(opening: folder)
        let entry = store.manifest.files[Self.segmentRole(store, IVFIndex.Role.lists)]!
        let url = folder.appendingPathComponent(entry.name)
        let original = try Data(contentsOf: url)
        let idsStart = 32 + 8 * 9
        for (offset, value, expectation) in [(0, UInt8(ascii: "X"), "magic"), (idsStart, UInt8(0xFF), "row id"),
                                             (32 + 8 + 7, UInt8(0x7F), "offsets")] {
            var data = original
            data[offset] = value
            if offset == idsStart { data[offset + 1] = 0xFF; data[offset + 2] = 0xFF }
            try data.write(to: url)
            XCTAssertThrowsError(try IndexStore(opening: folder).ivf(), expectation) { e in
                guard case .corrupt(let file, let reason)? = e as? StoreError else { return XCTFail("\(e)") }
                XCTAssertEqual(file, entry.name)
                XCTAssertTrue(reason.contains(expectation), reason)
                XCTAssertEqual((e as? StoreError)?.errorDescription, "index file \(file) is damaged: \(reason)")
            }
            XCTAssertEqual(try IndexStore.verify(folder: folder).filter { !$0.ok }.map(\.role), [Self.segmentRole(store, IVFIndex.Role.lists)])
        }
        try original.prefix(original.count - 4).write(to: url)
        XCTAssertThrowsError(try IndexStore(opening: folder).ivf()) { e in
            XCTAssertEqual(e as? StoreError, .sizeMismatch(file: entry.name, expected: entry.bytes, actual: entry.bytes - 4))
        }
    }

    func testRowsAddedWithoutTheIVFPartAreReported() throws {
        try buildIndex(rows: 500, nlist: 8)
        let writer = try IndexWriter(updating: try IndexStore(opening: folder), appendingRows: true)
        try writer.append(Self.rows.rows(500..<510), documents: Self.documents(500..<510))
        try writer.commit()
        XCTAssertThrowsError(try IndexStore(opening: folder).ivf()) { e in
            XCTAssertEqual(e as? IVFError, .rowCountMismatch(ivf: 500, index: 510))
            XCTAssertEqual((e as? IVFError)?.errorDescription, "the IVF part covers 500 rows but the index holds 510")
        }
    }

    func testFlatOnlyIndexHasNoIVF() throws {
        let writer = try IndexWriter(folder: folder, embedder: "test:v1", dimension: Self.d)
        try writer.append(Self.rows.rows(0..<50), documents: Self.documents(0..<50))
        try writer.commit()
        let store = try IndexStore(opening: folder)
        XCTAssertFalse(store.hasIVF)
        XCTAssertThrowsError(try store.ivf()) { XCTAssertEqual($0 as? StoreError, .kindMissing(kind: "ivf")) }
    }

    func testTooManyListsIsRefusedBeforeAnythingIsCommitted() throws {
        let writer = try IndexWriter(folder: folder, embedder: "test:v1", dimension: Self.d)
        try writer.append(Self.rows.rows(0..<20), documents: Self.documents(0..<20))
        XCTAssertThrowsError(try IVFIndex.build(in: writer, listCount: 21)) {
            XCTAssertEqual($0 as? IVFError, .moreListsThanRows(nlist: 21, rows: 20))
        }
        writer.abandon()
        XCTAssertThrowsError(try IndexStore(opening: folder))
    }
}
