// EvaluationError: what a user can get wrong when handing gold and predicted labels to the metrics.
public import Foundation

public enum EvaluationError: Error, LocalizedError, Equatable {
    /// No rows at all: sklearn raises too, and a 0 accuracy would read like a real (terrible) result.
    case empty
    /// Gold and predicted differ in length, so rows cannot be paired.
    case lengthMismatch(gold: Int, predicted: Int)
    /// A gold label outside the declared `validLabels`: the label set or the gold file is wrong.
    case unknownGoldLabel(String)

    public var errorDescription: String? {
        switch self {
        case .empty:
            return "nothing to evaluate: no rows with a gold and a predicted label"
        case .lengthMismatch(let gold, let predicted):
            return "cannot pair labels: \(gold) gold labels but \(predicted) predictions"
        case .unknownGoldLabel(let label):
            return "gold label \"\(label)\" is not one of the valid labels; check the label set or the gold file"
        }
    }
}
