// StubServer: a scripted HTTP/1.1 server on 127.0.0.1 (ephemeral port) for protocol tests: status, headers, body, delay, truncation per request.
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// Each request is answered by `script(request, n)` (n counts requests from 0). Loopback only.
final class StubServer: Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        var headers: [String: String]   // lowercased names
        var body: Data

        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }

        /// The text after "Input text: " in the last message (the row being classified).
        var inputText: String? {
            guard let messages = json?["messages"] as? [[String: Any]],
                  let content = messages.last?["content"] as? String,
                  let r = content.range(of: "Input text: ") else { return nil }
            return String(content[r.upperBound...].prefix { $0 != "\n" })
        }
    }

    struct Response: Sendable {
        var status = 200
        var headers: [String: String] = ["Content-Type": "application/json"]
        var body = Data()
        /// Seconds before the status line is sent.
        var delay = 0.0
        /// Send the full Content-Length but only this many body bytes, then close the connection.
        var truncateAfter: Int?

        static func json(_ object: Any, status: Int = 200) -> Response {
            Response(status: status, body: try! JSONSerialization.data(withJSONObject: object))
        }

        /// A chat completion whose answer is `content`.
        static func chat(_ content: String, promptTokens: Int = 100, cached: Int = 0) -> Response {
            .json(["id": "chatcmpl-stub", "object": "chat.completion", "model": "stub",
                   "choices": [["index": 0, "finish_reason": "stop", "message": ["role": "assistant", "content": content]]],
                   "usage": ["prompt_tokens": promptTokens, "completion_tokens": 5, "total_tokens": promptTokens + 5,
                             "prompt_tokens_details": ["cached_tokens": cached]]])
        }

        static func error(_ status: Int, _ message: String, headers: [String: String] = [:]) -> Response {
            var r = Response.json(["error": ["message": message, "type": "stub_error"]], status: status)
            r.headers.merge(headers) { _, b in b }
            return r
        }
    }

    typealias Script = @Sendable (Request, Int) -> Response

    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    private let state: NIOLockedValueBox<[Request]>
    let port: Int

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    var requests: [Request] { state.withLockedValue { $0 } }

    init(script: @escaping Script) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let state = NIOLockedValueBox<[Request]>([])
        let record: @Sendable (Request) -> Response = { request in
            let n = state.withLockedValue { r -> Int in r.append(request); return r.count - 1 }
            return script(request, n)
        }
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(respond: record))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        self.group = group
        self.channel = channel
        self.state = state
        self.port = channel.localAddress!.port!
    }

    func shutdown() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let respond: @Sendable (Request) -> Response
        var head: HTTPRequestHead?
        var body = Data()

        init(respond: @escaping @Sendable (Request) -> Response) { self.respond = respond }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                head = h
                body = Data()
            case .body(let buffer):
                body.append(contentsOf: buffer.readableBytesView)
            case .end:
                guard let head else { return }
                var headers: [String: String] = [:]
                for (name, value) in head.headers { headers[name.lowercased()] = value }
                let response = respond(Request(method: "\(head.method)", path: head.uri, headers: headers, body: body))
                let loop = context.eventLoop.assumeIsolated()
                if response.delay > 0 {
                    loop.scheduleTask(in: .milliseconds(Int64(response.delay * 1000))) { self.send(response, context: context) }
                } else {
                    send(response, context: context)
                }
            }
        }

        func send(_ r: Response, context: ChannelHandlerContext) {
            guard context.channel.isActive else { return }
            var headers = HTTPHeaders()
            for (k, v) in r.headers { headers.add(name: k, value: v) }
            headers.replaceOrAdd(name: "Content-Length", value: "\(r.body.count)")
            let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: r.status), headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            if let cut = r.truncateAfter {
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: r.body.prefix(cut))))), promise: nil)
                context.flush()
                context.close(promise: nil)
                return
            }
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: r.body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            context.close(promise: nil)
        }
    }
}
