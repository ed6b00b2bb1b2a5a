// LabelledText: one data row of an input CSV (its text, its label when the file has one, its id and metadata, where it was).
public import VectorSearch

public struct LabelledText: Sendable, Equatable {
    /// 0-based data row (the header is not counted).
    public var row: Int
    /// 1-based line of the file where the row starts.
    public var line: Int
    public var text: String
    public var label: String?
    /// The row's id: its id column's value, or derived from the file and row (`Dataset`); nil
    /// for texts that did not come from a file.
    public var id: String?
    /// The row's metadata values (`Dataset.metadataColumns`); a missing value is left out.
    public var metadata: [String: MetadataValue]

    public init(row: Int, line: Int, text: String, label: String?, id: String? = nil, metadata: [String: MetadataValue] = [:]) {
        self.row = row
        self.line = line
        self.text = text
        self.label = label
        self.id = id
        self.metadata = metadata
    }
}
