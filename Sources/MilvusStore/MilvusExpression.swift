// MilvusExpression: a LocalRAG filter (metadata, label, id) as Milvus's boolean expression over the collection's fields, with the same null rules.
import Foundation
import VectorSearch

/// Translates a `FilterExpression` checked against the collection's fields into the text Milvus
/// takes in a search's `dsl`, a query's or a delete's `expr`. Metadata columns live in the JSON
/// field `metadata` (`metadata["bucket"]`), `label` and `id` in the VarChar fields `label` (""
/// for an unlabelled row) and `row_id`.
///
/// LocalRAG's rule is two-valued: a missing value matches no comparison, and `not` turns that
/// into a match. Milvus's is three-valued (a comparison with a missing JSON key is null, and
/// `not null` is null), so every comparison is guarded by the value being present:
/// `(exists metadata["a"] and metadata["a"] < 3)` is false, not null, where `a` is missing.
/// Milvus takes `in` on plain fields only, so `in` on metadata becomes a chain of `==`.
enum MilvusExpression {
    /// `filter` as Milvus's expression; `FilterError` for a field the collection does not have or
    /// a literal of the wrong type (checked as an index folder checks them).
    static func translate(_ filter: FilterExpression, fields: [String: MetadataValue.Kind]) throws -> String {
        _ = try RowFilter(filter, fields: fields) { _, _ in nil }
        return text(filter)
    }

    private static func text(_ e: FilterExpression) -> String {
        switch e {
        case .compare(let field, let op, let literal):
            let milvusOp = op == .equal ? "==" : op.rawValue
            return guarded(field, "\(reference(field)) \(milvusOp) \(self.literal(literal))")
        case .member(let field, let literals):
            guard !literals.isEmpty else { return "false" }
            if field == "label" || field == "id" {
                return guarded(field, "\(reference(field)) in [\(literals.map(literal).joined(separator: ", "))]")
            }
            return guarded(field, "(" + literals.map { "\(reference(field)) == \(literal($0))" }.joined(separator: " or ") + ")")
        case .isNull(let field, let negated):
            return negated ? present(field) : "not \(present(field))"
        case .not(let a): return "not (\(text(a)))"
        case .and(let a, let b): return "(\(text(a)) and \(text(b)))"
        case .or(let a, let b): return "(\(text(a)) or \(text(b)))"
        }
    }

    /// `comparison`, true only where the field has a value.
    private static func guarded(_ field: String, _ comparison: String) -> String { "(\(present(field)) and \(comparison))" }

    /// Whether a row has a value in `field`: an unlabelled row stores the label "", every row of a
    /// collection with ids has one, a metadata column's key may be missing.
    private static func present(_ field: String) -> String {
        switch field {
        case "label": return "label != \"\""
        case "id": return "row_id != \"\""
        default: return "exists \(reference(field))"
        }
    }

    private static func reference(_ field: String) -> String {
        switch field {
        case "label": return "label"
        case "id": return "row_id"
        default: return "metadata[\(quoted(field))]"
        }
    }

    private static func literal(_ literal: FilterExpression.Literal) -> String {
        switch literal {
        case .string(let s): return quoted(s)
        case .number(_, let i?): return "\(i)"
        case .number(let d, nil): return "\(d)"
        case .boolean(let b): return b ? "true" : "false"
        }
    }

    /// A double-quoted string literal with Milvus's escapes.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}
