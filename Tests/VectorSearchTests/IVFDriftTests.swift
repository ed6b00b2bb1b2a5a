// IVFDriftTests: rows appended into a few IVF lists raise their imbalance past the stated ratio; compaction then trains the centroids anew, and keeps them otherwise.
import Foundation
import XCTest
import LinearAlgebra
import VectorSearch

final class IVFDriftTests: XCTestCase {
    func testImbalanceFactor() {
        XCTAssertEqual(IVFIndex.imbalance(sizes: [5, 5, 5, 5]), 1)
        XCTAssertEqual(IVFIndex.imbalance(sizes: [20, 0, 0, 0]), 4)
        XCTAssertEqual(IVFIndex.imbalance(sizes: [10, 10, 0, 0]), 2)
        XCTAssertEqual(IVFIndex.imbalance(sizes: [0, 0]), 0)
        XCTAssertFalse(IVFIndex.hasDrifted(now: 9, trained: nil), "an index that never recorded it is never retrained on its own")
        XCTAssertTrue(IVFIndex.hasDrifted(now: 1.81, trained: 1.2))
        XCTAssertFalse(IVFIndex.hasDrifted(now: 1.79, trained: 1.2))
    }

    /// 3,000 rows over 30 clusters, then 3,000 appended either from 30 other clusters (no drift:
    /// compaction keeps the centroids) or from one cluster (drift: compaction retrains them, the
    /// lists even out); either way IVF search at the stored nprobe finds the exact neighbours of
    /// held-out rows.
    func testAppendsIntoFewListsTriggerRetrainingAtCompaction() throws {
        let d = 24
        let data = KMeansTests.clustered(3_050, d, clusters: 30, spread: 0.25, seed: 3)
        let (base, queries) = (data.rows(0..<3_000), data.rows(3_000..<3_050))
        for drifting in [false, true] {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ivf-drift-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let writer = try IndexWriter(folder: folder, embedder: "test", dimension: d)
            try writer.append(base, documents: (0..<3_000).map { Document(sourceRow: $0, text: "r\($0)", label: "l\($0 % 30)", id: "r\($0)") })
            try IVFIndex.build(in: writer, listCount: 32)
            try writer.commit()
            let built = try FolderVectorStore(opening: folder)
            XCTAssertEqual(built.index.idTables.map { $0 != nil }, [true], "an IVF build writes the segment's id table too")
            let trained = try XCTUnwrap(built.ivfBalance?.trained)
            XCTAssertEqual(built.ivfBalance?.now ?? 0, trained, accuracy: 1e-3)

            let more = drifting ? KMeansTests.clustered(3_000, d, clusters: 1, spread: 0.25, seed: 9)
                                : KMeansTests.clustered(3_000, d, clusters: 30, spread: 0.25, seed: 4)
            let write = try built.beginWrite(appendingRows: true)
            try write.append(more, documents: (0..<3_000).map { Document(row: 3_000 + $0, sourceRow: $0, text: "m\($0)", label: "l0", id: "m\($0)") })
            let grown = try XCTUnwrap(try write.commit() as? FolderVectorStore)
            let balance = try XCTUnwrap(grown.ivfBalance)
            XCTAssertEqual(IVFIndex.hasDrifted(now: balance.now, trained: balance.trained), drifting,
                           "imbalance \(balance.now), \(trained) when trained")

            let compacted = try grown.compacted(retrainingIVF: false)
            let retrainedAt = compacted.settings[IVFIndex.Setting.trainedGeneration]
            XCTAssertEqual(retrainedAt == "\(compacted.generation)", drifting, "centroids trained anew only on drift")
            let after = try XCTUnwrap(compacted.ivfBalance)
            if drifting {
                XCTAssertLessThan(after.now, balance.now, "retrained lists are more even")
                XCTAssertEqual(after.trained ?? 0, after.now, accuracy: 1e-3)
            } else {
                XCTAssertEqual(compacted.ivf?.quantizer.matrix().storage, built.ivf?.quantizer.matrix().storage, "the centroids kept")
            }
            let exact = try compacted.nearest(queries, k: 10, parameters: SearchParameters(exact: true))
            let approximate = try compacted.nearest(queries, k: 10, parameters: SearchParameters())
            var hits = 0
            for (a, e) in zip(approximate, exact) { hits += Set(a.map(\.document.row)).intersection(e.map(\.document.row)).count }
            XCTAssertGreaterThanOrEqual(Double(hits) / 500, 0.9, "recall@10 at the stored nprobe")
        }
    }
}
