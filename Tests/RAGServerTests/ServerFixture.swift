// ServerFixture: a real workspace (a copy of the shared MiniLM index of 300 rows of data/train.csv) behind a real LocalRAGServer on a free loopback port, and an HTTP client.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RAG
import TestSupport
import Metrics
import Prometheus
import RAGServer

/// One running server; `stop()` ends it.
final class ServerFixture: @unchecked Sendable {
    /// One Prometheus registry for the test process, bootstrapped once, as `rag serve` does at start-up.
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(LocalRAGServer.metricsFactory(registry))
        return registry
    }()

    let workspace: Workspace
    let server: LocalRAGServer
    let base: URL
    private let task: Task<Void, any Error>

    /// Serves a private copy of the run's shared index (MiniLM over 300 rows of data/train.csv, with a trained head).
    static func start(configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> ServerFixture {
        let workspace = try Workspace(opening: SharedFixtures.index(rows: 300, head: true))
        return try await ServerFixture(workspace: workspace, configure: configure)
    }

    init(workspace: Workspace, configure: (inout ServerConfiguration) -> Void = { _ in }) async throws {
        var config = ServerConfiguration()
        config.port = 0
        configure(&config)
        self.workspace = workspace
        let server = LocalRAGServer(workspace: workspace, configuration: config, metrics: Self.registry)
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
