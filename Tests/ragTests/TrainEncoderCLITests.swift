// TrainEncoderCLITests: rag split and rag train encoder as a user runs them: outputs, resume after kill -9, bad inputs.
import TestSupport
import XCTest
import Foundation

final class TrainEncoderCLITests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("localrag-ft-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let train = ["text,label_text"] + (0..<8).flatMap { i in [
            "my card has not arrived yet \(i),card_arrival",
            "what is the exchange rate today \(i),exchange_rate",
            "please block my pin number \(i),pin_blocked",
        ] }
        try (train.joined(separator: "\n") + "\n").write(to: url("train.csv"), atomically: true, encoding: .utf8)
        try "text,label_text\nwhere is my card,card_arrival\nexchange rate for euros,exchange_rate\nmy pin is blocked,pin_blocked\n"
            .write(to: url("test.csv"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func url(_ name: String) -> URL { dir.appendingPathComponent(name) }

    func testSplitGivesScikitLearnsRowsAndKeepsEveryColumn() throws {
        var lines = ["id,text,label_text"]
        for i in 0..<20 { lines.append("\(i),\"text \(i), with a comma and \"\"quotes\"\"\",\(i % 2 == 1 ? "a" : "b")") }
        try (lines.joined(separator: "\n") + "\n").write(to: url("all.csv"), atomically: true, encoding: .utf8)
        let r = try RAGBinary.run(["split", "--csv", "all.csv", "--test-size", "0.25", "--random-state", "42", "--train", "tr.csv", "--test", "te.csv"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "split 20 rows of all.csv: 15 to tr.csv, 5 to te.csv\n")
        func ids(_ name: String) throws -> [Int] {
            let text = try String(contentsOf: url(name), encoding: .utf8)
            XCTAssertTrue(text.hasPrefix("id,text,label_text\n"))
            XCTAssertTrue(text.contains(" with a comma and \"\"quotes\"\"\","), "fields quoted, quotes doubled: \(text)")
            return text.split(separator: "\n").dropFirst().map { Int($0.split(separator: ",")[0])! }
        }
        // scikit-learn 1.9.1: train_test_split(range(20), test_size=0.25, random_state=42)
        XCTAssertEqual(try ids("tr.csv"), [5, 11, 3, 18, 16, 13, 2, 9, 19, 4, 12, 7, 10, 14, 6])
        XCTAssertEqual(try ids("te.csv"), [0, 17, 15, 1, 8])
        let s = try RAGBinary.run(["split", "--csv", "all.csv", "--test-size", "0.25", "--random-state", "42", "--stratify", "label_text",
                             "--train", "tr.csv", "--test", "te.csv"], in: dir)
        XCTAssertEqual(s.status, 0, s.stderr)
        // ... with stratify=labels (odd rows "a", even rows "b")
        XCTAssertEqual(try ids("tr.csv"), [0, 10, 2, 13, 6, 17, 19, 4, 12, 3, 18, 11, 5, 16, 1])
        XCTAssertEqual(try ids("te.csv"), [9, 15, 14, 8, 7])
        let bad = try RAGBinary.run(["split", "--csv", "all.csv", "--test-size", "1.5"], in: dir)
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderr, "Error: test size 1.5 should be a share between 0 and 1 (exclusive) or a whole number of rows\n")
        let column = try RAGBinary.run(["split", "--csv", "all.csv", "--stratify", "nope"], in: dir)
        XCTAssertEqual(column.status, 1)
        XCTAssertTrue(column.stderr.contains("no column named \"nope\" to stratify by"), column.stderr)
    }

    let recipe = ["--epochs", "2", "--batch", "8", "--threads", "1", "--seed", "3", "--validation", "0.25"]

    func testFineTunedEncoderTrainsIndexesAndClassifies() throws {
        let r = try RAGBinary.run(["train", "encoder", "--csv", "train.csv", "--out", "ft"] + recipe, in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("fine-tuned all-MiniLM-L6-v2 on 18 rows, 3 labels, 2 epochs; best epoch "), r.stdout)
        XCTAssertTrue(r.stderr.contains("epoch 2: loss "), r.stderr)
        XCTAssertTrue(r.stderr.contains("\nestimate: ") && r.stderr.contains(" peak memory, under a minute at "), "told up front: \(r.stderr)")
        XCTAssertTrue(r.stderr.contains("(22.6M parameters, "), r.stderr)
        for name in ["model.safetensors", "head.safetensors", "training.json", "config.json", "vocab.txt", "modules.json", "1_Pooling/config.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: url("ft/\(name)").path), name)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url("ft.checkpoint").path), "the checkpoint goes once the model is in place")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: url("ft/training.json"))) as! [String: Any]
        XCTAssertEqual(report["labels"] as? [String], ["card_arrival", "exchange_rate", "pin_blocked"])

        // Same seed and threads: the same weights, bit for bit.
        XCTAssertEqual(try RAGBinary.run(["train", "encoder", "--csv", "train.csv", "--out", "ft2"] + recipe, in: dir).status, 0)
        XCTAssertEqual(try Data(contentsOf: url("ft/model.safetensors")), try Data(contentsOf: url("ft2/model.safetensors")))

        for (args, name) in [(["--index", "index"], "base"), (["--model-dir", "ft", "--index", "index-ft"], "fine-tuned")] {
            let b = try RAGBinary.run(["index", "build", "--csv", "train.csv"] + args, in: dir)
            XCTAssertEqual(b.status, 0, "\(name): \(b.stderr)")
        }
        for method in ["finetuned", "finetuned-blend"] {
            let c = try RAGBinary.run(["classify", "--csv", "test.csv", "--method", method, "--model-dir", "ft", "--index", "index-ft", "--out", "\(method).jsonl"], in: dir)
            XCTAssertEqual(c.status, 0, c.stderr)
            XCTAssertTrue(c.stderr.hasPrefix("classified 3 rows with \(method), accuracy "), c.stderr)
        }
        // The base index was built with the base encoder: the fine-tuned one is refused there.
        let mismatch = try RAGBinary.run(["classify", "--csv", "test.csv", "--method", "finetuned", "--model-dir", "ft", "--index", "index"], in: dir)
        XCTAssertEqual(mismatch.status, 1)
        // An index with a label the fine-tuned head never saw: refused, naming it.
        try (String(contentsOf: url("train.csv"), encoding: .utf8) + "lost my wallet,lost_wallet\n").write(to: url("more.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try RAGBinary.run(["index", "build", "--csv", "more.csv", "--model-dir", "ft", "--index", "index-more"], in: dir).status, 0)
        let unknown = try RAGBinary.run(["classify", "--csv", "test.csv", "--method", "finetuned", "--model-dir", "ft", "--index", "index-more"], in: dir)
        XCTAssertEqual(unknown.status, 1)
        XCTAssertEqual(unknown.stderr, "Error: the index has labels the fine-tuned model was not trained on: lost_wallet; build the index from the rows the model was trained on\n")
        let cmp = try RAGBinary.run(["compare", "--csv", "test.csv", "--index", "index", "--finetuned-model", "ft", "--finetuned-index", "index-ft", "--json"], in: dir)
        XCTAssertEqual(cmp.status, 0, cmp.stderr)
        let table = try JSONSerialization.jsonObject(with: Data(cmp.stdout.utf8)) as! [[String: Any]]
        XCTAssertEqual(table.map { $0["method"] as! String }, ["finetuned", "finetuned-blend", "knn", "zero-shot", "head", "blend"])
        XCTAssertEqual(table[0]["technique"] as? String, "Fine-tuned model without RAG")
    }

    func testContrastiveRecipeWritesAHeadOverUnitEmbeddingsThatClassifies() throws {
        let args = ["train", "encoder", "--csv", "train.csv", "--objective", "contrastive", "--epochs", "2", "--batch", "8",
                    "--threads", "1", "--validation", "0.25"]
        let r = try RAGBinary.run(args + ["--out", "ct"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("fine-tuned all-MiniLM-L6-v2 on 18 rows, 3 labels, 2 epochs (contrastive, then a head); best epoch "), r.stdout)
        XCTAssertTrue(r.stderr.contains("validation accuracy "), "epochs compared by the nearest centroid: \(r.stderr)")
        let head = try Data(contentsOf: url("ct/head.safetensors"))
        XCTAssertNotNil(head.range(of: Data(#""pooling":"mean, normalised""#.utf8)), "the head says it reads unit rows")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: url("ct/training.json"))) as! [String: Any]
        XCTAssertEqual((report["recipe"] as? [String: Any])?["objective"] as? String, "contrastive")
        XCTAssertEqual(try RAGBinary.run(args + ["--out", "ct2"], in: dir).status, 0)
        XCTAssertEqual(try Data(contentsOf: url("ct/model.safetensors")), try Data(contentsOf: url("ct2/model.safetensors")), "seeded: the same weights")
        XCTAssertEqual(head, try Data(contentsOf: url("ct2/head.safetensors")))
        XCTAssertEqual(try RAGBinary.run(["index", "build", "--csv", "train.csv", "--model-dir", "ct", "--index", "index-ct"], in: dir).status, 0)
        let c = try RAGBinary.run(["classify", "--csv", "test.csv", "--method", "finetuned", "--model-dir", "ct", "--index", "index-ct", "--out", "ct.jsonl"], in: dir)
        XCTAssertEqual(c.status, 0, c.stderr)
        XCTAssertTrue(c.stderr.hasPrefix("classified 3 rows with finetuned, accuracy 1.0000"), "three labels told apart by their words: \(c.stderr)")

        let bad = try RAGBinary.run(["train", "encoder", "--csv", "train.csv", "--objective", "triplet"], in: dir)
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.stderr.contains("The value 'triplet' is invalid for '--objective <objective>'"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("softmax") && bad.stderr.contains("contrastive"), bad.stderr)
        let group = try RAGBinary.run(["train", "encoder", "--csv", "train.csv", "--objective", "contrastive", "--group", "1"], in: dir)
        XCTAssertEqual(group.status, 1)
        XCTAssertEqual(group.stderr, "Error: group 1 is out of range: expected 2...batch (32)\n")
    }

    func testResumeAfterKillNineGivesTheUninterruptedWeights() throws {
        // 96 rows, 12 steps per epoch: long enough to kill the run inside epoch 2.
        let rows = ["text,label_text"] + (0..<32).flatMap { i in [
            "my card has not arrived yet order \(i),card_arrival", "what is the exchange rate today for \(i) euros,exchange_rate",
            "please block my pin number \(i) now,pin_blocked",
        ] }
        try (rows.joined(separator: "\n") + "\n").write(to: url("big.csv"), atomically: true, encoding: .utf8)
        let args = ["train", "encoder", "--csv", "big.csv", "--epochs", "4", "--batch", "8", "--threads", "1", "--validation", "0"]
        XCTAssertEqual(try RAGBinary.run(args + ["--out", "whole"], in: dir).status, 0)

        let p = Process()
        p.executableURL = RAGBinary.executable
        p.arguments = args + ["--out", "cut"]
        p.currentDirectoryURL = dir
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let state = url("cut.checkpoint/state.safetensors")
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: state.path) && p.isRunning && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(p.isRunning, "the run ended before the first checkpoint could be seen")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertFalse(FileManager.default.fileExists(atPath: url("cut").path), "no half-written model folder")

        let resumed = try RAGBinary.run(args + ["--out", "cut", "--resume"], in: dir)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("(resumed after epoch "), resumed.stdout)
        XCTAssertEqual(try Data(contentsOf: url("cut/model.safetensors")), try Data(contentsOf: url("whole/model.safetensors")))
        XCTAssertEqual(try Data(contentsOf: url("cut/head.safetensors")), try Data(contentsOf: url("whole/head.safetensors")))
    }

    func testBadInputsAndAFullDiskLeaveTheOldModelWhole() throws {
        try "text,label_text\na,only\nb,only\n".write(to: url("one.csv"), atomically: true, encoding: .utf8)
        let one = try RAGBinary.run(["train", "encoder", "--csv", "one.csv"], in: dir)
        XCTAssertEqual(one.status, 1)
        XCTAssertTrue(one.stderr.hasSuffix("\nError: the training rows have 1 distinct label: a classifier needs at least 2\n"), one.stderr)
        let zero = try RAGBinary.run(["train", "encoder", "--csv", "train.csv", "--epochs", "0"], in: dir)
        XCTAssertEqual(zero.status, 1)
        XCTAssertEqual(zero.stderr, "Error: epochs 0 is out of range: expected at least 1\n")
        // A model folder whose config is not a BERT's.
        try FileManager.default.createDirectory(at: url("notbert"), withIntermediateDirectories: true)
        try #"{"model_type": "gpt2", "n_embd": 768}"#.write(to: url("notbert/config.json"), atomically: true, encoding: .utf8)
        try Data([0, 0, 0, 0, 0, 0, 0, 0]).write(to: url("notbert/model.safetensors"))
        let gpt = try RAGBinary.run(["train", "encoder", "--csv", "train.csv", "--model-dir", "notbert"], in: dir)
        XCTAssertEqual(gpt.status, 1)
        XCTAssertTrue(gpt.stderr.contains("\nError: ") && gpt.stderr.contains("notbert/config.json: not a BERT or MPNet config.json"), gpt.stderr)

        // A write limit below the size of the weights stands in for a full disk: the run fails with a
        // clear error and the model already at --out stays as it was.
        XCTAssertEqual(try RAGBinary.run(["train", "encoder", "--csv", "train.csv", "--out", "ft"] + recipe, in: dir).status, 0)
        let before = try Data(contentsOf: url("ft/model.safetensors"))
        let limited = Process()
        limited.executableURL = URL(fileURLWithPath: "/bin/bash")
        limited.arguments = ["-c", "trap '' XFSZ; ulimit -f 40000; exec \"$0\" \"$@\"", RAGBinary.executable.path,
                             "train", "encoder", "--csv", "train.csv", "--out", "ft", "--seed", "9"] + recipe.dropLast(4)
        limited.currentDirectoryURL = dir
        let err = Pipe()
        limited.standardError = err
        limited.standardOutput = FileHandle.nullDevice
        try limited.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        limited.waitUntilExit()
        XCTAssertEqual(limited.terminationStatus, 1, message)
        XCTAssertTrue(message.contains("Error: cannot write "), message)
        XCTAssertEqual(try Data(contentsOf: url("ft/model.safetensors")), before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [], "temporary files are removed")
    }
}
