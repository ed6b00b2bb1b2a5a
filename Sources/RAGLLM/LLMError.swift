// LLMError: what can go wrong talking to an OpenAI-compatible server, with the context to act on it.
import Foundation

/// Every message here has passed through `APIKey.redact`, so none can carry the key.
public enum LLMError: Error, LocalizedError, Equatable, Sendable {
    /// No key in $OPENAI_API_KEY or ./.env while the server is OpenAI's own.
    case missingAPIKey(baseURL: String)
    case invalidBaseURL(String)
    /// A non-2xx answer. `retryAfter` is the server's Retry-After in seconds, when it sent one.
    case http(status: Int, url: String, message: String, retryAfter: Double?)
    /// A 2xx answer whose body is not what the API promises (bad JSON, no choices, cut short).
    case malformedResponse(url: String, reason: String)
    /// No answer at all: refused or reset connection, a body cut off, a timeout.
    case transport(url: String, reason: String)
    case timeout(url: String, seconds: Double)
    case unreadableFile(path: String, reason: String)
    /// A predictions file that `--resume` cannot continue.
    case resumeMismatch(file: String, line: Int, reason: String)
    /// A fine-tuning job that ended without a model.
    case jobFailed(id: String, status: String, message: String?)

    public var errorDescription: String? {
        switch self {
        case .missingAPIKey(let base):
            return "no API key for \(base): set OPENAI_API_KEY or put OPENAI_API_KEY=... in ./.env (a local server such as llama-server needs none)"
        case .invalidBaseURL(let s):
            return "invalid base URL \"\(s)\": expected http(s)://host[:port]/v1"
        case .http(let status, let url, let message, let retryAfter):
            var s = "HTTP \(status) from \(url)"
            if !message.isEmpty { s += ": \(message)" }
            if let retryAfter { s += String(format: " (Retry-After %.0f s)", retryAfter) }
            switch status {
            case 401: s += "; check OPENAI_API_KEY"
            case 404: s += "; check the model name and the base URL"
            default: break
            }
            return s
        case .malformedResponse(let url, let reason):
            return "unexpected answer from \(url): \(reason)"
        case .transport(let url, let reason):
            return "no answer from \(url): \(reason)"
        case .timeout(let url, let seconds):
            return String(format: "no complete answer from %@ within %.0f s (a slow server needs a longer timeout)", url, seconds)
        case .unreadableFile(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .resumeMismatch(let file, let line, let reason):
            return "\(file):\(line): cannot resume: \(reason)"
        case .jobFailed(let id, let status, let message):
            return "fine-tuning job \(id) ended \(status)" + (message.map { ": \($0)" } ?? "")
        }
    }

    /// Worth another try later: rate limits, server errors, lost connections, timeouts and
    /// answers cut short. A 400 or 401 will not change by waiting.
    public var isRetryable: Bool {
        switch self {
        case .http(let status, _, _, _): return status == 408 || status == 409 || status == 429 || status >= 500
        case .malformedResponse, .transport, .timeout: return true
        default: return false
        }
    }

    /// Errors that will fail every row the same way, so a batch stops instead of recording each.
    public var isFatalForBatch: Bool {
        switch self {
        case .http(let status, _, _, _): return status == 401 || status == 403 || status == 404
        case .missingAPIKey, .invalidBaseURL: return true
        default: return false
        }
    }

    var retryAfter: Double? {
        if case .http(_, _, _, let r) = self { return r }
        return nil
    }
}
