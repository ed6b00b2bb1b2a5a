// APIOptions: where the OpenAI-compatible API is and how patiently to talk to it (base URL, timeout, retries); the key is never an option.
import ArgumentParser
import Foundation
import RAGLLM

struct APIOptions: ParsableArguments {
    @Option(name: .customLong("base-url"),
            help: "OpenAI-compatible API base URL (default: $OPENAI_BASE_URL, else https://api.openai.com/v1; llama-server: http://127.0.0.1:8080/v1).")
    var baseURL: String?

    @Option(help: "Seconds allowed per request (connect, answer and the whole body).")
    var timeout: Double = 60

    @Option(help: "Retries per request on 429, 5xx, lost connections and timeouts, before the row is recorded as failed.")
    var maxRetries: Int = 5

    @Option(help: "First retry delay in seconds; it doubles on each retry (with jitter, at most 30 s); a Retry-After header wins.")
    var retryDelay: Double = 1

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        guard maxRetries >= 0 else { throw ValidationError("--max-retries must be 0 or more") }
        guard retryDelay >= 0 else { throw ValidationError("--retry-delay must be 0 or more") }
    }

    var resolvedBaseURL: String {
        baseURL ?? ProcessInfo.processInfo.environment["OPENAI_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? OpenAIClient.defaultBaseURL
    }

    /// From $OPENAI_API_KEY, else ./.env; sent only as the Authorization header.
    var apiKey: APIKey? { APIKey.load() }

    var retry: RetryPolicy { RetryPolicy(maxRetries: maxRetries, baseDelay: retryDelay) }

    func withClient<T>(_ body: (OpenAIClient) async throws -> T) async throws -> T {
        try await OpenAIClient.with(baseURL: resolvedBaseURL, apiKey: apiKey, timeout: timeout, body)
    }
}
