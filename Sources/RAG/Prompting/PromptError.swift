// PromptError: problems with a user-supplied prompt template.
import Foundation

public enum PromptError: Error, LocalizedError, Equatable {
    case unknownPlaceholder(file: String, line: Int, name: String)
    case unreadable(file: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .unknownPlaceholder(let f, let line, let name):
            return "\(f):\(line): unknown placeholder {{\(name)}} (known: {{categories}}, {{documents}}, {{text}})"
        case .unreadable(let f, let r):
            return "cannot read template \(f): \(r)"
        }
    }
}
