// ComparisonTable: the techniques' scores on one labelled set (accuracy, macro and weighted P/R/F1), as a value.
import Foundation

/// One row per technique, in the original experiment's order; `markdown` and `Encodable` render it.
public struct ComparisonTable: Sendable, Encodable {
    public struct Row: Sendable, Codable, Equatable {
        public var technique: String
        public var method: String
        public var accuracy: Double
        public var macroPrecision: Double, macroRecall: Double, macroF1: Double
        public var weightedPrecision: Double, weightedRecall: Double, weightedF1: Double
    }

    public var rows: [Row] = []
    /// Each row's predictions, by method name.
    public var predictions: [String: [Prediction]] = [:]
    /// What the caller should know about how a table was made.
    public enum Note: Sendable, Equatable {
        /// The index had no stored head: one was trained on its rows for this table only.
        case headTrained
        /// Gold labels the index does not hold (sorted): those rows can only be wrong.
        case unknownLabels([String])
        /// A filter restricted the stored rows: `rows` of them took part (the neighbours, the labels,
        /// the head's training rows, trained for this table).
        case filtered(rows: Int)
    }

    /// The notes `Workspace.compare` made, in order.
    public var notes: [Note] = []

    public init() {}

    public static let fineTunedTechniques: [(name: String, method: OfflineClassifier.Method)] = [
        ("Fine-tuned model without RAG", .finetuned), ("Fine-tuned model with RAG", .finetunedBlend),
    ]
    public static let baseTechniques: [(name: String, method: OfflineClassifier.Method)] = [
        ("Base model with RAG", .knn), ("Base model without RAG", .zeroShot),
        ("Linear head, frozen encoder, without RAG", .head), ("Linear head, frozen encoder, with RAG", .blend),
    ]

    /// Scores `predictions` (every one with a gold label) and appends the row.
    public mutating func add(_ technique: String, method: String, predictions preds: [Prediction]) throws {
        let r = try ClassificationReport(gold: preds.map { $0.gold ?? "" }, predicted: preds.map(\.predicted))
        rows.append(Row(technique: technique, method: method, accuracy: r.accuracy,
                        macroPrecision: r.macro.precision, macroRecall: r.macro.recall, macroF1: r.macro.f1,
                        weightedPrecision: r.weighted.precision, weightedRecall: r.weighted.recall, weightedF1: r.weighted.f1))
        predictions[method] = preds
    }

    /// The table in Markdown, four decimals.
    public var markdown: String {
        var lines = ["| Technique | Accuracy | Macro P | Macro R | Macro F1 | Weighted P | Weighted R | Weighted F1 |",
                     "|---|---|---|---|---|---|---|---|"]
        for r in rows {
            lines.append("| \(r.technique) | " + [r.accuracy, r.macroPrecision, r.macroRecall, r.macroF1, r.weightedPrecision, r.weightedRecall, r.weightedF1]
                .map { String(format: "%.4f", $0) }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }

    /// Encodes as the JSON array of rows (`rag compare --json`).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rows)
    }
}
