// Workspace+LearningCurve: each technique's accuracy against labelled examples per label, on stratified draws of the stored rows.
public import Foundation
import LinearAlgebra
import VectorSearch

extension Workspace {
    /// The techniques a learning curve measures by default: the ones that train in seconds.
    public static let curveTechniques: [OfflineClassifier.Method] = [.zeroShot, .knn, .head]

    /// Measures `methods` on labelled `rows` (the evaluation set) with only some of the stored
    /// labelled rows: for each count of `examplesPerLabel` (nil: every row; measured from the
    /// smallest, every row last), `seeds` stratified
    /// draws (`StratifiedDraw`, seeds 0, 1, ...; one draw where the count reaches every label's
    /// rows, since all draws would be equal). Every technique of a draw sees the same rows: they
    /// are the neighbours that vote, the labels zero-shot chooses among, and what the head trains
    /// on (with the stored head's λ, else the default). The evaluation rows are embedded once for
    /// the whole curve; a point's `seconds` is its training and classifying. `progress` hears each
    /// point as it is measured.
    public func learningCurve(_ rows: [LabelledText], examplesPerLabel: [Int?], seeds: Int = 3, k: Int = 10,
                              methods: [OfflineClassifier.Method] = Workspace.curveTechniques,
                              progress: (LearningCurve.Point) -> Void = { _ in }) throws -> LearningCurve {
        precondition(seeds >= 1 && examplesPerLabel.allSatisfy { $0.map { $0 >= 1 } ?? true }, "at least one seed and one row per label")
        if let fineTuned = methods.first(where: { $0 == .finetuned || $0 == .finetunedBlend }) {
            throw ClassificationError.notInCurves(method: fineTuned.rawValue)
        }
        let s = snapshot
        let (vectors, labels) = try s.store.labelledVectors()
        var largest: [String: Int] = [:]
        for label in labels.compactMap({ $0 }) { largest[label, default: 0] += 1 }
        guard let mostRows = largest.values.max() else { throw ClassificationError.noRowsMatch(index: location) }
        let lambda = s.store.settings["head.lambda"].flatMap(Double.init) ?? LinearHeadTrainer().lambda
        let embeddings = try embedder.embed(rows.map(\.text), as: .query)
        let gold = rows.map { $0.label ?? "" }
        var curve = LearningCurve()
        for perLabel in examplesPerLabel.sorted(by: { ($0 ?? .max) < ($1 ?? .max) }) {
            let draws = perLabel.map { $0 < mostRows } ?? false ? seeds : 1
            for seed in 0..<draws {
                let draw = StratifiedDraw(labels: labels, perLabel: perLabel, seed: UInt64(seed))
                let drawnLabels = draw.rows.map { labels[$0]! }
                let drawn = Matrix(rows: draw.rows.count, cols: vectors.cols, storage: draw.rows.flatMap { vectors.row($0) })
                let store = InMemoryVectorStore(vectors: drawn, labels: drawnLabels, embedderIdentifier: s.store.embedderIdentifier,
                                                location: "\(perLabel.map { "\($0) rows per label" } ?? "every row") of \(location) (seed \(seed))")
                let retriever = try Retriever(embedder: embedder, store: store)
                for method in methods {
                    let start = Date()
                    let head = method == .head || method == .blend ? try LinearHeadTrainer(lambda: lambda).train(drawn, labels: drawnLabels).0 : nil
                    let predictions = try OfflineClassifier(retriever: retriever, head: head, k: k)
                        .classify(rows, embeddings: embeddings, methods: [method])[method]!
                    let seconds = Date().timeIntervalSince(start)
                    let report = try ClassificationReport(gold: gold, predicted: predictions.map(\.predicted))
                    let point = LearningCurve.Point(technique: method.rawValue, perLabel: perLabel, seed: seed, accuracy: report.accuracy,
                                                    macroF1: report.macro.f1, seconds: seconds, rows: draw.rows.count,
                                                    cappedLabels: draw.capped.reduce(into: [:]) { $0[$1] = draw.perLabelCounts[$1] })
                    curve.points.append(point)
                    progress(point)
                }
            }
        }
        return curve
    }
}
