// ClassificationError: what can go wrong when classifying or training, with what to do about it.
import Foundation

public enum ClassificationError: Error, LocalizedError, Equatable {
    case tooFewClasses(Int)
    case trainingFailed(String)
    case noLabels(index: String)
    case noHead(index: String)
    case headMismatch(head: Int, index: Int)
    case emptyInput(file: String)
    case noFineTunedEncoder
    case headNeedsFolder(store: String)
    case noRowsMatch(index: String)
    case notInCurves(method: String)
    case unknownMethod(String)

    public var errorDescription: String? {
        switch self {
        case .tooFewClasses(let n):
            return "training needs at least 2 labels, the data has \(n)"
        case .trainingFailed(let why):
            return "training failed: \(why)"
        case .noLabels(let index):
            return "the index at \(index) has no labels; build it from a CSV with a label column"
        case .noHead(let index):
            return "the index at \(index) has no trained head"
        case .headMismatch(let h, let i):
            return "the stored head expects \(h)-dimensional embeddings but the index holds \(i)"
        case .emptyInput(let f):
            return "\(f): no rows to classify"
        case .noFineTunedEncoder:
            return "the fine-tuned methods need an encoder fine-tuned with its head (head.safetensors in the model folder) and an index built with it"
        case .headNeedsFolder(let store):
            return "a trained head is stored in an index folder; \(store) keeps vectors only (the head and blend methods train one from its rows when they run)"
        case .noRowsMatch(let index):
            return "no labelled row of \(index) matches the filter: there is nothing to classify with (`rag query --where` shows what it matches)"
        case .notInCurves(let method):
            return "a learning curve measures \(method) over an index folder built with a sentence encoder (it fine-tunes the encoder on the drawn rows' texts)"
        case .unknownMethod(let name):
            return "\"\(name)\" is not a technique (\(OfflineClassifier.Method.allCases.map(\.rawValue).joined(separator: ", ")))"
        }
    }
}
