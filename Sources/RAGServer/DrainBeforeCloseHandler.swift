// DrainBeforeCloseHandler: holds a connection's close until every response byte queued before it has reached the socket.
import NIOCore

/// On graceful shutdown Hummingbird closes a connection right after queueing the end of its last
/// response; NIO fails writes still queued when a channel closes, so a large response (a big
/// embeddings batch) would be cut short. This handler, between the HTTP codec and Hummingbird's
/// connection state handler, counts writes in flight and postpones an output close until they have
/// all completed (or failed: a client that went away does not hold the close).
final class DrainBeforeCloseHandler: ChannelOutboundHandler, RemovableChannelHandler {
    // Parts pass through untouched (never unwrapped): HTTP response parts.
    typealias OutboundIn = Any
    typealias OutboundOut = Any

    private var inFlight = 0
    private var postponed: (mode: CloseMode, promise: EventLoopPromise<Void>?)?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        inFlight += 1
        let written = promise ?? context.eventLoop.makePromise()
        written.futureResult.assumeIsolated().whenComplete { _ in
            self.inFlight -= 1
            if self.inFlight == 0, let close = self.postponed {
                self.postponed = nil
                context.close(mode: close.mode, promise: close.promise)
            }
        }
        context.write(data, promise: written)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard inFlight > 0, mode != .input, postponed == nil else {
            context.close(mode: mode, promise: promise)
            return
        }
        postponed = (mode, promise)
        context.flush()
    }
}
