// BearerKeyMiddleware: refuses requests without the configured `Authorization: Bearer` key (compared in constant time).
import Hummingbird

/// Checks the bearer key on every route except the health check. The key is never logged.
package struct BearerKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let key: [UInt8]

    package init(key: String) { self.key = Array(key.utf8) }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/healthz" { return try await next(request, context) }
        let given = request.headers[.authorization].map { Array($0.utf8) } ?? []
        let prefix = Array("Bearer ".utf8)
        guard given.count > prefix.count, given.prefix(prefix.count).elementsEqual(prefix),
              Self.constantTimeEqual(Array(given.dropFirst(prefix.count)), key) else {
            throw APIError(.unauthorized, "missing or wrong API key (send Authorization: Bearer KEY)", code: "invalid_api_key")
        }
        return try await next(request, context)
    }

    /// Equal length and bytes, taking the same time whatever the first difference.
    package static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<max(a.count, b.count) {
            diff |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return diff == 0
    }
}
