// LLMClassifier: one row through the chat API: the PromptBuilder's messages, retries, and the answer normalised to a category.
public import RAG

/// Sends the same byte-identical system prompt first in every request (the category list), so a
/// server's prompt cache can skip it; only the user message changes from row to row.
public struct LLMClassifier: Sendable {
    /// What became of one row.
    public enum Outcome: Sendable {
        /// The server answered; `prediction.predicted` is a category, or the cleaned answer when it
        /// named none (confidence 0, to be counted invalid).
        case answered(Prediction, usage: ChatResponse.Usage?, seconds: Double)
        /// No usable answer after the last retry: `predicted` is "" and `error` says why.
        case failed(Prediction)
        /// Given up because the run is stopping; not recorded, so `--resume` sends it again.
        case abandoned(row: Int)
    }

    public let client: OpenAIClient
    public let model: String
    public let builder: PromptBuilder
    public let normalizer: LabelNormalizer
    /// Ask for `{"label": <one of the categories>}` through response_format json_schema.
    public var constrained: Bool
    public var maxTokens: Int
    public var retry: RetryPolicy
    /// Written to each prediction's `method`.
    public var method: String

    public init(client: OpenAIClient, model: String, builder: PromptBuilder, constrained: Bool,
                maxTokens: Int = 40, retry: RetryPolicy = RetryPolicy(), method: String) {
        self.client = client
        self.model = model
        self.builder = builder
        self.normalizer = LabelNormalizer(categories: builder.categories)
        self.constrained = constrained
        self.maxTokens = maxTokens
        self.retry = retry
        self.method = method
    }

    public func request(for text: String, neighbours: [Neighbour]?) -> ChatRequest {
        ChatRequest(model: model, messages: builder.messages(for: text, neighbours: neighbours), temperature: 0,
                    maxTokens: maxTokens, responseFormat: constrained ? .label(oneOf: builder.categories) : nil)
    }

    /// Classifies `row`. Throws only errors that would fail every row alike (bad key, unknown
    /// model), so the batch stops instead of recording the same failure for each.
    public func classify(_ row: LabelledText, neighbours: [Neighbour]?, stop: StopToken,
                         onRetry: @escaping @Sendable (LLMError, Double) -> Void = { _, _ in }) async throws -> Outcome {
        let request = request(for: row.text, neighbours: neighbours)
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let response = try await retry.run(shouldRetry: { !stop.isStopped },
                                               onRetry: { _, error, delay in onRetry(error, delay) }) {
                let r = try await client.chat(request)
                guard r.content != nil else {
                    throw LLMError.malformedResponse(url: client.baseURL + "/chat/completions", reason: "no choices[0].message.content")
                }
                return r
            }
            let raw = client.redact(response.content ?? "")
            let (label, valid) = normalizer.normalize(raw)
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            return .answered(Prediction(row: row.row, text: row.text, gold: row.label, predicted: label,
                                        confidence: valid ? 1 : 0, method: method, raw: raw),
                             usage: response.usage, seconds: seconds)
        } catch let error as LLMError {
            if error.isFatalForBatch { throw error }
            if stop.isStopped && error.isRetryable { return .abandoned(row: row.row) }
            return .failed(Prediction(row: row.row, text: row.text, gold: row.label, predicted: "", confidence: 0,
                                      method: method, error: error.localizedDescription))
        } catch is CancellationError {
            return .abandoned(row: row.row)
        }
    }
}
