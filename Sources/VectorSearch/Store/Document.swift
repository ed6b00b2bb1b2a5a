// Document: one stored row (its text, label and where it came from).

/// A row of the index: `row` is its position in the index, `sourceRow` its 0-based data row
/// in the CSV it came from.
public struct Document: Sendable, Equatable, Codable {
    public var row: Int
    public var sourceRow: Int
    public var text: String
    public var label: String?

    public init(row: Int = 0, sourceRow: Int, text: String, label: String?) {
        self.row = row
        self.sourceRow = sourceRow
        self.text = text
        self.label = label
    }
}
