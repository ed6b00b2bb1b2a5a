// FilterError: what is wrong with a filter expression (`--where`, `"filter"`), with the offset where it went wrong.
import Foundation

public enum FilterError: Error, LocalizedError, Equatable {
    /// The text does not parse: what was expected, at character `offset` (0-based).
    case syntax(expression: String, offset: Int, expected: String)
    /// A field that is neither metadata nor `label` or `id`.
    case unknownField(name: String, available: [String])
    /// A literal of the wrong type for its field.
    case typeMismatch(field: String, fieldType: String, literal: String)

    public var errorDescription: String? {
        switch self {
        case .syntax(let e, let offset, let expected):
            let shown = e.count > 80 ? String(e.prefix(80)) + "…" : e
            return "cannot read the filter \"\(shown)\": expected \(expected) at character \(offset + 1)"
        case .unknownField(let name, let available):
            return "the filter names \"\(name)\", which is not a field (fields: \(available.map { "\"\($0)\"" }.joined(separator: ", ")))"
        case .typeMismatch(let field, let type, let literal):
            return "the filter compares \(field) (\(type)) with \(literal)"
        }
    }
}
