// ServeProcessTests: `rag serve` as a process: SIGTERM exits 0 after finishing requests, kill -9 during POST /v1/documents leaves the index whole, a damaged index refuses to start.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
import TestSupport
import RAG
import VectorSearch

final class ServeProcessTests: XCTestCase {
    /// A started `rag serve` and the port it printed.
    struct Served {
        var process: Process
        var port: Int
        var stderr: Pipe
    }

    func serve(_ index: URL, extra: [String] = []) throws -> Served {
        let p = Process()
        p.executableURL = RAGBinary.executable
        p.arguments = ["serve", "--index", index.path, "--port", "0"] + extra
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        var seen = ""
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
            if let r = seen.range(of: #"on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                let port = Int(seen[r].split(separator: ":").last!)!
                return Served(process: p, port: port, stderr: err)
            }
        }
        p.terminate()
        throw Requirement.unmet("rag serve did not start: \(seen)")
    }

    /// Status and body of a POST of `body` (JSON).
    static func post(_ port: Int, _ path: String, _ body: Data) async throws -> (Int, Data) {
        var r = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        r.httpMethod = "POST"
        r.httpBody = body
        r.timeoutInterval = 120
        let (data, response) = try await URLSession.shared.data(for: r)
        return ((response as! HTTPURLResponse).statusCode, data)
    }

    /// `post` in a task of its own (its outcome is not needed: the server is killed under it).
    static func postInBackground(_ port: Int, _ path: String, _ body: Data) -> Task<Void, Never> {
        Task { _ = try? await post(port, path, body) }
    }

    func json(_ object: Any) throws -> Data { try JSONSerialization.data(withJSONObject: object) }
    func object(_ data: Data) -> [String: Any] { (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:] }

    /// A private copy of the run's shared 300-row index.
    func makeIndex() throws -> URL { try SharedFixtures.index(rows: 300) }

    func testSigtermFinishesRequestsInFlightAndExitsZero() async throws {
        let index = try makeIndex()
        let s = try serve(index)
        let texts = Array(repeating: "a long enough sentence to keep the encoder busy for a while", count: 1500)
        let body = try json(["input": texts])
        async let inFlight = Self.post(s.port, "/v1/embeddings", body)
        try await Task.sleep(for: .milliseconds(300))
        kill(s.process.processIdentifier, SIGTERM)
        let (status, reply) = try await inFlight
        XCTAssertEqual(status, 200, "the request in flight is answered")
        XCTAssertEqual((object(reply)["data"] as? [Any])?.count, 1500)
        s.process.waitUntilExit()
        XCTAssertEqual(s.process.terminationReason, .exit)
        XCTAssertEqual(s.process.terminationStatus, 0)
    }

    func testKill9DuringDocumentsLeavesTheIndexWholeAndServable() async throws {
        let index = try makeIndex()
        let before = try Workspace.verify(folder: index)
        XCTAssertTrue(before.ok)
        let docs = (0..<300).map { ["text": "added document number \($0) about a delayed card delivery", "label": "card_arrival"] }
        let body = try json(["documents": docs])
        var outcomes: [Int] = []
        var expected = 300
        // Killed at growing delays (embedding, writing, committing), then once after the answer.
        for delay in [100, 500, 900, 1200, 1400, 1600, 1800, 2100, 2500, nil] as [Int?] {
            let s = try serve(index)
            if let delay {
                let task = Self.postInBackground(s.port, "/v1/documents", body)
                try await Task.sleep(for: .milliseconds(delay))
                kill(s.process.processIdentifier, SIGKILL)
                s.process.waitUntilExit()
                _ = await task.value
            } else {
                let (status, reply) = try await Self.post(s.port, "/v1/documents", body)
                XCTAssertEqual(status, 200)
                expected = object(reply)["count"] as? Int ?? -1
                kill(s.process.processIdentifier, SIGKILL)
                s.process.waitUntilExit()
            }
            let report = try Workspace.verify(folder: index)
            XCTAssertTrue(report.ok, "after kill -9 at \(delay ?? -1) ms: \(report.files.filter { !$0.ok }) \(report.openProblem ?? "")")
            let count = try Workspace(opening: index).snapshot.count
            XCTAssertTrue((count - 300) % 300 == 0, "old or new generation, never half: \(count) rows")
            outcomes.append(count)
            // The restarted server serves it.
            let again = try serve(index)
            let (status, reply) = try await Self.post(again.port, "/v1/search", try json(["query": "card delivery", "k": 3]))
            XCTAssertEqual(status, 200)
            XCTAssertEqual((object(reply)["neighbours"] as? [Any])?.count, 3)
            again.process.terminate()
            again.process.waitUntilExit()
        }
        XCTAssertEqual(outcomes.last, expected, "an answered POST is on disk")
        print("rows after each kill -9: \(outcomes)")
    }

    func testADamagedIndexRefusesToStartWithTheCLIsMessage() throws {
        let index = try makeIndex()
        let manifest = try Manifest.read(from: index)
        let vectors = index.appendingPathComponent(manifest.files[manifest.role("vectors", of: manifest.rowSegments[0])]!.name)
        let handle = try FileHandle(forWritingTo: vectors)
        try handle.truncate(atOffset: 100)
        try handle.close()
        let p = Process()
        p.executableURL = RAGBinary.executable
        p.arguments = ["serve", "--index", index.path, "--port", "0"]
        let err = Pipe()
        p.standardError = err
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 1, message)
        let query = Process()
        query.executableURL = RAGBinary.executable
        query.arguments = ["query", "x", "--index", index.path]
        let qerr = Pipe()
        query.standardError = qerr
        query.standardOutput = FileHandle.nullDevice
        try query.run()
        let cliMessage = String(decoding: qerr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        query.waitUntilExit()
        XCTAssertEqual(message, cliMessage)
        XCTAssertTrue(message.contains(vectors.lastPathComponent), message)
    }
}
