// OpenAIClient: one HTTP exchange with an OpenAI-compatible API (chat completions, files, fine-tuning jobs) over URLSession.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A single attempt per call: retries belong to `RetryPolicy`, so each caller decides what is
/// worth repeating. Errors are `LLMError`s whose text has been scrubbed of the key.
///
/// HTTP goes through Foundation's URLSession (libcurl on Linux, part of the toolchain), so the
/// engine builds without a TLS stack of its own. The client owns a session that must be
/// invalidated: use `OpenAIClient.with(...)`, or call `shutdown()` on every path.
public final class OpenAIClient: Sendable {
    public static let defaultBaseURL = "https://api.openai.com/v1"

    /// Without a trailing slash: `http://127.0.0.1:8080/v1`.
    public let baseURL: String
    /// Seconds allowed for a whole exchange (connect, send, headers and the complete body).
    public let timeout: Double
    let apiKey: APIKey?
    let session: URLSession

    /// - Throws: `LLMError.invalidBaseURL`; `.missingAPIKey` when `apiKey` is nil and the host is
    ///   OpenAI's (other servers, such as llama-server, take requests without one).
    public init(baseURL: String = OpenAIClient.defaultBaseURL, apiKey: APIKey?, timeout: Double = 60) throws {
        var base = baseURL.trimmingCharacters(in: .whitespaces)
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty else {
            throw LLMError.invalidBaseURL(baseURL)
        }
        if apiKey == nil && host.lowercased().hasSuffix("openai.com") { throw LLMError.missingAPIKey(baseURL: base) }
        self.baseURL = base
        self.apiKey = apiKey
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        // The exact deadline is withTimeout's; libcurl takes whole seconds (0.5 would become 0 and
        // fail any answer that is not instant), so its own limits sit a second past ours.
        configuration.timeoutIntervalForRequest = max(1, timeout.rounded(.up)) + 1
        configuration.timeoutIntervalForResource = max(1, timeout.rounded(.up)) + 1
        configuration.urlCache = nil
        configuration.httpShouldSetCookies = false
        // The batch runner bounds concurrency itself; URLSession must not queue requests behind
        // its default of a few connections per host (a queued request would eat its timeout).
        configuration.httpMaximumConnectionsPerHost = 256
        // Never follow a redirect: it would replay the Authorization header elsewhere.
        self.session = URLSession(configuration: configuration, delegate: RedirectRefusal(), delegateQueue: nil)
    }

    public func shutdown() async {
        session.invalidateAndCancel()
    }

    /// Runs `body` with a client and shuts it down afterwards, whether `body` returns or throws.
    public static func with<T>(baseURL: String, apiKey: APIKey?, timeout: Double = 60,
                               _ body: (OpenAIClient) async throws -> T) async throws -> T {
        let client = try OpenAIClient(baseURL: baseURL, apiKey: apiKey, timeout: timeout)
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }

    /// POST /chat/completions, one attempt.
    public func chat(_ request: ChatRequest) async throws -> ChatResponse {
        let body = try JSONEncoder().encode(request)
        return try await decode(ChatResponse.self, path: "/chat/completions",
                                from: send(method: .POST, path: "/chat/completions", body: body, contentType: "application/json"))
    }

    /// HTTP methods the API uses.
    enum Method: String { case GET, POST }

    /// Sends one request and returns the body of a 2xx answer.
    func send(method: Method, path: String, body: Data?, contentType: String?) async throws -> Data {
        let url = baseURL + path
        guard let target = URL(string: url) else { throw LLMError.invalidBaseURL(url) }
        var request = URLRequest(url: target)
        request.httpMethod = method.rawValue
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue("LocalRAG/1 (rag classify)", forHTTPHeaderField: "User-Agent")
        if let apiKey { request.setValue(apiKey.authorizationHeader, forHTTPHeaderField: "Authorization") }
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        request.httpBody = body
        let timeout = self.timeout
        let session = self.session
        let prepared = request
        let (status, headers, data) = try await Self.withTimeout(timeout, url: url) {
            do {
                let (data, response) = try await Self.exchange(session, prepared)
                guard let http = response as? HTTPURLResponse else {
                    throw LLMError.transport(url: url, reason: "not an HTTP response")
                }
                var headers: [String: String] = [:]
                for (k, v) in http.allHeaderFields { headers[String(describing: k).lowercased()] = String(describing: v) }
                return (http.statusCode, headers, data)
            } catch let e as LLMError {
                throw e
            } catch let e as URLError where e.code == .timedOut {
                throw LLMError.timeout(url: url, seconds: timeout)
            } catch let e as URLError where e.code == .cancelled {
                throw CancellationError()
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                throw LLMError.transport(url: url, reason: self.redact(Self.describeTransport(error)))
            }
        }
        guard (200..<300).contains(status) else {
            throw LLMError.http(status: status, url: url, message: redact(Self.errorMessage(data)),
                                retryAfter: Self.retryAfter(headers))
        }
        return data
    }

    func decode<T: Decodable>(_ type: T.Type, path: String, from data: Data) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: data) } catch {
            let snippet = String(decoding: data.prefix(200), as: UTF8.self)
            throw LLMError.malformedResponse(url: baseURL + path,
                                             reason: redact("\(Self.describe(error)); body starts \(snippet.debugDescription)"))
        }
    }

    func redact(_ s: String) -> String { apiKey?.redact(s) ?? s }

    /// One data task, cancelled (and its transfer dropped) when the calling task is cancelled.
    static func exchange(_ session: URLSession, _ request: URLRequest) async throws -> (Data, URLResponse) {
        let box = TaskBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Data, URLResponse), Error>) in
                let task = session.dataTask(with: request) { data, response, error in
                    if let error { return continuation.resume(throwing: error) }
                    guard let response else { return continuation.resume(throwing: URLError(.badServerResponse)) }
                    continuation.resume(returning: (data ?? Data(), response))
                }
                box.set(task)
                task.resume()
            }
        } onCancel: {
            box.cancel()
        }
    }

    /// Races `op` against a timer; the loser is cancelled (URLSession then drops the transfer).
    static func withTimeout<T: Sendable>(_ seconds: Double, url: String,
                                         _ op: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await op() }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(max(seconds, 0) * 1e9))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw LLMError.timeout(url: url, seconds: seconds)
            }
            return value
        }
    }

    /// The `error.message` of an OpenAI-style error body, else the start of the body.
    static func errorMessage(_ data: Data) -> String {
        struct Envelope: Decodable { struct E: Decodable { var message: String? }; var error: E? }
        if let m = (try? JSONDecoder().decode(Envelope.self, from: data))?.error?.message { return m }
        let text = String(decoding: data.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text
    }

    /// Retry-After as seconds (a number or an HTTP date), or OpenAI's retry-after-ms; `headers` has lowercased names.
    static func retryAfter(_ headers: [String: String]) -> Double? {
        if let ms = headers["retry-after-ms"].flatMap(Double.init), ms >= 0 { return ms / 1000 }
        guard let v = headers["retry-after"]?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let s = Double(v), s >= 0 { return s }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return f.date(from: v).map { max(0, $0.timeIntervalSinceNow) }
    }

    /// A transport failure in words ("connection refused", "the connection was lost", ...).
    static func describeTransport(_ error: Error) -> String {
        guard let e = error as? URLError else { return "\(error)" }
        switch e.code {
        case .cannotConnectToHost: return "connection refused"
        case .networkConnectionLost: return "the connection was lost before the answer was complete"
        case .cannotFindHost, .dnsLookupFailed: return "host not found"
        case .notConnectedToInternet: return "no network"
        case .badServerResponse: return "malformed HTTP answer"
        default: return e.localizedDescription.isEmpty ? "URLError \(e.code.rawValue)" : e.localizedDescription
        }
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx):
            return "wrong type for \"\(ctx.codingPath.map(\.stringValue).joined(separator: "."))\""
        case DecodingError.dataCorrupted: return "invalid JSON"
        default: return "\(error)"
        }
    }
}

/// Answers every redirect with "do not follow": the Authorization header must never reach another URL.
final class RedirectRefusal: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

/// The data task of one exchange, cancellable from the task-cancellation handler (another thread).
final class TaskBox: @unchecked Sendable {
    private let lock = NSLock()
    private var task: URLSessionDataTask?
    private var cancelled = false

    func set(_ t: URLSessionDataTask) {
        lock.lock()
        task = t
        let cancel = cancelled
        lock.unlock()
        if cancel { t.cancel() }
    }

    func cancel() {
        lock.lock()
        cancelled = true
        let t = task
        lock.unlock()
        t?.cancel()
    }
}
