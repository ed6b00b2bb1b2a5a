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
    /// Candidates per result kept from the codes (int8, f16, bf16) for the exact rescoring (`rag query --rescore`).
    package var rescore: Int?
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

/// `per_label` of /v1/learning_curve: `"2,4,8,all"` (as `rag compare --curve`) or `[2, 4, 8, "all"]`.
package enum CurveCounts: Decodable {
    case text(String)
    case list([String])

    /// The counts in `rag compare --curve`'s spelling, for the library's one parser.
    package var spelled: String {
        switch self {
        case .text(let s): return s
        case .list(let a): return a.joined(separator: ",")
        }
    }

    /// One element of the list: a number or "all", kept as spelled.
    struct Count: Decodable {
        var spelled: String
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Int.self) { spelled = String(n); return }
            if let s = try? c.decode(String.self), s == "all" { spelled = s; return }
            throw DecodingError.typeMismatch(Int.self, .init(codingPath: decoder.codingPath, debugDescription: "expected a whole number from 1 or \"all\""))
        }
    }

    package init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .text(s); return }
        if (try? decoder.unkeyedContainer()) != nil { self = .list(try c.decode([Count].self).map(\.spelled)); return }
        throw DecodingError.typeMismatch(String.self, .init(codingPath: decoder.codingPath,
            debugDescription: "expected counts of rows per label: \"2,4,8,all\" or [2, 4, 8, \"all\"]"))
    }
}

package struct LearningCurveRequest: Decodable {
    /// The evaluation rows: texts and their gold labels, in the same order.
    package var texts: [String]
    package var labels: [String]
    package var per_label: CurveCounts
    package var seeds: Int?
    package var k: Int?
    package var methods: [String]?
}

struct CheapestBody: Encodable {
    var per_label: PerLabelValue
    var technique: String
    var best: String
}

/// A count of rows per label as the curve's JSON writes it: a number, or "all".
struct PerLabelValue: Encodable {
    var count: Int?
    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if let count { try c.encode(count) } else { try c.encode("all") }
    }
}

struct LearningCurveResponse: Encodable {
    var object = "learning_curve"
    /// `rag compare --curve-out`'s list of points.
    var points: LearningCurve
    var cheapest: [CheapestBody]
}
