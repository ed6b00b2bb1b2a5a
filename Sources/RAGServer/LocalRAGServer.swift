// LocalRAGServer: `rag serve`: the workspace behind Hummingbird routes (OpenAI-compatible embeddings, search, classify, documents, metrics).
import Foundation
public import Hummingbird
import HummingbirdCore
import NIOCore
import Logging
public import Prometheus
public import RAG
import ServiceLifecycle
import RAGLLM
import TextEmbedding
import VectorSearch

/// The HTTP service over one workspace. `run()` serves until SIGTERM or SIGINT, then stops
/// accepting connections, finishes the requests in flight and returns.
public struct LocalRAGServer: Sendable {
    public let workspace: Workspace
    public let configuration: ServerConfiguration
    package let batcher: RequestBatcher
    let registry: PrometheusCollectorRegistry
    let documentsQueue = DispatchQueue(label: "localrag-documents")

    /// The registry `/metrics` serves. The program bootstraps swift-metrics onto it once per process
    /// (`MetricsSystem.bootstrap(LocalRAGServer.metricsFactory(registry))`, as `rag serve` does):
    /// a library never sets the process's global metrics backend itself.
    public init(workspace: Workspace, configuration: ServerConfiguration = ServerConfiguration(), metrics registry: PrometheusCollectorRegistry) {
        self.registry = registry
        self.workspace = workspace
        self.configuration = configuration
        batcher = RequestBatcher(workspace: workspace, configuration: configuration)
    }

    /// A Prometheus factory over `registry` with the server's histogram buckets (texts per batch, milliseconds).
    public static func metricsFactory(_ registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultValueHistogramBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048]
        return factory
    }

    /// The application: routes, metrics middleware, the bearer key when configured.
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        var logger = Logger(label: "rag-serve")
        logger.logLevel = .warning
        let idle = configuration.idleTimeout.map { d in TimeAmount.nanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000) }
        let http1 = HTTP1Channel.Configuration(additionalChannelHandlers: [DrainBeforeCloseHandler()], idleTimeout: idle)
        return Application(router: router(), server: .http1(configuration: http1),
                           configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "localrag"),
                           onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
                           logger: logger)
    }

    /// Serves until SIGTERM/SIGINT; in-flight requests finish first.
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        defer { batcher.stop() }
        try await application(onServerRunning: onServerRunning).runService()
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(MetricsMiddleware())
        router.middlewares.add(ErrorBodyMiddleware())
        if let key = configuration.apiKey { router.middlewares.add(BearerKeyMiddleware(key: key)) }
        router.get("/healthz") { _, _ in try health() }
        router.get("/v1/models") { _, _ in try models() }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        router.post("/v1/embeddings") { request, _ in try await embeddings(try await decode(EmbeddingsRequest.self, request)) }
        router.post("/v1/search") { request, _ in try await search(try await decode(SearchRequest.self, request)) }
        router.post("/v1/classify") { request, _ in try await classify(try await decode(ClassifyRequest.self, request)) }
        router.post("/v1/learning_curve") { request, _ in try await learningCurve(try await decode(LearningCurveRequest.self, request)) }
        router.post("/v1/documents") { request, _ in try await documents(try await decode(DocumentsRequest.self, request)) }
        router.put("/v1/documents") { request, _ in try await upsertDocuments(try await decode(DocumentsRequest.self, request)) }
        router.delete("/v1/documents") { request, _ in try await deleteDocuments(try await decode(DeleteDocumentsRequest.self, request)) }
        return router
    }

    // MARK: Routes

    func health() throws -> Response {
        let s = workspace.snapshot
        return try json(HealthResponse(status: "ok", rows: s.count, generation: s.generation, labels: s.labels.count))
    }

    func models() throws -> Response {
        let created = ISO8601DateFormatter().date(from: workspace.snapshot.store.created ?? "")?.timeIntervalSince1970 ?? 0
        return try json(ModelsResponse(data: [.init(id: modelName, created: Int(created))]))
    }

    func embeddings(_ body: EmbeddingsRequest) async throws -> Response {
        let texts = try checked(body.input.texts, field: "input")
        if let model = body.model, !acceptedModelNames.contains(model) {
            throw APIError(.notFound, "model '\(model)' is not served here; this server serves '\(modelName)' (GET /v1/models)",
                           param: "model", code: "model_not_found")
        }
        let base64: Bool
        switch body.encoding_format ?? "float" {
        case "float": base64 = false
        case "base64": base64 = true
        default: throw APIError.badField("encoding_format", "encoding_format must be \"float\" or \"base64\"")
        }
        if let d = body.dimensions, d != workspace.embedder.dimension {
            throw APIError.badField("dimensions", "this model makes \(workspace.embedder.dimension)-dimensional vectors; dimensions \(d) is not supported")
        }
        guard case .embeddings(let vectors) = try await batcher.submit(.embed, texts: texts) else { fatalError("batcher answered another kind") }
        let tokens = tokenCount(texts)
        var out = "{\"object\":\"list\",\"data\":["
        out.reserveCapacity(vectors.count * (base64 ? 2200 : 4400))
        for (i, v) in vectors.enumerated() {
            if i > 0 { out += "," }
            out += "{\"object\":\"embedding\",\"index\":\(i),\"embedding\":"
            if base64 {
                out += "\"" + v.withUnsafeBufferPointer { Data(buffer: $0) }.base64EncodedString() + "\""
            } else {
                out += "[" + v.map { $0.description }.joined(separator: ",") + "]"
            }
            out += "}"
        }
        out += "],\"model\":\(try jsonString(body.model ?? modelName)),\"usage\":{\"prompt_tokens\":\(tokens),\"total_tokens\":\(tokens)}}"
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: out)))
    }

    func search(_ body: SearchRequest) async throws -> Response {
        guard (body.query == nil) != (body.queries == nil) else {
            throw APIError.badField("query", "give either \"query\" (a string) or \"queries\" (an array of strings)")
        }
        let texts = try checked(body.queries ?? [body.query!], field: body.queries == nil ? "query" : "queries")
        let k = try checkedK(body.k)
        if let nprobe = body.nprobe, nprobe < 1 { throw APIError.badField("nprobe", "nprobe must be at least 1") }
        if let rescore = body.rescore, rescore < 1 { throw APIError.badField("rescore", "rescore must be at least 1") }
        let filter = try parsedFilter(body.filter)
        let options = Workspace.SearchOptions(nprobe: body.nprobe, exact: body.exact ?? false, filter: filter, rescore: body.rescore)
        let answer: RequestBatcher.Outcome
        do { answer = try await batcher.submit(.search(k: k, options: options), texts: texts) } catch let error as FilterError {
            throw APIError.badField("filter", error.localizedDescription)
        }
        guard case .neighbours(let results) = answer else { fatalError("batcher answered another kind") }
        let bodies = zip(texts, results).map { SearchResultBody(query: $0, neighbours: $1.map(NeighbourBody.init)) }
        return body.query != nil ? try json(bodies[0]) : try json(SearchResponse(results: bodies))
    }

    /// The request's "filter", parsed (a syntax error is a 400 naming the field).
    func parsedFilter(_ text: String?) throws -> FilterExpression? {
        do { return try text.map { try FilterExpression(parsing: $0) } } catch let error as FilterError {
            throw APIError.badField("filter", error.localizedDescription)
        }
    }

    func classify(_ body: ClassifyRequest) async throws -> Response {
        let texts = try checked(body.texts, field: "texts")
        let filter = try parsedFilter(body.filter)
        let name = body.method ?? "knn"
        guard let chosen = ClassificationMethod(name: name) else {
            throw APIError.badField("method", "method must be one of \(ClassificationMethod.names.joined(separator: ", ")); got '\(name)'")
        }
        guard case .offline(let method) = chosen else {
            return try json(ClassifyResponse(predictions: try await classifyWithLLM(texts, k: try checkedK(body.k), rag: body.rag ?? true,
                                                                                    filter: filter)))
        }
        let k = try checkedK(body.k)
        do {
            _ = try workspace.classifier(k: k, for: [method], filter: filter)
        } catch let error as FilterError {
            throw APIError.badField("filter", error.localizedDescription)
        } catch ClassificationError.noRowsMatch(let index) {
            throw APIError.badField("filter", ClassificationError.noRowsMatch(index: index).localizedDescription)
        } catch {
            throw APIError(.badRequest, error.localizedDescription, param: "method", code: "method_unavailable")
        }
        guard case .predictions(let predictions) = try await batcher.submit(.classify(method: method, k: k, filter: filter), texts: texts) else {
            fatalError("batcher answered another kind")
        }
        return try json(ClassifyResponse(predictions: predictions))
    }

    /// The chat model's label for each text, with the top `k` rows in the prompt when `rag`; failed
    /// rows come back with predicted "" and `error`, as in the predictions file.
    func classifyWithLLM(_ texts: [String], k: Int, rag: Bool, filter: FilterExpression?) async throws -> [Prediction] {
        guard var llm = configuration.llm else {
            throw APIError(.badRequest, "method llm needs the server started with a chat model (rag serve --llm-model MODEL --base-url URL)",
                           param: "method", code: "method_unavailable")
        }
        llm.method = "llm\(rag ? "-rag" : ""):\(llm.model)"
        var found: [[Neighbour]]?
        if filter != nil && !rag { throw APIError.badField("filter", "filter restricts the retrieved rows; rag false retrieves none") }
        do {
            if rag, case .neighbours(let n) = try await batcher.submit(.search(k: k, options: .init(filter: filter)), texts: texts) { found = n }
        } catch let error as FilterError {
            throw APIError.badField("filter", error.localizedDescription)
        }
        let classifier = llm, neighbours = found, stop = StopToken()
        var results = [Prediction?](repeating: nil, count: texts.count)
        do {
            try await BatchRunner(concurrency: configuration.llmConcurrency).run(Array(texts.indices), stop: stop, work: { i in
                let row = LabelledText(row: i, line: i + 2, text: texts[i], label: nil)
                switch try await classifier.classify(row, neighbours: neighbours?[i], stop: stop) {
                case .answered(let p, _, _), .failed(let p): return (i, p)
                case .abandoned: return (i, Prediction(row: i, text: texts[i], gold: nil, predicted: "", confidence: 0,
                                                       method: classifier.method, error: "abandoned: the server is stopping"))
                }
            }, record: { (i: Int, p: Prediction) in results[i] = p })
        } catch let error as LLMError {
            throw APIError(.badGateway, "the chat model failed: \(error.localizedDescription)", type: "server_error", code: "llm_failed")
        }
        return results.map { $0! }
    }

    /// Most draws a curve request may ask for at each count.
    static let maxCurveSeeds = 20

    /// `rag compare --curve` over the request's labelled rows: the techniques that train in seconds
    /// (zero-shot, knn, head, blend), measured on stratified draws of the stored rows. The fine-tuned
    /// techniques fine-tune the encoder at every point (minutes each) and are refused here.
    func learningCurve(_ body: LearningCurveRequest) async throws -> Response {
        let texts = try checked(body.texts, field: "texts")
        guard body.labels.count == texts.count else {
            throw APIError.badField("labels", "labels has \(body.labels.count) labels for \(texts.count) texts; one gold label per text")
        }
        if let i = body.labels.firstIndex(where: \.isEmpty) { throw APIError.badField("labels[\(i)]", "labels[\(i)] is empty") }
        let counts: [Int?]
        do { counts = try LearningCurve.examplesPerLabel(parsing: body.per_label.spelled) } catch let error as LearningCurve.CountsError {
            throw APIError.badField("per_label", "per_label: " + error.localizedDescription)
        }
        let seeds = body.seeds ?? 3
        guard (1...Self.maxCurveSeeds).contains(seeds) else {
            throw APIError.badField("seeds", "seeds must be between 1 and \(Self.maxCurveSeeds); got \(seeds)")
        }
        let k = try checkedK(body.k)
        let methods: [OfflineClassifier.Method]
        do { methods = try body.methods.map(OfflineClassifier.Method.named) ?? Workspace.curveTechniques } catch let error as ClassificationError {
            throw APIError.badField("methods", "methods: " + error.localizedDescription)
        }
        if let m = methods.first(where: \.usesFineTunedEncoder) {
            throw APIError(.badRequest, "methods: \(m.rawValue) fine-tunes the encoder at every point (minutes each); measure it with rag compare --curve --curve-methods \(m.rawValue)",
                           param: "methods", code: "method_unavailable")
        }
        guard !methods.isEmpty else { throw APIError.badField("methods", "methods is empty") }
        let answer: RequestBatcher.Outcome
        do {
            answer = try await batcher.submit(.learningCurve(labels: body.labels, counts: counts, seeds: seeds, k: k, methods: methods), texts: texts)
        } catch let error as ClassificationError {
            throw APIError(.badRequest, error.localizedDescription, code: "curve_unavailable")
        }
        guard case .curve(let curve) = answer else { fatalError("batcher answered another kind") }
        let cheapest = curve.cheapestNearBest().map { CheapestBody(per_label: PerLabelValue(count: $0.perLabel), technique: $0.technique, best: $0.best) }
        return try json(LearningCurveResponse(points: curve, cheapest: cheapest))
    }

    func documents(_ body: DocumentsRequest) async throws -> Response {
        guard !body.documents.isEmpty else { throw APIError.badField("documents", "documents is empty") }
        _ = try checked(body.documents.map(\.text), field: "documents", element: "text")
        try checkIDs(body, required: false)
        let report = try await changingDocuments {
            try workspace.add(texts: body.documents.map(\.text), labels: body.documents.map(\.label), ids: body.documents.map(\.id))
        }
        return try json(DocumentsResponse(added: report.added, count: report.count, generation: report.generation))
    }

    /// PUT: every document has an id; a stored id is replaced, the others added, in one commit.
    func upsertDocuments(_ body: DocumentsRequest) async throws -> Response {
        guard !body.documents.isEmpty else { throw APIError.badField("documents", "documents is empty") }
        _ = try checked(body.documents.map(\.text), field: "documents", element: "text")
        try checkIDs(body, required: true)
        let report = try await changingDocuments {
            try workspace.upsert(texts: body.documents.map(\.text), labels: body.documents.map(\.label), ids: body.documents.map { $0.id! })
        }
        return try json(UpsertResponse(added: report.added, replaced: report.replaced, count: report.count, generation: report.generation))
    }

    /// DELETE: the rows holding `ids` are deleted in one commit; ids no row holds are listed back.
    func deleteDocuments(_ body: DeleteDocumentsRequest) async throws -> Response {
        guard !body.ids.isEmpty else { throw APIError.badField("ids", "ids is empty") }
        guard body.ids.count <= configuration.maxInputs else {
            throw APIError.badField("ids", "ids has \(body.ids.count) ids; at most \(configuration.maxInputs) per request")
        }
        let report = try await changingDocuments { try workspace.delete(ids: body.ids) }
        return try json(DeleteResponse(deleted: report.deleted, missing: report.missing, count: report.count, generation: report.generation))
    }

    /// Ids present are non-empty and unique in the request; with `required`, every document has one.
    func checkIDs(_ body: DocumentsRequest, required: Bool) throws {
        var seen = Set<String>()
        for (i, d) in body.documents.enumerated() {
            guard let id = d.id else {
                if required { throw APIError.badField("documents[\(i)].id", "documents[\(i)].id is missing (PUT stores by id)") }
                continue
            }
            if id.isEmpty { throw APIError.badField("documents[\(i)].id", "documents[\(i)].id is empty") }
            if !seen.insert(id).inserted { throw APIError.badField("documents[\(i)].id", "documents[\(i)].id \"\(id)\" appears twice in the request") }
        }
    }

    /// Runs a change of the stored rows on the documents queue (one at a time), then lets the
    /// batcher see the new state; a stored id appended again is 409.
    func changingDocuments<T: Sendable>(_ change: @escaping @Sendable () throws -> T) async throws -> T {
        let result: T
        do {
            result = try await withCheckedThrowingContinuation { continuation in
                documentsQueue.async { continuation.resume(with: Result { try change() }) }
            }
        } catch let error as StoreError {
            switch error {
            case .duplicateID: throw APIError(.conflict, error.localizedDescription, code: "duplicate_id")
            case .rowsWithoutIDs, .unsupported: throw APIError(.conflict, error.localizedDescription, code: "unsupported")
            default: throw error
            }
        }
        batcher.indexChanged()
        return result
    }

    // MARK: Helpers

    /// The name the model is served under: the configuration's, else the workspace's.
    var modelName: String { configuration.modelName ?? workspace.modelName }

    var acceptedModelNames: Set<String> {
        var names: Set<String> = [modelName, "sentence-transformers/" + modelName, workspace.embedder.identifier]
        // all-MiniLM-L6-v2's own weights and settings answer to its name whatever their folder is called
        // (and whatever precision it computes at).
        if EncoderPrecision.stripped(workspace.embedder.identifier) == EncoderLoader.identifier(sha256: ModelPackage.miniLM.sha256(of: "model.safetensors") ?? "") {
            names.formUnion([ModelPackage.miniLM.name, "sentence-transformers/" + ModelPackage.miniLM.name])
        }
        return names
    }

    func tokenCount(_ texts: [String]) -> Int {
        guard let encoder = workspace.embedder as? SentenceEncoder else { return texts.reduce(0) { $0 + $1.split(separator: " ").count } }
        return texts.reduce(0) { $0 + encoder.tokenizer.encode($1).count }
    }

    /// The texts, refused when there are none, too many, or one is too long.
    func checked(_ texts: [String], field: String, element: String? = nil) throws -> [String] {
        guard !texts.isEmpty else { throw APIError.badField(field, "\(field) is empty") }
        guard texts.count <= configuration.maxInputs else {
            throw APIError.badField(field, "\(field) has \(texts.count) texts; at most \(configuration.maxInputs) per request")
        }
        if let i = texts.firstIndex(where: { $0.count > configuration.maxTextCharacters }) {
            let path = texts.count == 1 && element == nil ? field : "\(field)[\(i)]" + (element.map { ".\($0)" } ?? "")
            throw APIError.badField(path, "\(path) has \(texts[i].count) characters; at most \(configuration.maxTextCharacters)")
        }
        return texts
    }

    func checkedK(_ k: Int?) throws -> Int {
        let k = k ?? 10
        guard k >= 1, k <= configuration.maxK else { throw APIError.badField("k", "k must be between 1 and \(configuration.maxK); got \(k)") }
        return k
    }

    /// Decodes the body as `T`: 413 above the size limit, 400 naming the field for bad JSON or a wrong type.
    func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        let buffer = try await request.body.collect(upTo: configuration.maxBodyBytes)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            throw Self.describe(error)
        }
    }

    static func describe(_ error: DecodingError) -> APIError {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce("") { p, k in k.intValue.map { "\(p)[\($0)]" } ?? (p.isEmpty ? k.stringValue : "\(p).\(k.stringValue)") }
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return APIError.badField(field, "missing field \(field)")
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            // The routes' own decoders explain what they expect in lower case; Foundation's say "Expected to decode ...".
            let what = context.debugDescription.hasPrefix("expected ") ? context.debugDescription : "expected \(describe(type))"
            return APIError.badField(field.isEmpty ? "body" : field, "\(field.isEmpty ? "body" : field): \(what)")
        case .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            return APIError.badField(field, "\(field) is null; expected \(describe(type))")
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            return APIError.badField(field.isEmpty ? "body" : field, "the body is not valid JSON (UTF-8): \(context.underlyingError.map { "\($0)" } ?? context.debugDescription)")
        @unknown default:
            return APIError.badField("body", "the body could not be read")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type: return "an integer"
        case is Bool.Type: return "true or false"
        case is Double.Type, is Float.Type: return "a number"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") || name.hasSuffix("Request") { return "an object" }
            return "an object"
        }
    }

    func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    func jsonString(_ s: String) throws -> String {
        String(decoding: try JSONEncoder().encode(s), as: UTF8.self)
    }
}
