// OpenAPIDocumentTests: the served OpenAPI document parses and names every route the router answers.
import Foundation
import XCTest
@testable import RAGServer

final class OpenAPIDocumentTests: XCTestCase {
    func testDocumentParsesAndListsTheRoutes() throws {
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        let paths = try XCTUnwrap(doc["paths"] as? [String: Any])
        XCTAssertEqual(Set(paths.keys), ["/healthz", "/v1/models", "/metrics", "/openapi.json", "/v1/embeddings", "/v1/search", "/v1/classify", "/v1/documents"])
    }
}
