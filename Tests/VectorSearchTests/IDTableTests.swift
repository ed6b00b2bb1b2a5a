// IDTableTests: each segment's id table finds every live id as a plain scan of the ids does, across segments, deletes, compaction, and segments written before the tables.
import Foundation
import XCTest
import LinearAlgebra
import VectorSearch

final class IDTableTests: XCTestCase {
    func temporaryFolder() -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("id-table-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    func testEncodedTableFindsEveryRowOfAHash() throws {
        let ids = ["a", "b", "a", "c", "é"]
        let url = temporaryFolder().appendingPathExtension("bin")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(IDTable.encode(ids)).write(to: url)
        let table = try IDTable(file: try MappedFile(url), rows: ids.count, name: "ids.1.bin")
        XCTAssertEqual(table.candidates(hash: IDTable.hash("a")), [0, 2])
        XCTAssertEqual(table.candidates(hash: IDTable.hash("é")), [4])
        XCTAssertEqual(table.candidates(hash: IDTable.hash("zz")), [])
        XCTAssertEqual(IDTable.hash(""), 0xcbf2_9ce4_8422_2325, "FNV-1a 64's offset basis: the hash is the stored one")
        XCTAssertThrowsError(try IDTable(file: try MappedFile(url), rows: 4, name: "ids.1.bin")) {
            XCTAssertEqual($0 as? StoreError, .sizeMismatch(file: "ids.1.bin", expected: 64, actual: 80))
        }
    }

    /// The plain reference: the live row whose id is `id`, by reading every row's id.
    func scan(_ store: IndexStore, _ id: String) -> Int? {
        (0..<store.count).first { store.isLive($0) && store.documents.id($0) == id }
    }

    func testLookupsEqualAScanAcrossSegmentsDeletesCompactionAndOldSegments() throws {
        let folder = temporaryFolder()
        var rng = SplitMix64(seed: 5)
        func rows(_ n: Int) -> Matrix {
            Normalization.normalizedRows(Matrix(rows: n, cols: 8, storage: (0..<(n * 8)).map { _ in Float(rng.next() % 1000) / 500 - 1 }))
        }
        let writer = try IndexWriter(folder: folder, embedder: "test", dimension: 8)
        try writer.append(rows(500), documents: (0..<500).map { Document(sourceRow: $0, text: "t\($0)", label: nil, id: "id-\($0)") })
        try writer.commit()
        var store = try FolderVectorStore(opening: folder)
        for s in 0..<3 {
            let write = try store.beginWrite(appendingRows: true)
            // Each segment replaces ten stored ids and adds a hundred new ones.
            let replaced = (0..<10).map { "id-\(s * 50 + $0)" }
            XCTAssertEqual(try write.delete(ids: replaced), [])
            let ids = replaced + (0..<90).map { "seg\(s)-\($0)" }
            let first = write.nextRow
            try write.append(rows(100), documents: ids.enumerated().map { Document(row: first + $0.offset, sourceRow: $0.offset, text: "u", label: nil, id: $0.element) })
            store = try XCTUnwrap(try write.commit() as? FolderVectorStore)
        }
        let allIDs = (0..<500).map { "id-\($0)" } + (0..<3).flatMap { s in (0..<90).map { "seg\(s)-\($0)" } } + ["nope", ""]
        func check(_ store: FolderVectorStore, _ context: String) {
            for id in allIDs { XCTAssertEqual(store.index.liveRow(ofID: id), scan(store.index, id), "\(context): \(id)") }
        }
        XCTAssertEqual(store.index.idTables.map { $0 != nil }, [true, true, true, true])
        check(store, "4 segments, 30 rows replaced")
        let compacted = try store.compacted(retrainingIVF: false)
        XCTAssertEqual(compacted.index.idTables.count, 1)
        check(compacted, "compacted")

        // An index written before id tables: the segments' ids are read into a map once.
        var manifest = try Manifest.read(from: folder)
        for role in manifest.files.keys where role.hasPrefix("ids") { manifest.files[role] = nil }
        try manifest.encoded().write(to: folder.appendingPathComponent(Manifest.fileName))
        let old = try FolderVectorStore(opening: folder)
        XCTAssertEqual(old.index.idTables.map { $0 != nil }, [false])
        check(old, "no tables")
        let write = try old.beginWrite(appendingRows: true)
        XCTAssertThrowsError(try write.append(rows(1), documents: [Document(row: write.nextRow, sourceRow: 0, text: "x", label: nil, id: "id-499")])) {
            XCTAssertEqual($0 as? StoreError, .duplicateID(id: "id-499", row: try! XCTUnwrap(self.scan(old.index, "id-499"))))
        }
        try write.append(rows(1), documents: [Document(row: write.nextRow, sourceRow: 0, text: "x", label: nil, id: "fresh")])
        let grown = try XCTUnwrap(try write.commit() as? FolderVectorStore)
        XCTAssertEqual(grown.index.idTables.map { $0 != nil }, [false, true], "the new segment has its table")
        XCTAssertEqual(grown.index.liveRow(ofID: "fresh"), grown.index.count - 1)
        XCTAssertTrue(try IndexStore.verify(folder: folder).allSatisfy(\.ok))
    }
}
