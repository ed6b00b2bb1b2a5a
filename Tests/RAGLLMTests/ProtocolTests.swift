// ProtocolTests: the client and batch runner against the in-process stub: request shape, 429 + Retry-After, 500, timeouts, bad and cut bodies, off-list answers.
import XCTest
import RAG
import RAGLLM

final class ProtocolTests: XCTestCase {
    static let categories = ["activate_my_card", "card_arrival", "exchange_rate"]
    let builder = PromptBuilder(categories: ProtocolTests.categories)
    let key = "sk-test-PROTOCOL-5f1d2c"
    let fast = RetryPolicy(maxRetries: 3, baseDelay: 0.01, maxDelay: 0.05)

    func rows(_ n: Int) -> [LabelledText] {
        (0..<n).map { LabelledText(row: $0, line: $0 + 2, text: "message number \($0)", label: Self.categories[$0 % 3]) }
    }

    func classifier(_ client: OpenAIClient, constrained: Bool = false, retry: RetryPolicy? = nil) -> LLMClassifier {
        LLMClassifier(client: client, model: "stub-model", builder: builder, constrained: constrained, retry: retry ?? fast, method: "llm:stub-model")
    }

    func classifyOne(_ script: @escaping StubServer.Script, timeout: Double = 5, retry: RetryPolicy? = nil,
                     constrained: Bool = false) async throws -> (LLMClassifier.Outcome, StubServer, Double) {
        let server = try await StubServer(script: script)
        let start = Date()
        let outcome = try await OpenAIClient.with(baseURL: server.baseURL, apiKey: APIKey(key), timeout: timeout) { client in
            try await classifier(client, constrained: constrained, retry: retry).classify(rows(1)[0], neighbours: nil, stop: StopToken())
        }
        let elapsed = Date().timeIntervalSince(start)
        await server.shutdown()
        return (outcome, server, elapsed)
    }

    func answered(_ o: LLMClassifier.Outcome, file: StaticString = #filePath, line: UInt = #line) -> Prediction? {
        if case .answered(let p, _, _) = o { return p }
        XCTFail("expected an answer, got \(o)", file: file, line: line)
        return nil
    }

    func failed(_ o: LLMClassifier.Outcome, file: StaticString = #filePath, line: UInt = #line) -> Prediction? {
        if case .failed(let p) = o { return p }
        XCTFail("expected a failure, got \(o)", file: file, line: line)
        return nil
    }

    func testRequestShape() async throws {
        let (outcome, server, _) = try await classifyOne({ _, _ in .chat("{\"label\": \"card_arrival\"}") }, constrained: true)
        let p = try XCTUnwrap(answered(outcome))
        XCTAssertEqual(p.predicted, "card_arrival")
        XCTAssertEqual(p.raw, "{\"label\": \"card_arrival\"}")
        XCTAssertEqual(p.confidence, 1)
        let r = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(r.method, "POST")
        XCTAssertEqual(r.path, "/v1/chat/completions")
        XCTAssertEqual(r.headers["authorization"], "Bearer \(key)")
        XCTAssertEqual(r.headers["content-type"], "application/json")
        let body = try XCTUnwrap(r.json)
        XCTAssertEqual(body["model"] as? String, "stub-model")
        XCTAssertEqual(body["temperature"] as? Double, 0)
        XCTAssertEqual(body["max_tokens"] as? Int, 40)
        let messages = try XCTUnwrap(body["messages"] as? [[String: String]])
        XCTAssertEqual(messages.map { $0["role"]! }, ["system", "user"])
        XCTAssertEqual(messages[0]["content"], builder.systemPrompt)
        let format = try XCTUnwrap(body["response_format"] as? [String: Any])
        XCTAssertEqual(format["type"] as? String, "json_schema")
        let schema = try XCTUnwrap((format["json_schema"] as? [String: Any])?["schema"] as? [String: Any])
        let label = try XCTUnwrap((schema["properties"] as? [String: Any])?["label"] as? [String: Any])
        XCTAssertEqual(label["enum"] as? [String], Self.categories)
        XCTAssertEqual(schema["required"] as? [String], ["label"])
        XCTAssertEqual(schema["additionalProperties"] as? Bool, false)
    }

    func testUnconstrainedSendsNoResponseFormat() async throws {
        let (outcome, server, _) = try await classifyOne({ _, _ in .chat("Label: Exchange rate.") })
        XCTAssertEqual(answered(outcome)?.predicted, "exchange_rate")
        XCTAssertNil(server.requests[0].json?["response_format"])
    }

    func test429HonoursRetryAfter() async throws {
        let (outcome, server, elapsed) = try await classifyOne({ _, n in
            n == 0 ? .error(429, "Rate limit reached", headers: ["Retry-After": "1"]) : .chat("card_arrival")
        })
        XCTAssertEqual(answered(outcome)?.predicted, "card_arrival")
        XCTAssertEqual(server.requests.count, 2)
        XCTAssertGreaterThanOrEqual(elapsed, 1.0, "waited the server's Retry-After, not the 10 ms backoff")
    }

    func test500IsRetried() async throws {
        let (outcome, server, _) = try await classifyOne({ _, n in n < 2 ? .error(500, "boom") : .chat("card_arrival") })
        XCTAssertEqual(answered(outcome)?.predicted, "card_arrival")
        XCTAssertEqual(server.requests.count, 3)
    }

    func testSlowResponsePastTheTimeoutIsRetried() async throws {
        let (outcome, server, elapsed) = try await classifyOne({ _, n in
            var r = StubServer.Response.chat("card_arrival")
            if n == 0 { r.delay = 3 }
            return r
        }, timeout: 0.5)
        XCTAssertEqual(answered(outcome)?.predicted, "card_arrival")
        XCTAssertEqual(server.requests.count, 2)
        XCTAssertLessThan(elapsed, 2.5, "the first request was abandoned at the timeout")
    }

    func testTimeoutsToTheCapRecordAFailure() async throws {
        let (outcome, server, _) = try await classifyOne({ _, _ in
            var r = StubServer.Response.chat("card_arrival")
            r.delay = 2
            return r
        }, timeout: 0.3, retry: RetryPolicy(maxRetries: 1, baseDelay: 0.01))
        let p = try XCTUnwrap(failed(outcome))
        XCTAssertEqual(p.predicted, "")
        XCTAssertTrue(p.error?.contains("within 0 s") == true || p.error?.contains("no complete answer") == true, p.error ?? "")
        XCTAssertEqual(server.requests.count, 2)
    }

    func testMalformedJSONIsRetriedThenFails() async throws {
        let (outcome, server, _) = try await classifyOne({ _, _ in
            StubServer.Response(body: Data("{\"choices\": [ {\"message\": ".utf8))
        })
        let p = try XCTUnwrap(failed(outcome))
        XCTAssertTrue(p.error!.contains("unexpected answer"), p.error!)
        XCTAssertEqual(server.requests.count, 4, "1 + 3 retries")
    }

    func testTruncatedBodyIsRetried() async throws {
        let (outcome, server, _) = try await classifyOne({ _, n in
            var r = StubServer.Response.chat("card_arrival")
            if n == 0 { r.truncateAfter = 20 }
            return r
        })
        XCTAssertEqual(answered(outcome)?.predicted, "card_arrival")
        XCTAssertEqual(server.requests.count, 2)
    }

    func testAnswerOffTheListIsKeptRawAndNotRetried() async throws {
        let (outcome, server, _) = try await classifyOne({ _, _ in .chat("Sure! This looks like a lost card to me.") })
        let p = try XCTUnwrap(answered(outcome))
        XCTAssertEqual(p.confidence, 0)
        XCTAssertEqual(p.raw, "Sure! This looks like a lost card to me.")
        XCTAssertFalse(Self.categories.contains(p.predicted))
        XCTAssertNil(p.error)
        XCTAssertEqual(server.requests.count, 1)
    }

    func testNoChoicesIsMalformed() async throws {
        let (outcome, _, _) = try await classifyOne({ _, _ in .json(["choices": []]) }, retry: RetryPolicy(maxRetries: 0))
        XCTAssertTrue(failed(outcome)?.error?.contains("no choices[0].message.content") == true)
    }

    func testBadRequestFailsTheRowWithoutRetrying() async throws {
        let (outcome, server, _) = try await classifyOne({ _, _ in .error(400, "context length exceeded") })
        XCTAssertEqual(failed(outcome)?.error, "HTTP 400 from \(server.baseURL)/chat/completions: context length exceeded")
        XCTAssertEqual(server.requests.count, 1)
    }

    func testUnauthorizedStopsTheBatch() async throws {
        let key = self.key
        do {
            _ = try await classifyOne({ _, _ in .error(401, "Incorrect API key provided: \(key)") })
            XCTFail("a 401 should throw")
        } catch let e as LLMError {
            XCTAssertTrue(e.isFatalForBatch)
            XCTAssertFalse(e.localizedDescription.contains(key), e.localizedDescription)
            XCTAssertTrue(e.localizedDescription.contains("<redacted>"), e.localizedDescription)
        }
    }

    func testConnectionRefusedRecordsAFailure() async throws {
        // Bind, learn the port, close: nothing listens there afterwards.
        let server = try await StubServer { _, _ in .chat("x") }
        let url = server.baseURL
        await server.shutdown()
        let outcome = try await OpenAIClient.with(baseURL: url, apiKey: nil, timeout: 2) { client in
            try await classifier(client, retry: RetryPolicy(maxRetries: 2, baseDelay: 0.01))
                .classify(rows(1)[0], neighbours: nil, stop: StopToken())
        }
        let p = try XCTUnwrap(failed(outcome))
        XCTAssertTrue(p.error!.hasPrefix("no answer from \(url)/chat/completions"), p.error!)
    }

    /// Every fault at once, 4 in flight: each row ends up in the file exactly once.
    func testBatchWithEveryFaultWritesEachRowOnce() async throws {
        let attempts = AttemptCounter()
        let server = try await StubServer { request, _ in
            let text = request.inputText ?? ""
            let row = Int(text.split(separator: " ").last ?? "0") ?? 0
            let attempt = attempts.next(text)
            switch row % 8 {
            case 0: return attempt == 0 ? .error(429, "slow down", headers: ["Retry-After": "0.2"]) : .chat("card_arrival")
            case 1: return attempt < 2 ? .error(503, "overloaded") : .chat("{\"label\":\"exchange_rate\"}")
            case 2:
                var r = StubServer.Response.chat("activate_my_card")
                if attempt == 0 { r.delay = 2 }
                return r
            case 3: return attempt == 0 ? StubServer.Response(body: Data("not json".utf8)) : .chat("'Card arrival'")
            case 4:
                var r = StubServer.Response.chat("exchange_rate")
                if attempt == 0 { r.truncateAfter = 10 }
                return r
            case 5: return .chat("no idea, sorry")
            case 6: return .error(500, "always broken")
            default:
                var r = StubServer.Response.chat("Label: activate_my_card")
                r.delay = 0.05
                return r
            }
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("localrag-batch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("p.jsonl").path
        let input = rows(40)
        let journal = try PredictionJournal(.file(out), rows: input)
        let (predictions, summary) = try await OpenAIClient.with(baseURL: server.baseURL, apiKey: APIKey(key), timeout: 0.5) { client in
            try await LLMBatch(classifier: classifier(client), retriever: nil, concurrency: 4)
                .run(input, journal: journal, stop: StopToken())
        }
        journal.close()
        await server.shutdown()

        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        let written = try lines.map { try JSONDecoder().decode(Prediction.self, from: Data($0.utf8)) }
        XCTAssertEqual(written.map(\.row).sorted(), Array(0..<40), "every row exactly once")
        XCTAssertEqual(predictions.map(\.row), Array(0..<40))
        XCTAssertEqual(summary.failed, 5, "rows 6, 14, 22, 30, 38 answer 500 every time")
        XCTAssertEqual(summary.invalid, 5, "rows 5, 13, ... answer off the list")
        XCTAssertEqual(summary.answered, 35)
        XCTAssertEqual(summary.remaining, 0)
        for p in written {
            switch p.row % 8 {
            case 5: XCTAssertEqual(p.raw, "no idea, sorry"); XCTAssertEqual(p.confidence, 0)
            case 6: XCTAssertEqual(p.predicted, ""); XCTAssertNotNil(p.error)
            default: XCTAssertTrue(Self.categories.contains(p.predicted), "\(p)"); XCTAssertNil(p.error)
            }
        }
        XCTAssertFalse(try String(contentsOfFile: out, encoding: .utf8).contains(key))
    }

    func testStopLetsInFlightRowsFinishAndStartsNoMore() async throws {
        let server = try await StubServer { _, _ in
            var r = StubServer.Response.chat("card_arrival")
            r.delay = 0.3
            return r
        }
        let stop = StopToken()
        let journal = try PredictionJournal(.discard)
        let (predictions, summary) = try await OpenAIClient.with(baseURL: server.baseURL, apiKey: nil) { client in
            try await LLMBatch(classifier: classifier(client), retriever: nil, concurrency: 2)
                .run(rows(10), journal: journal, stop: stop, progress: { done, _ in if done == 1 { stop.stop(reason: "interrupted") } })
        }
        await server.shutdown()
        XCTAssertEqual(predictions.count, 2, "the two in flight when the stop came finished; no new one started")
        XCTAssertEqual(summary.remaining, 8)
        XCTAssertEqual(server.requests.count, 2)
    }
}

/// Attempts per key, from many connections.
final class AttemptCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    /// The number of earlier calls with `key`.
    func next(_ key: String) -> Int {
        lock.withLock {
            let n = counts[key, default: 0]
            counts[key] = n + 1
            return n
        }
    }
}
