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
            rows.map { Document(row: $0, sourceRow: $0, text: "row \($0)", label: label($0), id: "id-\($0)") }
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

    /// Rows changed by id, for stores that delete: a delete hides rows from search and from the
    /// head's training rows at once and for good (reopened, compacted); ids round-trip; an upsert
    /// (delete then append the same id in one write) replaces; a stored id appended again is
    /// refused; filtered search stays the brute-force top k among the live rows.
    public static func checkRowChanges(_ make: (Matrix, [Document]) throws -> any WritableVectorStore,
                                       file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = SplitMix64(seed: 7)
        let d = 12, n = 60
        func unitRows(_ count: Int) -> Matrix {
            var m = Matrix(rows: count, cols: d)
            for i in 0..<(count * d) { m.storage[i] = Float(Double(rng.next() >> 11) / Double(1 << 53) * 2 - 1) }
            m.storage.withUnsafeMutableBufferPointer { Normalization.normalizeRows($0.baseAddress!, rows: count, cols: d) }
            return m
        }
        let x = unitRows(n)
        let store = try make(x, (0..<n).map { Document(row: $0, sourceRow: $0, text: "row \($0)", label: "l\($0 % 4)", id: "id-\($0)") })
        let queries = unitRows(8)
        /// Brute force over the live rows (by id) of `vectors`.
        func assertExact(_ s: any WritableVectorStore, live: [String: [Float]], _ context: String) throws {
            let found = try s.nearest(queries, k: 10, parameters: SearchParameters(exact: true))
            for q in 0..<queries.rows {
                let scored = live.map { id, v in (id, zip(queries.row(q), v).reduce(Float(0)) { $0 + $1.0 * $1.1 }) }
                let best = scored.sorted { $0.1 > $1.1 }.prefix(10)
                XCTAssertEqual(found[q].count, min(10, live.count), "\(context): k rows", file: file, line: line)
                for (hit, expected) in zip(found[q], best) {
                    XCTAssertEqual(hit.score, expected.1, accuracy: 1e-5, "\(context): query \(q)", file: file, line: line)
                    XCTAssertNotNil(hit.document.id.flatMap { live[$0] }, "\(context): a live row", file: file, line: line)
                }
            }
        }
        var live = Dictionary(uniqueKeysWithValues: (0..<n).map { ("id-\($0)", Array(x.row($0))) })
        XCTAssertEqual(try store.nearest(x.rows(5..<6), k: 1, parameters: SearchParameters(exact: true))[0].first?.document.id, "id-5",
                       "ids round-trip", file: file, line: line)

        // Delete: hidden at once from search and from the rows heads train on; unknown ids reported.
        let deletion = try store.beginWrite(appendingRows: false)
        XCTAssertEqual(try deletion.delete(ids: ["id-3", "id-7", "nope", "id-3"]), ["nope", "id-3"], file: file, line: line)
        let deleted = try deletion.commit()
        live["id-3"] = nil; live["id-7"] = nil
        XCTAssertEqual(deleted.count, n - 2, file: file, line: line)
        try assertExact(deleted, live: live, "after delete")
        let own = try deleted.nearest(x.rows(3..<4), k: n, parameters: SearchParameters(exact: true))[0]
        XCTAssertFalse(own.contains { $0.document.id == "id-3" || $0.document.id == "id-7" }, "a deleted row never comes back", file: file, line: line)
        XCTAssertEqual(try deleted.labelledVectors().vectors.rows, n - 2, "heads train on live rows only", file: file, line: line)
        XCTAssertEqual(try deleted.reopened().count, n - 2, "for good", file: file, line: line)

        // Upsert: the old row deleted and the new appended under its id, in one write.
        let y = unitRows(2)
        let upsert = try deleted.beginWrite(appendingRows: true)
        XCTAssertEqual(try upsert.delete(ids: ["id-5", "id-new"]), ["id-new"], file: file, line: line)
        let first = upsert.nextRow
        try upsert.append(y, documents: [Document(row: first, sourceRow: 0, text: "row 5 v2", label: "l9", id: "id-5"),
                                         Document(row: first + 1, sourceRow: 1, text: "new row", label: "l1", id: "id-new")])
        XCTAssertThrowsError(try upsert.append(unitRows(1), documents: [Document(row: first + 2, sourceRow: 2, text: "again", label: nil, id: "id-9")]),
                             "a live id appended again is refused", file: file, line: line) { error in
            XCTAssertEqual(error as? StoreError, .duplicateID(id: "id-9", row: 9), file: file, line: line)
        }
        let upserted = try upsert.commit()
        live["id-5"] = Array(y.row(0)); live["id-new"] = Array(y.row(1))
        XCTAssertEqual(upserted.count, n - 1, file: file, line: line)
        try assertExact(upserted, live: live, "after upsert")
        let replaced = try upserted.nearest(x.rows(5..<6), k: n, parameters: SearchParameters(exact: true))[0]
        XCTAssertFalse(replaced.contains { $0.document.text == "row 5" }, "the old version is gone", file: file, line: line)
        XCTAssertEqual(replaced.filter { $0.document.id == "id-5" }.map(\.document.text), ["row 5 v2"], "one row per id", file: file, line: line)
        XCTAssertEqual(try upserted.labelledVectors().labels.filter { $0 == "l9" }.count, 1, file: file, line: line)

        // Compaction: the same live rows and answers, nothing deleted left.
        XCTAssertEqual(upserted.deletedCount, 3, file: file, line: line)
        let compacted = try upserted.compacted()
        XCTAssertEqual(compacted.deletedCount, 0, file: file, line: line)
        XCTAssertEqual(compacted.count, n - 1, file: file, line: line)
        try assertExact(compacted, live: live, "after compaction")
        XCTAssertTrue(try compacted.verify().allSatisfy(\.ok), "a compacted store verifies", file: file, line: line)
        let again = try compacted.beginWrite(appendingRows: false)
        XCTAssertEqual(try again.delete(ids: ["id-3", "id-5"]), ["id-3"], "ids survive compaction; deleted ones stay gone", file: file, line: line)
        again.abandon()
        XCTAssertEqual(try compacted.reopened().count, n - 1, "an abandoned delete deletes nothing", file: file, line: line)
    }
}
