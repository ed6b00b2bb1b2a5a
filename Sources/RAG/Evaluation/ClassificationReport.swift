// ClassificationReport: accuracy and per-class/macro/weighted P/R/F1, a port of scikit-learn's metrics with zero_division=0.

/// The numbers of scikit-learn's `classification_report(y_true, y_pred, zero_division=0)`, equal
/// to `accuracy_score` and `precision_recall_fscore_support(..., average=None | "macro" |
/// "weighted", zero_division=0)` on the same strings.
///
/// Labels are sklearn's `unique_labels`: the union of gold and predicted, sorted by code point.
/// A label that is only ever predicted (a hallucinated class, "I don't know") is a class of its
/// own with support 0, recall 0 and F1 0, and it pulls the macro averages down, as it does in sklearn.
public struct ClassificationReport: Sendable, Codable, Equatable {
    /// Precision, recall and F1 of one label.
    public struct ClassMetrics: Sendable, Codable, Equatable {
        public let label: String
        public let precision: Double
        public let recall: Double
        public let f1: Double
        /// Rows whose gold label is this label.
        public let support: Int
    }

    /// An average of the per-class metrics.
    public struct Average: Sendable, Codable, Equatable {
        public let precision: Double
        public let recall: Double
        public let f1: Double
    }

    /// Sorted label union; `perClass[i].label == labels[i]`.
    public let labels: [String]
    /// One entry per label, in `labels` order.
    public let perClass: [ClassMetrics]
    /// Fraction of rows whose prediction equals the gold label.
    public let accuracy: Double
    /// Unweighted mean over all labels, including labels never in gold.
    public let macro: Average
    /// Mean over labels weighted by gold support.
    public let weighted: Average
    /// Rows evaluated.
    public let count: Int
    /// Predictions outside `validLabels` (0 when no label set was given). They are already
    /// counted wrong: a valid gold label never equals them.
    public let invalidCount: Int

    /// Scores predictions against gold labels, row by row.
    ///
    /// - Parameter validLabels: the label set the classifier was asked to choose from. Predictions
    ///   outside it are counted in `invalidCount`; they stay in the metrics as the strings they are,
    ///   exactly as sklearn would see them. Membership uses Swift's `Set<String>`, so an NFD
    ///   spelling of a valid NFC label counts as valid here while the metrics keep the two apart.
    /// - Throws: `EvaluationError.lengthMismatch`, `.empty` (sklearn raises on empty input too),
    ///   `.unknownGoldLabel` when a gold label is outside `validLabels`.
    public init(gold: [String], predicted: [String], validLabels: Set<String>? = nil) throws {
        try self.init(confusion: ConfusionMatrix(gold: gold, predicted: predicted), validLabels: validLabels)
    }

    /// Scores a confusion matrix: every sklearn number is a function of its diagonal, row sums and
    /// column sums, so this is the same computation as from rows.
    public init(confusion: ConfusionMatrix, validLabels: Set<String>? = nil) throws {
        let total = confusion.total
        guard total > 0 else { throw EvaluationError.empty }
        let support = confusion.goldTotals
        let predictedTotals = confusion.predictedTotals

        var invalid = 0
        if let validLabels {
            for (i, label) in confusion.labels.enumerated() where !validLabels.contains(label) {
                guard support[i] == 0 else { throw EvaluationError.unknownGoldLabel(label) }
                invalid += predictedTotals[i]
            }
        }

        var perClass: [ClassMetrics] = []
        perClass.reserveCapacity(confusion.labels.count)
        for (i, label) in confusion.labels.enumerated() {
            let tp = Double(confusion.counts[i][i])
            // zero_division=0: a class never predicted has precision 0, a class never in gold recall 0.
            let precision = Self.divide(tp, Double(predictedTotals[i]))
            let recall = Self.divide(tp, Double(support[i]))
            // sklearn >= 1.3 computes F1 from counts, 2tp / (2tp + fp + fn) = 2tp / (support + predicted),
            // not from the rounded P and R; this keeps the last bits equal to it.
            let f1 = Self.divide(2 * tp, Double(support[i] + predictedTotals[i]))
            perClass.append(ClassMetrics(label: label, precision: precision, recall: recall, f1: f1, support: support[i]))
        }

        self.labels = confusion.labels
        self.perClass = perClass
        self.accuracy = Double(confusion.correct) / Double(total)
        self.macro = Self.average(perClass, weights: nil)
        self.weighted = Self.average(perClass, weights: support.map(Double.init))
        self.count = total
        self.invalidCount = invalid
    }

    /// sklearn's `_prf_divide` with zero_division=0.
    private static func divide(_ numerator: Double, _ denominator: Double) -> Double {
        denominator == 0 ? 0 : numerator / denominator
    }

    /// `np.average(metric, weights=weights)`: `sum(x * w) / sum(w)`, or the plain mean.
    private static func average(_ metrics: [ClassMetrics], weights: [Double]?) -> Average {
        let w = weights ?? [Double](repeating: 1, count: metrics.count)
        let totalWeight = w.reduce(0, +)
        // Unreachable from init (total > 0 puts weight on some class); kept total for safety.
        guard totalWeight > 0 else { return Average(precision: 0, recall: 0, f1: 0) }
        func mean(_ value: (ClassMetrics) -> Double) -> Double {
            zip(metrics, w).reduce(0) { $0 + value($1.0) * $1.1 } / totalWeight
        }
        return Average(precision: mean(\.precision), recall: mean(\.recall), f1: mean(\.f1))
    }

    /// The metrics of `label`, or nil when it is neither a gold nor a predicted label.
    public func metrics(for label: String) -> ClassMetrics? {
        perClass.first { $0.label.utf8.elementsEqual(label.utf8) }
    }
}
