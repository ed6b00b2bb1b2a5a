// ModelFolderTests: a sentence-transformers folder asking for what the encoder does not implement is refused, naming the file and the field.
import Foundation
import XCTest
import TestSupport
import TextEmbedding

final class ModelFolderTests: XCTestCase {
    /// A copy of the installed model's folder (weights linked, not copied) with `edit` applied.
    func folder(_ edit: (URL) throws -> Void) throws -> URL {
        let source = ModelUnderTest.directory
        guard FileManager.default.fileExists(atPath: source.appendingPathComponent("model.safetensors").path) else {
            throw Requirement.unmet("all-MiniLM-L6-v2 is not installed: scripts/lib/install-model.sh installs it")
        }
        let dir = try SharedFixtures.temporaryFolder("model-folder")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) where name != "model.safetensors" {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("model.safetensors"),
                                                   withDestinationURL: source.appendingPathComponent("model.safetensors"))
        try edit(dir)
        return dir
    }

    /// Rewrites the JSON object in `file` of `dir` with `change`.
    func rewrite(_ dir: URL, _ file: String, _ change: (inout [String: Any]) -> Void) throws {
        let url = dir.appendingPathComponent(file)
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        change(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }

    func assertRefused(_ dir: URL, file: String, mentions field: String, line: UInt = #line) {
        XCTAssertThrowsError(try MiniLMLoader.load(from: dir), line: line) { error in
            let message = (error as? LocalizedError)?.errorDescription ?? "\(error)"
            XCTAssertTrue(message.contains(file), "names \(file): \(message)", line: line)
            XCTAssertTrue(message.contains(field), "names \(field): \(message)", line: line)
        }
    }

    func testTheInstalledFolderLoadsWithItsOwnLength() throws {
        let dir = try folder { _ in }
        XCTAssertEqual(try SentenceTransformerFolder(reading: dir, config: MiniLM.Config.read(dir.appendingPathComponent("config.json"))).maxSequenceLength, 256)
        // The identifier of today's model is unchanged (indexes built before still open).
        XCTAssertEqual(try MiniLMLoader.load(from: dir).identifier, try ModelUnderTest.encoder.get().identifier)
    }

    func testPoolingOtherThanTheMeanIsRefused() throws {
        for mode in ["pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens"] {
            let dir = try folder { try rewrite($0, "1_Pooling/config.json") { $0[mode] = true } }
            assertRefused(dir, file: "1_Pooling/config.json", mentions: mode)
        }
        let none = try folder { try rewrite($0, "1_Pooling/config.json") { $0["pooling_mode_mean_tokens"] = false; $0["pooling_mode_cls_token"] = true } }
        assertRefused(none, file: "1_Pooling/config.json", mentions: "pooling_mode_cls_token")
    }

    func testModulesItDoesNotRunAreRefused() throws {
        let dense = try folder { dir in
            let url = dir.appendingPathComponent("modules.json")
            var modules = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [[String: Any]]
            modules.insert(["idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"], at: 2)
            try JSONSerialization.data(withJSONObject: modules).write(to: url)
        }
        assertRefused(dense, file: "modules.json", mentions: "sentence_transformers.models.Dense")
        let unnormalised = try folder { dir in
            let url = dir.appendingPathComponent("modules.json")
            let modules = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [[String: Any]]
            try JSONSerialization.data(withJSONObject: Array(modules.prefix(2))).write(to: url)
        }
        assertRefused(unnormalised, file: "modules.json", mentions: "Normalize")
    }

    func testCasingPromptsAndModelTypeAreRefused() throws {
        assertRefused(try folder { try rewrite($0, "tokenizer_config.json") { $0["do_lower_case"] = false } },
                      file: "tokenizer_config.json", mentions: "do_lower_case")
        assertRefused(try folder { try rewrite($0, "config_sentence_transformers.json") { $0["prompts"] = ["query": "query: "] } },
                      file: "config_sentence_transformers.json", mentions: "prompts")
        assertRefused(try folder { try rewrite($0, "config.json") { $0["model_type"] = "mpnet" } },
                      file: "config.json", mentions: "model_type")
        assertRefused(try folder { try "[not json".write(to: $0.appendingPathComponent("modules.json"), atomically: true, encoding: .utf8) },
                      file: "modules.json", mentions: "JSON")
    }

    func testTheFoldersLengthIsHonouredAndNamedInTheIdentifier() throws {
        let dir = try folder { try rewrite($0, "sentence_bert_config.json") { $0["max_seq_length"] = 8 } }
        let short = try MiniLMLoader.load(from: dir)
        let full = try ModelUnderTest.encoder.get()
        XCTAssertTrue(short.identifier.hasSuffix(":max_seq_length=8"), short.identifier)
        let long = "the card I ordered three weeks ago has still not arrived and I need it for my trip"
        // Truncated at 8 wordpieces: the vector is the one of the text's first 6 wordpieces.
        let a = try short.embed([long]), b = try full.embed(["the card i ordered three weeks"])
        XCTAssertLessThan(zip(a.storage, b.storage).map { abs($0 - $1) }.max()!, 1e-5)
        assertRefused(try folder { try rewrite($0, "sentence_bert_config.json") { $0["max_seq_length"] = 100_000 } },
                      file: "sentence_bert_config.json", mentions: "max_seq_length")
    }

    /// Found by the modelfolder fuzz target: sizes that would trap are refused, and the default
    /// length never exceeds the model's positions.
    func testSizesThatWouldTrapAreRefusedAndTheLengthFitsThePositions() throws {
        assertRefused(try folder { try rewrite($0, "config.json") { $0["num_attention_heads"] = 0 } },
                      file: "config.json", mentions: "num_attention_heads")
        assertRefused(try folder { try rewrite($0, "config.json") { $0["max_position_embeddings"] = 1 } },
                      file: "config.json", mentions: "max_position_embeddings")
        let dir = try folder { try FileManager.default.removeItem(at: $0.appendingPathComponent("sentence_bert_config.json")) }
        var small = try MiniLM.Config.read(dir.appendingPathComponent("config.json"))
        small.maxPositionEmbeddings = 16
        XCTAssertEqual(try SentenceTransformerFolder(reading: dir, config: small).maxSequenceLength, 16)
    }
}
