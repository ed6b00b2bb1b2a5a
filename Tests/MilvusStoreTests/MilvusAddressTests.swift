// MilvusAddressTests: parsing milvus:// addresses (host, port, collection, tls, db) and the errors for bad ones; the token from the environment.
import XCTest
import MilvusStore

final class MilvusAddressTests: XCTestCase {
    func testParsesHostPortCollectionAndOptions() throws {
        let a = try MilvusAddress(parsing: "milvus://127.0.0.1:19531/train", environment: [:])
        XCTAssertEqual(a, MilvusAddress(host: "127.0.0.1", port: 19531, collection: "train"))
        XCTAssertEqual(a.description, "milvus://127.0.0.1:19531/train")
        let b = try MilvusAddress(parsing: "milvus://milvus.example.org/banking_77?tls=true&db=team", environment: ["LOCALRAG_MILVUS_TOKEN": "root:Milvus"])
        XCTAssertEqual(b.port, 19530)
        XCTAssertTrue(b.tls)
        XCTAssertEqual(b.database, "team")
        XCTAssertEqual(b.token, "root:Milvus")
        XCTAssertEqual(b.description, "milvus://milvus.example.org:19530/banking_77?tls=true&db=team")
        XCTAssertFalse(b.description.contains("Milvus:"), "the token never appears in the address")
    }

    func testBadAddressesSayWhatIsWrong() {
        let cases: [(String, String)] = [
            ("http://127.0.0.1:19530/train", "bad Milvus address http://127.0.0.1:19530/train: expected milvus://HOST:PORT/COLLECTION"),
            ("milvus://127.0.0.1:19530", "bad Milvus address milvus://127.0.0.1:19530: no collection after the host (…/COLLECTION)"),
            ("milvus://127.0.0.1:19530/9lives", "bad Milvus address milvus://127.0.0.1:19530/9lives: collection name \"9lives\" must start with a letter or _ and hold only letters, digits and _ (at most 255)"),
            ("milvus://127.0.0.1/train?tls=maybe", "bad Milvus address milvus://127.0.0.1/train?tls=maybe: tls must be true or false"),
            ("milvus://127.0.0.1/train?user=x", "bad Milvus address milvus://127.0.0.1/train?user=x: unknown parameter user (known: tls, db)"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try MilvusAddress(parsing: text, environment: [:]), text) { XCTAssertEqual($0.localizedDescription, message) }
        }
    }
}
