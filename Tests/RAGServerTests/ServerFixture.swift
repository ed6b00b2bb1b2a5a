// ServerFixture: a real workspace (MiniLM over 300 rows of data/train.csv) behind a real LocalRAGServer on a free loopback port, and an HTTP client.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RAG
@testable import RAGServer

/// One running server; `stop()` ends it.
final class ServerFixture: @unchecked Sendable {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    let workspace: Workspace
    let server: LocalRAGServer
    let base: URL
    private let task: Task<Void, any Error>

    /// The first `rows` rows of data/train.csv as their own CSV in a temporary folder.
    static func smallTrainCSV(rows: Int = 300) throws -> URL {
        let rows = try Dataset(url: packageRoot.appendingPathComponent("data/train.csv")).readAll().prefix(rows)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("serve-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var csv = "text,label_text\n"
        for r in rows { csv += "\"\(r.text.replacingOccurrences(of: "\"", with: "\"\""))\",\(r.label!)\n" }
        let url = dir.appendingPathComponent("train.csv")
        try csv.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// Builds an index of `smallTrainCSV()` in a temporary folder (with a trained head) and serves it.
    static func start(configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> ServerFixture {
        let csv = try smallTrainCSV()
        let workspace = try Workspace.build(from: Dataset(url: csv), into: csv.deletingLastPathComponent().appendingPathComponent("index"))
        try workspace.trainHead(lambda: 0.1)
        return try await ServerFixture(workspace: workspace, configure: configure)
    }

    init(workspace: Workspace, configure: (inout ServerConfiguration) -> Void = { _ in }) async throws {
        var config = ServerConfiguration()
        config.port = 0
        configure(&config)
        self.workspace = workspace
        let server = LocalRAGServer(workspace: workspace, configuration: config)
        self.server = server
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        task = Task { try await server.application(onServerRunning: { continuation.yield($0) }).run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw URLError(.cannotConnectToHost) }
        base = URL(string: "http://127.0.0.1:\(port)")!
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
        server.batcher.stop()
    }

    struct Reply {
        var status: Int
        var body: Data
        var headers: [String: String]
        var json: Any? { try? JSONSerialization.jsonObject(with: body) }
        var object: [String: Any] { (json as? [String: Any]) ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    func request(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> Reply {
        var r = URLRequest(url: base.appendingPathComponent(path))
        r.httpMethod = method
        r.httpBody = body
        r.timeoutInterval = 60
        if body != nil { r.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        for (k, v) in headers { r.setValue(v, forHTTPHeaderField: k) }
        let (data, response) = try await URLSession.shared.data(for: r)
        let http = response as! HTTPURLResponse
        var h: [String: String] = [:]
        for (k, v) in http.allHeaderFields { h[String(describing: k).lowercased()] = String(describing: v) }
        return Reply(status: http.statusCode, body: data, headers: h)
    }

    func post(_ path: String, _ object: Any, headers: [String: String] = [:]) async throws -> Reply {
        try await request("POST", path, body: try JSONSerialization.data(withJSONObject: object), headers: headers)
    }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> Reply {
        try await request("GET", path, headers: headers)
    }
}
