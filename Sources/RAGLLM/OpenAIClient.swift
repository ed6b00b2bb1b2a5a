// OpenAIClient: one HTTP exchange with an OpenAI-compatible API (chat completions, files, fine-tuning jobs) over AsyncHTTPClient.
import Foundation
import AsyncHTTPClient
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A single attempt per call: retries belong to `RetryPolicy`, so each caller decides what is
/// worth repeating. Errors are `LLMError`s whose text has been scrubbed of the key.
///
/// The client owns an `HTTPClient` that must be shut down: use `OpenAIClient.with(...)`, or call
/// `shutdown()` on every path.
public final class OpenAIClient: Sendable {
    public static let defaultBaseURL = "https://api.openai.com/v1"

    /// Without a trailing slash: `http://127.0.0.1:8080/v1`.
    public let baseURL: String
    /// Seconds allowed for a whole exchange (connect, send, headers and the complete body).
    public let timeout: Double
    let apiKey: APIKey?
    let http: HTTPClient

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
        let ms = Int64(max(timeout, 0.001) * 1000)
        // AsyncHTTPClient keeps retrying a refused connection until the connect timeout; ending
        // that before the whole-exchange timer lets the real cause ("connection refused") through.
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,   // never replay the Authorization header elsewhere
            timeout: .init(connect: .milliseconds(min(ms / 2, 10_000)), read: .milliseconds(ms)))
        configuration.decompression = .disabled
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func shutdown() async {
        try? await http.shutdown()
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

    /// Sends one request and returns the body of a 2xx answer.
    func send(method: HTTPMethod, path: String, body: Data?, contentType: String?) async throws -> Data {
        let url = baseURL + path
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "LocalRAG/1 (rag classify)")
        if let apiKey { request.headers.add(name: "Authorization", value: apiKey.authorizationHeader) }
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let body { request.body = .bytes(ByteBuffer(data: body)) }
        let timeout = self.timeout
        let http = self.http
        let prepared = request
        let (status, headers, data) = try await Self.withTimeout(timeout, url: url) {
            do {
                let response = try await http.execute(prepared, timeout: .milliseconds(Int64(timeout * 1000)))
                let buffer = try await response.body.collect(upTo: 64 << 20)
                return (Int(response.status.code), response.headers, Data(buffer: buffer))
            } catch let e as LLMError {
                throw e
            } catch let e as HTTPClientError where e == .deadlineExceeded || e == .readTimeout || e == .connectTimeout {
                throw LLMError.timeout(url: url, seconds: timeout)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                throw LLMError.transport(url: url, reason: self.redact(String(describing: error)))
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

    /// Races `op` against a timer; the loser is cancelled (AsyncHTTPClient then closes the connection).
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

    /// Retry-After as seconds (a number or an HTTP date), or OpenAI's retry-after-ms.
    static func retryAfter(_ headers: HTTPHeaders) -> Double? {
        if let ms = headers.first(name: "retry-after-ms").flatMap(Double.init), ms >= 0 { return ms / 1000 }
        guard let v = headers.first(name: "retry-after")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let s = Double(v), s >= 0 { return s }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return f.date(from: v).map { max(0, $0.timeIntervalSinceNow) }
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
