// ClassificationMethod: the one list of method names that `rag classify`, `rag serve` and its OpenAPI document accept: the offline techniques, then the LLM.
/// A way to label a text: one of the offline techniques (`OfflineClassifier.Method`) or a chat
/// model (`llm`, with or without the retrieved rows in its prompt). Every place that names or checks
/// a method reads `all` / `names`, so a technique added to `OfflineClassifier.Method` reaches the
/// CLI, the server and the OpenAPI document at once.
public enum ClassificationMethod: Equatable, Hashable, Sendable, CustomStringConvertible {
    case offline(OfflineClassifier.Method)
    case llm

    /// Every method, offline ones first in `OfflineClassifier.Method`'s order.
    public static var all: [ClassificationMethod] { OfflineClassifier.Method.allCases.map { .offline($0) } + [.llm] }

    /// Their names, as `--method` and `"method"` take them.
    public static var names: [String] { all.map(\.name) }

    /// The method called `name`, or nil.
    public init?(name: String) {
        if name == "llm" { self = .llm } else if let m = OfflineClassifier.Method(rawValue: name) { self = .offline(m) } else { return nil }
    }

    public var name: String {
        switch self {
        case .offline(let m): m.rawValue
        case .llm: "llm"
        }
    }

    public var description: String { name }
}
