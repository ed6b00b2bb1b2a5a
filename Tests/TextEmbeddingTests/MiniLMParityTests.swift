// MiniLMParityTests: every fixture's embedding matches sentence-transformers (max abs diff <= 1e-5, cosine >= 0.99999).
import XCTest
import TestSupport
import Foundation
import LinearAlgebra
import TextEmbedding

/// The installed model, shared by the tests that need it.
enum ModelUnderTest {
    static let packageRoot = Repository.root

    static var directory: URL {
        if let env = ProcessInfo.processInfo.environment[EncoderLoader.environmentVariable], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return packageRoot.appendingPathComponent("models/\(MiniLM.folderName)")
    }

    static let encoder: Result<SentenceEncoder, Error> = Result { try EncoderLoader.load(from: directory) }

    static func load() throws -> SentenceEncoder {
        switch encoder {
        case .success(let e): return e
        case .failure(let e):
            XCTFail("model not installed (run scripts/lib/install-model.sh): \(e.localizedDescription)")
            throw e
        }
    }
}

struct Fixture: Decodable {
    var id: Int
    var category: String
    var text: String
    var input_ids: [Int32]
    var embedding: [Float]

    static func all() throws -> [Fixture] {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("reference.jsonl")
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(Fixture.self, from: Data($0.utf8))
        }
    }
}

final class MiniLMParityTests: XCTestCase {
    @discardableResult
    func check(_ encoder: SentenceEncoder, _ fixtures: [Fixture], _ label: String, report: Bool = true) throws -> (Float, Double) {
        let vectors = try encoder.embed(fixtures.map(\.text))
        var worstDiff: Float = 0, worstCos: Double = 1
        for (i, f) in fixtures.enumerated() {
            let v = vectors.row(i)
            let diff = zip(v, f.embedding).map { abs($0 - $1) }.max()!
            let cos = zip(v, f.embedding).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            worstDiff = max(worstDiff, diff)
            worstCos = min(worstCos, cos)
            XCTAssertLessThanOrEqual(diff, 1e-5, "\(label): fixture \(f.id) (\(f.category)) max abs diff \(diff)")
            XCTAssertGreaterThanOrEqual(cos, 0.99999, "\(label): fixture \(f.id) cosine \(cos)")
        }
        if report { print("parity \(label): \(fixtures.count) fixtures, max abs diff \(worstDiff), min cosine \(worstCos)") }
        return (worstDiff, worstCos)
    }

    func testAllFixturesOneAtATime() throws {
        let encoder = try ModelUnderTest.load()
        let fixtures = try Fixture.all()
        XCTAssertEqual(fixtures.count, 117)
        var worstDiff: Float = 0, worstCos = 1.0
        for f in fixtures {
            let (d, c) = try check(encoder, [f], "single", report: false)
            worstDiff = max(worstDiff, d)
            worstCos = min(worstCos, c)
        }
        print("parity one at a time: 117 fixtures, max abs diff \(worstDiff), min cosine \(worstCos)")
    }

    func testAllFixturesInOneBatchAtOneAndTwoThreads() throws {
        let encoder = try ModelUnderTest.load()
        let fixtures = try Fixture.all()
        let before = BLASThreads.count
        defer { BLASThreads.set(before) }
        for threads in [1, 2] {
            BLASThreads.set(threads)
            try check(encoder, fixtures, "batch, \(threads) thread(s)")
        }
        // A tiny token budget forces many batches; rows must still come back in input order. At 2
        // threads the batches run side by side, each on one thread: the very bits of one thread.
        var small = encoder
        small.tokenBudget = 64
        XCTAssertGreaterThanOrEqual(SentenceEncoder.batches(lengths: fixtures.map(\.input_ids.count), tokenBudget: 64).count, 4)
        BLASThreads.set(1)
        let one = try small.embed(fixtures.map(\.text))
        BLASThreads.set(2)
        try check(small, fixtures, "budget 64, 2 threads")
        XCTAssertEqual(try small.embed(fixtures.map(\.text)), one, "batches side by side differ from one thread")
    }

    func testInputIDsMatchForEveryFixture() throws {
        let encoder = try ModelUnderTest.load()
        for f in try Fixture.all() {
            XCTAssertEqual(encoder.tokenizer.encode(f.text), f.input_ids, "fixture \(f.id): \(f.text.debugDescription)")
        }
    }

    func testFastLayerMatchesReferenceLayer() throws {
        let encoder = try ModelUnderTest.load()
        let texts = ["How do I top up my card?", "a", "The quick brown fox jumps over the lazy dog again and again."]
        assertFastLayerMatchesReference(encoder, texts: texts, layers: [0, 5])
    }
}
