// RequestBatcher: gathers concurrent embedding, search and classification requests into one encoder batch on one worker thread.
import Foundation
import LinearAlgebra
import Metrics
import RAG
import VectorSearch

/// One worker thread runs the encoder. Requests queue their texts; each time the worker is free it
/// takes everything queued (up to `maxBatchTexts`), embeds the embedding and search requests'
/// texts in one call, runs one search per (k, search options) group and one classification per
/// (method, k) group, and resumes each request with its share. A request on an idle server is
/// taken at once (plus `batchWait`, zero by default); under load, batches form while the previous
/// one runs. A request that would put more than `maxQueuedTexts` in the queue is refused.
package final class RequestBatcher: @unchecked Sendable {
    enum Work {
        case embed
        case search(k: Int, options: Workspace.SearchOptions)
        case classify(method: OfflineClassifier.Method, k: Int, filter: FilterExpression?)
        /// The texts are the evaluation rows, `labels` their gold labels.
        case learningCurve(labels: [String], counts: [Int?], seeds: Int, k: Int, methods: [OfflineClassifier.Method])
    }

    enum Outcome: Sendable {
        case embeddings([[Float]])
        case neighbours([[Neighbour]])
        case predictions([Prediction])
        case curve(LearningCurve)
    }

    private struct Job {
        var work: Work
        var texts: [String]
        var continuation: CheckedContinuation<Outcome, any Error>
    }

    let workspace: Workspace
    let configuration: ServerConfiguration
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [Job] = []
    private var queuedTexts = 0
    private var stopped = false
    private var lastRefresh = Date.distantPast
    private let batchRecorder = Recorder(label: "localrag_batch_texts")
    private let indexGauge = Gauge(label: "localrag_index_rows")
    private var thread: Thread?

    init(workspace: Workspace, configuration: ServerConfiguration) {
        self.workspace = workspace
        self.configuration = configuration
        indexGauge.record(workspace.snapshot.count)
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "localrag-encoder"
        self.thread = thread
        thread.start()
    }

    /// Queues `texts` for `work` and waits for the batch they land in.
    func submit(_ work: Work, texts: [String]) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            defer { condition.unlock() }
            guard !stopped else {
                continuation.resume(throwing: APIError(.serviceUnavailable, "the server is shutting down", type: "server_error", retryAfter: 1))
                return
            }
            guard queuedTexts + texts.count <= configuration.maxQueuedTexts else {
                continuation.resume(throwing: APIError(.serviceUnavailable,
                    "overloaded: \(queuedTexts) texts are waiting for the encoder; retry shortly", type: "server_error",
                    code: "overloaded", retryAfter: 1))
                return
            }
            queue.append(Job(work: work, texts: texts, continuation: continuation))
            queuedTexts += texts.count
            condition.signal()
        }
    }

    /// Records the index's size after a change made outside the batcher.
    func indexChanged() { indexGauge.record(workspace.snapshot.count) }

    /// Finishes the queued requests, then ends the worker.
    package func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func run() {
        while let jobs = next() {
            process(jobs)
        }
    }

    /// Waits for work, then takes jobs up to the batch size (at least one); nil once stopped and drained.
    private func next() -> [Job]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !stopped { condition.wait() }
        if queue.isEmpty { return nil }
        if configuration.batchWait > .zero && queuedTexts < configuration.maxBatchTexts {
            let (s, atto) = configuration.batchWait.components
            let deadline = Date().addingTimeInterval(Double(s) + Double(atto) * 1e-18)
            while queuedTexts < configuration.maxBatchTexts && !stopped && condition.wait(until: deadline) {}
        }
        var taken: [Job] = []
        var texts = 0
        while let job = queue.first, taken.isEmpty || texts + job.texts.count <= configuration.maxBatchTexts {
            taken.append(queue.removeFirst())
            texts += job.texts.count
        }
        queuedTexts -= texts
        return taken
    }

    private func process(_ jobs: [Job]) {
        if Date().timeIntervalSince(lastRefresh) > 0.5 {
            // Another process may have committed a new generation (rag index add).
            if (try? workspace.refresh()) == true { indexChanged() }
            lastRefresh = Date()
        }
        batchRecorder.record(jobs.reduce(0) { $0 + $1.texts.count })
        // Embedding and search requests share one encoder call.
        // Embeddings are the model's own vectors with its default prompt (what `rag embed` prints), searches
        // unit rows with its query prompt: one call each when both are queued.
        let embeddings = jobs.indices.filter { if case .embed = jobs[$0].work { return true } else { return false } }
        let searchJobs = jobs.indices.filter { if case .search = jobs[$0].work { return true } else { return false } }
        let encoded = embeddings + searchJobs
        if !encoded.isEmpty {
            do {
                var matrix = try workspace.sentenceEmbeddings(embeddings.flatMap { jobs[$0].texts }, as: .plain)
                if !searchJobs.isEmpty { matrix.append(rowsOf: try workspace.embed(searchJobs.flatMap { jobs[$0].texts }, as: .query)) }
                var offsets: [Int] = [], at = 0
                for j in encoded { offsets.append(at); at += jobs[j].texts.count }
                // Searches asking the same (k, options) run as one call.
                var searches: [(key: SearchKey, members: [(job: Int, offset: Int)])] = []
                for (j, offset) in zip(encoded, offsets) {
                    switch jobs[j].work {
                    case .embed:
                        let rows = (0..<jobs[j].texts.count).map { matrix.row(offset + $0) }
                        jobs[j].continuation.resume(returning: .embeddings(rows))
                    case .search(let k, let o):
                        let key = SearchKey(k: k, options: o)
                        if let g = searches.firstIndex(where: { $0.key == key }) { searches[g].members.append((j, offset)) } else {
                            searches.append((key, [(j, offset)]))
                        }
                    case .classify, .learningCurve:
                        break
                    }
                }
                for (key, group) in searches {
                    let (k, options) = (key.k, key.options)
                    let texts = group.flatMap { jobs[$0.job].texts }
                    var storage: [Float] = []
                    storage.reserveCapacity(texts.count * matrix.cols)
                    for g in group { for r in 0..<jobs[g.job].texts.count { storage.append(contentsOf: matrix.row(g.offset + r)) } }
                    let results: [[Neighbour]]
                    do {
                        results = try workspace.search(embeddings: Matrix(rows: texts.count, cols: matrix.cols, storage: storage),
                                                       texts: texts, k: k, options: options)
                    } catch {
                        // A remote store's failure answers this group only (the others were or will be answered).
                        for g in group { jobs[g.job].continuation.resume(throwing: error) }
                        continue
                    }
                    var at = 0
                    for g in group {
                        let n = jobs[g.job].texts.count
                        jobs[g.job].continuation.resume(returning: .neighbours(Array(results[at..<at + n])))
                        at += n
                    }
                }
            } catch {
                for j in encoded { jobs[j].continuation.resume(throwing: error) }
            }
        }
        // Classifications asking the same (method, k, filter) run as one call.
        var classifications: [(key: ClassifyKey, members: [Int])] = []
        for (j, job) in jobs.enumerated() {
            guard case .classify(let method, let k, let filter) = job.work else { continue }
            let key = ClassifyKey(method: method, k: k, filter: filter)
            if let g = classifications.firstIndex(where: { $0.key == key }) { classifications[g].members.append(j) } else {
                classifications.append((key, [j]))
            }
        }
        for (key, group) in classifications {
            do {
                let predictions = try workspace.classify(texts: group.flatMap { jobs[$0].texts }, method: key.method, k: key.k, filter: key.filter)
                var at = 0
                for j in group {
                    let n = jobs[j].texts.count
                    jobs[j].continuation.resume(returning: .predictions(predictions[at..<at + n].enumerated().map { i, p in
                        var p = p
                        p.row = i
                        return p
                    }))
                    at += n
                }
            } catch {
                for j in group { jobs[j].continuation.resume(throwing: error) }
            }
        }
        // Learning curves, one at a time: each draws, trains and classifies on its own.
        for job in jobs {
            guard case .learningCurve(let labels, let counts, let seeds, let k, let methods) = job.work else { continue }
            do {
                let rows = zip(job.texts, labels).enumerated().map { i, row in LabelledText(row: i, line: i + 1, text: row.0, label: row.1) }
                job.continuation.resume(returning: .curve(try workspace.learningCurve(rows, examplesPerLabel: counts, seeds: seeds, k: k, methods: methods)))
            } catch {
                job.continuation.resume(throwing: error)
            }
        }
    }

    private struct SearchKey: Equatable {
        var k: Int
        var options: Workspace.SearchOptions
    }

    private struct ClassifyKey: Equatable {
        var method: OfflineClassifier.Method
        var k: Int
        var filter: FilterExpression?
    }
}
