// FineTuneError: what can be wrong with a fine-tuning run's input, settings or output folder.
import Foundation

public enum FineTuneError: Error, LocalizedError, Equatable {
    case badSetting(name: String, value: String, expected: String)
    case tooFewLabels(count: Int)
    case tooFewRows(training: Int, validation: Int)
    case outputIsBaseModel(path: String)
    case resumeMismatch(path: String, reason: String)
    case notAFineTunedModel(path: String, reason: String)
    case unknownLabels([String])
    case headFitFailed(reason: String)

    public var errorDescription: String? {
        switch self {
        case .badSetting(let n, let v, let e):
            return "\(n) \(v) is out of range: expected \(e)"
        case .tooFewLabels(let c):
            return "the training rows have \(c) distinct label\(c == 1 ? "" : "s"): a classifier needs at least 2"
        case .tooFewRows(let t, let v):
            return "\(t) training and \(v) validation rows: need at least 1 of each (lower the validation share, or 0 for none)"
        case .outputIsBaseModel(let p):
            return "the output folder \(p) is the base model's folder: choose another, the base model is never overwritten"
        case .resumeMismatch(let p, let r):
            return "cannot resume from \(p): \(r); start again without resume, or with the same data and settings"
        case .notAFineTunedModel(let p, let r):
            return "\(p) has no fine-tuned classification head: \(r)"
        case .headFitFailed(let r):
            return "the head after contrastive training could not be fitted: \(r); try a larger --head-lambda"
        case .unknownLabels(let labels):
            return "the index has labels the fine-tuned model was not trained on: \(labels.prefix(5).joined(separator: ", "))\(labels.count > 5 ? " (+\(labels.count - 5) more)" : ""); build the index from the rows the model was trained on"
        }
    }
}
