// EncoderFolderParityTests: each fixture folder (pooling modes, Normalize or not, casing, prompts, tokenizer.json only) embeds as sentence-transformers does.
import Foundation
import XCTest
import LinearAlgebra
import TextEmbedding
import TestSupport

/// The vectors `scripts/fixtures/encoder-folders.py` computed with sentence-transformers from the
/// folders' seeded weights (`EncoderFixtures` writes the same weights for the tests).
struct EncoderFolderFixtures: Decodable {
    struct Variant: Decodable {
        var encode: [[Double]]
        var query: [[Double]]
        var document: [[Double]]
    }
    struct Buckets: Decodable {
        var from: Int
        var buckets: [Int]
    }
    var texts: [String]
    var variants: [String: Variant]
    /// transformers' MPNet bucket of each relative position from `from` on.
    var mpnet_buckets: Buckets

    static func load() throws -> EncoderFolderFixtures {
        try JSONDecoder().decode(Self.self, from: Data(contentsOf: EncoderFixtures.expected))
    }
}

final class EncoderFolderParityTests: XCTestCase {
    func assertClose(_ got: Matrix, _ expected: [[Double]], _ label: String, line: UInt = #line) {
        XCTAssertEqual(got.rows, expected.count, label, line: line)
        for (i, want) in expected.enumerated() where i < got.rows {
            let row = got.row(i)
            XCTAssertEqual(row.count, want.count, "\(label) text \(i): dimension", line: line)
            let diff = zip(row, want).map { abs(Double($0) - $1) }.max() ?? 0
            let dot = zip(row, want).reduce(0.0) { $0 + Double($1.0) * $1.1 }
            let norms = (row.reduce(0.0) { $0 + Double($1) * Double($1) } * want.reduce(0.0) { $0 + $1 * $1 }).squareRoot()
            XCTAssertLessThanOrEqual(diff, 1e-5, "\(label) text \(i): max abs diff", line: line)
            if norms > 0 { XCTAssertGreaterThanOrEqual(dot / norms, 0.99999, "\(label) text \(i): cosine", line: line) }
        }
    }

    func testEveryVariantMatchesSentenceTransformersForEveryRole() throws {
        let fixtures = try EncoderFolderFixtures.load()
        XCTAssertEqual(Set(fixtures.variants.keys), ["bert-uncased-mean", "bert-cased-cls", "bert-max", "bert-prompts", "bert-combined", "mpnet-mean"])
        var identifiers: Set<String> = []
        for (name, expected) in fixtures.variants.sorted(by: { $0.key < $1.key }) {
            let encoder = try EncoderLoader.load(from: EncoderFixtures.folder(name))
            identifiers.insert(encoder.identifier)
            for (role, vectors) in [(EmbeddingRole.plain, expected.encode), (.query, expected.query), (.document, expected.document)] {
                assertClose(try encoder.sentenceEmbeddings(fixtures.texts, as: role), vectors, "\(name) \(role)")
                // One at a time (no batching across texts) gives the same vectors.
                assertClose(try encoder.sentenceEmbeddings([fixtures.texts[0]], as: role), [vectors[0]], "\(name) \(role) single")
                // What the index stores: the same directions, unit length.
                let unit = try encoder.embed(fixtures.texts, as: role)
                for i in 0..<unit.rows where !unit.row(i).allSatisfy({ $0 == 0 }) {
                    XCTAssertEqual(unit.row(i).reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-5, "\(name) \(role) text \(i) unit length")
                }
            }
        }
        // Everything that changes a vector is in the identifier: five BERT folders with the same weights and an MPNet, six identifiers.
        XCTAssertEqual(identifiers.count, 6, "\(identifiers.sorted())")
    }

    func testWhatEachFolderAskedForIsWhatRuns() throws {
        func load(_ name: String) throws -> SentenceEncoder { try EncoderLoader.load(from: EncoderFixtures.folder(name)) }
        let combined = try load("bert-combined")
        XCTAssertEqual(combined.pooling, [.lastToken, .cls, .meanSqrtLength, .max, .weightedMean, .mean])
        XCTAssertEqual(combined.dimension, 32 * 6)
        XCTAssertFalse(combined.normalizes)
        XCTAssertEqual(combined.tokenizer.normalization, BertNormalization(lowercase: true, stripAccents: false, splitCJK: false))
        XCTAssertEqual(combined.tokenizer.maxLength, 20)
        let cased = try load("bert-cased-cls")
        XCTAssertEqual(cased.tokenizer.normalization, BertNormalization(lowercase: false))
        XCTAssertTrue(cased.identifier.contains(":pooling=cls") && cased.identifier.contains(":normalize=false") && cased.identifier.contains(":cased"),
                      cased.identifier)
        XCTAssertNotEqual(cased.tokenizer.encode("WRONG"), cased.tokenizer.encode("wrong"))
        let prompts = try load("bert-prompts")
        XCTAssertEqual(prompts.prompts, EmbeddingPrompts(query: "query: ", document: "passage: ", plain: "passage: "))
        // A query embeds as its prompted text would with no prompt.
        let plain = try load("bert-uncased-mean")
        XCTAssertEqual(try prompts.embed(["my card"], as: .query).storage, try plain.embed(["query: my card"], as: .document).storage)
    }

    func testMPNetBucketsAreTransformers() throws {
        let fixtures = try EncoderFolderFixtures.load()
        for (i, want) in fixtures.mpnet_buckets.buckets.enumerated() {
            let relative = fixtures.mpnet_buckets.from + i
            XCTAssertEqual(MPNetPositions.bucket(relative), want, "relative position \(relative)")
        }
    }

    /// MPNet's layer on the fast path (packed sentences, fused attention with the bias table) against
    /// the textbook loops, for short and long sentences (every bucket reached).
    func testMPNetFastLayerMatchesReferenceLayer() throws {
        let fixtures = try EncoderFolderFixtures.load()
        let encoder = try EncoderLoader.load(from: EncoderFixtures.folder("mpnet-mean"))
        XCTAssertTrue(encoder.weights.config.isMPNet)
        XCTAssertEqual(encoder.tokenizer.encode("").map { encoder.tokenizer.tokens(for: [$0])[0] }, ["<s>", "</s>"])
        XCTAssertGreaterThan(fixtures.texts.map { encoder.tokenizer.encode($0).count }.max()!, 100)
        assertFastLayerMatchesReference(encoder, texts: fixtures.texts, layers: [0, 1])
    }
}

extension XCTestCase {
    /// Each of `layers` on the fast path (the sentences packed, fused attention) against the textbook
    /// loops of `referenceLayer`, from the embedding output of each text.
    func assertFastLayerMatchesReference(_ encoder: SentenceEncoder, texts: [String], layers: [Int], line: UInt = #line) {
        let ids = texts.map { encoder.tokenizer.encode($0) }
        let h = encoder.weights.config.hiddenSize
        let inputs: [[Float]] = ids.map { seq in
            let x = UnsafeMutablePointer<Float>.allocate(capacity: seq.count * h)
            defer { x.deallocate() }
            encoder.embedTokens([seq], into: x)
            return Array(UnsafeBufferPointer(start: x, count: seq.count * h))
        }
        for layer in layers {
            let fast = encoder.fastLayer(layer, inputs, tokens: ids.map(\.count))
            for (s, x) in inputs.enumerated() {
                let reference = encoder.referenceLayer(layer, x, tokens: ids[s].count)
                let diff = zip(fast[s], reference).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(diff, 2e-4, "layer \(layer), sentence \(s): max abs diff \(diff)", line: line)
            }
        }
    }
}
