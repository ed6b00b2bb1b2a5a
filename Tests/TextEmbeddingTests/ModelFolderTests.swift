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
        XCTAssertThrowsError(try EncoderLoader.load(from: dir), line: line) { error in
            let message = (error as? LocalizedError)?.errorDescription ?? "\(error)"
            XCTAssertTrue(message.contains(file), "names \(file): \(message)", line: line)
            XCTAssertTrue(message.contains(field), "names \(field): \(message)", line: line)
        }
    }

    func testTheInstalledFolderLoadsWithItsOwnLength() throws {
        let dir = try folder { _ in }
        XCTAssertEqual(try SentenceTransformerFolder(reading: dir, config: EncoderConfig.read(dir.appendingPathComponent("config.json"))).maxSequenceLength, 256)
        // The identifier of today's model is unchanged (indexes built before still open).
        XCTAssertEqual(try EncoderLoader.load(from: dir).identifier, try ModelUnderTest.encoder.get().identifier)
    }

    func testPoolingItDoesNotImplementIsRefused() throws {
        assertRefused(try folder { try rewrite($0, "1_Pooling/config.json") { $0["pooling_mode"] = ["mean", "attention"] } },
                      file: "1_Pooling/config.json", mentions: "attention")
        assertRefused(try folder { try rewrite($0, "1_Pooling/config.json") { $0["pooling_mode_weightedmean_tokens"] = true; $0["pooling_mode_ngram_tokens"] = true } },
                      file: "1_Pooling/config.json", mentions: "pooling_mode_ngram_tokens")
        assertRefused(try folder { try rewrite($0, "1_Pooling/config.json") { $0["pooling_mode_mean_tokens"] = false } },
                      file: "1_Pooling/config.json", mentions: "no pooling mode")
        assertRefused(try folder { try rewrite($0, "1_Pooling/config.json") { $0["include_prompt"] = false } },
                      file: "1_Pooling/config.json", mentions: "include_prompt")
        assertRefused(try folder { try rewrite($0, "1_Pooling/config.json") { $0["word_embedding_dimension"] = 768 } },
                      file: "1_Pooling/config.json", mentions: "word_embedding_dimension")
    }

    func testLegacyPoolingFlagsAreReadInSentenceTransformersOrder() throws {
        let dir = try folder { try rewrite($0, "1_Pooling/config.json") { $0["pooling_mode_max_tokens"] = true; $0["pooling_mode_cls_token"] = true } }
        let encoder = try EncoderLoader.load(from: dir)
        XCTAssertEqual(encoder.pooling, [.cls, .max, .mean])
        XCTAssertEqual(encoder.dimension, 3 * 384)
        XCTAssertTrue(encoder.identifier.hasSuffix(":pooling=cls+max+mean"), encoder.identifier)
    }

    func testModulesItDoesNotRunAreRefused() throws {
        func modules(_ change: @escaping (inout [[String: Any]]) -> Void) throws -> URL {
            try folder { dir in
                let url = dir.appendingPathComponent("modules.json")
                var modules = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [[String: Any]]
                change(&modules)
                try JSONSerialization.data(withJSONObject: modules).write(to: url)
            }
        }
        assertRefused(try modules { $0.insert(["idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"], at: 2) },
                      file: "modules.json", mentions: "sentence_transformers.models.Dense")
        assertRefused(try modules { $0[0]["path"] = "0_Transformer" }, file: "modules.json", mentions: "0_Transformer")
        assertRefused(try modules { $0.swapAt(1, 2) }, file: "modules.json", mentions: "Pooling")
        // No Normalize: the model's vectors are not unit length; the index still stores unit rows.
        let unnormalised = try EncoderLoader.load(from: try modules { $0.removeLast() })
        XCTAssertFalse(unnormalised.normalizes)
        XCTAssertTrue(unnormalised.identifier.hasSuffix(":normalize=false"), unnormalised.identifier)
        let text = ["my card has not arrived"]
        let raw = try unnormalised.sentenceEmbeddings(text, as: .plain)
        let norm = raw.row(0).reduce(0) { $0 + $1 * $1 }.squareRoot()
        XCTAssertGreaterThan(abs(norm - 1), 0.01)
        let unit = try ModelUnderTest.encoder.get().embed(text)
        XCTAssertLessThan(zip(raw.row(0).map { $0 / norm }, unit.row(0)).map { abs($0 - $1) }.max()!, 1e-5)
    }

    /// The folder as transformers 5 writes it: tokenizer.json, no vocab.txt.
    func withoutVocabTXT(_ dir: URL) throws { try FileManager.default.removeItem(at: dir.appendingPathComponent("vocab.txt")) }

    func testWhatItCannotRunIsRefusedNamingTheFileAndField() throws {
        assertRefused(try folder { try withoutVocabTXT($0); try rewrite($0, "tokenizer_config.json") { $0["do_lower_case"] = false } },
                      file: "tokenizer_config.json", mentions: "do_lower_case")
        assertRefused(try folder { try rewrite($0, "config_sentence_transformers.json") { $0["prompts"] = ["query": "query: "]; $0["default_prompt_name"] = "passage" } },
                      file: "config_sentence_transformers.json", mentions: "default_prompt_name")
        assertRefused(try folder { try rewrite($0, "config.json") { $0["model_type"] = "roberta" } },
                      file: "config.json", mentions: "model_type")
        assertRefused(try folder { try rewrite($0, "config.json") { $0["position_embedding_type"] = "relative_key" } },
                      file: "config.json", mentions: "position_embedding_type")
        assertRefused(try folder { try withoutVocabTXT($0); try rewrite($0, "tokenizer.json") { $0["normalizer"] = ["type": "Lowercase"] } },
                      file: "tokenizer.json", mentions: "normalizer")
        assertRefused(try folder { try withoutVocabTXT($0); try rewrite($0, "tokenizer.json") { $0["pre_tokenizer"] = ["type": "Whitespace"] } },
                      file: "tokenizer.json", mentions: "pre_tokenizer")
        assertRefused(try folder { try withoutVocabTXT($0); try rewrite($0, "tokenizer.json") { $0["post_processor"] = ["type": "RobertaProcessing"] } },
                      file: "tokenizer.json", mentions: "post_processor")
        assertRefused(try folder { try rewrite($0, "tokenizer_config.json") { $0["tokenizer_class"] = "XLMRobertaTokenizer" } },
                      file: "tokenizer_config.json", mentions: "tokenizer_class")
        assertRefused(try folder { try rewrite($0, "sentence_bert_config.json") { $0["transformer_task"] = "fill-mask" } },
                      file: "sentence_bert_config.json", mentions: "transformer_task")
        assertRefused(try folder { try "[not json".write(to: $0.appendingPathComponent("modules.json"), atomically: true, encoding: .utf8) },
                      file: "modules.json", mentions: "JSON")
    }

    func testPromptsAndCasingChangeTheIdentifierAndTheVectors() throws {
        let prompted = try EncoderLoader.load(from: try folder { try rewrite($0, "config_sentence_transformers.json") {
            $0["prompts"] = ["query": "query: ", "passage": "passage: "] } })
        let base = try ModelUnderTest.encoder.get()
        XCTAssertTrue(prompted.identifier.hasPrefix(base.identifier + ":prompts="), prompted.identifier)
        XCTAssertEqual(prompted.prompts, EmbeddingPrompts(query: "query: ", document: "passage: "))
        XCTAssertEqual(try prompted.embed(["a lost card"], as: .query).storage, try base.embed(["query: a lost card"]).storage)
        XCTAssertEqual(try prompted.embed(["a lost card"], as: .document).storage, try base.embed(["passage: a lost card"]).storage)
        XCTAssertEqual(try prompted.embed(["a lost card"], as: .plain).storage, try base.embed(["a lost card"]).storage)
        // tokenizer.json (the vocabulary, no vocab.txt) and tokenizer_config.json both say cased: WordPiece keeps the capitals.
        let cased = try EncoderLoader.load(from: try folder { dir in
            try withoutVocabTXT(dir)
            try rewrite(dir, "tokenizer_config.json") { $0["do_lower_case"] = false }
            try rewrite(dir, "tokenizer.json") { json in
                var normalizer = json["normalizer"] as! [String: Any]
                normalizer["lowercase"] = false
                json["normalizer"] = normalizer
            }
        })
        XCTAssertTrue(cased.identifier.hasSuffix(":cased"), cased.identifier)
        XCTAssertNotEqual(cased.tokenizer.encode("Card"), base.tokenizer.encode("Card"))
        // With vocab.txt, tokenizer_config.json's switches rule (as transformers 4 applies them): cased too.
        let casedByConfig = try EncoderLoader.load(from: try folder { try rewrite($0, "tokenizer_config.json") { $0["do_lower_case"] = false } })
        XCTAssertEqual(casedByConfig.identifier, cased.identifier)
        // tokenizer.json alone gives the same vocabulary as vocab.txt: the same ids, the same identifier.
        let fromJSON = try EncoderLoader.load(from: try folder { try withoutVocabTXT($0) })
        XCTAssertEqual(fromJSON.identifier, base.identifier)
        XCTAssertEqual(fromJSON.tokenizer.encode("Zürich's exchange-rate, 日本!"), base.tokenizer.encode("Zürich's exchange-rate, 日本!"))
    }

    func testTheFoldersLengthIsHonouredAndNamedInTheIdentifier() throws {
        let dir = try folder { try rewrite($0, "sentence_bert_config.json") { $0["max_seq_length"] = 8 } }
        let short = try EncoderLoader.load(from: dir)
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
        var small = try EncoderConfig.read(dir.appendingPathComponent("config.json"))
        small.maxPositionEmbeddings = 16
        XCTAssertEqual(try SentenceTransformerFolder(reading: dir, config: small).maxSequenceLength, 16)
    }

    func testAKnownModelNotFoundSaysHowToInstallIt() {
        let known = EmbeddingError.namedModelNotFound(name: "all-mpnet-base-v2", searched: ["models/all-mpnet-base-v2"]).errorDescription ?? ""
        XCTAssertEqual(known, "model all-mpnet-base-v2 not found (looked in models/all-mpnet-base-v2); `rag model install all-mpnet-base-v2` installs it")
        let other = EmbeddingError.namedModelNotFound(name: "mine", searched: ["models/mine"]).errorDescription ?? ""
        XCTAssertEqual(other, "model mine not found (looked in models/mine)")
        XCTAssertEqual(ModelPackage.named("ALL-MPNET-BASE-V2")?.name, "all-mpnet-base-v2")
        XCTAssertNil(ModelPackage.named("bge-small"))
    }
}
