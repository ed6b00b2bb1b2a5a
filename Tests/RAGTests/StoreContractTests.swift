// StoreContractTests: the store seam's contract (TestSupport's StoreContract) on an index folder; MilvusStoreTests runs it on Milvus Lite.
import Foundation
import XCTest
import LinearAlgebra
import TestSupport
import VectorSearch

final class StoreContractTests: XCTestCase {
    func testAnIndexFolderKeepsTheContract() throws {
        let root = try SharedFixtures.temporaryFolder("store-contract")
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        try StoreContract.check { vectors, documents in
            let folder = root.appendingPathComponent("index")
            let writer = try IndexWriter(folder: folder, embedder: "contract", dimension: vectors.cols)
            try writer.append(vectors, documents: documents)
            try writer.commit()
            return try FolderVectorStore(opening: folder)
        }
    }
}
