// CurveDraw: one point's stored rows of a learning curve (a count, a seed, the stratified draw), searchable, and its measured points.
public import Foundation
public import LinearAlgebra
public import VectorSearch

/// The rows a learning-curve point measures with: the stratified draw of `perLabel` stored rows
/// per label under `seed`, with the base encoder's vectors of those rows as a searchable store.
/// Every technique of the point, offline or through a chat model, sees these rows and only these.
public struct CurveDraw: Sendable {
    /// Examples per label asked for; nil: every stored row.
    public let perLabel: Int?
    public let seed: Int
    public let draw: StratifiedDraw
    /// The drawn rows' labels, in the draw's row order.
    public let labels: [String]
    /// The drawn rows' base vectors (unit rows, in the draw's row order), to train on.
    public let vectors: Matrix
    /// The same vectors as a store to search (`Retriever(embedder:store:)`).
    public let store: InMemoryVectorStore
    /// Labels that had fewer rows than asked, with how many they gave.
    public var cappedLabels: [String: Int] { draw.capped.reduce(into: [:]) { $0[$1] = draw.perLabelCounts[$1] } }

    /// - Parameter location: what messages call the drawn rows, such as `8 per label of ./index (seed 1)`.
    public init(perLabel: Int?, seed: Int, draw: StratifiedDraw, labels: [String], vectors: Matrix, embedderIdentifier: String, location: String) {
        self.perLabel = perLabel
        self.seed = seed
        self.draw = draw
        self.labels = labels
        self.vectors = vectors
        store = InMemoryVectorStore(vectors: vectors, labels: labels, embedderIdentifier: embedderIdentifier, location: location)
    }

    /// The point of `technique` at this draw: `predictions` scored against `gold` (a failed or
    /// invalid prediction counts as wrong), with the `seconds` the point took.
    public func point(technique: String, gold: [String], predictions: [Prediction], seconds: Double) throws -> LearningCurve.Point {
        let report = try ClassificationReport(gold: gold, predicted: predictions.map(\.predicted))
        return LearningCurve.Point(technique: technique, perLabel: perLabel, seed: seed, accuracy: report.accuracy,
                                   macroF1: report.macro.f1, seconds: seconds, rows: draw.rows.count, cappedLabels: cappedLabels)
    }
}
