// LLMBatch: a whole `rag classify --method llm` run: retrieval for the pending rows, the bounded-concurrency batch, the journal.
import Foundation
public import RAG
public import VectorSearch

/// Rows already in the journal are skipped; the rest are retrieved for (with RAG), sent with at
/// most `concurrency` in flight, and appended to the journal as each finishes.
public struct LLMBatch: Sendable {
    public var classifier: LLMClassifier
    /// nil: the plain prompt, no retrieved documents.
    public var retriever: Retriever?
    public var k: Int
    public var concurrency: Int
    /// Leave out a retrieved row whose text is the input's own (classifying the indexed rows).
    public var excludeSelf: Bool
    /// Only stored rows matching this are retrieved (nil: every row).
    public var filter: FilterExpression?

    public init(classifier: LLMClassifier, retriever: Retriever?, k: Int = 10, concurrency: Int = 1, excludeSelf: Bool = false,
                filter: FilterExpression? = nil) {
        self.classifier = classifier
        self.retriever = retriever
        self.k = k
        self.concurrency = concurrency
        self.excludeSelf = excludeSelf
        self.filter = filter
    }

    struct Job: Sendable {
        var row: LabelledText
        var neighbours: [Neighbour]?
    }

    /// Runs the rows not yet in `journal`. Returns every prediction now in it, in row order, and
    /// the summary. `progress` hears (rows done in this run, rows to do in this run).
    public func run(_ rows: [LabelledText], journal: PredictionJournal, stop: StopToken,
                    progress: (Int, Int) -> Void = { _, _ in },
                    onRetry: @escaping @Sendable (LLMError, Double) -> Void = { _, _ in }) async throws -> ([Prediction], BatchSummary) {
        let start = Date()
        var summary = BatchSummary()
        summary.total = rows.count
        var all = journal.done
        summary.resumed = rows.filter { all[$0.row] != nil }.count
        let pending = rows.filter { all[$0.row] == nil }
        var jobs: [Job] = []
        jobs.reserveCapacity(pending.count)
        for chunk in stride(from: 0, to: pending.count, by: 256) where !stop.isStopped {
            let part = Array(pending[chunk..<min(pending.count, chunk + 256)])
            let neighbours = try retriever?.retrieve(part.map(\.text), k: k, excludeSelf: excludeSelf, parameters: SearchParameters(filter: filter))
            for (i, row) in part.enumerated() { jobs.append(Job(row: row, neighbours: neighbours?[i])) }
        }
        let retries = RetryCounter()
        let classifier = self.classifier
        var finished = 0
        progress(0, pending.count)
        do {
            try await BatchRunner(concurrency: concurrency).run(jobs, stop: stop, work: { job in
                try await classifier.classify(job.row, neighbours: job.neighbours, stop: stop, onRetry: { error, delay in
                    retries.add()
                    onRetry(error, delay)
                })
            }, record: { outcome in
                switch outcome {
                case .answered(let p, let usage, let seconds):
                    try journal.append(p)
                    all[p.row] = p
                    summary.answered += 1
                    if p.confidence == 0 { summary.invalid += 1 }
                    summary.latencies.append(seconds)
                    summary.promptTokens += usage?.promptTokens ?? 0
                    summary.cachedPromptTokens += usage?.cachedTokens ?? 0
                    summary.completionTokens += usage?.completionTokens ?? 0
                case .failed(let p):
                    try journal.append(p)
                    all[p.row] = p
                    summary.failed += 1
                case .abandoned:
                    break
                }
                finished += 1
                progress(finished, pending.count)
            })
        } catch {
            summary.retries = retries.value
            throw error
        }
        summary.retries = retries.value
        summary.seconds = Date().timeIntervalSince(start)
        let inRows = Set(rows.map(\.row))
        let predictions = all.values.filter { inRows.contains($0.row) }.sorted { $0.row < $1.row }
        summary.remaining = rows.count - predictions.count
        for p in predictions where p.gold != nil {
            summary.labelled += 1
            if p.gold == p.predicted { summary.correct += 1 }
        }
        return (predictions, summary)
    }
}

/// Retries counted from many tasks at once.
package final class RetryCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    package init() {}
    package func add() { lock.withLock { count += 1 } }
    package var value: Int { lock.withLock { count } }
}
