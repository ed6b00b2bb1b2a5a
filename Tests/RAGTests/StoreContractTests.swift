// StoreContractTests: the store seam's contract (TestSupport's StoreContract) on an index folder; MilvusStoreTests runs it on Milvus Lite.
import Foundation
import XCTest
import LinearAlgebra
import TestSupport
import VectorSearch

final class StoreContractTests: XCTestCase {
    /// Makes an index folder in a fresh temporary folder (removed after the test), with an IVF
    /// part of `lists` lists when given.
    func folderStore(_ name: String, ivfLists lists: Int? = nil) throws -> (Matrix, [Document]) throws -> any WritableVectorStore {
        let root = try SharedFixtures.temporaryFolder(name)
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        return { vectors, documents in
            let folder = root.appendingPathComponent("index")
            let writer = try IndexWriter(folder: folder, embedder: "contract", dimension: vectors.cols)
            try writer.append(vectors, documents: documents)
            if let lists { try IVFIndex.build(in: writer, listCount: lists, targetRecall: nil) }
            try writer.commit()
            return try FolderVectorStore(opening: folder)
        }
    }

    func testAnIndexFolderKeepsTheContract() throws {
        try StoreContract.check(try folderStore("store-contract"))
    }

    func testAnIndexFolderChangesRowsByID() throws {
        try StoreContract.checkRowChanges(try folderStore("store-contract-rows"))
    }

    func testAnIndexFolderFilters() throws {
        try StoreContract.checkFilters(try folderStore("store-contract-filters"))
    }

    /// The same with an IVF part: searches through the lists (every list probed) skip deleted
    /// rows, and compaction rebuilds the lists on the trained centroids.
    func testAnIndexFolderWithIVFChangesRowsByID() throws {
        var last: (any WritableVectorStore)?
        let make = try folderStore("store-contract-ivf", ivfLists: 4)
        try StoreContract.checkRowChanges { vectors, documents in
            let store = try make(vectors, documents)
            last = store
            return store
        }
        let compacted = try XCTUnwrap(try last?.reopened() as? FolderVectorStore)
        XCTAssertEqual(try XCTUnwrap(compacted.ivf).count, compacted.count, "compaction relisted the live rows")
        let (x, _) = compacted.labelledVectors()
        let write = try compacted.beginWrite(appendingRows: false)
        XCTAssertEqual(try write.delete(ids: ["id-0", "id-1"]), [])
        let store = try XCTUnwrap(try write.commit() as? FolderVectorStore)
        let approximate = try store.nearest(x, k: 5, parameters: SearchParameters(nprobe: 4))
        let exact = try store.nearest(x, k: 5, parameters: SearchParameters(exact: true))
        for (a, b) in zip(approximate, exact) {
            XCTAssertEqual(a.map(\.document.id), b.map(\.document.id), "every list probed: the exact live rows")
            XCTAssertFalse(a.contains { ["id-0", "id-1"].contains($0.document.id) })
        }
    }
}
