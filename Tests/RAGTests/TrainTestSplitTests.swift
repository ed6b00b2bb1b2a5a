// TrainTestSplitTests: rag split's rows equal scikit-learn's train_test_split for many sizes, test sizes and seeds (fixture).
import XCTest
import Foundation
import TextEmbedding
import Checksum
import RAG

final class TrainTestSplitTests: XCTestCase {
    struct Case: Decodable {
        var n: Int
        var test_size: Double
        var seed: UInt32
        var k: Int?
        var train: [Int]?
        var test: [Int]?
        var sha256: String?
        var error: String?
    }
    struct Fixture: Decodable { var sklearn: String; var cases: [Case] }

    func testRowsEqualScikitLearns() throws {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("train_test_split.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        XCTAssertGreaterThan(fixture.cases.count, 100)
        for c in fixture.cases {
            // An integral test_size in the fixture is a row count (Python int), else a share.
            let size: TrainTestSplit.TestSize = c.test_size >= 1 ? .count(Int(c.test_size)) : .fraction(c.test_size)
            let labels = c.k.map { k in (0..<c.n).map { i in "c\((i * i + 3 * i) % k)" } }
            let what = "n \(c.n), test size \(c.test_size), seed \(c.seed), classes \(c.k.map(String.init) ?? "-")"
            if c.error != nil {
                XCTAssertThrowsError(try TrainTestSplit(rows: c.n, testSize: size, randomState: c.seed, stratify: labels), what)
                continue
            }
            let split = try TrainTestSplit(rows: c.n, testSize: size, randomState: c.seed, stratify: labels)
            let expectedTrain = try XCTUnwrap(c.train), expectedTest = try XCTUnwrap(c.test)
            XCTAssertEqual(Array(split.train.prefix(expectedTrain.count)), expectedTrain, what)
            XCTAssertEqual(Array(split.test.prefix(expectedTest.count)), expectedTest, what)
            let joined = "train:" + split.train.map(String.init).joined(separator: ",") + "|test:" + split.test.map(String.init).joined(separator: ",")
            XCTAssertEqual(Array(joined.utf8).withUnsafeBytes { SHA256Hasher.hex(of: $0) }, c.sha256, what)
        }
    }

    func testMersenneTwisterMatchesTheReferenceSequence() {
        // The first outputs of MT19937 after init_genrand(5489), from Matsumoto and Nishimura's reference code.
        var rng = LegacyRandomState(seed: 5489)
        XCTAssertEqual((0..<3).map { _ in rng.nextUInt32() }, [3_499_211_612, 581_869_302, 3_890_346_734])
    }

    func testBadSizesAndSingletonLabelsAreErrors() {
        XCTAssertThrowsError(try TrainTestSplit(rows: 10, testSize: .fraction(0), randomState: 0))
        XCTAssertThrowsError(try TrainTestSplit(rows: 10, testSize: .fraction(1.5), randomState: 0))
        XCTAssertThrowsError(try TrainTestSplit(rows: 10, testSize: .count(10), randomState: 0))
        XCTAssertThrowsError(try TrainTestSplit(rows: 1, testSize: .fraction(0.2), randomState: 0))
        XCTAssertThrowsError(try TrainTestSplit(rows: 4, testSize: .fraction(0.5), randomState: 0, stratify: ["a", "a", "a", "b"])) { error in
            XCTAssertTrue("\(error.localizedDescription)".contains("only 1 row"))
        }
    }
}
