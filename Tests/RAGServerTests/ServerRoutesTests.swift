// ServerRoutesTests: every route against the library's own answers (no mocks): embeddings, search, classify, documents, health, models, metrics.
import Foundation
import XCTest
import TestSupport
import RAG
import TextEmbedding
import RAGServer
import VectorSearch

final class ServerRoutesTests: XCTestCase {
    func testEmbeddingsEqualTheLibrarysInEveryShape() async throws {
        let f = try await ServerFixture.start()
        defer { Task { await f.stop() } }
        let texts = ["my card has not arrived yet", "How do I top up by bank transfer?", "", "é ü 漢字 🙂"]
        let expected = try f.workspace.embed(texts)
        let many = try await f.post("/v1/embeddings", ["input": texts, "model": "all-MiniLM-L6-v2"])
        XCTAssertEqual(many.status, 200, many.text)
        XCTAssertEqual(many.object["object"] as? String, "list")
        XCTAssertEqual(many.object["model"] as? String, "all-MiniLM-L6-v2")
        let data = try XCTUnwrap(many.object["data"] as? [[String: Any]])
        XCTAssertEqual(data.count, texts.count)
        for (i, item) in data.enumerated() {
            XCTAssertEqual(item["index"] as? Int, i)
            XCTAssertEqual(item["object"] as? String, "embedding")
            let v = try XCTUnwrap(item["embedding"] as? [Double])
            XCTAssertEqual(v.count, 384)
            XCTAssertLessThanOrEqual(zip(v, expected.row(i)).map { abs($0 - Double($1)) }.max()!, 1e-6)
        }
        // Tokens the model saw: [CLS] + wordpieces + [SEP] per text, from the real tokenizer.
        let encoder = try XCTUnwrap(f.workspace.embedder as? SentenceEncoder)
        let tokens = texts.reduce(0) { $0 + encoder.tokenizer.encode($1).count }
        let usage = try XCTUnwrap(many.object["usage"] as? [String: Int])
        XCTAssertEqual(usage, ["prompt_tokens": tokens, "total_tokens": tokens])

        let one = try await f.post("/v1/embeddings", ["input": texts[0]])
        let oneVector = try XCTUnwrap(((one.object["data"] as? [[String: Any]])?.first?["embedding"]) as? [Double])
        XCTAssertLessThanOrEqual(zip(oneVector, expected.row(0)).map { abs($0 - Double($1)) }.max()!, 1e-6)

        let b64 = try await f.post("/v1/embeddings", ["input": texts, "encoding_format": "base64"])
        let strings = try XCTUnwrap((b64.object["data"] as? [[String: Any]])?.map { $0["embedding"] as? String })
        for (i, s) in strings.enumerated() {
            let bytes = try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(s)))
            let floats = bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            XCTAssertEqual(floats, expected.row(i), "base64 carries the float32 bits exactly")
        }
        let wrongModel = try await f.post("/v1/embeddings", ["input": "x", "model": "text-embedding-3-small"])
        XCTAssertEqual(wrongModel.status, 404)
        XCTAssertEqual((wrongModel.object["error"] as? [String: Any])?["code"] as? String, "model_not_found")
        let models = try await f.get("/v1/models")
        XCTAssertEqual(((models.object["data"] as? [[String: Any]])?.first?["id"]) as? String, "all-MiniLM-L6-v2")
    }

    /// A workspace over another model serves it under its own name, and its query prompt on /v1/search.
    func testTheModelIsServedUnderItsOwnName() async throws {
        let folder = try EncoderFixtures.folder("bert-prompts")
        let dir = try SharedFixtures.temporaryFolder("served-model")
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = try SharedFixtures.trainCSV(rows: 40, in: dir)
        let workspace = try Workspace.build(from: Dataset(url: csv), into: dir.appendingPathComponent("index"), embedder: .encoder(modelDir: folder.path))
        let f = try await ServerFixture(workspace: workspace)
        defer { Task { await f.stop() } }
        let models = try await f.get("/v1/models")
        XCTAssertEqual(((models.object["data"] as? [[String: Any]])?.first?["id"]) as? String, "bert-prompts")
        let embedded = try await f.post("/v1/embeddings", ["input": ["my card"], "model": "bert-prompts"])
        XCTAssertEqual(embedded.status, 200)
        let vector = try XCTUnwrap((embedded.object["data"] as? [[String: Any]])?.first?["embedding"] as? [Double])
        // /v1/embeddings gives what SentenceTransformer.encode gives: the default prompt ("passage: " here), not the query prompt.
        XCTAssertEqual(vector.map(Float.init), try workspace.sentenceEmbeddings(["my card"], as: .plain).row(0))
        XCTAssertNotEqual(vector.map(Float.init), try workspace.embed(["my card"], as: .query).row(0))
        let search = try await f.post("/v1/search", ["query": "my card has not arrived", "k": 3])
        XCTAssertEqual(search.status, 200)
        // The query prompt ("query: ") on both sides: the served neighbours are the library's.
        let direct = try workspace.search(["my card has not arrived"], k: 3)[0]
        let served = try XCTUnwrap(search.object["neighbours"] as? [[String: Any]])
        XCTAssertEqual(served.map { $0["row"] as? Int }, direct.map(\.document.sourceRow))
        XCTAssertEqual(try XCTUnwrap(served.first?["score"] as? Double), Double(direct[0].score), accuracy: 1e-6)
        XCTAssertNotEqual(try workspace.embed(["x"], as: .query).storage, try workspace.embed(["x"], as: .document).storage, "the prompts differ by role")
    }

    /// An index built with int8 codes serves `rescore` as the library searches with it.
    func testRescoreOnAnInt8IndexEqualsTheLibrary() async throws {
        let dir = try SharedFixtures.temporaryFolder("served-int8")
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = try SharedFixtures.trainCSV(rows: 300, in: dir)
        let workspace = try Workspace.build(from: Dataset(url: csv), into: dir.appendingPathComponent("index"), embedder: .hashing, vectors: .int8)
        let f = try await ServerFixture(workspace: workspace)
        defer { Task { await f.stop() } }
        for rescore in [1, 2, 100] {
            let search = try await f.post("/v1/search", ["query": "my card has not arrived", "k": 5, "rescore": rescore])
            XCTAssertEqual(search.status, 200, search.text)
            let direct = try workspace.search(["my card has not arrived"], k: 5, options: Workspace.SearchOptions(rescore: rescore))[0]
            let served = try XCTUnwrap(search.object["neighbours"] as? [[String: Any]])
            XCTAssertEqual(served.map { $0["row"] as? Int }, direct.map(\.document.sourceRow), "rescore \(rescore)")
        }
        let exact = try workspace.search(["my card has not arrived"], k: 5, options: Workspace.SearchOptions(exact: true))[0]
        XCTAssertEqual(try workspace.search(["my card has not arrived"], k: 5, options: Workspace.SearchOptions(rescore: 100))[0].map(\.document.row),
                       exact.map(\.document.row))
    }

    func testSearchAndClassifyEqualTheLibrary() async throws {
        let f = try await ServerFixture.start()
        defer { Task { await f.stop() } }
        let queries = ["my card has not arrived yet", "I want my money back", "exchange rate for euros"]
        let expected = try f.workspace.search(queries, k: 5)
        let one = try await f.post("/v1/search", ["query": queries[0], "k": 5])
        XCTAssertEqual(one.status, 200, one.text)
        XCTAssertEqual(one.object["query"] as? String, queries[0])
        func check(_ got: Any?, _ want: [Neighbour]) throws {
            let items = try XCTUnwrap(got as? [[String: Any]])
            XCTAssertEqual(items.map { $0["row"] as? Int }, want.map(\.document.sourceRow))
            XCTAssertEqual(items.map { $0["label"] as? String }, want.map(\.document.label))
            XCTAssertEqual(items.map { $0["text"] as? String }, want.map(\.document.text))
            for (i, n) in zip(items, want) { XCTAssertEqual(try XCTUnwrap(i["score"] as? Double), Double(n.score), accuracy: 1e-6) }
        }
        try check(one.object["neighbours"], expected[0])
        let many = try await f.post("/v1/search", ["queries": queries, "k": 5])
        let results = try XCTUnwrap(many.object["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 3)
        for (r, want) in zip(results, expected) { try check(r["neighbours"], want) }

        for method in ["knn", "head", "blend", "zero-shot"] {
            let want = try f.workspace.classify(texts: queries, method: OfflineClassifier.Method(rawValue: method)!)
            let got = try await f.post("/v1/classify", ["texts": queries, "method": method])
            XCTAssertEqual(got.status, 200, got.text)
            let predictions = try XCTUnwrap(got.object["predictions"] as? [[String: Any]])
            XCTAssertEqual(predictions.map { $0["predicted"] as? String }, want.map(\.predicted), method)
            XCTAssertEqual(predictions.map { $0["method"] as? String }, Array(repeating: method, count: 3))
            XCTAssertEqual(predictions.map { $0["row"] as? Int }, [0, 1, 2])
        }
        let finetuned = try await f.post("/v1/classify", ["texts": queries, "method": "finetuned"])
        XCTAssertEqual(finetuned.status, 400, "the base model has no fine-tuned head")
        XCTAssertEqual((finetuned.object["error"] as? [String: Any])?["param"] as? String, "method")
    }

    /// The curve route's points are the library's `learningCurve` over the same rows (all but the
    /// seconds, which are each run's own), its cheapest picks are `cheapestNearBest()`, and bad
    /// requests are refused naming the field.
    func testLearningCurveEqualsTheLibrarys() async throws {
        let f = try await ServerFixture.start()
        defer { Task { await f.stop() } }
        let rows = Array(try Dataset(url: Repository.data("test.csv")).readAll().prefix(40))
        let texts = rows.map(\.text), labels = rows.map { $0.label! }
        let want = try f.workspace.learningCurve(rows, examplesPerLabel: [1, 2, nil], seeds: 2, k: 5, methods: [.knn, .head, .zeroShot])
        for counts in [[1, 2, "all"] as [Any], "2, all,1" as Any] {
            let got = try await f.post("/v1/learning_curve", ["texts": texts, "labels": labels, "per_label": counts, "seeds": 2, "k": 5,
                                                              "methods": ["knn", "head", "zero-shot"]])
            XCTAssertEqual(got.status, 200, got.text)
            XCTAssertEqual(got.object["object"] as? String, "learning_curve")
            let points = try JSONDecoder().decode([LearningCurve.Point].self, from: JSONSerialization.data(withJSONObject: got.object["points"] as Any))
            XCTAssertEqual(points.count, want.points.count)
            XCTAssertEqual(points.map { [$0.technique, "\($0.perLabel ?? -1)", "\($0.seed)", "\($0.rows)"] },
                           want.points.map { [$0.technique, "\($0.perLabel ?? -1)", "\($0.seed)", "\($0.rows)"] })
            XCTAssertEqual(points.map(\.accuracy), want.points.map(\.accuracy))
            XCTAssertEqual(points.map(\.macroF1), want.points.map(\.macroF1))
            XCTAssertEqual(points.map(\.cappedLabels), want.points.map(\.cappedLabels))
            let cheapest = try XCTUnwrap(got.object["cheapest"] as? [[String: Any]])
            XCTAssertEqual(cheapest.map { "\($0["per_label"]!)" }, ["1", "2", "all"])
            XCTAssertEqual(cheapest.map { $0["best"] as? String }, LearningCurve(points: points).cheapestNearBest().map(\.best))
            XCTAssertEqual(cheapest.map { $0["technique"] as? String }, LearningCurve(points: points).cheapestNearBest().map(\.technique))
        }
        XCTAssertTrue(want.points.contains { !$0.cappedLabels.isEmpty }, "300 rows leave labels with fewer than 2 rows: capped, not refused")

        let good: [String: Any] = ["texts": Array(texts.prefix(3)), "labels": Array(labels.prefix(3)), "per_label": [2]]
        let bad: [(String, Any, String, String)] = [
            ("per_label", [0], "per_label", "per_label: \"0\" is not a count of rows per label (a whole number from 1, or all), in \"0\""),
            ("per_label", "2,2", "per_label", "per_label: 2 is given twice in \"2,2\""),
            ("per_label", [2, "two"], "per_label[1]", "per_label[1]: expected a whole number from 1 or \"all\""),
            ("per_label", ["k": 2], "per_label", "per_label: expected counts of rows per label: \"2,4,8,all\" or [2, 4, 8, \"all\"]"),
            ("labels", ["a"], "labels", "labels has 1 labels for 3 texts; one gold label per text"),
            ("labels", ["a", "", "b"], "labels[1]", "labels[1] is empty"),
            ("seeds", 0, "seeds", "seeds must be between 1 and 20; got 0"),
            ("methods", ["knn", "vote"], "methods", "methods: \"vote\" is not a technique (zero-shot, knn, head, blend, finetuned, finetuned-blend)"),
            ("methods", ["finetuned"], "methods", "methods: finetuned fine-tunes the encoder at every point (minutes each); measure it with rag compare --curve --curve-methods finetuned"),
            ("methods", [String](), "methods", "methods is empty"),
            ("texts", [String](), "texts", "texts is empty"),
        ]
        for (field, value, param, message) in bad {
            var body = good
            body[field] = value
            let r = try await f.post("/v1/learning_curve", body)
            XCTAssertEqual(r.status, 400, "\(field) \(value): \(r.text)")
            let error = try XCTUnwrap(r.object["error"] as? [String: Any], r.text)
            XCTAssertEqual(error["param"] as? String, param, r.text)
            XCTAssertTrue((error["message"] as? String ?? "").contains(message), "\(message) in \(r.text)")
        }
        var missing = good
        missing["labels"] = nil
        let noLabels = try await f.post("/v1/learning_curve", missing)
        XCTAssertEqual(noLabels.status, 400, noLabels.text)
    }

    func testDocumentsCommitANewGenerationAndOtherWritersArePickedUp() async throws {
        let f = try await ServerFixture.start()
        defer { Task { await f.stop() } }
        let before = try await f.get("/healthz").object
        let rows = before["rows"] as! Int
        let added = try await f.post("/v1/documents", ["documents": [
            ["text": "zebra crossing fee on my statement", "label": "zebra_fee"], ["text": "unlabelled note about zebras"],
        ]])
        XCTAssertEqual(added.status, 200, added.text)
        XCTAssertEqual(added.object["added"] as? Int, 2)
        XCTAssertEqual(added.object["count"] as? Int, rows + 2)
        XCTAssertEqual(added.object["generation"] as? Int, (before["generation"] as! Int) + 1)
        let hit = try await f.post("/v1/search", ["query": "zebra crossing fee on my statement", "k": 1])
        let top = try XCTUnwrap((hit.object["neighbours"] as? [[String: Any]])?.first)
        XCTAssertEqual(top["label"] as? String, "zebra_fee")
        XCTAssertEqual(top["row"] as? Int, rows, "new rows number on from the last")
        XCTAssertEqual(try Workspace.verify(folder: (f.workspace.snapshot.store as! FolderVectorStore).folder).ok, true)

        // Another writer (a second workspace on the same folder, as `rag index add` would be).
        let other = try Workspace(opening: (f.workspace.snapshot.store as! FolderVectorStore).folder)
        try other.add(texts: ["quokka sightings at the branch"], labels: ["quokka"])
        try await Task.sleep(for: .milliseconds(700))
        _ = try await f.post("/v1/search", ["query": "warm-up", "k": 1]) // a batch refreshes the generation
        let after = try await f.get("/healthz").object
        XCTAssertEqual(after["rows"] as? Int, rows + 3)
        let quokka = try await f.post("/v1/search", ["query": "quokka sightings at the branch", "k": 1])
        XCTAssertEqual(((quokka.object["neighbours"] as? [[String: Any]])?.first?["label"]) as? String, "quokka")
    }

    /// PUT replaces by id and adds the rest, DELETE hides rows at once; the ids come back in searches.
    func testDocumentsAreReplacedAndDeletedByID() async throws {
        let f = try await ServerFixture.start()
        defer { Task { await f.stop() } }
        let rows = try await f.get("/healthz").object["rows"] as! Int
        let put = try await f.request("PUT", "/v1/documents", body: try JSONSerialization.data(withJSONObject: ["documents": [
            ["text": "my llama ate the bank card", "label": "llama_card", "id": "ticket-1"],
            ["text": "the llama is fine now", "label": "llama_ok", "id": "ticket-2"],
        ]]))
        XCTAssertEqual(put.status, 200, put.text)
        XCTAssertEqual(put.object["added"] as? Int, 2)
        XCTAssertEqual(put.object["replaced"] as? Int, 0)
        let again = try await f.request("PUT", "/v1/documents", body: try JSONSerialization.data(withJSONObject: ["documents": [
            ["text": "my llama ate the bank card", "label": "llama_card_fixed", "id": "ticket-1"],
        ]]))
        XCTAssertEqual(again.object["replaced"] as? Int, 1, again.text)
        XCTAssertEqual(again.object["count"] as? Int, rows + 2)
        let hit = try await f.post("/v1/search", ["query": "my llama ate the bank card", "k": 3])
        let neighbours = try XCTUnwrap(hit.object["neighbours"] as? [[String: Any]])
        XCTAssertEqual(neighbours.first?["id"] as? String, "ticket-1")
        XCTAssertEqual(neighbours.first?["label"] as? String, "llama_card_fixed")
        XCTAssertEqual(neighbours.filter { $0["id"] as? String == "ticket-1" }.count, 1, "one row per id")
        let deleted = try await f.request("DELETE", "/v1/documents", body: try JSONSerialization.data(withJSONObject: ["ids": ["ticket-1", "nope"]]))
        XCTAssertEqual(deleted.status, 200, deleted.text)
        XCTAssertEqual(deleted.object["deleted"] as? Int, 1)
        XCTAssertEqual(deleted.object["missing"] as? [String], ["nope"])
        XCTAssertEqual(deleted.object["count"] as? Int, rows + 1)
        let gone = try await f.post("/v1/search", ["query": "my llama ate the bank card", "k": 5])
        XCTAssertFalse((gone.object["neighbours"] as? [[String: Any]] ?? []).contains { $0["id"] as? String == "ticket-1" })
        let duplicate = try await f.post("/v1/documents", ["documents": [["text": "x", "id": "ticket-2"]]])
        XCTAssertEqual(duplicate.status, 409)
        XCTAssertEqual((duplicate.object["error"] as? [String: Any])?["code"] as? String, "duplicate_id")
        let twice = try await f.request("PUT", "/v1/documents", body: try JSONSerialization.data(withJSONObject: ["documents": [
            ["text": "a", "id": "same"], ["text": "b", "id": "same"],
        ]]))
        XCTAssertEqual(twice.status, 400)
        XCTAssertEqual((twice.object["error"] as? [String: Any])?["param"] as? String, "documents[1].id")
    }

    func testConcurrentRequestsShareEncoderBatches() async throws {
        let f = try await ServerFixture.start()
        defer { Task { await f.stop() } }
        let texts = try Dataset(url: Repository.data("test.csv")).readAll().prefix(64).map(\.text)
        let expected = try f.workspace.embed(texts)
        let replies = try await withThrowingTaskGroup(of: (Int, ServerFixture.Reply).self) { group in
            for (i, t) in texts.enumerated() { group.addTask { (i, try await f.post("/v1/embeddings", ["input": [t]])) } }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for (i, reply) in replies {
            XCTAssertEqual(reply.status, 200)
            let v = try XCTUnwrap(((reply.object["data"] as? [[String: Any]])?.first?["embedding"]) as? [Double])
            // Batched with others or alone, a text's vector is its own.
            XCTAssertLessThanOrEqual(zip(v, expected.row(i)).map { abs($0 - Double($1)) }.max()!, 1e-6)
        }
        // The batch-size histogram: fewer batches than requests means requests were gathered.
        let metrics = try await f.get("/metrics").text
        let line = try XCTUnwrap(metrics.split(separator: "\n").first { $0.hasPrefix("localrag_batch_texts_count") })
        let batches = try XCTUnwrap(Int(line.split(separator: " ").last!))
        XCTAssertLessThan(batches, texts.count, metrics)
        XCTAssertTrue(metrics.contains("localrag_index_rows"), metrics)
        XCTAssertTrue(metrics.contains("http_server_request_duration_bucket{http_route=\"/v1/embeddings\""), metrics)
    }

    /// Requests batched together but asking different filters each get the answer for their own.
    func testConcurrentRequestsWithDifferentFiltersEachGetTheirOwn() async throws {
        let f = try await ServerFixture.start { $0.batchWait = .milliseconds(300) }
        defer { Task { await f.stop() } }
        let labels = f.workspace.snapshot.labels.sorted()
        let filters: [String?] = [#"label = "\#(labels[0])""#, #"label != "\#(labels[0])""#,
                                  #"label in ["\#(labels[1])", "\#(labels[2])"]"#, nil]
        let query = "my card has not arrived yet"
        let replies = try await withThrowingTaskGroup(of: (Int, ServerFixture.Reply, ServerFixture.Reply).self) { group in
            for (i, filter) in filters.enumerated() {
                group.addTask {
                    var search: [String: Any] = ["query": query, "k": 5], classify: [String: Any] = ["texts": [query], "method": "knn", "k": 5]
                    if let filter { search["filter"] = filter; classify["filter"] = filter }
                    async let s = f.post("/v1/search", search)
                    async let c = f.post("/v1/classify", classify)
                    return (i, try await s, try await c)
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = ($1.1, $1.2) }
        }
        for (i, filter) in filters.enumerated() {
            let parsed = try filter.map { try FilterExpression(parsing: $0) }
            let (search, classify) = try XCTUnwrap(replies[i])
            XCTAssertEqual(search.status, 200, search.text)
            let want = try f.workspace.search([query], k: 5, options: Workspace.SearchOptions(filter: parsed))[0]
            XCTAssertEqual((search.object["neighbours"] as? [[String: Any]])?.map { $0["row"] as? Int }, want.map(\.document.sourceRow), filter ?? "none")
            let predicted = try f.workspace.classify(texts: [query], method: .knn, k: 5, filter: parsed)[0].predicted
            XCTAssertEqual((classify.object["predictions"] as? [[String: Any]])?.first?["predicted"] as? String, predicted, filter ?? "none")
        }
    }
}
