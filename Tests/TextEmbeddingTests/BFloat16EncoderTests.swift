// BFloat16EncoderTests: the encoder at bfloat16 precision: within a cosine of 0.999 of sentence-transformers' float32 vectors on every fixture, the same bits alone or in a batch at one or two threads, and the precision recorded in the identifier.
import XCTest
import Foundation
import LinearAlgebra
import TextEmbedding

final class BFloat16EncoderTests: XCTestCase {
    func testFixturesStayWithinCosine0999OfSentenceTransformers() throws {
        let encoder = try ModelUnderTest.load().at(.bfloat16)
        XCTAssertEqual(encoder.precision, .bfloat16)
        let fixtures = try Fixture.all()
        let vectors = try encoder.embed(fixtures.map(\.text))
        let float32 = try ModelUnderTest.load().embed(fixtures.map(\.text))
        var cosines: [Double] = []
        for (i, f) in fixtures.enumerated() {
            let cos = zip(vectors.row(i), f.embedding).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            cosines.append(cos)
            XCTAssertGreaterThanOrEqual(cos, 0.999, "fixture \(f.id) (\(f.category)): cosine \(cos)")
            // Not the float32 vectors: the products really ran in bfloat16.
            XCTAssertNotEqual(vectors.row(i), float32.row(i), "fixture \(f.id)")
        }
        cosines.sort()
        print("bf16 against sentence-transformers: \(fixtures.count) fixtures, min cosine \(cosines[0]), median \(cosines[cosines.count / 2])")
    }

    /// Every row's products sum over k in one order whatever the batch, so a text's vector does not
    /// depend on what it is embedded with, nor on the threads.
    func testATextEmbedsToTheSameBitsAloneOrInABatchAtOneOrTwoThreads() throws {
        let encoder = try ModelUnderTest.load().at(.bfloat16)
        let texts = try Fixture.all().prefix(40).map(\.text)
        let before = BLASThreads.count
        defer { BLASThreads.set(before) }
        BLASThreads.set(1)
        let batch = try encoder.embed(texts)
        BLASThreads.set(2)
        let twoThreads = try encoder.embed(texts)
        for (i, text) in texts.enumerated() {
            let alone = try encoder.embed([text])
            XCTAssertEqual(alone.row(0).map(\.bitPattern), batch.row(i).map(\.bitPattern), "text \(i) alone")
            XCTAssertEqual(twoThreads.row(i).map(\.bitPattern), batch.row(i).map(\.bitPattern), "text \(i) at two threads")
        }
    }

    func testThePrecisionIsRecordedInTheIdentifier() throws {
        let float32 = try ModelUnderTest.load()
        let bfloat16 = try float32.at(.bfloat16)
        XCTAssertEqual(float32.precision, .float32)
        XCTAssertFalse(float32.identifier.contains("precision"), "float32 identifiers are as before")
        XCTAssertEqual(bfloat16.identifier, float32.identifier + ":precision=bf16")
        XCTAssertEqual(EncoderPrecision(identifier: bfloat16.identifier), .bfloat16)
        XCTAssertEqual(EncoderPrecision(identifier: float32.identifier), .float32)
        XCTAssertEqual(EncoderPrecision.stripped(bfloat16.identifier), float32.identifier)
        XCTAssertEqual(try bfloat16.at(.float32).identifier, float32.identifier)
        // Computing at one precision, recording the other (mixing, asked for).
        let mixed = float32.recording(.bfloat16)
        XCTAssertEqual(mixed.precision, .float32)
        XCTAssertEqual(mixed.identifier, bfloat16.identifier)
        XCTAssertEqual(try mixed.embed(["a card"]).row(0), try float32.embed(["a card"]).row(0))
    }
}
