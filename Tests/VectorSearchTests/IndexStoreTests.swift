// IndexStoreTests: write, reopen and damage an index folder; every damage is caught with a message to re-run.
import XCTest
import Foundation
import LinearAlgebra
import VectorSearch

final class IndexStoreTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("localrag-store-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    @discardableResult
    func writeIndex(rows: Int = 50, label: String = "a", seed: UInt64 = 1) throws -> Manifest {
        let writer = try IndexWriter(folder: folder, embedder: "test:v1", dimension: 8)
        let vectors = FlatIndexTests.unitRows(rows, 8, seed: seed)
        let docs = (0..<rows).map { Document(sourceRow: $0, text: "text \($0) ✓", label: $0 % 3 == 0 ? nil : "\(label)\($0 % 4)", id: "\(label)-\($0)") }
        try writer.append(vectors, documents: docs)
        writer.addSource(Manifest.Source(csv: "x.csv", textColumn: "text", labelColumn: "label_text"))
        return try writer.commit()
    }

    func testRoundTrip() throws {
        try writeIndex()
        let store = try IndexStore(opening: folder)
        XCTAssertEqual(store.count, 50)
        XCTAssertEqual(store.dimension, 8)
        XCTAssertEqual(store.manifest.kinds, ["flat"])
        XCTAssertEqual(store.documents.document(7), Document(row: 7, sourceRow: 7, text: "text 7 ✓", label: "a3", id: "a-7"))
        XCTAssertNil(store.documents.document(6).label)
        let expected = FlatIndexTests.unitRows(50, 8, seed: 1)
        // Rows are re-normalised at write time: equal up to the last bit of rounding.
        XCTAssertLessThan(zip(store.flat.storage.matrix().storage, expected.storage).map { abs($0 - $1) }.max()!, 1e-6)
        XCTAssertTrue(try IndexStore.verify(folder: folder).allSatisfy(\.ok))
    }

    func testEmbedderMismatchIsRefused() throws {
        try writeIndex()
        let store = LocalVectorStore(try IndexStore(opening: folder))
        XCTAssertThrowsError(try store.check(embedderIdentifier: "other:v1", dimension: 8)) { e in
            XCTAssertEqual((e as? StoreError)?.errorDescription, "the index was built with embedder test:v1 but the current embedder is other:v1")
        }
        XCTAssertThrowsError(try store.check(embedderIdentifier: "test:v1", dimension: 384))
        XCTAssertNoThrow(try store.check(embedderIdentifier: "test:v1", dimension: 8))
    }

    func testFlippedByteInAnyFileFailsVerify() throws {
        let manifest = try writeIndex()
        for (role, entry) in manifest.files {
            let url = folder.appendingPathComponent(entry.name)
            var data = try Data(contentsOf: url)
            let original = data
            for offset in [0, data.count / 2, data.count - 1] {
                data[offset] ^= 0x40
                try data.write(to: url)
                let checks = try IndexStore.verify(folder: folder)
                let bad = checks.filter { !$0.ok }
                XCTAssertEqual(bad.map(\.role), [role], "flip at \(offset) of \(role)")
                XCTAssertTrue(bad.first?.problem?.contains("index file") ?? false)
                XCTAssertFalse(bad.first?.problem?.contains("rag ") ?? true, "library errors name no CLI command")
                data = original
                try data.write(to: url)
            }
        }
        XCTAssertTrue(try IndexStore.verify(folder: folder).allSatisfy(\.ok))
    }

    func testTruncatedFileFailsOpenAndVerify() throws {
        let manifest = try writeIndex()
        for (_, entry) in manifest.files {
            let url = folder.appendingPathComponent(entry.name)
            let original = try Data(contentsOf: url)
            try original.prefix(original.count - 3).write(to: url)
            XCTAssertThrowsError(try IndexStore(opening: folder)) { e in
                XCTAssertEqual(e as? StoreError, .sizeMismatch(file: entry.name, expected: entry.bytes, actual: entry.bytes - 3))
            }
            XCTAssertFalse(try IndexStore.verify(folder: folder).allSatisfy(\.ok))
            try original.write(to: url)
        }
    }

    func testManifestEditsAreCaughtAtOpen() throws {
        try writeIndex()
        let url = folder.appendingPathComponent(Manifest.fileName)
        let original = try String(contentsOf: url, encoding: .utf8)
        let cases: [(String, String, (Error) -> Void)] = [
            ("\"version\" : 2", "\"version\" : 4", { XCTAssertEqual($0 as? StoreError, .unsupportedVersion(found: 4, supported: 3)) }),
            ("\"count\" : 50", "\"count\" : 50, \"deleted\" : 51", { XCTAssertTrue(($0 as? StoreError)?.errorDescription?.contains("deleted 51") ?? false) }),
            ("\"dimension\" : 8", "\"dimension\" : 16", { XCTAssertEqual(($0 as? StoreError).map { "\($0)" }?.hasPrefix("sizeMismatch"), true) }),
            ("\"count\" : 50", "\"count\" : 49", { XCTAssertTrue(($0 as? StoreError)?.errorDescription?.contains("segments do not add up to the 49 rows") ?? false) }),
            ("\"rows\" : 50", "\"rows\" : 49", { XCTAssertTrue(($0 as? StoreError)?.errorDescription?.contains("segments do not add up") ?? false) }),
            ("\"format\" : \"localrag-index\"", "\"format\" : \"other\"", { XCTAssertTrue(($0 as? StoreError)?.errorDescription?.contains("damaged") ?? false) }),
            ("{", "[", { XCTAssertTrue(($0 as? StoreError)?.errorDescription?.contains("not valid manifest JSON") ?? false) }),
        ]
        for (from, to, check) in cases {
            XCTAssertTrue(original.contains(from), from)
            try original.replacingOccurrences(of: from, with: to).write(to: url, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try IndexStore(opening: folder), from, check)
        }
    }

    func testSwappedFilesAreCaught() throws {
        let manifest = try writeIndex()
        let a = folder.appendingPathComponent(manifest.files[manifest.role("rows", of: manifest.rowSegments[0])]!.name)
        let b = folder.appendingPathComponent(manifest.files[manifest.role("texts", of: manifest.rowSegments[0])]!.name)
        let da = try Data(contentsOf: a), db = try Data(contentsOf: b)
        try db.write(to: a)
        try da.write(to: b)
        XCTAssertThrowsError(try IndexStore(opening: folder))
        XCTAssertEqual(try IndexStore.verify(folder: folder).filter { !$0.ok }.count, 2)
    }

    func testNewBuildReplacesOnlyOnCommit() throws {
        try writeIndex(rows: 50, label: "old")
        do {
            let writer = try IndexWriter(folder: folder, embedder: "test:v1", dimension: 8)
            try writer.append(FlatIndexTests.unitRows(10, 8, seed: 2), documents: (0..<10).map { Document(sourceRow: $0, text: "new", label: "new", id: "new-\($0)") })
            // The old index is still what opens while the new one is being written.
            let during = try IndexStore(opening: folder)
            XCTAssertEqual(during.count, 50)
            XCTAssertEqual(during.documents.document(1).label, "old1")
            // The writer goes away without committing (as if the process died).
        }
        let after = try IndexStore(opening: folder)
        XCTAssertEqual(after.count, 50)
        XCTAssertTrue(try IndexStore.verify(folder: folder).allSatisfy(\.ok))
        try writeIndex(rows: 20, label: "new")
        let replaced = try IndexStore(opening: folder)
        XCTAssertEqual(replaced.count, 20)
        XCTAssertEqual(replaced.manifest.generation, 2)
        // Only the new generation's files remain.
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
        XCTAssertEqual(names, (Array(replaced.manifest.files.values.map(\.name)) + [Manifest.fileName]).sorted())
    }

    func testSecondWriterIsRefused() throws {
        let first = try IndexWriter(folder: folder, embedder: "test:v1", dimension: 8)
        XCTAssertThrowsError(try IndexWriter(folder: folder, embedder: "test:v1", dimension: 8)) { e in
            XCTAssertTrue((e as? StoreError)?.errorDescription?.contains("another rag process") ?? false)
        }
        first.abandon()
    }

    func testFolderThatIsNotAnIndexIsRefused() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "hello".write(to: folder.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try IndexWriter(folder: folder, embedder: "test:v1", dimension: 8)) { e in
            XCTAssertEqual(e as? StoreError, .notAnIndex(path: folder.relativePath))
        }
        XCTAssertThrowsError(try IndexStore(opening: folder)) { e in XCTAssertEqual(e as? StoreError, .notAnIndex(path: folder.relativePath)) }
        XCTAssertThrowsError(try IndexStore(opening: folder.appendingPathComponent("nothing"))) { e in
            XCTAssertEqual((e as? StoreError)?.errorDescription, "no index at \(folder.appendingPathComponent("nothing").relativePath)")
        }
    }

    /// A writer opened on a state another writer has since committed over is refused under the
    /// lock, and nothing of the newer state is touched (same generation's file names).
    func testAWriterOnAStaleStateIsRefused() throws {
        try writeIndex()
        let stale = try IndexStore(opening: folder)
        let first = try IndexWriter(updating: try IndexStore(opening: folder), appendingRows: true)
        try first.append(FlatIndexTests.unitRows(2, 8, seed: 9), documents: [Document(sourceRow: 0, text: "x", label: "a1", id: "x"),
                                                                             Document(sourceRow: 1, text: "y", label: "a1", id: "y")])
        try first.commit()
        let committed = try Manifest.read(from: folder)
        XCTAssertThrowsError(try IndexWriter(updating: stale, appendingRows: true)) { e in
            XCTAssertEqual(e as? StoreError, .changedSinceOpened(path: folder.relativePath))
        }
        XCTAssertEqual(try Manifest.read(from: folder), committed)
        XCTAssertTrue(try IndexStore.verify(folder: folder).allSatisfy(\.ok), "the newer state is whole")
        XCTAssertEqual(try IndexStore(opening: folder).count, 52)
        // A writer on the current state goes ahead (the lock was released).
        let next = try IndexWriter(updating: try IndexStore(opening: folder), appendingRows: false)
        next.abandon()
    }

    func testUpdatingWithoutRowsKeepsRowFiles() throws {
        let first = try writeIndex()
        let store = try IndexStore(opening: folder)
        let writer = try IndexWriter(updating: store, appendingRows: false)
        try writer.writePartFile(role: "extra", ext: "bin") { try $0.write([1, 2, 3]) }
        writer.setKind("extra", present: true, settings: ["extra.n": "3"])
        let second = try writer.commit()
        XCTAssertEqual(second.files["vectors@1"], first.files["vectors@1"])
        XCTAssertEqual(second.segments, first.segments)
        XCTAssertEqual(second.kinds, ["extra", "flat"])
        XCTAssertEqual(second.settings["extra.n"], "3")
        XCTAssertTrue(try IndexStore.verify(folder: folder).allSatisfy(\.ok))
        XCTAssertEqual(try IndexStore(opening: folder).documents.document(4).label, "a0")
    }
}
