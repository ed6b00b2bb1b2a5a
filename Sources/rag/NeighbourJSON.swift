// NeighbourJSON: the JSON shape of query results, shared by `rag query --json` and `--csv`.
import Foundation
import RAG
import VectorSearch

enum NeighbourJSON {
    struct Item: Encodable {
        var id: String?
        var row: Int
        var score: Float
        var label: String?
        var text: String
        /// The row's metadata (left out when it has none).
        var metadata: [String: MetadataValue]?
    }

    struct Result: Encodable {
        var row: Int?
        var query: String
        var neighbours: [Item]

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(row, forKey: .row)
            try c.encode(query, forKey: .query)
            try c.encode(neighbours, forKey: .neighbours)
        }

        enum CodingKeys: String, CodingKey { case row, query, neighbours }
    }

    static func encode(query: String, row: Int?, _ neighbours: [Neighbour]) throws -> Data {
        let items = neighbours.map { Item(id: $0.document.id, row: $0.document.sourceRow, score: $0.score, label: $0.document.label, text: $0.document.text,
                                           metadata: $0.document.metadata.isEmpty ? nil : $0.document.metadata) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return try encoder.encode(Result(row: row, query: query, neighbours: items))
    }
}
