// MilvusStoreTests: the store protocol over a real Milvus Lite: the same neighbours and comparison table as the local flat index, builds that resume, refusals, verify, add.
import Foundation
import XCTest
import LinearAlgebra
import TextEmbedding
import VectorSearch
import RAG
import MilvusStore
import TestSupport

final class MilvusStoreTests: XCTestCase {
    static let root = MilvusLite.root

    func temporaryFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("milvus-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    /// Stores the local index's own vectors and rows in a new collection, as a build would.
    func copy(_ local: Workspace, into store: MilvusStore, index: RemoteIndexKind = .flat) throws {
        let rows = (local.snapshot.store as! FolderVectorStore).index
        XCTAssertEqual(try store.beginBuild(embedderIdentifier: local.embedder.identifier, dimension: local.embedder.dimension, resume: false), 0)
        let vectors = rows.flat.storage.matrix()
        try store.upsert(vectors, documents: (0..<rows.count).map { rows.documents.document($0) })
        try store.commit(labels: rows.documents.labels, count: rows.count, index: index)
    }

    func testSameNeighboursAndTableAsTheLocalFlatIndex() throws {
        let milvus = try MilvusLite(self)
        let dir = try temporaryFolder()
        let local = try Workspace.build(from: Dataset(url: Self.root.appendingPathComponent("data/train.csv")), into: dir.appendingPathComponent("index"))
        try copy(local, into: try MilvusStore(connecting: try MilvusAddress(parsing: milvus.address("train"))))
        let remote = try Workspace(store: try MilvusStore.open(try MilvusAddress(parsing: milvus.address("train"))), embedder: .instance(local.embedder))
        XCTAssertEqual(remote.snapshot.count, 7500)
        XCTAssertEqual(remote.snapshot.labels, local.snapshot.labels, "label list in the local index's order")

        // Every test row's top 10: the same rows in the same order, scores within 1e-5.
        let rows = try Dataset(url: Self.root.appendingPathComponent("data/test.csv")).readAll()
        let queries = try local.embed(rows.map(\.text))
        let exact = try local.search(embeddings: queries, texts: rows.map(\.text), k: 10, options: .init(exact: true))
        let found = try remote.search(embeddings: queries, texts: rows.map(\.text), k: 10)
        var worst: Float = 0, tiedSwaps = 0
        for (q, (a, b)) in zip(exact, found).enumerated() {
            XCTAssertEqual(a.count, b.count, "query \(q)")
            for (x, y) in zip(a, b) { worst = max(worst, abs(x.score - y.score)) }
            // Duplicate texts embed to one vector: which of two tied rows comes first (or takes the
            // k-th place) is each engine's own. Rows must agree within every run of tied scores.
            var start = 0
            while start < a.count {
                var end = start + 1
                while end < a.count && abs(a[end].score - a[start].score) <= 1e-5 { end += 1 }
                let left = a[start..<end].map(\.document), right = b[start..<min(end, b.count)].map(\.document)
                if end < a.count {
                    XCTAssertEqual(Set(left.map(\.row)), Set(right.map(\.row)), "query \(q), ranks \(start + 1)-\(end)")
                } else {
                    for d in right where !left.contains(d) {
                        XCTAssertTrue(a[start...].count > 0 && b.contains { $0.document == d && abs($0.score - a[start].score) <= 1e-5 },
                                      "query \(q): row \(d.row) is not tied with the last rank")
                    }
                }
                for d in right { if let same = left.first(where: { $0.row == d.row }) { XCTAssertEqual(same, d, "query \(q)") } }
                if left.map(\.row) != right.map(\.row) { tiedSwaps += 1 }
                start = end
            }
        }
        XCTAssertLessThanOrEqual(worst, 1e-5)
        print("milvus parity: \(rows.count) queries x 10, ids equal up to \(tiedSwaps) runs of tied scores, max |score diff| \(worst)")

        // The stored vectors come back bit for bit: heads trained on either are the same head.
        let (v, labels) = try remote.snapshot.store.labelledVectors()
        XCTAssertEqual(v.storage, (local.snapshot.store as! FolderVectorStore).index.flat.storage.matrix().storage)
        XCTAssertEqual(labels, (0..<7500).map { (local.snapshot.store as! FolderVectorStore).index.documents.document($0).label })

        // `rag compare`'s table (the local index has no stored head: both train one on their rows).
        let a = try local.compare(rows), b = try remote.compare(rows)
        XCTAssertEqual(a.markdown, b.markdown)
        XCTAssertEqual(b.notes, [.headTrained])
    }

    func testUnfinishedBuildsOtherEmbeddersAndMissingRowsAreRefusedOrReported() throws {
        let milvus = try MilvusLite(self)
        let address = try MilvusAddress(parsing: milvus.address("small"))
        let embedder = HashingEmbedder(dimension: 16)
        let texts = (0..<40).map { "text number \($0) about cards and transfers \($0 % 7)" }
        let vectors = try embedder.embed(texts)
        let docs = texts.enumerated().map { Document(row: $0.offset, sourceRow: $0.offset, text: $0.element, label: "l\($0.offset % 3)") }

        XCTAssertThrowsError(try MilvusStore.open(address)) { XCTAssertEqual($0 as? MilvusError, .noCollection(address: address.description)) }
        let store = try MilvusStore(connecting: address)
        XCTAssertEqual(try store.beginBuild(embedderIdentifier: embedder.identifier, dimension: 16, resume: false), 0)
        try store.upsert(vectors.rows(0..<25), documents: Array(docs[0..<25]))
        // Interrupted here: readers refuse it, a new build refuses to overwrite it, another embedder cannot resume it.
        XCTAssertThrowsError(try MilvusStore.open(address)) { XCTAssertEqual($0 as? MilvusError, .buildIncomplete(address: address.description)) }
        XCTAssertThrowsError(try MilvusStore(connecting: address).beginBuild(embedderIdentifier: embedder.identifier, dimension: 16, resume: false)) {
            XCTAssertEqual($0 as? MilvusError, .collectionExists(address: address.description, rows: 25))
        }
        XCTAssertThrowsError(try MilvusStore(connecting: address).beginBuild(embedderIdentifier: "minilm:x", dimension: 16, resume: true)) {
            XCTAssertEqual($0 as? StoreError, .embedderMismatch(index: embedder.identifier, current: "minilm:x"))
        }
        let resumed = try MilvusStore(connecting: address)
        XCTAssertEqual(try resumed.beginBuild(embedderIdentifier: embedder.identifier, dimension: 16, resume: true), 25)
        // The batch in flight is stored again whole: upserts keep every row once.
        try resumed.upsert(vectors.rows(20..<40), documents: Array(docs[20..<40]))
        try resumed.commit(labels: ["l0", "l1", "l2"], count: 40, index: .flat)
        let opened = try MilvusStore.open(address)
        XCTAssertEqual(opened.count, 40)
        XCTAssertEqual(try opened.storedRowNumbers(below: 1000), Array(0..<40))
        let checks = try opened.verify()
        XCTAssertTrue(checks.allSatisfy(\.ok), "\(checks)")

        // Another embedder (or dimension) cannot read it.
        XCTAssertThrowsError(try Workspace(store: opened, embedder: .instance(HashingEmbedder(dimension: 32)))) {
            XCTAssertEqual($0 as? StoreError, .dimensionMismatch(index: 16, current: 32))
        }
        XCTAssertNoThrow(try Workspace(store: opened, embedder: .hashing))

        // A row beyond the recorded count (an add that never committed) is reported by verify.
        try opened.upsert(try embedder.embed(["stray"]), documents: [Document(row: 40, sourceRow: 40, text: "stray", label: nil)])
        let problems = try MilvusStore.open(address).verify().filter { !$0.ok }
        XCTAssertEqual(problems.map(\.role), ["rows", "keys"])
        XCTAssertEqual(problems.first?.problem, "41 rows stored, 40 recorded")
    }

    /// The store seam's contract (TestSupport's StoreContract), as an index folder keeps it in
    /// RAGTests: reads, writes, row changes by id, filters (FLAT collections: exact).
    func testACollectionKeepsTheStoreContract() throws {
        let milvus = try MilvusLite(self)
        var collections = 0
        func make(_ vectors: Matrix, _ documents: [Document]) throws -> any WritableVectorStore {
            collections += 1
            let store = try MilvusStore(connecting: try MilvusAddress(parsing: milvus.address("contract\(collections)")))
            XCTAssertEqual(try store.beginBuild(embedderIdentifier: "contract", dimension: vectors.cols, resume: false), 0)
            try store.upsert(vectors, documents: documents)
            var labels: [String] = []
            for case let label? in documents.map(\.label) where !labels.contains(label) { labels.append(label) }
            try store.commit(labels: labels, count: documents.count, index: .flat)
            return try store.reopened()
        }
        try StoreContract.check(make)
        try StoreContract.checkRowChanges(make, compacts: false)
        try StoreContract.checkFilters(make)
        // The row changes' collection: row numbers are not reused; its abandoned delete left it marked.
        let changed = try MilvusStore(connecting: try MilvusAddress(parsing: milvus.address("contract2")))
        XCTAssertEqual(changed.nextRow, 62)
        XCTAssertEqual(try changed.verify().filter { !$0.ok }.map(\.role), ["state"])
        let filtered = try MilvusStore(connecting: try MilvusAddress(parsing: milvus.address("contract3")))
        let checks = try filtered.verify()
        XCTAssertTrue(checks.allSatisfy(\.ok), "\(checks.filter { !$0.ok })")
        XCTAssertEqual(checks.map(\.role), ["state", "embedder", "rows", "keys", "ids", "index"])
    }

    /// A collection made before ids and metadata (no row_id, no metadata field; written here by
    /// pymilvus as LocalRAG wrote them): read and searched as before, refused for deletes, upserts
    /// and id filters with a message saying how to rebuild it.
    func testACollectionWithoutIDsIsReadAndRefusedForChanges() throws {
        let milvus = try MilvusLite(self)
        let python = try XCTUnwrap(MilvusLite.executable).deletingLastPathComponent().appendingPathComponent("python")
        let script = """
        import logging, sys
        logging.disable(logging.CRITICAL)
        from pymilvus import MilvusClient, DataType
        c = MilvusClient(sys.argv[1])
        s = c.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("id", DataType.INT64, is_primary=True)
        s.add_field("embedding", DataType.FLOAT_VECTOR, dim=4)
        s.add_field("label", DataType.VARCHAR, max_length=1024)
        s.add_field("text", DataType.VARCHAR, max_length=65535)
        s.add_field("source_row", DataType.INT64)
        ip = c.prepare_index_params()
        ip.add_index("embedding", index_type="FLAT", metric_type="COSINE")
        c.create_collection("old", schema=s, index_params=ip)
        c.insert("old", [{"id": i, "embedding": [1.0, float(i), 0.0, 0.0], "label": "l%d" % (i % 2), "text": "row %d" % i, "source_row": i} for i in range(3)])
        c.flush("old")
        c.alter_collection_properties("old", properties={"localrag.format": "1", "localrag.embedder": "e", "localrag.dimension": "4",
            "localrag.labels": '["l0","l1"]', "localrag.rows": "3", "localrag.state": "committed", "localrag.index": "FLAT {}"})
        """
        let p = Process()
        p.executableURL = python
        p.arguments = ["-c", script, "http://127.0.0.1:\(milvus.port)"]
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let address = try MilvusAddress(parsing: milvus.address("old"))
        let store = try MilvusStore.open(address)
        XCTAssertFalse(store.keepsRowIDs)
        XCTAssertFalse(store.keepsMetadata)
        var query = Matrix(rows: 1, cols: 4)
        query[0, 0] = 1
        let found = try store.nearest(query, k: 3, parameters: SearchParameters())[0]
        XCTAssertEqual(found.map(\.document.text), ["row 0", "row 1", "row 2"])
        XCTAssertEqual(found.map(\.document.id), [nil, nil, nil])
        XCTAssertEqual(try store.count(matching: try FilterExpression(parsing: "label = \"l1\"")), 1, "label filters work")
        let refusal = MilvusError.noRowIDs(address: store.location)
        XCTAssertThrowsError(try store.ids(matching: try FilterExpression(parsing: "label = \"l1\""))) { XCTAssertEqual($0 as? MilvusError, refusal) }
        XCTAssertThrowsError(try store.count(matching: try FilterExpression(parsing: "id = \"x\""))) {
            XCTAssertEqual($0 as? FilterError, .unknownField(name: "id", available: ["label"]))
        }
        let write = try store.beginWrite(appendingRows: false)
        XCTAssertThrowsError(try write.delete(ids: ["x"])) { XCTAssertEqual($0 as? MilvusError, refusal) }
        XCTAssertTrue(refusal.localizedDescription.contains("rebuild it into a new collection (rag index build --csv FILE --store milvus://HOST:PORT/NEW)"))
        XCTAssertThrowsError(try write.append(query, documents: [Document(row: 3, sourceRow: 3, text: "t", label: "l0", metadata: ["a": .integer(1)])])) {
            XCTAssertTrue("\($0)".contains("made before metadata"), "\($0)")
        }
        _ = try write.commit()
        XCTAssertEqual(try MilvusStore.open(address).count, 3, "nothing changed")
    }

    func testBuildAddSearchAndClassifyThroughTheWorkspace() throws {
        let milvus = try MilvusLite(self)
        let dir = try temporaryFolder()
        let all = try Dataset(url: Self.root.appendingPathComponent("data/train.csv")).readAll()
        let csv = dir.appendingPathComponent("train.csv")
        try ("text,label_text\n" + all.prefix(400).map { "\"\($0.text.replacingOccurrences(of: "\"", with: "\"\""))\",\($0.label!)\n" }.joined())
            .write(to: csv, atomically: true, encoding: .utf8)
        let local = try Workspace.build(from: Dataset(url: csv), into: dir.appendingPathComponent("index"), embedder: .hashing)
        let remote = try Workspace.build(from: Dataset(url: csv), into: try MilvusStore(connecting: try MilvusAddress(parsing: milvus.address("w"))),
                                         embedder: .hashing, index: .ivf(nlist: 4), batchSize: 64)
        XCTAssertEqual(remote.remoteBuildReport?.rows, 400)
        XCTAssertEqual(remote.snapshot.labels, local.snapshot.labels)
        let queries = Array(all[1000..<1040])
        // IVF_FLAT probing every list is exact.
        let a = try local.search(queries.map(\.text), k: 5, options: .init(exact: true))
        let b = try remote.search(queries.map(\.text), k: 5, options: .init(nprobe: 4))
        XCTAssertEqual(a.map { $0.map(\.document) }, b.map { $0.map(\.document) })
        XCTAssertEqual(try local.classify(queries, method: .knn).map(\.predicted), try remote.classify(queries, method: .knn).map(\.predicted))
        XCTAssertEqual(try remote.classify(queries, method: .blend).count, 40, "the head trains on the store's rows")
        XCTAssertThrowsError(try remote.trainHead()) { XCTAssertEqual($0 as? ClassificationError, .headNeedsFolder(store: milvus.address("w"))) }

        // Added rows are searchable at once, numbered on from the last.
        let report = try remote.add(texts: ["a brand new question about crypto wallets"], labels: ["new_label"])
        XCTAssertEqual(report.count, 401)
        let hit = try remote.search(["a brand new question about crypto wallets"], k: 1, options: .init(nprobe: 4))[0][0]
        XCTAssertEqual(hit.document, Document(row: 400, sourceRow: 400, text: "a brand new question about crypto wallets", label: "new_label",
                                              id: "api:\(report.generation):0"), "the row's id is kept in the collection")
        XCTAssertEqual(remote.snapshot.labels.last, "new_label")
        XCTAssertTrue(try remote.verify().ok)
    }
}
