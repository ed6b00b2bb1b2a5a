// BatchRunner: runs work items with at most N in flight, hands each result to one recorder as it finishes, stops cleanly.

/// A sliding window over the items: a new one starts each time one finishes, so a slow row never
/// holds back the others. `record` runs on the calling task only, one result at a time, so it
/// can write a file without locks. Once `stop` is set (Ctrl-C, or a thrown error) nothing new
/// starts, the rows in flight finish and are recorded, and then the first error is rethrown.
public struct BatchRunner: Sendable {
    public var concurrency: Int

    public init(concurrency: Int) {
        self.concurrency = max(1, concurrency)
    }

    /// - Returns: how many items were started.
    @discardableResult
    public func run<Item: Sendable, Result: Sendable>(
        _ items: [Item], stop: StopToken,
        work: @escaping @Sendable (Item) async throws -> Result,
        record: (Result) throws -> Void
    ) async throws -> Int {
        try await withThrowingTaskGroup(of: Result.self) { group in
            var next = 0
            var firstError: Error?
            while next < items.count && next < concurrency && !stop.isStopped {
                let item = items[next]
                group.addTask { try await work(item) }
                next += 1
            }
            while let result = await group.nextResult() {
                switch result {
                case .success(let value):
                    do { try record(value) } catch {
                        if firstError == nil { firstError = error }
                        stop.stop(reason: "error")
                    }
                case .failure(let error):
                    if firstError == nil { firstError = error }
                    stop.stop(reason: "error")
                }
                if next < items.count && !stop.isStopped {
                    let item = items[next]
                    group.addTask { try await work(item) }
                    next += 1
                }
            }
            if let firstError { throw firstError }
            return next
        }
    }
}
