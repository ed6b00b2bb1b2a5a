// Workspace+LLMCurve: a learning curve's chat-model rows: the model with each draw's rows retrieved, and without retrieval once.
public import Foundation
public import RAG

extension Workspace {
    /// The learning-curve points of a chat model on labelled `rows`, over the same draws as
    /// `learningCurve` (`curveDraws(examplesPerLabel:seeds:)`). With RAG (`withRAG`), one batch per
    /// draw, each row's `k` neighbours found among that draw's rows only. Without RAG
    /// (`withoutRAG`), nothing of a draw reaches the prompt (the system prompt lists every label,
    /// and every draw holds every label), so it is measured once and reported at each count under
    /// seed 0 with that one batch's seconds. A nil classifier leaves its row out; the technique is
    /// the classifier's `method` (`llm-rag:MODEL`, `llm:MODEL`). Failed rows count as wrong.
    /// `started` hears each batch before it runs (nil draw: the one without RAG), `rowsDone` its
    /// rows as they finish, `progress` each point. When `stop` stops the run, the points measured
    /// so far are returned.
    public func llmCurvePoints(_ rows: [LabelledText], examplesPerLabel: [Int?], seeds: Int = 3, k: Int = 10,
                               withRAG: LLMClassifier?, withoutRAG: LLMClassifier?, concurrency: Int = 1, stop: StopToken,
                               started: (_ technique: String, _ draw: CurveDraw?) -> Void = { _, _ in },
                               rowsDone: (_ done: Int, _ total: Int) -> Void = { _, _ in },
                               progress: (LearningCurve.Point) -> Void = { _ in }) async throws -> [LearningCurve.Point] {
        let draws = try curveDraws(examplesPerLabel: examplesPerLabel, seeds: seeds)
        let gold = rows.map { $0.label ?? "" }
        var points: [LearningCurve.Point] = []
        func batch(_ classifier: LLMClassifier, retriever: Retriever?) async throws -> (predictions: [Prediction], seconds: Double)? {
            let start = Date()
            let (predictions, _) = try await LLMBatch(classifier: classifier, retriever: retriever, k: k, concurrency: concurrency)
                .run(rows, journal: try PredictionJournal(.discard, rows: rows), stop: stop, progress: rowsDone)
            return stop.isStopped ? nil : (predictions, Date().timeIntervalSince(start))
        }
        if let withoutRAG {
            started(withoutRAG.method, nil)
            guard let (predictions, seconds) = try await batch(withoutRAG, retriever: nil) else { return points }
            for draw in draws where draw.seed == 0 {
                let point = try draw.point(technique: withoutRAG.method, gold: gold, predictions: predictions, seconds: seconds)
                points.append(point)
                progress(point)
            }
        }
        if let withRAG {
            for draw in draws {
                started(withRAG.method, draw)
                guard let (predictions, seconds) = try await batch(withRAG, retriever: try Retriever(embedder: embedder, store: draw.store)) else {
                    return points
                }
                let point = try draw.point(technique: withRAG.method, gold: gold, predictions: predictions, seconds: seconds)
                points.append(point)
                progress(point)
            }
        }
        return points
    }
}
