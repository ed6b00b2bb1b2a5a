// RetryPolicy: exponential backoff with jitter for retryable failures (429, 5xx, lost connections, timeouts), honouring Retry-After.

/// Attempt n (0-based) that fails with a retryable error waits `min(maxDelay, baseDelay * 2^n)`,
/// drawn from its upper half ("equal jitter", so clients that failed together do not retry
/// together), or the server's Retry-After plus up to 10 % when it sent one, capped at
/// `maxRetryAfter`. After `maxRetries` retries the last error is thrown.
public struct RetryPolicy: Sendable, Equatable {
    public var maxRetries: Int
    public var baseDelay: Double
    public var maxDelay: Double
    public var maxRetryAfter: Double

    public init(maxRetries: Int = 5, baseDelay: Double = 1, maxDelay: Double = 30, maxRetryAfter: Double = 120) {
        self.maxRetries = max(0, maxRetries)
        self.baseDelay = max(0, baseDelay)
        self.maxDelay = max(0, maxDelay)
        self.maxRetryAfter = max(0, maxRetryAfter)
    }

    /// Seconds to wait after failed attempt `attempt`; `unit` is a uniform draw in [0, 1).
    public func delay(afterAttempt attempt: Int, retryAfter: Double?, unit: Double) -> Double {
        if let retryAfter {
            let wait = min(retryAfter, maxRetryAfter)
            return wait + unit * min(1, 0.1 * wait)
        }
        let full = min(maxDelay, baseDelay * Double(1 << min(attempt, 30)))
        return full / 2 + unit * full / 2
    }

    /// Runs `operation` until it succeeds, fails with an error that is not retryable, or has
    /// failed `maxRetries + 1` times. `shouldRetry` is asked before each wait (false: give up now,
    /// throwing the last error); `onRetry` hears of each wait. `retryable` narrows which errors
    /// are retried (default: `LLMError.isRetryable`).
    public func run<T>(retryable: (LLMError) -> Bool = { $0.isRetryable },
                       shouldRetry: () -> Bool = { true },
                       onRetry: (_ attempt: Int, _ error: LLMError, _ delay: Double) -> Void = { _, _, _ in },
                       _ operation: () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await operation()
            } catch let error as LLMError where retryable(error) && attempt < maxRetries && shouldRetry() {
                let wait = delay(afterAttempt: attempt, retryAfter: error.retryAfter, unit: Double.random(in: 0..<1))
                onRetry(attempt, error, wait)
                try await Task.sleep(nanoseconds: UInt64(wait * 1e9))
                attempt += 1
            }
        }
    }
}
