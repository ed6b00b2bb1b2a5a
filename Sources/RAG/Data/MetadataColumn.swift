// MetadataColumn: a CSV column kept as typed metadata (`--metadata-columns src,bucket:integer`), its type declared or inferred.
public import VectorSearch
import Foundation

/// A column to keep with each row: `name`, or `name:type` (string, integer, float, boolean; also
/// str, int, double, bool). Without a type, the narrowest that reads every value of the column is
/// taken (boolean, integer, float, else string); an empty field is a missing value.
public struct MetadataColumn: Sendable, Equatable {
    public var name: String
    public var kind: MetadataValue.Kind?

    public init(name: String, kind: MetadataValue.Kind? = nil) {
        self.name = name
        self.kind = kind
    }

    /// Names a row's own fields take: metadata cannot use them.
    public static let reserved: Set<String> = ["text", "label", "id"]

    static let kindNames: [String: MetadataValue.Kind] = [
        "string": .string, "str": .string, "integer": .integer, "int": .integer,
        "float": .float, "double": .float, "boolean": .boolean, "bool": .boolean,
    ]

    /// `a,b:integer,c` as columns; nil and the problem when a part does not read.
    public static func parseList(_ text: String) -> (columns: [MetadataColumn]?, problem: String?) {
        var out: [MetadataColumn] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let pieces = part.split(separator: ":", maxSplits: 1).map(String.init)
            guard let name = pieces.first, !name.isEmpty else { return (nil, "an empty column name in \"\(text)\"") }
            guard !reserved.contains(name) else { return (nil, "\"\(name)\" is a row's own field (text, label, id), not a metadata column") }
            guard !out.contains(where: { $0.name == name }) else { return (nil, "column \"\(name)\" is named twice") }
            var kind: MetadataValue.Kind?
            if pieces.count == 2 {
                guard let k = kindNames[pieces[1].lowercased()] else {
                    return (nil, "\"\(pieces[1])\" is not a type (string, integer, float, boolean)")
                }
                kind = k
            }
            out.append(MetadataColumn(name: name, kind: kind))
        }
        return (out, nil)
    }
}
