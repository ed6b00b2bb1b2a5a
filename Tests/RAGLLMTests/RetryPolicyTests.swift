// RetryPolicyTests: backoff doubles with jitter up to a cap, Retry-After wins, the cap on retries holds.
import XCTest
import RAGLLM

final class RetryPolicyTests: XCTestCase {
    func testBackoffDoublesWithEqualJitter() {
        let p = RetryPolicy(maxRetries: 5, baseDelay: 1, maxDelay: 8)
        XCTAssertEqual(p.delay(afterAttempt: 0, retryAfter: nil, unit: 0), 0.5)
        XCTAssertEqual(p.delay(afterAttempt: 0, retryAfter: nil, unit: 0.999), 0.9995, accuracy: 1e-9)
        XCTAssertEqual(p.delay(afterAttempt: 2, retryAfter: nil, unit: 0), 2)
        XCTAssertEqual(p.delay(afterAttempt: 3, retryAfter: nil, unit: 1), 8)
        XCTAssertEqual(p.delay(afterAttempt: 40, retryAfter: nil, unit: 1), 8, "capped, no overflow")
    }

    func testRetryAfterWinsAndIsCapped() {
        let p = RetryPolicy(maxRetries: 5, baseDelay: 1, maxDelay: 8, maxRetryAfter: 60)
        XCTAssertEqual(p.delay(afterAttempt: 0, retryAfter: 3, unit: 0), 3)
        XCTAssertEqual(p.delay(afterAttempt: 0, retryAfter: 3, unit: 1), 3.3, accuracy: 1e-9)
        XCTAssertEqual(p.delay(afterAttempt: 0, retryAfter: 3600, unit: 0), 60)
    }

    func testGivesUpAfterTheCapWithTheLastError() async {
        let p = RetryPolicy(maxRetries: 2, baseDelay: 0.001)
        let calls = RetryCounter()
        do {
            _ = try await p.run { () async throws -> Int in
                calls.add()
                throw LLMError.http(status: 503, url: "u", message: "busy", retryAfter: nil)
            }
            XCTFail("should throw")
        } catch {
            XCTAssertEqual(error as? LLMError, .http(status: 503, url: "u", message: "busy", retryAfter: nil))
        }
        XCTAssertEqual(calls.value, 3)
    }

    func testDoesNotRetryWhatWaitingCannotFix() async {
        let calls = RetryCounter()
        do {
            _ = try await RetryPolicy(maxRetries: 5, baseDelay: 0.001).run { () async throws -> Int in
                calls.add()
                throw LLMError.http(status: 400, url: "u", message: "bad", retryAfter: nil)
            }
        } catch {}
        XCTAssertEqual(calls.value, 1)
    }
}
