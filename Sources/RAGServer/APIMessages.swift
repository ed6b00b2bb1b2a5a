// APIMessages: the JSON bodies of the routes (requests decoded strictly, responses in OpenAI's and `rag query --json`'s shapes).
import Foundation
import RAG

/// `input` of /v1/embeddings: one string or an array of strings.
enum TextInput: Decodable {
    case one(String)
    case many([String])

    var texts: [String] {
        switch self {
        case .one(let s): return [s]
        case .many(let a): return a
        }
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .one(s); return }
        if let a = try? c.decode([String].self) { self = .many(a); return }
        throw DecodingError.typeMismatch(String.self, .init(codingPath: decoder.codingPath,
            debugDescription: "expected a string or an array of strings (token arrays are not accepted: send text)"))
    }
}

struct EmbeddingsRequest: Decodable {
    var input: TextInput
    var model: String?
    var encoding_format: String?
    var dimensions: Int?
    var user: String?
}

struct SearchRequest: Decodable {
    var query: String?
    var queries: [String]?
    var k: Int?
    var nprobe: Int?
    var exact: Bool?
}

struct ClassifyRequest: Decodable {
    var texts: [String]
    var method: String?
    var k: Int?
    /// llm only: put the top k rows in the prompt (default true).
    var rag: Bool?
}

struct DocumentsRequest: Decodable {
    struct Row: Decodable {
        var text: String
        var label: String?
    }
    var documents: [Row]
}

/// One neighbour, with `rag query --json`'s keys.
struct NeighbourBody: Encodable {
    var row: Int
    var score: Float
    var label: String?
    var text: String

    init(_ n: Neighbour) {
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
