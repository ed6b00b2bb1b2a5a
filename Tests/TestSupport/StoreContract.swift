// StoreContract: the store seam's one contract, run against every WritableVectorStore (an index folder here, Milvus Lite in MilvusStoreTests).
import Foundation
import XCTest
import LinearAlgebra
import VectorSearch

/// What every store promises the workspace: rows read back as written, exact search equal to a
/// brute-force scan, a write whose rows count only once committed, an abandoned write that leaves
/// the row count and labels as they were, generations that grow, checks and a description.
/// Not (yet) promised: that a remote store hides appended rows from searches before the commit.
public enum StoreContract {
    /// Runs the contract on the store `make` creates holding the given rows (committed).
    public static func check(_ make: (Matrix, [Document]) throws -> any WritableVectorStore,
                             file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = SplitMix64(seed: 42)
        let d = 16
        func unitRows(_ n: Int) -> Matrix {
            var m = Matrix(rows: n, cols: d)
            for i in 0..<(n * d) { m.storage[i] = Float(Double(rng.next() >> 11) / Double(1 << 53) * 2 - 1) }
            m.storage.withUnsafeMutableBufferPointer { Normalization.normalizeRows($0.baseAddress!, rows: n, cols: d) }
            return m
        }
        func documents(_ rows: Range<Int>, label: (Int) -> String) -> [Document] {
            rows.map { Document(row: $0, sourceRow: $0, text: "row \($0)", label: label($0)) }
        }

        // Reads: the rows as written, exact search as a brute-force scan.
        let x = unitRows(40)
        let store = try make(x, documents(0..<40) { ["a", "b", "c"][$0 % 3] })
        XCTAssertEqual(store.count, 40, file: file, line: line)
        XCTAssertEqual(store.dimension, d, file: file, line: line)
        XCTAssertEqual(store.labels, ["a", "b", "c"], file: file, line: line)
        let (vectors, labels) = try store.labelledVectors()
        // As written, up to the last bit of a store that normalises rows again (an index folder).
        XCTAssertEqual(vectors.storage.count, x.storage.count, file: file, line: line)
        XCTAssertLessThanOrEqual(zip(vectors.storage, x.storage).map { abs($0 - $1) }.max() ?? 1, 1e-6, "vectors come back as written", file: file, line: line)
        XCTAssertEqual(labels, (0..<40).map { ["a", "b", "c"][$0 % 3] }, file: file, line: line)
        let queries = unitRows(6)
        let found = try store.nearest(queries, k: 7, parameters: SearchParameters(exact: true))
        for q in 0..<queries.rows {
            let scores = (0..<40).map { r in zip(queries.row(q), x.row(r)).reduce(Float(0)) { $0 + $1.0 * $1.1 } }
            let best = scores.sorted(by: >).prefix(7)
            XCTAssertEqual(found[q].count, 7, file: file, line: line)
            for (hit, expected) in zip(found[q], best) {
                XCTAssertEqual(hit.score, expected, accuracy: 1e-5, "query \(q): scores in brute-force order", file: file, line: line)
                XCTAssertEqual(hit.score, scores[hit.document.row], accuracy: 1e-5, "query \(q): the score is the row's", file: file, line: line)
                XCTAssertEqual(hit.document.text, "row \(hit.document.row)", file: file, line: line)
            }
        }

        // A write counts only once committed; the committed store holds the new rows and a new label.
        let before = store.generation
        let write = try store.beginWrite(appendingRows: true)
        XCTAssertEqual(write.nextRow, 40, file: file, line: line)
        let y = unitRows(5)
        try write.append(y, documents: documents(40..<45) { _ in "d" })
        XCTAssertEqual(write.nextRow, 45, file: file, line: line)
        let during = try store.reopened()
        XCTAssertEqual(during.count, 40, "uncommitted rows do not count", file: file, line: line)
        XCTAssertFalse(during.labels.contains("d"), file: file, line: line)
        let after = try write.commit()
        XCTAssertEqual(after.count, 45, file: file, line: line)
        XCTAssertEqual(after.labels, ["a", "b", "c", "d"], file: file, line: line)
        XCTAssertGreaterThan(after.generation, before, file: file, line: line)
        XCTAssertEqual(try store.reopened().count, 45, "a reopened store sees the commit", file: file, line: line)
        let own = try after.nearest(y, k: 1, parameters: SearchParameters(exact: true))
        for i in 0..<5 {
            XCTAssertEqual(own[i].first?.document.text, "row \(40 + i)", file: file, line: line)
            XCTAssertEqual(own[i].first?.score ?? 0, 1, accuracy: 1e-5, file: file, line: line)
        }
        XCTAssertTrue(try after.verify().allSatisfy(\.ok), "a committed store verifies", file: file, line: line)
        let description = try after.describe()
        XCTAssertFalse(description.lines.isEmpty, file: file, line: line)
        XCTAssertNotNil(try? JSONSerialization.jsonObject(with: description.json), "describe's JSON parses", file: file, line: line)

        // An abandoned write leaves the count and the labels as they were.
        let abandoned = try after.beginWrite(appendingRows: true)
        try abandoned.append(unitRows(3), documents: documents(45..<48) { _ in "e" })
        abandoned.abandon()
        let kept = try after.reopened()
        XCTAssertEqual(kept.count, 45, file: file, line: line)
        XCTAssertFalse(kept.labels.contains("e"), file: file, line: line)

        // Parts: a store that keeps them takes settings in a write of parts alone; one that does not has none.
        if kept.keepsParts {
            let parts = try kept.beginWrite(appendingRows: false)
            let writer = try XCTUnwrap(parts.parts, "a store that keeps parts gives a part writer", file: file, line: line)
            writer.setSetting("contract.mark", "1")
            let marked = try parts.commit()
            XCTAssertEqual(marked.settings["contract.mark"], "1", file: file, line: line)
            XCTAssertEqual(marked.count, 45, file: file, line: line)
        } else {
            XCTAssertNil(try kept.part("head"), file: file, line: line)
            XCTAssertTrue(kept.settings.isEmpty, file: file, line: line)
        }
    }
}
