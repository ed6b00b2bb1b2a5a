// APIKeyTests: where the key is read from, and that it never shows itself.
import XCTest
import RAGLLM

final class APIKeyTests: XCTestCase {
    let secret = "sk-test-0123456789abcdefSECRET"

    func testNeverPrintsItself() {
        let key = APIKey(secret)!
        for text in [key.description, key.debugDescription, "\(key)", String(describing: key), String(reflecting: key)] {
            XCTAssertFalse(text.contains(secret), text)
        }
        var dumped = ""
        dump(key, to: &dumped)
        XCTAssertFalse(dumped.contains(secret), dumped)
        XCTAssertEqual(key.redact("Incorrect API key provided: \(secret)."), "Incorrect API key provided: <redacted>.")
        XCTAssertNil(APIKey("  \n"))
    }

    func testEnvironmentWinsOverDotEnv() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("localrag-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let dotEnv = dir.appendingPathComponent(".env")
        try "# comment\nOTHER=1\nexport OPENAI_API_KEY=\"from-dotenv\" # trailing\n".write(to: dotEnv, atomically: true, encoding: .utf8)
        let fromFile = APIKey.load(environment: [:], dotEnv: dotEnv)
        XCTAssertEqual(fromFile?.redact("from-dotenv"), "<redacted>")
        let fromEnv = APIKey.load(environment: ["OPENAI_API_KEY": "from-env"], dotEnv: dotEnv)
        XCTAssertEqual(fromEnv?.redact("from-env"), "<redacted>")
        XCTAssertEqual(fromEnv?.redact("from-dotenv"), "from-dotenv")
        XCTAssertNil(APIKey.load(environment: ["OPENAI_API_KEY": ""], dotEnv: dir.appendingPathComponent("missing")))
        XCTAssertEqual(APIKey.dotEnvValue("OPENAI_API_KEY=abc # note\nOPENAI_API_KEY='x y'", name: "OPENAI_API_KEY"), "x y")
        XCTAssertEqual(APIKey.dotEnvValue("OPENAI_API_KEY=abc # note", name: "OPENAI_API_KEY"), "abc")
    }

    func testOpenAINeedsAKeyOthersDoNot() async throws {
        XCTAssertThrowsError(try OpenAIClient(baseURL: OpenAIClient.defaultBaseURL, apiKey: nil)) {
            XCTAssertEqual($0 as? LLMError, .missingAPIKey(baseURL: "https://api.openai.com/v1"))
        }
        XCTAssertThrowsError(try OpenAIClient(baseURL: "ftp://x/v1", apiKey: nil))
        XCTAssertThrowsError(try OpenAIClient(baseURL: "not a url", apiKey: nil))
        let local = try OpenAIClient(baseURL: "http://127.0.0.1:9/v1/", apiKey: nil)
        XCTAssertEqual(local.baseURL, "http://127.0.0.1:9/v1")
        await local.shutdown()
    }
}
