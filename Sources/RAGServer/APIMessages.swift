// APIMessages: the JSON bodies of the routes (requests decoded strictly, responses in OpenAI's and `rag query --json`'s shapes).
import Foundation
import RAG
import VectorSearch

/// `input` of /v1/embeddings: one string or an array of strings.
package enum TextInput: Decodable {
    case one(String)
    case many([String])

    var texts: [String] {
        switch self {
        case .one(let s): return [s]
        case .many(let a): return a
        }
    }

    package init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .one(s); return }
        if let a = try? c.decode([String].self) { self = .many(a); return }
        throw DecodingError.typeMismatch(String.self, .init(codingPath: decoder.codingPath,
            debugDescription: "expected a string or an array of strings (token arrays are not accepted: send text)"))
    }
}

package struct EmbeddingsRequest: Decodable {
    package var input: TextInput
    package var model: String?
    package var encoding_format: String?
    package var dimensions: Int?
    package var user: String?
}

package struct SearchRequest: Decodable {
    package var query: String?
    package var queries: [String]?
    package var k: Int?
    package var nprobe: Int?
    package var exact: Bool?
    /// Only rows matching this filter expression (`rag query --where`'s language).
    package var filter: String?
}

package struct ClassifyRequest: Decodable {
    package var texts: [String]
    package var method: String?
    package var k: Int?
    /// llm only: put the top k rows in the prompt (default true).
    package var rag: Bool?
    /// Only stored rows matching this filter expression take part (`rag classify --where`).
    package var filter: String?
}

package struct DocumentsRequest: Decodable {
    package struct Row: Decodable {
        package var text: String
        package var label: String?
        /// The row's id (unique in the index); absent: `api:<generation>:<i>`.
        package var id: String?
    }
    package var documents: [Row]
}

/// One neighbour, with `rag query --json`'s keys.
struct NeighbourBody: Encodable {
    var id: String?
    var row: Int
    var score: Float
    var label: String?
    var text: String
    var metadata: [String: MetadataValue]?

    init(_ n: Neighbour) {
        metadata = n.document.metadata.isEmpty ? nil : n.document.metadata
        id = n.document.id
        row = n.document.sourceRow
        score = n.score
        label = n.document.label
        text = n.document.text
    }
}

struct SearchResultBody: Encodable {
    var query: String
    var neighbours: [NeighbourBody]
}

struct SearchResponse: Encodable {
    var results: [SearchResultBody]
}

struct ClassifyResponse: Encodable {
    var predictions: [Prediction]
}

package struct DeleteDocumentsRequest: Decodable {
    package var ids: [String]
}

struct UpsertResponse: Encodable {
    var added: Int
    var replaced: Int
    var count: Int
    var generation: Int
}

struct DeleteResponse: Encodable {
    var deleted: Int
    var missing: [String]
    var count: Int
    var generation: Int
}

struct DocumentsResponse: Encodable {
    var added: Int
    var count: Int
    var generation: Int
}

struct HealthResponse: Encodable {
    var status: String
    var rows: Int
    var generation: Int
    var labels: Int
}

struct ModelsResponse: Encodable {
    struct Model: Encodable {
        var id: String
        var object = "model"
        var created: Int
        var owned_by = "localrag"
    }
    var object = "list"
    var data: [Model]
}
