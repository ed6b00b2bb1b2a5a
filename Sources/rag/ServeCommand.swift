// ServeCommand: `rag serve`: the index and its embedder as a local HTTP service (built with the Server trait).
import ArgumentParser
import Foundation
import RAG
#if Server
import RAGLLM
import RAGServer
import Metrics
import Prometheus
#endif

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the index over HTTP: OpenAI-compatible /v1/embeddings, /v1/search, /v1/classify, /v1/documents, /metrics.",
        discussion: """
        The model loads once and every client shares it. Routes (GET /openapi.json describes them):
          POST /v1/embeddings   OpenAI's embeddings request and response (any OpenAI SDK with base_url http://HOST:PORT/v1)
          POST /v1/search       {"query": "..."} or {"queries": [...]}, k, nprobe, exact, rescore: the rows of `rag query --json`
          POST /v1/classify     {"texts": [...], "method": "knn"}: knn, head, blend, zero-shot, finetuned, finetuned-blend,
                                and llm (with "rag": true|false) when started with --llm-model
          POST /v1/documents    {"documents": [{"text": "...", "label": "..."}]}: appended as a new generation, atomically
          GET  /healthz, /v1/models, /metrics (Prometheus), /openapi.json
        Concurrent requests share encoder batches. Listens on 127.0.0.1 unless --host says otherwise; \
        with --api-key-env NAME every route but /healthz needs `Authorization: Bearer $NAME`. SIGTERM or \
        Ctrl-C stops accepting connections, finishes the requests in flight and exits 0. An index changed \
        by another process (`rag index add`) is picked up within a second.
        """
    )

    @Option(help: "Address to listen on (loopback by default).")
    var host: String = "127.0.0.1"

    @Option(help: "Port (0: any free port, printed at start).")
    var port: Int = 8000

    @Option(help: "Name of an environment variable holding the bearer key clients must send.")
    var apiKeyEnv: String?

    @Option(help: "Largest request body in bytes (413 above).")
    var maxBodyBytes: Int = 4 << 20

    @Option(help: "Most texts in one request (400 above).")
    var maxInputs: Int = 2048

    @Option(help: "Texts that may wait for the encoder across all requests before new ones get 503.")
    var maxQueued: Int = 8192

    @Option(help: "Most texts in one encoder batch.")
    var maxBatch: Int = 256

    @Option(help: "Milliseconds the batcher waits for more requests once one is queued.")
    var batchWaitMs: Double = 0

    @Option(help: "Seconds a connection may sit with no bytes moving before it is closed (0: never).")
    var idleTimeout: Double = 60

    @Option(help: "Chat model for \"method\": \"llm\" of /v1/classify, through the OpenAI-compatible API at --base-url (none: llm is refused).")
    var llmModel: String?

    @OptionGroup(title: "LLM options") var llm: LLMOptions
    @OptionGroup var prompt: PromptOptions
    @OptionGroup var index: IndexOptions
    @OptionGroup var embedding: EmbedderOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard maxBodyBytes > 0, maxInputs > 0, maxQueued > 0, maxBatch > 0 else { throw ValidationError("limits must be positive") }
        guard batchWaitMs >= 0 else { throw ValidationError("--batch-wait-ms must not be negative") }
        guard idleTimeout >= 0 else { throw ValidationError("--idle-timeout must not be negative") }
    }

    func run() async throws {
        #if Server
        var config = ServerConfiguration()
        config.host = host
        config.port = port
        config.maxBodyBytes = maxBodyBytes
        config.maxInputs = maxInputs
        config.maxQueuedTexts = maxQueued
        config.maxBatchTexts = maxBatch
        config.batchWait = .microseconds(Int(batchWaitMs * 1000))
        config.idleTimeout = idleTimeout > 0 ? .milliseconds(Int(idleTimeout * 1000)) : nil
        if let name = apiKeyEnv {
            guard let key = ProcessInfo.processInfo.environment[name], !key.isEmpty else {
                throw ValidationError("--api-key-env \(name): the environment variable \(name) is not set or empty")
            }
            config.apiKey = key
        }
        let workspace = try embedding.workspace(index: index)
        var client: OpenAIClient?
        if let llmModel {
            let c = try OpenAIClient(baseURL: llm.api.resolvedBaseURL, apiKey: llm.api.apiKey, timeout: llm.api.timeout)
            config.llm = llm.classifier(client: c, model: llmModel, builder: try prompt.builder(labels: workspace.snapshot.labels), rag: true)
            config.llmConcurrency = llm.concurrency
            client = c
        }
        // The process's metrics backend: one Prometheus registry, served at /metrics.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(LocalRAGServer.metricsFactory(registry))
        let server = LocalRAGServer(workspace: workspace, configuration: config, metrics: registry)
        let s = workspace.snapshot
        let keyNote = config.apiKey == nil ? "" : " (bearer key required)"
        try await server.run { port in
            Terminal.printError("serving \(index.path) (\(s.count) rows, generation \(s.generation), \(workspace.embedder.identifier)) on http://\(host):\(port)" + keyNote)
        }
        await client?.shutdown()
        Terminal.printError("stopped")
        #else
        throw ValidationError("this rag was built without the server; build it with `swift build -c release --traits Server` (scripts/lib/build.sh does)")
        #endif
    }
}
