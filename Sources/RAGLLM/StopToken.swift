// StopToken: a thread-safe "finish what is in flight, start nothing new" flag, set by Ctrl-C or by a fatal error.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public final class StopToken: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private var why: String?
    private var source: DispatchSourceSignal?

    public init() {}

    public var isStopped: Bool { lock.withLock { stopped } }
    /// What stopped the run, when something did.
    public var reason: String? { lock.withLock { why } }

    public func stop(reason: String) {
        lock.withLock {
            if !stopped { stopped = true; why = reason }
        }
    }

    /// Routes the first SIGINT to `stop` (calling `onFirst`, e.g. to tell the user) and lets a
    /// second one end the process at once, as Ctrl-C does by default.
    public func stopOnInterrupt(onFirst: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [weak self] in
            guard let self else { return }
            if self.isStopped && self.reason == "interrupted" {
                _exit(130)
            }
            self.stop(reason: "interrupted")
            onFirst()
        }
        source.resume()
        lock.withLock { self.source = source }
    }
}
