// ServerConfiguration: where `rag serve` listens and the limits it enforces.
import Foundation
public import RAGLLM

/// Address, optional bearer key and the safety limits of the service.
public struct ServerConfiguration: Sendable {
    /// Loopback unless asked otherwise.
    public var host: String = "127.0.0.1"
    public var port: Int = 8000
    /// When set, every route but /healthz needs `Authorization: Bearer <key>`.
    public var apiKey: String?
    /// Largest request body, in bytes (413 above it).
    public var maxBodyBytes: Int = 4 << 20
    /// Most texts in one request (400 above it).
    public var maxInputs: Int = 2048
    /// Longest text, in characters (400 above it; the encoder reads the first 256 tokens anyway).
    public var maxTextCharacters: Int = 100_000
    /// Texts waiting for the encoder across all requests; a request that would pass it gets 503.
    public var maxQueuedTexts: Int = 8192
    /// Most texts the batcher puts in one encoder batch.
    public var maxBatchTexts: Int = 256
    /// How long the batcher waits for more requests once one is queued (0: take what is there).
    public var batchWait: Duration = .zero
    /// A connection with no bytes moving for this long is closed (a slow or stalled client); nil: never.
    public var idleTimeout: Duration? = .seconds(60)
    /// Largest k a search or classification may ask for.
    public var maxK: Int = 1000
    /// The model name /v1/models lists and /v1/embeddings accepts (nil: the workspace's own, its model folder's name).
    public var modelName: String?
    /// The chat model behind `"method": "llm"` of /v1/classify (none: that method answers 400).
    public var llm: LLMClassifier?
    /// Chat requests in flight at once for one /v1/classify request.
    public var llmConcurrency: Int = 4

    public init() {}
}
