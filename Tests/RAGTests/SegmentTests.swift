// SegmentTests: appends as segments through the workspace: searches over many segments equal one block, deletes across them, compaction by count and by policy.
import Foundation
import XCTest
import LinearAlgebra
import RAG
import TestSupport
import VectorSearch

final class SegmentTests: XCTestCase {
    /// A hashing-embedder index (flat or IVF) of the first 300 rows of data/train.csv, and the rest of the rows.
    func workspace(kind: Workspace.Kind) throws -> (Workspace, [LabelledText]) {
        let dir = try SharedFixtures.temporaryFolder("segments")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let csv = try SharedFixtures.trainCSV(rows: 300, in: dir)
        let workspace = try Workspace.build(from: Dataset(url: csv), into: dir.appendingPathComponent("index"), embedder: .hashing,
                                            kind: kind, nlist: kind == .ivf ? 8 : nil)
        let more = Array(try Dataset(url: Repository.data("train.csv")).readAll()[300..<700])
        return (workspace, more)
    }

    /// The exact top 10 of `queries` over `store`'s live rows, by brute force over their vectors.
    func bruteForce(_ store: FolderVectorStore, _ queries: Matrix) -> [[String]] {
        let index = store.index
        let live = (0..<index.count).filter(index.isLive)
        return (0..<queries.rows).map { q in
            let scored = live.map { r in (r, zip(queries.row(q), UnsafeBufferPointer(start: index.flat.row(r), count: index.dimension)).reduce(Float(0)) { $0 + $1.0 * $1.1 }) }
            return scored.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(10).map { index.documents.id($0.0)! }
        }
    }

    func testManySegmentsSearchAsOneAndCompactIntoOne() throws {
        for kind in [Workspace.Kind.flat, .ivf] {
            let (workspace, more) = try workspace(kind: kind)
            // 20 appends of 20 rows: 21 segments (the policy never compacts here).
            for batch in stride(from: 0, to: 400, by: 20) {
                let rows = more[batch..<(batch + 20)]
                let report = try workspace.add(texts: rows.map(\.text), labels: rows.map(\.label), ids: rows.map { "more-\($0.row)" },
                                               compaction: .never)
                XCTAssertNil(report.compaction)
            }
            var store = try XCTUnwrap(workspace.snapshot.store as? FolderVectorStore)
            XCTAssertEqual(store.segmentCount, 21, "\(kind)")
            XCTAssertEqual(store.count, 700)
            let queries = try workspace.embed(Array(more.prefix(30)).map(\.text) + ["my card has not arrived"])
            func found(_ s: FolderVectorStore, exact: Bool) throws -> [[String]] {
                try s.nearest(queries, k: 10, parameters: SearchParameters(nprobe: 8, exact: exact)).map { $0.map { $0.document.id! } }
            }
            XCTAssertEqual(try found(store, exact: true), bruteForce(store, queries), "\(kind): flat over 21 segments")
            if kind == .ivf {
                XCTAssertEqual(try XCTUnwrap(store.ivf).parts.count, 21)
                XCTAssertEqual(try found(store, exact: false).map(Set.init), bruteForce(store, queries).map(Set.init), "IVF, every list probed")
            }
            // Deletes in several segments, then compaction: one segment, the same live rows and answers.
            let gone = ["train.csv:5", "more-300", "more-555", "more-699"]
            XCTAssertEqual(try workspace.delete(ids: gone, compaction: .never).deleted, 4)
            store = try XCTUnwrap(workspace.snapshot.store as? FolderVectorStore)
            let before = try found(store, exact: true)
            XCTAssertEqual(before, bruteForce(store, queries))
            XCTAssertFalse(before.joined().contains { gone.contains($0) })
            let compaction = try workspace.compact()
            XCTAssertEqual(compaction.rowsBefore, 700)
            XCTAssertEqual(compaction.rowsAfter, 696)
            XCTAssertLessThan(compaction.bytesAfter, compaction.bytesBefore)
            store = try XCTUnwrap(workspace.snapshot.store as? FolderVectorStore)
            XCTAssertEqual(store.segmentCount, 1)
            XCTAssertEqual(try found(store, exact: true), before, "\(kind): compaction keeps the answers")
            XCTAssertTrue(try workspace.verify().ok)
        }
    }

    func testThePolicyCompactsPastItsSegmentCount() throws {
        let (workspace, more) = try workspace(kind: .ivf)
        let policy = CompactionPolicy(deletedFraction: 0.2, maxSegments: 4)
        var compactions: [Int] = []
        for (i, row) in more.prefix(6).enumerated() {
            let report = try workspace.add(texts: [row.text], labels: [row.label], compaction: policy)
            if report.compaction != nil { compactions.append(i) }
            XCTAssertLessThanOrEqual(workspace.snapshot.store.segmentCount, 4)
        }
        XCTAssertEqual(compactions, [3], "the fifth segment triggers it, then one segment grows again")
        XCTAssertEqual(workspace.snapshot.count, 306)
        XCTAssertEqual(workspace.snapshot.store.segmentCount, 3)
    }
}
