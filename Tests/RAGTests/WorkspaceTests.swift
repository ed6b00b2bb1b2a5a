// WorkspaceTests: the library entry point on its own (no CLI): build, add, search, classify, train, compare, verify, refresh, errors.
import Foundation
import XCTest
import TestSupport
import LinearAlgebra
import TextEmbedding
import VectorSearch
import RAG

final class WorkspaceTests: XCTestCase {
    static let root = Repository.root

    /// The first `count` rows of data/train.csv (from row `from`) as a CSV in `dir`.
    func csv(_ dir: URL, name: String = "train.csv", from: Int = 0, count: Int) throws -> (URL, [LabelledText]) {
        let rows = Array(try Dataset(url: Self.root.appendingPathComponent("data/train.csv")).readAll()[from..<from + count])
        let url = dir.appendingPathComponent(name)
        try ("text,label_text\n" + rows.map { "\"\($0.text.replacingOccurrences(of: "\"", with: "\"\""))\",\($0.label!)\n" }.joined())
            .write(to: url, atomically: true, encoding: .utf8)
        return (url, rows)
    }

    func temporaryFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("workspace-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func testBuildSearchAndAddAgainstABruteForceScan() throws {
        let dir = try temporaryFolder()
        let (train, rows) = try csv(dir, count: 250)
        let w = try Workspace.build(from: Dataset(url: train), into: dir.appendingPathComponent("index"))
        XCTAssertEqual(w.snapshot.count, 250)
        XCTAssertEqual(w.snapshot.generation, 1)
        XCTAssertEqual(Set(w.snapshot.labels), Set(rows.map { $0.label! }))
        // Search equals a naive scan over the embeddings of the rows.
        let x = try w.embed(rows.map(\.text))
        let queries = ["my card has not arrived yet", "why was I charged a fee for a transfer", "change my PIN"]
        let q = try w.embed(queries)
        let found = try w.search(queries, k: 5)
        for i in 0..<queries.count {
            let scores = (0..<x.rows).map { r in zip(q.row(i), x.row(r)).reduce(Float(0)) { $0 + $1.0 * $1.1 } }
            let best = scores.indices.sorted { scores[$0] > scores[$1] }.prefix(5)
            XCTAssertEqual(found[i].map(\.document.sourceRow), Array(best))
            for (n, r) in zip(found[i], best) { XCTAssertEqual(n.score, scores[r], accuracy: 1e-5) }
        }
        // add: a dataset, then bare texts; each is a new generation and is searchable at once.
        let (more, _) = try csv(dir, name: "more.csv", from: 250, count: 50)
        let added = try w.add(Dataset(url: more))
        XCTAssertEqual([added.added, added.count, added.generation], [50, 300, 2])
        let texts = try w.add(texts: ["a question about zebras on my statement"], labels: ["zebra"])
        XCTAssertEqual([texts.added, texts.count, texts.generation], [1, 301, 3])
        XCTAssertEqual(try w.search(["a question about zebras on my statement"], k: 1)[0][0].document.label, "zebra")
        XCTAssertTrue(try w.verify().ok)
    }

    /// An index built at bfloat16 records it; opening follows it, asking for float32 is refused by
    /// name unless mixing is asked for (then float32 vectors, the index's identifier), and added rows
    /// are embedded at the index's precision.
    func testAnIndexFollowsItsPrecisionAndRefusesAnotherUnlessMixing() throws {
        let dir = try temporaryFolder()
        let (train, rows) = try csv(dir, count: 120)
        let folder = dir.appendingPathComponent("index")
        let built = try Workspace.build(from: Dataset(url: train), into: folder,
                                        embedder: .automatic(modelDir: nil, precision: .asked(.bfloat16)))
        XCTAssertTrue(built.embedder.identifier.hasSuffix(":precision=bf16"), built.embedder.identifier)
        let reopened = try Workspace(opening: folder)
        XCTAssertEqual((reopened.embedder as? SentenceEncoder)?.precision, .bfloat16)
        XCTAssertEqual(try reopened.embed([rows[0].text]).row(0), try built.embed([rows[0].text]).row(0))
        XCTAssertEqual(try reopened.search([rows[3].text], k: 1)[0][0].document.sourceRow, 3)
        // An added row is embedded at the index's precision: its stored vector is the bf16 one.
        let text = "a question about zebras on my statement"
        _ = try reopened.add(texts: [text], labels: ["zebra"])
        let found = try reopened.search([text], k: 1)[0][0]
        XCTAssertEqual(found.document.label, "zebra")
        XCTAssertEqual(Double(found.score), 1, accuracy: 1e-6, "the query and the row: the same bf16 vector")
        XCTAssertTrue(try reopened.verify().ok)
        let float32 = try EncoderLoader.load().embed([text], as: .query).row(0)
        let bfloat16 = try reopened.embed([text], as: .query).row(0)
        XCTAssertNotEqual(float32, bfloat16)
        XCTAssertThrowsError(try Workspace(opening: folder, embedder: .automatic(modelDir: nil, precision: .asked(.float32)))) {
            XCTAssertEqual($0 as? EmbeddingError, .precisionMismatch(index: "bf16", asked: "f32"))
        }
        let mixed = try Workspace(opening: folder, embedder: .encoder(modelDir: nil, precision: .asked(.float32, mixing: true)))
        XCTAssertEqual((mixed.embedder as? SentenceEncoder)?.precision, .float32)
        XCTAssertEqual(mixed.embedder.identifier, built.embedder.identifier)
        XCTAssertEqual(try mixed.search([rows[3].text], k: 1)[0][0].document.sourceRow, 3)
        // A float32 index is as before (no precision in its identifier) and refuses bfloat16 queries.
        let plain = try Workspace.build(from: Dataset(url: train), into: dir.appendingPathComponent("index-f32"))
        XCTAssertFalse(plain.embedder.identifier.contains("precision"))
        XCTAssertThrowsError(try Workspace(opening: dir.appendingPathComponent("index-f32"),
                                           embedder: .automatic(modelDir: nil, precision: .asked(.bfloat16)))) {
            XCTAssertEqual($0 as? EmbeddingError, .precisionMismatch(index: "f32", asked: "bf16"))
        }
        // A hashing index has no precision: asking for one is refused by name, not ignored.
        let hashed = try Workspace.build(from: Dataset(url: train), into: dir.appendingPathComponent("index-hashing"), embedder: .hashing)
        XCTAssertThrowsError(try Workspace(opening: dir.appendingPathComponent("index-hashing"),
                                           embedder: .automatic(modelDir: nil, precision: .asked(.bfloat16)))) {
            XCTAssertEqual($0 as? EmbeddingError, .precisionNotApplicable(embedder: hashed.embedder.identifier))
        }
    }

    func testIVFBuildSearchesThroughItsListsUnlessExact() throws {
        let dir = try temporaryFolder()
        let (train, _) = try csv(dir, count: 400)
        let w = try Workspace.build(from: Dataset(url: train), into: dir.appendingPathComponent("index"), kind: .ivf, nlist: 8)
        let report = try XCTUnwrap(w.ivfBuildReport)
        XCTAssertEqual(report.listCount, 8)
        XCTAssertNotNil((w.snapshot.store as? FolderVectorStore)?.ivf)
        let q = ["I lost my card", "top up by cheque"]
        let exact = try w.search(q, k: 10, options: .init(exact: true))
        let all = try w.search(q, k: 10, options: .init(nprobe: 8))
        XCTAssertEqual(all.map { $0.map(\.document.sourceRow) }, exact.map { $0.map(\.document.sourceRow) }, "probing every list is exact")
        let one = try w.search(q, k: 10, options: .init(nprobe: 1))
        XCTAssertEqual(one.map(\.count), [10, 10])
        // add goes to the lists too.
        try w.add(texts: ["a question about zebras on my statement"], labels: ["zebra"])
        XCTAssertEqual(try w.search(["a question about zebras on my statement"], k: 1, options: .init(nprobe: 8))[0][0].document.label, "zebra")
    }

    func testClassifyTrainAndCompareEqualTheirParts() throws {
        let dir = try temporaryFolder()
        let (train, _) = try csv(dir, count: 300)
        let (_, testRows) = try csv(dir, name: "test.csv", from: 6000, count: 60)
        let w = try Workspace.build(from: Dataset(url: train), into: dir.appendingPathComponent("index"))
        XCTAssertThrowsError(try w.classify(testRows, method: .head)) { XCTAssertEqual($0 as? ClassificationError, .noHead(index: w.location)) }
        XCTAssertThrowsError(try w.classify(testRows, method: .finetuned)) { XCTAssertEqual($0 as? ClassificationError, .noFineTunedEncoder) }
        // compare without a head trains one for the table only, and says so.
        var heard: [ComparisonTable.Note] = []
        let untrained = try w.compare(Array(testRows.prefix(20)), onNote: { heard.append($0) })
        XCTAssertEqual(heard.first, .headTrained)
        XCTAssertNil(w.snapshot.head, "compare does not store the head")

        let report = try w.trainHead(lambda: 0.1)
        XCTAssertEqual(report.rows, 300)
        XCTAssertEqual(report.lambdaSource, "given")
        XCTAssertNotNil(w.snapshot.head)
        XCTAssertEqual(w.snapshot.generation, 2)
        // The head equals LinearHeadTrainer on the same embeddings.
        let (x, labels) = try w.trainingData()
        let (head, _) = try LinearHeadTrainer(lambda: 0.1).train(x, labels: labels)
        XCTAssertEqual(w.snapshot.head?.weights, head.weights)

        let table = try w.compare(testRows, k: 10)
        XCTAssertEqual(table.rows.map(\.technique), ComparisonTable.baseTechniques.map(\.name))
        XCTAssertEqual(table.notes.filter { $0 == .headTrained }, [])
        let direct = try OfflineClassifier(retriever: try Retriever(embedder: w.embedder, store: w.snapshot.store, exact: true), head: head, k: 10)
            .classify(testRows, methods: ComparisonTable.baseTechniques.map(\.method))
        for row in table.rows {
            let preds = direct[OfflineClassifier.Method(rawValue: row.method)!]!
            XCTAssertEqual(table.predictions[row.method]?.map(\.predicted), preds.map(\.predicted), row.method)
            let r = try ClassificationReport(gold: preds.map { $0.gold! }, predicted: preds.map(\.predicted))
            XCTAssertEqual(row.accuracy, r.accuracy)
            XCTAssertEqual(row.macroF1, r.macro.f1)
            XCTAssertEqual(row.weightedF1, r.weighted.f1)
        }
        XCTAssertTrue(table.markdown.hasPrefix("| Technique | Accuracy |"))
        XCTAssertEqual(untrained.rows.count, 4)
        let json = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(table)) as? [[String: Any]]
        XCTAssertEqual(json?.count, 4)
        XCTAssertEqual(try w.classify(testRows, method: .knn).map(\.predicted), direct[.knn]!.map(\.predicted))
    }

    func testVerifyFindsDamageInEveryPartAndRefreshFollowsOtherWriters() throws {
        let dir = try temporaryFolder()
        let (train, _) = try csv(dir, count: 300)
        let folder = dir.appendingPathComponent("index")
        let w = try Workspace.build(from: Dataset(url: train), into: folder, kind: .ivf, nlist: 4)
        try w.trainHead(lambda: 0.1)
        let whole = try Workspace.verify(folder: folder)
        XCTAssertTrue(whole.ok)
        XCTAssertEqual(Set(whole.files.map(\.role)), Set((w.snapshot.store as! FolderVectorStore).index.manifest.files.keys))
        XCTAssertTrue(whole.files.contains { $0.role == "head" })

        // Another workspace (another process, as far as the first knows) appends.
        let other = try Workspace(opening: folder)
        try other.add(texts: ["an added row"], labels: ["added"])
        XCTAssertEqual(w.snapshot.count, 300)
        XCTAssertTrue(try w.refresh())
        XCTAssertEqual(w.snapshot.count, 301)
        XCTAssertFalse(try w.refresh())

        // One byte of the head changed: its checksum fails.
        let manifest = try Manifest.read(from: folder)
        let head = folder.appendingPathComponent(manifest.files["head"]!.name)
        var bytes = try Data(contentsOf: head)
        bytes[bytes.count - 1] ^= 0xFF
        try bytes.write(to: head)
        let damaged = try Workspace.verify(folder: folder)
        XCTAssertFalse(damaged.ok)
        XCTAssertEqual(damaged.files.filter { !$0.ok }.map(\.role), ["head"])
        XCTAssertEqual(damaged.problemCount, 1)
    }

    func testAnInMemoryWorkspaceLeavesNothingBehind() throws {
        let dir = try temporaryFolder()
        let (train, _) = try csv(dir, count: 100)
        var w: Workspace? = try Workspace.build(from: Dataset(url: train), embedder: .hashing)
        let folder = try XCTUnwrap((w?.snapshot.store as? FolderVectorStore)?.folder)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.path))
        XCTAssertEqual(try w?.search(["card"], k: 3)[0].count, 3)
        w = nil
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path))
    }
}
