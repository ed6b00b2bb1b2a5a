// ErrorBodyMiddleware: gives Hummingbird's own errors (unknown route 404, body too large 413, ...) the JSON error body every route uses.
import Hummingbird

/// Rewraps any error that is not already an `APIError` as one with the same status, so a client
/// always reads `{"error": {"message": ...}}`.
struct ErrorBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as any HTTPResponseError {
            let message: String
            switch error.status {
            case .notFound: message = "no route \(request.method) \(request.uri.path) (GET /openapi.json lists the routes)"
            case .contentTooLarge: message = "the request body is larger than this server accepts (--max-body-bytes)"
            case .methodNotAllowed: message = "\(request.method) is not allowed on \(request.uri.path)"
            default: message = "\(error.status.reasonPhrase)"
            }
            throw APIError(error.status, message, code: error.status == .notFound ? "unknown_route" : nil)
        }
    }
}
