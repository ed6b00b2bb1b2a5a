// ClassifyCLITests: prompt, finetune, classify, evaluate and compare as a user runs them, bad inputs included.
import TestSupport
import XCTest
import Foundation

final class ClassifyCLITests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("localrag-cls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let train = ["text,label_text"] + (0..<8).flatMap { i in [
            "my card has not arrived yet \(i),card_arrival",
            "what is the exchange rate today \(i),exchange_rate",
            "please block my pin number \(i),pin_blocked",
        ] }
        try (train.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("train.csv"), atomically: true, encoding: .utf8)
        try "text,label_text\nwhere is my card,card_arrival\nexchange rate for euros,exchange_rate\nmy pin is blocked,pin_blocked\n"
            .write(to: dir.appendingPathComponent("test.csv"), atomically: true, encoding: .utf8)
        let build = try RAGBinary.run(["index", "build", "--csv", "train.csv", "--embedder", "hashing"], in: dir)
        XCTAssertEqual(build.status, 0, build.stderr)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func lines(_ name: String) throws -> [[String: Any]] {
        try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    func testPromptListsEveryLabelAndNeighbours() throws {
        let r = try RAGBinary.run(["prompt", "where is my card", "-k", "2", "--json"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let messages = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [[String: String]]
        XCTAssertEqual(messages.map { $0["role"]! }, ["system", "user"])
        XCTAssertTrue(messages[0]["content"]!.hasSuffix("- card_arrival\n- exchange_rate\n- pin_blocked"))
        XCTAssertTrue(messages[1]["content"]!.hasPrefix("Retrieved documents:\n1. [card_arrival] my card has not arrived yet"))
        let plain = try RAGBinary.run(["prompt", "where is my card", "--no-rag"], in: dir)
        XCTAssertTrue(plain.stdout.contains("--- user\nInput text: where is my card\nCategory:"), plain.stdout)
    }

    func testClassifyEvaluateAndReport() throws {
        XCTAssertEqual(try RAGBinary.run(["train", "head"], in: dir).status, 0)
        for method in ["knn", "head", "zero-shot", "blend"] {
            let r = try RAGBinary.run(["classify", "--csv", "test.csv", "--method", method, "--out", "\(method).jsonl"], in: dir)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("classified 3 rows with \(method), accuracy "), r.stderr)
            let preds = try lines("\(method).jsonl")
            XCTAssertEqual(preds.map { $0["row"] as! Int }, [0, 1, 2])
            XCTAssertEqual(Set(preds.flatMap { $0.keys }), ["row", "text", "gold", "predicted", "confidence", "method"])
        }
        let knn = try lines("knn.jsonl")
        XCTAssertEqual(knn.map { $0["predicted"] as! String }, ["card_arrival", "exchange_rate", "pin_blocked"])
        let e = try RAGBinary.run(["evaluate", "knn.jsonl", "--report", "r.html", "--confusion", "c.csv"], in: dir)
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertTrue(e.stdout.contains("accuracy     1.0000\n"), e.stdout)
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("r.html"), encoding: .utf8).hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("c.csv"), encoding: .utf8).hasPrefix("gold\\predicted,card_arrival,"))
        let json = try RAGBinary.run(["evaluate", "knn.jsonl", "--json"], in: dir)
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(report["accuracy"] as? Double, 1)
    }

    func testEvaluateReportsATruncatedLastLine() throws {
        XCTAssertEqual(try RAGBinary.run(["classify", "--csv", "test.csv", "--out", "p.jsonl"], in: dir).status, 0)
        let url = dir.appendingPathComponent("p.jsonl")
        let text = try String(contentsOf: url, encoding: .utf8)
        try String(text.dropLast(20)).write(to: url, atomically: true, encoding: .utf8)
        let r = try RAGBinary.run(["evaluate", "p.jsonl"], in: dir)
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stderr, "warning: p.jsonl:3: the last line is incomplete (an interrupted run?); it was skipped\n")
        XCTAssertTrue(r.stdout.hasPrefix("predictions  2 (knn) from p.jsonl\n"), r.stdout)
    }

    func testCompareTableAndJSON() throws {
        let r = try RAGBinary.run(["compare", "--csv", "test.csv"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = r.stdout.split(separator: "\n")
        XCTAssertEqual(rows.count, 6)
        XCTAssertEqual(rows[0], "| Technique | Accuracy | Macro P | Macro R | Macro F1 | Weighted P | Weighted R | Weighted F1 |")
        // No fine-tuned encoder here: its two rows are left out (TrainEncoderCLITests has them).
        XCTAssertTrue(rows[2].hasPrefix("| Base model with RAG | "))
        XCTAssertTrue(rows[3].hasPrefix("| Base model without RAG | "))
        XCTAssertTrue(rows[4].hasPrefix("| Linear head, frozen encoder, without RAG | "))
        XCTAssertTrue(rows[5].hasPrefix("| Linear head, frozen encoder, with RAG | "))
        XCTAssertTrue(r.stderr.contains("training one on its rows"), r.stderr)
        XCTAssertTrue(r.stderr.contains("the fine-tuned rows are left out; `rag train encoder` trains one"), r.stderr)
        let json = try RAGBinary.run(["compare", "--csv", "test.csv", "--json"], in: dir)
        let table = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [[String: Any]]
        XCTAssertEqual(table.map { $0["method"] as! String }, ["knn", "zero-shot", "head", "blend"])
    }

    func testFinetuneExportOneChatPerRow() throws {
        for rag in [false, true] {
            let r = try RAGBinary.run(["finetune", "export", "--csv", "train.csv", "--out", "ft.jsonl"] + (rag ? ["--rag", "-k", "2"] : []), in: dir)
            XCTAssertEqual(r.status, 0, r.stderr)
            let examples = try lines("ft.jsonl")
            XCTAssertEqual(examples.count, 24)
            let messages = examples[0]["messages"] as! [[String: String]]
            XCTAssertEqual(messages.map { $0["role"]! }, ["system", "user", "assistant"])
            XCTAssertEqual(messages[2]["content"], "card_arrival")
            XCTAssertEqual(messages[1]["content"]!.contains("Retrieved documents:"), rag)
            if rag { XCTAssertFalse(messages[1]["content"]!.contains("] my card has not arrived yet 0\n"), "the row itself is left out") }
        }
    }

    func testBadInputs() throws {
        try "text,label_text\n".write(to: dir.appendingPathComponent("empty.csv"), atomically: true, encoding: .utf8)
        let empty = try RAGBinary.run(["classify", "--csv", "empty.csv"], in: dir)
        XCTAssertEqual(empty.status, 1)
        XCTAssertEqual(empty.stderr, "Error: empty.csv: the header is there but no data rows follow\n")

        try "text,label_text\nhello there,greeting\n".write(to: dir.appendingPathComponent("other.csv"), atomically: true, encoding: .utf8)
        let unknown = try RAGBinary.run(["compare", "--csv", "other.csv"], in: dir)
        XCTAssertEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("warning: 1 label(s) of other.csv are not in the index (e.g. greeting)"), unknown.stderr)

        try "Classify into {{labels}}".write(to: dir.appendingPathComponent("t.txt"), atomically: true, encoding: .utf8)
        let template = try RAGBinary.run(["prompt", "x", "--system-template", "t.txt"], in: dir)
        XCTAssertEqual(template.status, 1)
        XCTAssertEqual(template.stderr, "Error: t.txt:1: unknown placeholder {{labels}} (known: {{categories}}, {{documents}}, {{text}})\n")

        let noHead = try RAGBinary.run(["classify", "--csv", "test.csv", "--method", "head"], in: dir)
        XCTAssertEqual(noHead.status, 1)
        XCTAssertTrue(noHead.stderr.contains("run `rag train head --csv TRAIN.csv` first"), noHead.stderr)
    }
}
