// LLMCLITests: `rag classify --method llm`, compare and finetune run as a user runs them, against the stub: kill -9 and Ctrl-C then --resume, the key never shown.
import TestSupport
import XCTest
import Foundation
import RAG

final class LLMCLITests: XCTestCase {
    static let categories = ["activate_my_card", "card_arrival", "exchange_rate"]
    let secret = "sk-test-NEVER-SHOW-ME-7d3a91c0"
    var dir: URL!

    override func setUp() async throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("localrag-llmcli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try """
        text,label_text
        how do I activate my new card,activate_my_card
        "my card has not arrived, it's been a week",card_arrival
        what is the exchange rate for euros,exchange_rate
        activate the card I just got,activate_my_card
        where is my card,card_arrival
        how much is a dollar in pounds,exchange_rate

        """.write(to: dir.appendingPathComponent("train.csv"), atomically: true, encoding: .utf8)
        try Self.testCSV(40).write(to: dir.appendingPathComponent("test.csv"), atomically: true, encoding: .utf8)
        let build = try await RAGBinary.run(["index", "build", "--csv", "train.csv", "--embedder", "hashing"], in: dir, tag: "build")
        XCTAssertEqual(build.status, 0, build.stderr)
    }

    override func tearDown() async throws {
        try? FileManager.default.removeItem(at: dir)
    }

    /// Row n is "test message n" with label categories[n % 3].
    static func testCSV(_ n: Int) -> String {
        "text,label_text\n" + (0..<n).map { "test message \($0),\(categories[$0 % 3])" }.joined(separator: "\n") + "\n"
    }

    /// Answers each row with its own gold label, after `delay` seconds.
    static func rightAnswers(delay: Double = 0) -> StubServer.Script {
        { request, _ in
            let n = Int(request.inputText?.split(separator: " ").last ?? "0") ?? 0
            var r = StubServer.Response.chat("{\"label\": \"\(categories[n % 3])\"}")
            r.delay = delay
            return r
        }
    }

    func predictions(_ name: String) throws -> [Prediction] {
        try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(Prediction.self, from: Data($0.utf8)) }
    }

    func lineCount(_ name: String) -> Int {
        ((try? Data(contentsOf: dir.appendingPathComponent(name))) ?? Data()).filter { $0 == 0x0A }.count
    }

    func classifyArgs(_ server: StubServer, out: String = "p.jsonl", extra: [String] = []) -> [String] {
        ["classify", "--csv", "test.csv", "--method", "llm", "--model", "stub", "--base-url", server.baseURL,
         "--constrained", "--out", out, "--retry-delay", "0.01"] + extra
    }

    func testClassifyThenEvaluate() async throws {
        let server = try await StubServer(script: Self.rightAnswers())
        let r = try await RAGBinary.run(classifyArgs(server, extra: ["--limit", "12", "--concurrency", "3"]), in: dir)
        await server.shutdown()
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("classified 12 rows with llm-rag:stub: 12 valid, 0 invalid, 0 failed; accuracy 1.0000 on 12 labelled rows"), r.stderr)
        let p = try predictions("p.jsonl")
        XCTAssertEqual(p.map(\.row).sorted(), Array(0..<12))
        XCTAssertTrue(p.allSatisfy { $0.method == "llm-rag:stub" && $0.raw != nil })
        let user = try XCTUnwrap((server.requests[0].json?["messages"] as? [[String: String]])?[1]["content"])
        XCTAssertTrue(user.contains("Retrieved documents:\n1. ["), user)
        let e = try await RAGBinary.run(["evaluate", "p.jsonl"], in: dir, tag: "eval")
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertTrue(e.stdout.contains("accuracy     1.0000"), e.stdout)
        XCTAssertTrue(e.stdout.contains("invalid      0 predictions"), e.stdout)
    }

    func testNoRagPromptAndInvalidAnswersCountedByEvaluate() async throws {
        let server = try await StubServer { request, _ in
            let n = Int(request.inputText?.split(separator: " ").last ?? "0") ?? 0
            return n % 2 == 0 ? .chat(Self.categories[n % 3]) : .chat("I cannot tell.")
        }
        let r = try await RAGBinary.run(classifyArgs(server, extra: ["--limit", "10", "--no-rag"]), in: dir)
        await server.shutdown()
        XCTAssertEqual(r.status, 0, r.stderr)
        let user = try XCTUnwrap((server.requests[0].json?["messages"] as? [[String: String]])?[1]["content"])
        XCTAssertFalse(user.contains("Retrieved documents"), user)
        XCTAssertTrue(r.stderr.contains("5 valid, 5 invalid, 0 failed"), r.stderr)
        let e = try await RAGBinary.run(["evaluate", "p.jsonl"], in: dir, tag: "eval")
        XCTAssertTrue(e.stdout.contains("invalid      5 predictions"), e.stdout)
        XCTAssertTrue(e.stdout.contains("accuracy     0.5000"), e.stdout)
    }

    /// kill -9 in the middle of a batch, a torn last line on top, then --resume: every row exactly once.
    func testKillNineThenResume() async throws {
        let server = try await StubServer(script: Self.rightAnswers(delay: 0.1))
        let p = try RAGBinary.start(classifyArgs(server, extra: ["--concurrency", "2"]), in: dir, tag: "first")
        let deadline = Date().addingTimeInterval(60)
        while lineCount("p.jsonl") < 10 && Date() < deadline { try await Task.sleep(nanoseconds: 10_000_000) }
        kill(p.processIdentifier, SIGKILL)
        await RAGBinary.wait(p)
        XCTAssertEqual(p.terminationReason, .uncaughtSignal)
        let before = try predictions("p.jsonl")
        XCTAssertGreaterThanOrEqual(before.count, 10)
        XCTAssertLessThan(before.count, 40, "killed mid-batch")
        // What a kill during a write would leave: half a line with no newline.
        let missing = Set(0..<40).subtracting(before.map(\.row)).min()!
        let torn = #"{"row":\#(missing),"text":"test message \#(missing)","gold":"car"#
        let h = try FileHandle(forWritingTo: dir.appendingPathComponent("p.jsonl"))
        try h.seekToEnd()
        try h.write(contentsOf: Data(torn.utf8))
        try h.close()
        let requestsBefore = server.requests.count

        let r = try await RAGBinary.run(classifyArgs(server, extra: ["--concurrency", "2", "--resume"]), in: dir, tag: "resume")
        await server.shutdown()
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("the last line was cut off"), r.stderr)
        XCTAssertTrue(r.stderr.contains("resume: \(before.count) of 40 rows already in p.jsonl; \(40 - before.count) to classify"), r.stderr)
        let after = try predictions("p.jsonl")
        XCTAssertEqual(after.map(\.row).sorted(), Array(0..<40), "every row exactly once")
        XCTAssertEqual(Array(after.prefix(before.count)), before, "the rows written before the kill are kept as they were")
        XCTAssertEqual(server.requests.count - requestsBefore, 40 - before.count, "only the missing rows were sent again")
        XCTAssertTrue(after.allSatisfy { $0.predicted == $0.gold })
    }

    /// Ctrl-C lets the rows in flight finish, exits 130 with whole lines only; --resume completes.
    func testInterruptThenResume() async throws {
        let server = try await StubServer(script: Self.rightAnswers(delay: 0.3))
        let p = try RAGBinary.start(classifyArgs(server, extra: ["--concurrency", "2"]), in: dir, tag: "first")
        let deadline = Date().addingTimeInterval(60)
        while lineCount("p.jsonl") < 4 && Date() < deadline { try await Task.sleep(nanoseconds: 10_000_000) }
        let sentAtSignal = server.requests.count
        kill(p.processIdentifier, SIGINT)
        await RAGBinary.wait(p)
        XCTAssertEqual(p.terminationReason, .exit)
        XCTAssertEqual(p.terminationStatus, 130)
        let stderr = try String(contentsOf: dir.appendingPathComponent("first.stderr"), encoding: .utf8)
        XCTAssertTrue(stderr.contains("interrupted: letting the rows in flight finish"), stderr)
        XCTAssertTrue(stderr.contains("run the same command with --resume"), stderr)
        let data = try Data(contentsOf: dir.appendingPathComponent("p.jsonl"))
        XCTAssertEqual(data.last, 0x0A, "only whole lines")
        let before = try predictions("p.jsonl")
        XCTAssertEqual(before.count, server.requests.count, "each request in flight at Ctrl-C finished and was written")
        XCTAssertLessThanOrEqual(server.requests.count, sentAtSignal + 2, "none started after Ctrl-C (one per slot may race it)")
        XCTAssertLessThan(before.count, 40)
        let r = try await RAGBinary.run(classifyArgs(server, extra: ["--concurrency", "4", "--resume"]), in: dir, tag: "resume")
        await server.shutdown()
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try predictions("p.jsonl").map(\.row).sorted(), Array(0..<40))
    }

    /// Failed rows are written (not dropped) and --resume retries them.
    func testFailedRowsAreRecordedThenRetriedOnResume() async throws {
        let broken = NSLock()
        nonisolated(unsafe) var healthy = false
        let server = try await StubServer { request, n in
            let ok = broken.withLock { healthy }
            return ok ? Self.rightAnswers()(request, n) : .error(503, "overloaded")
        }
        let r = try await RAGBinary.run(classifyArgs(server, extra: ["--limit", "5", "--max-retries", "1"]), in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("0 valid, 0 invalid, 5 failed"), r.stderr)
        XCTAssertTrue(r.stderr.contains("retrying in"), r.stderr)
        let failed = try predictions("p.jsonl")
        XCTAssertEqual(failed.count, 5)
        XCTAssertTrue(failed.allSatisfy { $0.predicted == "" && $0.error?.contains("HTTP 503") == true })
        broken.withLock { healthy = true }
        let again = try await RAGBinary.run(classifyArgs(server, extra: ["--limit", "5", "--resume"]), in: dir, tag: "resume")
        await server.shutdown()
        XCTAssertEqual(again.status, 0, again.stderr)
        let fixed = try predictions("p.jsonl")
        XCTAssertEqual(fixed.map(\.row).sorted(), Array(0..<5))
        XCTAssertTrue(fixed.allSatisfy { $0.error == nil && $0.predicted == $0.gold })
    }

    /// The key goes out as the Authorization header and nowhere else: not in stdout, stderr, the
    /// predictions file or any error, even when the server echoes it back.
    func testKeyNeverAppearsInOutputLogsOrErrors() async throws {
        let server = try await StubServer { request, _ in
            let auth = request.headers["authorization"] ?? ""
            let n = Int(request.inputText?.split(separator: " ").last ?? "0") ?? 0
            switch n % 3 {
            case 0: return .chat("you sent \(auth)")
            case 1: return .error(500, "server error; your key is \(auth)")
            default: return .chat("card_arrival")
            }
        }
        let env: [String: String?] = ["OPENAI_API_KEY": secret]
        let run = try await RAGBinary.run(classifyArgs(server, extra: ["--limit", "9", "--max-retries", "1"]), in: dir, environment: env)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(server.requests.first?.headers["authorization"], "Bearer \(secret)", "the key is sent")

        let rejecting = try await StubServer { request, _ in .error(401, "Incorrect API key provided: \(request.headers["authorization"] ?? "")") }
        let denied = try await RAGBinary.run(classifyArgs(rejecting, out: "q.jsonl", extra: ["--limit", "3"]), in: dir, environment: env, tag: "denied")
        XCTAssertNotEqual(denied.status, 0)
        XCTAssertTrue(denied.stderr.contains("HTTP 401"), denied.stderr)
        let status = try await RAGBinary.run(["finetune", "status", "ftjob-1", "--base-url", rejecting.baseURL], in: dir, environment: env, tag: "status")
        XCTAssertNotEqual(status.status, 0)
        XCTAssertTrue(status.stderr.contains("<redacted>"), status.stderr)
        await server.shutdown()
        await rejecting.shutdown()

        // grep every file the runs left behind, as a user's `grep -r` would.
        var checked = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            let url = dir.appendingPathComponent(name)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue else { continue }
            let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
            XCTAssertFalse(text.contains(secret), "the key leaked into \(name)")
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 8)
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("p.jsonl"), encoding: .utf8).contains("<redacted>"))
    }

    func testKeyFromDotEnv() async throws {
        try "OPENAI_API_KEY=\(secret)\n".write(to: dir.appendingPathComponent(".env"), atomically: true, encoding: .utf8)
        let server = try await StubServer(script: Self.rightAnswers())
        let r = try await RAGBinary.run(classifyArgs(server, extra: ["--limit", "1"]), in: dir)
        await server.shutdown()
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(server.requests.first?.headers["authorization"], "Bearer \(secret)")
        XCTAssertFalse(r.stderr.contains(secret))
    }

    func testOpenAIWithoutAKeyIsAClearError() async throws {
        let r = try await RAGBinary.run(["classify", "--csv", "test.csv", "--method", "llm", "--model", "gpt-3.5-turbo"], in: dir)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("no API key for https://api.openai.com/v1: set OPENAI_API_KEY"), r.stderr)
        let noModel = try await RAGBinary.run(["classify", "--csv", "test.csv", "--method", "llm"], in: dir, tag: "nomodel")
        XCTAssertTrue(noModel.stderr.contains("--method llm needs --model"), noModel.stderr)
    }

    func testCompareAddsTheLLMRows() async throws {
        let server = try await StubServer(script: Self.rightAnswers())
        let r = try await RAGBinary.run(["compare", "--csv", "test.csv", "--llm-model", "base-m", "--ft-model", "ft:base-m:acme::x1",
                                         "--base-url", server.baseURL, "--limit", "9", "--constrained", "--predictions", "preds"], in: dir)
        await server.shutdown()
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2 + 8, r.stdout)
        for name in ["Fine-tuned LLM without RAG (ft:base-m:acme::x1) | 1.0000", "Fine-tuned LLM with RAG (ft:base-m:acme::x1) | 1.0000",
                     "Base LLM with RAG (base-m) | 1.0000", "Base LLM without RAG (base-m) | 1.0000"] {
            XCTAssertTrue(r.stdout.contains("| \(name)"), r.stdout)
        }
        XCTAssertEqual(server.requests.count, 36)
        XCTAssertEqual(Set(server.requests.compactMap { $0.json?["model"] as? String }), ["base-m", "ft:base-m:acme::x1"])
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("preds").path)
        XCTAssertTrue(Set(files).isSuperset(of: ["llm-base.jsonl", "llm-rag-base.jsonl", "llm-finetuned.jsonl", "llm-rag-finetuned.jsonl"]), "\(files)")
    }

    /// `compare --curve --llm-model`: the chat model with RAG once per draw, over the drawn rows only, and without RAG once.
    func testCurveAddsTheLLMRows() async throws {
        let server = try await StubServer(script: Self.rightAnswers())
        let r = try await RAGBinary.run(["compare", "--csv", "test.csv", "--curve", "1,all", "--curve-seeds", "2", "--llm-model", "base-m",
                                         "--base-url", server.baseURL, "--limit", "9", "--constrained", "--curve-out", "curve.json"], in: dir)
        await server.shutdown()
        XCTAssertEqual(r.status, 0, r.stderr)
        // Without RAG once (9 rows), with RAG at 1 per label (seeds 0, 1) and at all rows: 4 batches of 9.
        XCTAssertEqual(server.requests.count, 36)
        let users = server.requests.compactMap { ($0.json?["messages"] as? [[String: String]])?.last?["content"] }
        XCTAssertEqual(users.filter { !$0.contains("Retrieved documents:") }.count, 9)
        XCTAssertEqual(users.filter { $0.contains("Retrieved documents:\n1. [") && !$0.contains("\n4. [") }.count, 18, "1 per label: 3 drawn rows to retrieve")
        XCTAssertEqual(users.filter { $0.contains("\n6. [") }.count, 9, "all rows: 6 to retrieve")
        let points = try JSONDecoder().decode([LearningCurve.Point].self, from: Data(contentsOf: dir.appendingPathComponent("curve.json")))
        let llm = points.filter { $0.technique.hasPrefix("llm") }.map { "\($0.technique) \($0.perLabel.map(String.init) ?? "all") \($0.seed) \($0.rows)" }
        XCTAssertEqual(llm, ["llm:base-m 1 0 3", "llm:base-m all 0 6", "llm-rag:base-m 1 0 3", "llm-rag:base-m 1 1 3", "llm-rag:base-m all 0 6"])
        XCTAssertTrue(points.filter { $0.technique.hasPrefix("llm") }.allSatisfy { $0.accuracy == 1 && $0.macroF1 == 1 })
        XCTAssertEqual(points.count, 3 * 3 + 5)
        XCTAssertTrue(r.stdout.contains("| llm-rag:base-m | 1.0000 ± 0.0000"), r.stdout)
        let refused = try await RAGBinary.run(["compare", "--csv", "test.csv", "--curve", "2", "--ft-model", "ft:x"], in: dir, tag: "refused")
        XCTAssertEqual(refused.status, 64)
        XCTAssertTrue(refused.stderr.contains("--curve draws from the whole index and trains at every point: it does not take --ft-model"), refused.stderr)
    }

    /// upload (purpose fine-tune) → create (n_epochs, suffix) → status → wait → the model id.
    func testFinetuneJobFlow() async throws {
        let polls = AttemptCounter()
        let server = try await StubServer { request, _ in
            switch (request.method, request.path) {
            case ("POST", "/v1/files"):
                return .json(["id": "file-abc", "object": "file", "bytes": request.body.count, "filename": "ft.jsonl", "purpose": "fine-tune"])
            case ("POST", "/v1/fine_tuning/jobs"):
                return .json(["id": "ftjob-1", "object": "fine_tuning.job", "status": "validating_files", "model": "gpt-3.5-turbo"])
            case ("GET", "/v1/fine_tuning/jobs/ftjob-1"):
                let n = polls.next("poll")
                if n == 1 { return .error(503, "try again") }
                return .json(["id": "ftjob-1", "status": n < 3 ? "running" : "succeeded", "model": "gpt-3.5-turbo",
                              "fine_tuned_model": n < 3 ? NSNull() as Any : "ft:gpt-3.5-turbo:acme:demo:abc123" as Any, "trained_tokens": 1234])
            default:
                return .error(404, "no route \(request.method) \(request.path)")
            }
        }
        let env: [String: String?] = ["OPENAI_API_KEY": secret]
        let base = ["--base-url", server.baseURL, "--retry-delay", "0.01"]
        let export = try await RAGBinary.run(["finetune", "export", "--csv", "train.csv", "--out", "ft.jsonl"], in: dir, tag: "export")
        XCTAssertEqual(export.status, 0, export.stderr)
        let upload = try await RAGBinary.run(["finetune", "upload", "ft.jsonl"] + base, in: dir, environment: env, tag: "upload")
        XCTAssertEqual(upload.status, 0, upload.stderr)
        XCTAssertEqual(upload.stdout, "file-abc\n")
        let form = String(decoding: server.requests[0].body, as: UTF8.self)
        XCTAssertTrue(form.contains("name=\"purpose\"\r\n\r\nfine-tune\r\n"), form)
        XCTAssertTrue(form.contains(try String(contentsOf: dir.appendingPathComponent("ft.jsonl"), encoding: .utf8)))
        XCTAssertTrue(server.requests[0].headers["content-type"]?.hasPrefix("multipart/form-data; boundary=") == true)

        let create = try await RAGBinary.run(["finetune", "create", "--training-file", "file-abc", "--model", "gpt-3.5-turbo",
                                              "--epochs", "3", "--suffix", "demo"] + base, in: dir, environment: env, tag: "create")
        XCTAssertEqual(create.status, 0, create.stderr)
        XCTAssertEqual(create.stdout, "ftjob-1\n")
        let job = try XCTUnwrap(server.requests[1].json)
        XCTAssertEqual(job["training_file"] as? String, "file-abc")
        XCTAssertEqual(job["suffix"] as? String, "demo")
        XCTAssertEqual((job["hyperparameters"] as? [String: Int])?["n_epochs"], 3)

        let status = try await RAGBinary.run(["finetune", "status", "ftjob-1"] + base, in: dir, environment: env, tag: "status")
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertTrue(status.stdout.hasPrefix("ftjob-1  running"), status.stdout)

        let wait = try await RAGBinary.run(["finetune", "wait", "ftjob-1", "--interval", "0.05"] + base, in: dir, environment: env, tag: "wait")
        await server.shutdown()
        XCTAssertEqual(wait.status, 0, wait.stderr)
        XCTAssertEqual(wait.stdout, "ft:gpt-3.5-turbo:acme:demo:abc123\n")
        XCTAssertTrue(wait.stderr.contains("job ftjob-1: succeeded"), wait.stderr)
        XCTAssertTrue(server.requests.allSatisfy { $0.headers["authorization"] == "Bearer \(secret)" })
    }

    func testFailedJobIsAnError() async throws {
        let server = try await StubServer { _, _ in
            StubServer.Response.json(["id": "ftjob-2", "status": "failed",
                                      "error": ["code": "invalid_file", "message": "line 3 has no assistant message"]] as [String: Any])
        }
        let r = try await RAGBinary.run(["finetune", "wait", "ftjob-2", "--base-url", server.baseURL, "--interval", "0.05"], in: dir)
        await server.shutdown()
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("fine-tuning job ftjob-2 ended failed: line 3 has no assistant message"), r.stderr)
    }
}
