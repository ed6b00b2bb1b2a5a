// ServerSafetyTests: limits (413, 400 naming the field, 404, 401, 503 with Retry-After), 1,000 malformed requests, a client that hangs up.
import Foundation
import XCTest
import RAG
import Hummingbird
import RAGServer

final class ServerSafetyTests: XCTestCase {
    func error(_ r: ServerFixture.Reply) -> [String: Any] { (r.object["error"] as? [String: Any]) ?? [:] }

    /// A raw TCP socket connected to the server on loopback (for clients that misbehave below HTTP).
    func connectedSocket(_ port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        XCTAssertEqual(connected, 0, "connect to 127.0.0.1:\(port)")
        return fd
    }

    func testLimitsAndBadInputNameTheField() async throws {
        let f = try await ServerFixture.start { $0.maxInputs = 8; $0.maxTextCharacters = 1000; $0.maxBodyBytes = 64 << 10 }
        defer { Task { await f.stop() } }
        let cases: [(Any, Int, String)] = [
            (["input": 5], 400, "input"),
            (["input": [1, 2, 3]], 400, "input"),
            (["input": ["ok", 7]], 400, "input"),
            (["model": "all-MiniLM-L6-v2"], 400, "input"),
            (["input": []], 400, "input"),
            (["input": Array(repeating: "a", count: 9)], 400, "input"),
            (["input": ["fine", String(repeating: "x", count: 1001)]], 400, "input[1]"),
            (["input": "x", "encoding_format": "int8"], 400, "encoding_format"),
            (["input": "x", "dimensions": 128], 400, "dimensions"),
        ]
        for (body, status, param) in cases {
            let r = try await f.post("/v1/embeddings", body)
            XCTAssertEqual(r.status, status, "\(body): \(r.text)")
            XCTAssertEqual(error(r)["param"] as? String, param, "\(body): \(r.text)")
            XCTAssertNotNil(error(r)["message"] as? String)
        }
        let searches: [(Any, String)] = [
            (["query": "a", "k": 0], "k"), (["query": "a", "k": "ten"], "k"), (["query": "a", "nprobe": 0], "nprobe"), (["query": "a", "rescore": 0], "rescore"),
            (["queries": ["a", 3]], "queries[1]"), ([:], "query"), (["query": "a", "queries": ["b"]], "query"),
        ]
        for (body, param) in searches {
            let r = try await f.post("/v1/search", body)
            XCTAssertEqual(r.status, 400, "\(body): \(r.text)")
            XCTAssertEqual(error(r)["param"] as? String, param, "\(body): \(r.text)")
        }
        let badMethod = try await f.post("/v1/classify", ["texts": ["a"], "method": "magic"])
        XCTAssertEqual(error(badMethod)["param"] as? String, "method")
        let badDoc = try await f.post("/v1/documents", ["documents": [["label": "x"]]])
        XCTAssertEqual(error(badDoc)["param"] as? String, "documents[0].text", badDoc.text)

        let big = try await f.request("POST", "/v1/embeddings", body: Data(("{\"input\": \"" + String(repeating: "y", count: 70_000) + "\"}").utf8))
        XCTAssertEqual(big.status, 413)
        let notJSON = try await f.request("POST", "/v1/embeddings", body: Data("{\"input\": ".utf8))
        XCTAssertEqual(notJSON.status, 400)
        XCTAssertEqual(error(notJSON)["param"] as? String, "body")
        let unknown = try await f.get("/v2/nothing")
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(error(unknown)["code"] as? String, "unknown_route")
        // Still serving after all of that.
        let ok = try await f.post("/v1/embeddings", ["input": "still here"])
        XCTAssertEqual(ok.status, 200)
    }

    func testBearerKeyIsRequiredAndComparedWhole() async throws {
        let f = try await ServerFixture.start { $0.apiKey = "s3cret-key" }
        defer { Task { await f.stop() } }
        for header in [nil, "Bearer wrong", "Bearer s3cret-ke", "Bearer s3cret-key2", "s3cret-key", "Basic s3cret-key"] {
            let r = try await f.post("/v1/embeddings", ["input": "x"], headers: header.map { ["Authorization": $0] } ?? [:])
            XCTAssertEqual(r.status, 401, header ?? "no header")
            XCTAssertFalse(r.text.contains("s3cret"), "the key is never echoed")
        }
        let ok = try await f.post("/v1/embeddings", ["input": "x"], headers: ["Authorization": "Bearer s3cret-key"])
        XCTAssertEqual(ok.status, 200)
        let health = try await f.get("/healthz")
        XCTAssertEqual(health.status, 200, "health needs no key")
        XCTAssertTrue(BearerKeyMiddleware<BasicRequestContext>.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        XCTAssertFalse(BearerKeyMiddleware<BasicRequestContext>.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        XCTAssertFalse(BearerKeyMiddleware<BasicRequestContext>.constantTimeEqual(Array("abc".utf8), Array("ab".utf8)))
    }

    func testOverloadShedsWithRetryAfter() async throws {
        let f = try await ServerFixture.start { $0.maxQueuedTexts = 40; $0.maxBatchTexts = 8 }
        defer { Task { await f.stop() } }
        let texts = Array(repeating: "a fairly ordinary sentence about a bank transfer that has not arrived yet", count: 20)
        let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for _ in 0..<24 { group.addTask { let r = try await f.post("/v1/embeddings", ["input": texts]); return (r.status, r.headers["retry-after"]) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let shed = statuses.filter { $0.0 == 503 }
        XCTAssertFalse(shed.isEmpty, "24 x 20 texts against a queue of 40 must shed some: \(statuses)")
        XCTAssertTrue(shed.allSatisfy { $0.1 == "1" }, "\(shed)")
        XCTAssertTrue(statuses.allSatisfy { $0.0 == 200 || $0.0 == 503 }, "\(statuses)")
        let after = try await f.post("/v1/embeddings", ["input": "served again once the queue drains"])
        XCTAssertEqual(after.status, 200)
    }

    func testAThousandMalformedRequestsGet4xxAndServingGoesOn() async throws {
        let f = try await ServerFixture.start { $0.maxInputs = 64; $0.maxBodyBytes = 256 << 10 }
        defer { Task { await f.stop() } }
        var rng = SystemRandomNumberGenerator()
        let valid = Array(#"{"input": ["my card has not arrived", "top up failed"], "model": "all-MiniLM-L6-v2"}"#.utf8)
        let shapes: [[UInt8]] = [
            Array(#"{"input": {"a": 1}}"#.utf8), Array(#"{"input": null}"#.utf8), Array(#"{"input": [null]}"#.utf8),
            Array(#"[1, 2, 3]"#.utf8), Array(#""just a string""#.utf8), Array(#"{"texts": 5}"#.utf8),
            Array(#"{"query": ["a"]}"#.utf8), Array(#"{"documents": "x"}"#.utf8), Array(#"{"input": "a", "encoding_format": 1}"#.utf8),
            Array(("{\"input\": [" + Array(repeating: "\"x\"", count: 5000).joined(separator: ",") + "]}").utf8),
            [0x7B, 0x22, 0x69, 0x6E, 0x70, 0x75, 0x74, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0xFF, 0xFE, 0x22, 0x7D], // invalid UTF-8
        ]
        let routes = ["/v1/embeddings", "/v1/search", "/v1/classify", "/v1/documents"]
        var statuses: [Int: Int] = [:]
        for i in 0..<1000 {
            var body: [UInt8]
            switch i % 4 {
            case 0: body = shapes[i / 4 % shapes.count]
            case 1: // truncated valid JSON
                body = Array(valid.prefix(Int.random(in: 0..<valid.count - 1, using: &rng)))
            case 2: // random bytes flipped in valid JSON
                body = valid
                for _ in 0..<Int.random(in: 1...6, using: &rng) { body[Int.random(in: 0..<body.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            default: // random bytes
                body = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
            let r = try await f.request("POST", routes[i % routes.count], body: Data(body))
            statuses[r.status, default: 0] += 1
            if !(400..<500).contains(r.status) {
                // A flipped byte can leave JSON that is still valid: then a 2xx is right.
                let stillValid = (try? JSONSerialization.jsonObject(with: Data(body))) != nil
                XCTAssertTrue(stillValid && r.status == 200, "request \(i) to \(routes[i % routes.count]) got \(r.status): \(String(decoding: body, as: UTF8.self)) -> \(r.text)")
            } else {
                XCTAssertNotNil(error(r)["message"] as? String, "every 4xx has a JSON error body: \(r.text)")
            }
        }
        XCTAssertGreaterThan(statuses[400, default: 0], 900, "\(statuses)")
        let ok = try await f.post("/v1/embeddings", ["input": "still serving"])
        XCTAssertEqual(ok.status, 200)
    }

    func testAStalledClientIsDisconnectedAfterTheIdleTimeout() async throws {
        let f = try await ServerFixture.start { $0.idleTimeout = .seconds(1) }
        defer { Task { await f.stop() } }
        let fd = try connectedSocket(f.base.port!)
        defer { close(fd) }
        // Half a request line, then nothing: a slow-loris client.
        _ = "POST /v1/embed".withCString { send(fd, $0, strlen($0), 0) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let start = Date()
        var byte: UInt8 = 0
        let got = recv(fd, &byte, 1, 0)
        let waited = Date().timeIntervalSince(start)
        XCTAssertEqual(got, 0, "the server closed the connection")
        XCTAssertGreaterThan(waited, 0.5)
        XCTAssertLessThan(waited, 5, "closed after about the 1 s idle timeout, not the 10 s receive timeout")
        let ok = try await f.post("/v1/embeddings", ["input": "others are served"])
        XCTAssertEqual(ok.status, 200)
    }

    func testAClientThatHangsUpMidRequestDisturbsNoOne() async throws {
        let f = try await ServerFixture.start()
        defer { Task { await f.stop() } }
        let port = f.base.port!
        for _ in 0..<20 {
            // Headers promise 10,000 bytes; 30 arrive, then the socket closes.
            let fd = try connectedSocket(port)
            let head = "POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{\"input\": [\"half a requ"
            _ = head.withCString { send(fd, $0, strlen($0), 0) }
            close(fd)
        }
        // And one that hangs up while its (large) batch is being embedded.
        let long = Array(repeating: "a sentence to keep the encoder busy for a little while", count: 512)
        let fd = try connectedSocket(port)
        let body = try JSONSerialization.data(withJSONObject: ["input": long])
        let request = "POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        _ = (Data(request.utf8) + body).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        try await Task.sleep(for: .milliseconds(50))
        close(fd)
        let replies = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<8 { group.addTask { try await f.post("/v1/search", ["query": "card number \(i)", "k": 3]).status } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(replies, Array(repeating: 200, count: 8))
    }
}
