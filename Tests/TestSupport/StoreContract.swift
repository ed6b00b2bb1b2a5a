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
    /// `compacts`: the store keeps deleted rows until its own compaction (an index folder);
    /// without, deleted rows are gone at once and `compacted()` is refused (Milvus compacts itself).
    public static func checkRowChanges(_ make: (Matrix, [Document]) throws -> any WritableVectorStore, compacts: Bool = true,
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
        XCTAssertEqual(upserted.deletedCount, compacts ? 3 : 0, file: file, line: line)
        guard compacts else {
            XCTAssertThrowsError(try upserted.compacted(), file: file, line: line)
            let again = try upserted.beginWrite(appendingRows: false)
            XCTAssertEqual(try again.delete(ids: ["id-3", "id-5"]), ["id-3"], "deleted ids stay gone", file: file, line: line)
            again.abandon()
            XCTAssertEqual(try upserted.reopened().count, n - 1, "an abandoned delete deletes nothing", file: file, line: line)
            try assertExact(try upserted.reopened(), live: live, "after an abandoned delete")
            return
        }
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

    /// Filters on random metadata (integer, string, float and boolean columns with missing values,
    /// unlabelled rows): for fixed and random expressions from 0.1% to 100% selectivity, the rows
    /// counted, their ids, the rows heads train on, and the exact filtered top 10 equal a plain
    /// filter-then-scan written out here.
    public static func checkFilters(_ make: (Matrix, [Document]) throws -> any WritableVectorStore,
                                    file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = SplitMix64(seed: 99)
        let d = 12, n = 1_000
        var x = Matrix(rows: n + 5, cols: d)
        for i in 0..<x.storage.count { x.storage[i] = Float(Double(rng.next() >> 11) / Double(1 << 53) * 2 - 1) }
        x.storage.withUnsafeMutableBufferPointer { Normalization.normalizeRows($0.baseAddress!, rows: n + 5, cols: d) }
        var documents: [Document] = []
        for i in 0..<n {
            var meta: [String: MetadataValue] = [:]
            if rng.next() % 20 != 0 { meta["bucket"] = .integer(Int64(rng.next() % 1000)) }
            if rng.next() % 10 != 0 { meta["src"] = .string("s\(rng.next() % 5)") }
            meta["score"] = .float(Double(rng.next() % 10_000) / 100)
            meta["flag"] = .boolean(rng.next() % 2 == 0)
            documents.append(Document(row: i, sourceRow: i, text: "row \(i)", label: i % 13 == 0 ? nil : "l\(i % 7)", id: "id-\(i)", metadata: meta))
        }
        let store = try make(x.rows(0..<n), documents)
        let queries = x.rows(n..<(n + 5))
        func values(_ doc: Document) -> [String: MetadataValue] {
            var v = doc.metadata
            v["id"] = .string(doc.id!)
            if let label = doc.label { v["label"] = .string(label) }
            return v
        }
        var texts = ["bucket < 1", "bucket < 10", "bucket < 100 and src != \"s3\"", "src in [\"s1\", \"s2\"] or score >= 99.5",
                     "not flag = true and bucket >= 500", "bucket is null or label = \"l3\"", "score > 0", "not bucket < 500",
                     "label is null", "not label = \"l1\"", "id in [\"id-7\", \"id-700\", \"nope\"]", "src is not null and not src in [\"s0\"]",
                     "id = \"id-1\"", "score <= 0.5 or bucket = 999"]
        for _ in 0..<30 { texts.append(randomFilter(&rng, depth: 3)) }
        var selectivities: [Int] = []
        for text in texts {
            let filter = try FilterExpression(parsing: text)
            let passing = documents.filter { reference(filter, values($0)) }
            selectivities.append(passing.count)
            XCTAssertEqual(try store.count(matching: filter), passing.count, text, file: file, line: line)
            XCTAssertEqual(try store.ids(matching: filter).sorted(), passing.map { $0.id! }.sorted(), text, file: file, line: line)
            XCTAssertEqual(try store.labelledVectors(matching: filter).labels, passing.map(\.label), text, file: file, line: line)
            let found = try store.nearest(queries, k: 10, parameters: SearchParameters(exact: true, filter: filter))
            for q in 0..<queries.rows {
                let scored = passing.map { doc in (doc.id!, zip(queries.row(q), x.row(doc.row)).reduce(Float(0)) { $0 + $1.0 * $1.1 }) }
                let best = scored.sorted { $0.1 > $1.1 }.prefix(10)
                XCTAssertEqual(found[q].map { $0.document.id! }, best.map(\.0), "\(text): query \(q)", file: file, line: line)
                for (hit, want) in zip(found[q], best) { XCTAssertEqual(hit.score, want.1, accuracy: 1e-5, file: file, line: line) }
            }
        }
        XCTAssertTrue(selectivities.contains(1) && selectivities.contains(n) && selectivities.contains { $0 > 10 && $0 < 100 },
                      "selectivities span 0.1% to 100%: \(selectivities.sorted())", file: file, line: line)
        XCTAssertThrowsError(try store.count(matching: try FilterExpression(parsing: "lang = 1")), file: file, line: line) {
            XCTAssertEqual($0 as? FilterError, .unknownField(name: "lang", available: ["bucket", "flag", "id", "label", "score", "src"]), file: file, line: line)
        }
        XCTAssertThrowsError(try store.count(matching: try FilterExpression(parsing: "bucket = \"x\"")), file: file, line: line) {
            XCTAssertEqual($0 as? FilterError, .typeMismatch(field: "bucket", fieldType: "integer", literal: "the string \"x\""), file: file, line: line)
        }
    }

    /// The filter rules written out plainly: a missing value matches no comparison and no `in`.
    static func reference(_ e: FilterExpression, _ values: [String: MetadataValue]) -> Bool {
        func order(_ v: MetadataValue, _ literal: FilterExpression.Literal) -> Int? {
            func sign<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : a == b ? 0 : 1 }
            switch (v, literal) {
            case (.string(let a), .string(let b)):
                let (x, y) = (Array(a.utf8), Array(b.utf8))
                return x == y ? 0 : x.lexicographicallyPrecedes(y) ? -1 : 1
            case (.integer(let a), .number(_, let b?)): return sign(a, b)
            case (.integer(let a), .number(let b, nil)): return sign(Double(a), b)
            case (.float(let a), .number(let b, _)): return sign(a, b)
            case (.boolean(let a), .boolean(let b)): return a == b ? 0 : 1
            default: return nil
            }
        }
        switch e {
        case .compare(let field, let op, let literal):
            guard let v = values[field], let o = order(v, literal) else { return false }
            switch op {
            case .equal: return o == 0
            case .notEqual: return o != 0
            case .less: return o < 0
            case .lessOrEqual: return o <= 0
            case .greater: return o > 0
            case .greaterOrEqual: return o >= 0
            }
        case .member(let field, let literals):
            guard let v = values[field] else { return false }
            return literals.contains { order(v, $0) == 0 }
        case .isNull(let field, let negated): return (values[field] == nil) != negated
        case .not(let a): return !reference(a, values)
        case .and(let a, let b): return reference(a, values) && reference(b, values)
        case .or(let a, let b): return reference(a, values) || reference(b, values)
        }
    }

    /// A random expression over checkFilters' fields, `depth` levels of and/or/not at most.
    static func randomFilter(_ rng: inout SplitMix64, depth: Int) -> String {
        let pick = { (rng: inout SplitMix64, n: Int) in Int(rng.next() % UInt64(n)) }
        if depth > 0 && pick(&rng, 3) > 0 {
            switch pick(&rng, 3) {
            case 0: return "not (\(randomFilter(&rng, depth: depth - 1)))"
            case 1: return "(\(randomFilter(&rng, depth: depth - 1)) and \(randomFilter(&rng, depth: depth - 1)))"
            default: return "(\(randomFilter(&rng, depth: depth - 1)) or \(randomFilter(&rng, depth: depth - 1)))"
            }
        }
        let ops = ["=", "!=", "<", "<=", ">", ">="]
        switch pick(&rng, 8) {
        case 0: return "bucket \(ops[pick(&rng, 6)]) \(pick(&rng, 1000))"
        case 1: return "src \(ops[pick(&rng, 2)]) \"s\(pick(&rng, 6))\""
        case 2: return "src in [\"s\(pick(&rng, 6))\", \"s\(pick(&rng, 6))\"]"
        case 3: return "score \(ops[pick(&rng, 6)]) \(Double(pick(&rng, 10_000)) / 100)"
        case 4: return "flag \(ops[pick(&rng, 2)]) \(pick(&rng, 2) == 0)"
        case 5: return "label \(ops[pick(&rng, 2)]) \"l\(pick(&rng, 8))\""
        case 6: return "\(["bucket", "src", "label"][pick(&rng, 3)]) is \(pick(&rng, 2) == 0 ? "" : "not ")null"
        default: return "id \(ops[pick(&rng, 6)]) \"id-\(pick(&rng, 1000))\""
        }
    }
}
