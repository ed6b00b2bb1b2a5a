// MiniLMInputTests: awkward texts and damaged model files give embeddings or clear errors, never a crash.
import XCTest
import Foundation
import TextEmbedding

final class MiniLMInputTests: XCTestCase {
    func testAwkwardTextsEmbedToUnitVectors() throws {
        let encoder = try ModelUnderTest.load()
        let invalid = String(decoding: [0x61, 0xED, 0xA0, 0x80, 0x62] as [UInt8], as: UTF8.self)
        let texts = ["", "   \n\t ", String(repeating: "word ", count: 10_000), invalid, "\u{0}\u{1F600}\u{FFFD}", String(repeating: "x", count: 50_000)]
        let m = try encoder.embed(texts)
        XCTAssertEqual(m.rows, texts.count)
        for r in 0..<m.rows {
            let norm = m.row(r).reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            XCTAssertEqual(norm, 1, accuracy: 1e-5, "row \(r)")
            XCTAssertFalse(m.row(r).contains { $0.isNaN })
        }
        // Empty and whitespace-only are both [CLS] [SEP]: the same vector (up to where each sits in the batch).
        XCTAssertEqual(encoder.tokenizer.encode(texts[0]), encoder.tokenizer.encode(texts[1]))
        XCTAssertLessThan(zip(m.row(0), m.row(1)).map { abs($0 - $1) }.max()!, 1e-6)
        XCTAssertEqual(encoder.tokenizer.encode(texts[2]).count, 256)
        XCTAssertEqual(try encoder.embed([]).rows, 0)
    }

    func copyModel(_ edit: (URL) throws -> Void) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("localrag-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for name in ["config.json", "vocab.txt"] {
            try FileManager.default.copyItem(at: ModelUnderTest.directory.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        // The weights are symlinked unless the case rewrites them (they are 90 MB).
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("model.safetensors"),
                                                   withDestinationURL: ModelUnderTest.directory.appendingPathComponent("model.safetensors"))
        try edit(dir)
        return dir
    }

    func writeWeights(_ dir: URL, _ transform: (Data) -> Data) throws {
        let url = dir.appendingPathComponent("model.safetensors")
        let data = try Data(contentsOf: url)
        try FileManager.default.removeItem(at: url)
        try transform(data).write(to: url)
    }

    func assertLoadFails(_ dir: URL, contains fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertThrowsError(try EncoderLoader.load(from: dir), file: file, line: line) { e in
            let message = (e as? LocalizedError)?.errorDescription ?? "\(e)"
            XCTAssertTrue(message.contains(fragment), "\(message) lacks \(fragment)", file: file, line: line)
        }
    }

    func testTruncatedWeights() throws {
        _ = try ModelUnderTest.load()
        assertLoadFails(try copyModel { try writeWeights($0) { $0.prefix($0.count / 2) } }, contains: "truncated")
        assertLoadFails(try copyModel { try writeWeights($0) { $0.prefix(5) } }, contains: "too short")
    }

    func testCorruptedHeader() throws {
        _ = try ModelUnderTest.load()
        assertLoadFails(try copyModel { try writeWeights($0) { var d = $0; d[8] = 0x5B; d[9] = 0x5D; return d } },
                        contains: "not a valid safetensors file")
        assertLoadFails(try copyModel { try writeWeights($0) { var d = $0; d.replaceSubrange(0..<8, with: [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]); return d } },
                        contains: "header length")
    }

    func testVocabularyThatDoesNotMatch() throws {
        _ = try ModelUnderTest.load()
        assertLoadFails(try copyModel { dir in
            let vocab = try String(contentsOf: dir.appendingPathComponent("vocab.txt"), encoding: .utf8)
            try (vocab + "extra1\nextra2\n").write(to: dir.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        }, contains: "different models")
    }

    func testMissingModelSaysWhereItLooked() {
        XCTAssertThrowsError(try EncoderLoader.load(modelDir: "/nonexistent/model")) { e in
            let message = (e as? LocalizedError)?.errorDescription ?? ""
            XCTAssertTrue(message.contains("not found (looked in /nonexistent/model)"), message)
            XCTAssertFalse(message.contains("rag "), "library errors name no CLI command: \(message)")
        }
    }

    func testWrongActivationIsRefused() throws {
        assertLoadFails(try copyModel { dir in
            let url = dir.appendingPathComponent("config.json")
            let config = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "\"gelu\"", with: "\"gelu_new\"")
            try config.write(to: url, atomically: true, encoding: .utf8)
        }, contains: "gelu_new")
    }
}
