// Document: one stored row (its text, label and where it came from).

/// A row of the index: `id` its stable identity (given by an id column, or derived from the
/// source and its row), `row` its position in the index now (compaction renumbers),
/// `sourceRow` its 0-based data row in the CSV it came from.
public struct Document: Sendable, Equatable, Codable {
    public var row: Int
    public var sourceRow: Int
    public var text: String
    public var label: String?
    /// nil only for rows of an index written before rows had ids (format 1), or by a store that keeps none.
    public var id: String?
    /// The row's metadata values by column (a missing value is left out).
    public var metadata: [String: MetadataValue]

    public init(row: Int = 0, sourceRow: Int, text: String, label: String?, id: String? = nil, metadata: [String: MetadataValue] = [:]) {
        self.row = row
        self.sourceRow = sourceRow
        self.text = text
        self.label = label
        self.id = id
        self.metadata = metadata
    }
}

extension Document {
    /// `schema` with the columns `documents` bring added (a value's type names a new column's);
    /// `StoreError.metadataType` for a value whose type is not its column's (an integer goes into
    /// a float column).
    public static func metadataSchema(_ schema: [String: MetadataValue.Kind], adding documents: [Document]) throws -> [String: MetadataValue.Kind] {
        var schema = schema
        for doc in documents {
            for (column, value) in doc.metadata {
                if let kind = schema[column] {
                    guard kind == value.kind || (kind == .float && value.kind == .integer) else {
                        throw StoreError.metadataType(column: column, stored: kind.rawValue, given: value.kind.rawValue)
                    }
                } else {
                    schema[column] = value.kind
                }
            }
        }
        return schema
    }
}
