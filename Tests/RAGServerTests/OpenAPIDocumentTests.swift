// OpenAPIDocumentTests: the served OpenAPI document lists every route, and real responses of every route match its schemas.
import Foundation
import XCTest
import RAGServer
import RAG

final class OpenAPIDocumentTests: XCTestCase {
    func testDocumentParsesAndListsTheRoutes() throws {
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        let paths = try XCTUnwrap(doc["paths"] as? [String: Any])
        XCTAssertEqual(Set(paths.keys), ["/healthz", "/v1/models", "/metrics", "/openapi.json", "/v1/embeddings", "/v1/search", "/v1/classify", "/v1/learning_curve", "/v1/documents"])
    }

    /// The request schemas and the decoders the routes use say the same: every schema property is a
    /// stored property of the decoded type and back, and a body missing a property decodes exactly
    /// when the schema does not list it as required.
    func testRequestSchemasAgreeWithTheDecoders() throws {
        let validator = try SchemaValidator(document: Data(OpenAPIDocument.json.utf8))
        typealias Decode = (Data) throws -> Any
        let decoders: [(String, Decode)] = [
            ("EmbeddingsRequest", { try JSONDecoder().decode(EmbeddingsRequest.self, from: $0) }),
            ("SearchRequest", { try JSONDecoder().decode(SearchRequest.self, from: $0) }),
            ("ClassifyRequest", { try JSONDecoder().decode(ClassifyRequest.self, from: $0) }),
            ("DocumentsRequest", { try JSONDecoder().decode(DocumentsRequest.self, from: $0) }),
            ("DeleteDocumentsRequest", { try JSONDecoder().decode(DeleteDocumentsRequest.self, from: $0) }),
            ("LearningCurveRequest", { try JSONDecoder().decode(LearningCurveRequest.self, from: $0) }),
        ]
        for (name, decode) in decoders {
            let schema = validator.resolve(["$ref": "#/components/schemas/\(name)"])
            let properties = try XCTUnwrap(schema["properties"] as? [String: Any], name)
            let required = Set(schema["required"] as? [String] ?? [])
            let full = properties.mapValues { validator.sample($0) }
            let decoded = try decode(try JSONSerialization.data(withJSONObject: full))
            XCTAssertEqual(Set(Mirror(reflecting: decoded).children.compactMap(\.label)), Set(properties.keys), "\(name): decoder fields vs schema properties")
            for key in properties.keys {
                var partial = full
                partial[key] = nil
                let decodes = (try? decode(try JSONSerialization.data(withJSONObject: partial))) != nil
                XCTAssertEqual(decodes, !required.contains(key), "\(name) without \(key): the schema says \(required.contains(key) ? "required" : "optional")")
            }
        }
        // One level down: a document row.
        let row = validator.resolve(["$ref": "#/components/schemas/DocumentsRequest"])
        let items = validator.resolve(((row["properties"] as? [String: Any])?["documents"] as? [String: Any])?["items"] ?? [:])
        let decoded = try JSONDecoder().decode(DocumentsRequest.self, from: JSONSerialization.data(withJSONObject: ["documents": [validator.sample(items)]]))
        XCTAssertEqual(Set(Mirror(reflecting: decoded.documents[0]).children.compactMap(\.label)), Set((items["properties"] as? [String: Any] ?? [:]).keys))
        XCTAssertEqual(Set(items["required"] as? [String] ?? []), ["text"])
        // The method names are the library's one list.
        let method = (validator.resolve(["$ref": "#/components/schemas/ClassifyRequest"])["properties"] as? [String: Any])?["method"] as? [String: Any]
        XCTAssertEqual(method?["enum"] as? [String], ClassificationMethod.names)
    }

    func testRealResponsesMatchTheDocument() async throws {
        let f = try await ServerFixture.start()
        defer { Task { await f.stop() } }
        let served = try await f.get("/openapi.json")
        XCTAssertEqual(served.text, OpenAPIDocument.json)
        let validator = try SchemaValidator(document: served.body)
        let calls: [(String, String, Any?, Int)] = [
            ("GET", "/healthz", nil, 200), ("GET", "/v1/models", nil, 200),
            ("POST", "/v1/embeddings", ["input": ["a", "b"]], 200), ("POST", "/v1/embeddings", ["input": "a", "encoding_format": "base64"], 200),
            ("POST", "/v1/search", ["query": "card", "k": 2], 200), ("POST", "/v1/search", ["queries": ["card", "refund"], "k": 2], 200),
            ("POST", "/v1/classify", ["texts": ["card"], "method": "head"], 200), ("POST", "/v1/documents", ["documents": [["text": "t", "label": "l"]]], 200),
            ("POST", "/v1/embeddings", ["input": 3], 400), ("POST", "/v1/search", ["query": 3], 400),
            ("POST", "/v1/classify", ["texts": "x"], 400), ("POST", "/v1/documents", ["documents": []], 400),
            ("PUT", "/v1/documents", ["documents": [["text": "t2", "label": "l", "id": "doc-1"]]], 200),
            ("PUT", "/v1/documents", ["documents": [["text": "t2"]]], 400),
            ("POST", "/v1/documents", ["documents": [["text": "t3", "id": "doc-1"]]], 409),
            ("DELETE", "/v1/documents", ["ids": ["doc-1", "no-such-id"]], 200), ("DELETE", "/v1/documents", ["ids": []], 400),
            ("POST", "/v1/search", ["query": "card", "k": 2, "filter": "label != \"x\" and id is not null"], 200),
            ("POST", "/v1/search", ["query": "card", "filter": "nope = 1"], 400), ("POST", "/v1/search", ["query": "card", "filter": "label ="], 400),
            ("POST", "/v1/classify", ["texts": ["card"], "method": "knn", "filter": "label != \"x\""], 200),
            ("POST", "/v1/classify", ["texts": ["card"], "method": "zero-shot", "filter": "label = \"x\""], 400),
            ("POST", "/v1/classify", ["texts": ["card"], "filter": "nope = 1"], 400),
            ("POST", "/v1/learning_curve", ["texts": ["card", "refund"], "labels": ["card_arrival", "Refund_not_showing_up"], "per_label": [1, "all"], "seeds": 2], 200),
            ("POST", "/v1/learning_curve", ["texts": ["card"], "labels": ["card_arrival"], "per_label": "1,all", "methods": ["finetuned"]], 400),
        ]
        for (method, path, body, status) in calls {
            let r = try await f.request(method, path, body: try body.map { try JSONSerialization.data(withJSONObject: $0) })
            XCTAssertEqual(r.status, status, "\(method) \(path): \(r.text)")
            let problems = validator.check(method: method, path: path, status: r.status, body: r.body)
            XCTAssertEqual(problems, [], "\(method) \(path) \(r.status): \(r.text.prefix(300))")
        }
        // The validator is not vacuous: a response missing a required key is caught.
        XCTAssertFalse(validator.check(method: "GET", path: "/healthz", status: 200, body: Data(#"{"status":"ok"}"#.utf8)).isEmpty)
        XCTAssertFalse(validator.check(method: "POST", path: "/v1/search", status: 200, body: Data(#"{"query":"q","neighbours":[{"row":"1"}]}"#.utf8)).isEmpty)
    }
}

/// Enough of JSON Schema (as OpenAPI 3.0 uses it) to check the responses: type, required,
/// properties, items, oneOf, enum, nullable, $ref.
struct SchemaValidator {
    let document: [String: Any]

    init(document data: Data) throws {
        document = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func check(method: String, path: String, status: Int, body: Data) -> [String] {
        guard let op = ((document["paths"] as? [String: Any])?[path] as? [String: Any])?[method.lowercased()] as? [String: Any],
              var response = (op["responses"] as? [String: Any])?["\(status)"] as? [String: Any] else {
            return ["no response \(status) documented for \(method) \(path)"]
        }
        if let ref = response["$ref"] as? String {
            guard let shared = ((document["components"] as? [String: Any])?["responses"] as? [String: Any])?[String(ref.split(separator: "/").last!)] as? [String: Any] else {
                return ["\(ref) is not in components.responses"]
            }
            response = shared
        }
        guard let schema = ((response["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] else { return [] }
        guard let value = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else { return ["body is not JSON"] }
        return validate(value, schema, at: "$")
    }

    /// A value the schema accepts: the first enum value or oneOf branch, one item for arrays.
    func sample(_ raw: Any) -> Any {
        let schema = resolve(raw)
        if let values = schema["enum"] as? [Any], let first = values.first { return first }
        if let branches = schema["oneOf"] as? [Any], let first = branches.first { return sample(first) }
        switch schema["type"] as? String {
        case "string": return "text"
        case "integer": return 2
        case "number": return 0.5
        case "boolean": return true
        case "array": return [sample(schema["items"] ?? [:])]
        default: return ((schema["properties"] as? [String: Any]) ?? [:]).mapValues { sample($0) }
        }
    }

    func resolve(_ schema: Any) -> [String: Any] {
        guard let s = schema as? [String: Any] else { return [:] }
        guard let ref = s["$ref"] as? String else { return s }
        let name = String(ref.split(separator: "/").last!)
        return resolve(((document["components"] as? [String: Any])?["schemas"] as? [String: Any])?[name] as Any)
    }

    func validate(_ value: Any, _ raw: Any, at path: String) -> [String] {
        let schema = resolve(raw)
        if value is NSNull { return schema["nullable"] as? Bool == true ? [] : ["\(path): null"] }
        if let options = schema["oneOf"] as? [Any] {
            return options.contains { validate(value, $0, at: path).isEmpty } ? [] : ["\(path): matches none of oneOf"]
        }
        if let allowed = schema["enum"] as? [String], let s = value as? String, !allowed.contains(s) { return ["\(path): \(s) not in enum"] }
        switch schema["type"] as? String {
        case "object":
            guard let o = value as? [String: Any] else { return ["\(path): not an object"] }
            var problems = ((schema["required"] as? [String]) ?? []).filter { o[$0] == nil }.map { "\(path).\($0): missing" }
            for (k, sub) in (schema["properties"] as? [String: Any]) ?? [:] {
                if let v = o[k] { problems += validate(v, sub, at: "\(path).\(k)") }
            }
            return problems
        case "array":
            guard let a = value as? [Any] else { return ["\(path): not an array"] }
            return a.enumerated().flatMap { validate($0.element, schema["items"] as Any, at: "\(path)[\($0.offset)]") }
        case "string": return value is String ? [] : ["\(path): not a string"]
        case "integer":
            // (Foundation on Linux bridges every NSNumber to Bool, so 0 and 1 cannot be told from false and true.)
            guard let n = value as? NSNumber, n.doubleValue == n.doubleValue.rounded() else { return ["\(path): not an integer"] }
            return []
        case "number": return value is NSNumber ? [] : ["\(path): not a number"]
        case "boolean": return value is Bool ? [] : ["\(path): not a boolean"]
        default: return []
        }
    }
}
