// ClassifyCLITests: prompt, finetune, classify, evaluate and compare as a user runs them, bad inputs included.
import TestSupport
import XCTest
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

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

    func testCompareCurveTableJSONAndCSV() throws {
        let r = try RAGBinary.run(["compare", "--csv", "test.csv", "--curve", "2, all,12", "--curve-seeds", "2",
                                   "--curve-out", "curve.json", "--curve-csv", "curve.csv", "--curve-svg", "curve.svg",
                                   "--curve-html", "curve.html"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines[0], "| Technique | 2 per label | 12 per label | all rows |")
        XCTAssertEqual(lines[1], "|---|---|---|---|")
        XCTAssertEqual(lines[2...4].map { $0.split(separator: "|")[0].trimmingCharacters(in: .whitespaces) }, ["zero-shot", "knn", "head"])
        XCTAssertTrue(lines[3].contains(" ± "), "two seeds at 2 per label: a spread (\(lines[3]))")
        XCTAssertTrue(lines[6].hasPrefix("Accuracy on the evaluation rows, mean ± standard deviation over the seeds, and seconds per point. Cheapest within 1 point of the best: 2 per label: "), String(lines[6]))
        // 12 is above every label's 8 rows: capped and said, one draw as for all.
        XCTAssertTrue(r.stderr.contains("12 per label: 3 label(s) have fewer stored rows and give all they have (e.g. card_arrival: 8, exchange_rate: 8, pin_blocked: 8)\n"), r.stderr)
        XCTAssertTrue(r.stderr.contains("measured 12 points on 3 rows of test.csv in "), r.stderr)
        let points = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("curve.json"))) as! [[String: Any]]
        XCTAssertEqual(points.count, 12)
        XCTAssertEqual(points.map { $0["per_label"] as? Int }.compactMap { $0 }, Array(repeating: 2, count: 6) + Array(repeating: 12, count: 3))
        XCTAssertEqual(points.last?["per_label"] as? String, "all")
        XCTAssertEqual((points[8]["capped_labels"] as? [String: Int]), ["card_arrival": 8, "exchange_rate": 8, "pin_blocked": 8])
        XCTAssertEqual(points.filter { $0["per_label"] as? Int == 2 }.map { $0["rows"] as! Int }, Array(repeating: 6, count: 6))
        let csv = try String(contentsOf: dir.appendingPathComponent("curve.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 13)
        XCTAssertEqual(csv[0], "technique,per_label,seed,accuracy,macro_f1,seconds,rows,capped_labels")
        XCTAssertTrue(csv[12].hasPrefix("head,all,0,"), String(csv[12]))

        // The chart is well-formed XML with a line and a band per technique.
        let svg = try XMLDocument(contentsOf: dir.appendingPathComponent("curve.svg"))
        XCTAssertEqual(svg.rootElement()?.name, "svg")
        XCTAssertEqual(try svg.nodes(forXPath: "//*[local-name()='polyline']").count, 3)
        XCTAssertEqual(try svg.nodes(forXPath: "//*[local-name()='polygon']").count, 3)
        // Every band before every line (no band tints a line), and the lines after the first dashed, neighbours out of phase.
        let shapes = try svg.nodes(forXPath: "//*[local-name()='polygon' or local-name()='polyline']").map { $0.name ?? "" }
        XCTAssertEqual(shapes, ["polygon", "polygon", "polygon", "polyline", "polyline", "polyline"])
        let dashes = try String(contentsOf: dir.appendingPathComponent("curve.svg"), encoding: .utf8).split(separator: "\n")
            .filter { $0.hasPrefix("<polyline ") }
            .map { line in ["stroke-dasharray", "stroke-dashoffset"].map { name in
                line.firstRange(of: "\(name)=\"").map { String(line[$0.upperBound...].prefix { $0 != "\"" }) } ?? "-" }.joined(separator: "/") }
        XCTAssertEqual(dashes, ["-/-", "9 3/6", "8 4/0"])
        // The page holds the same chart, a row per technique with a cell per count, the sentence the table ends with, and the capped labels.
        let html = try String(contentsOf: dir.appendingPathComponent("curve.html"), encoding: .utf8)
        let chart = try String(contentsOf: dir.appendingPathComponent("curve.svg"), encoding: .utf8)
        XCTAssertTrue(chart.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg "))
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n"))
        XCTAssertTrue(html.contains(chart.drop { $0 != "\n" }.dropFirst()), "the page's chart is the SVG file's")
        XCTAssertNotNil(html.range(of: "<title>LocalRAG learning curve: [a-z0-9-]+ on test.csv</title>", options: .regularExpression), html)
        XCTAssertTrue(html.contains("<tr><th>technique</th><th>2 per label</th><th>12 per label</th><th>all rows</th></tr>"), html)
        for t in ["zero-shot", "knn", "head"] {
            XCTAssertEqual(html.components(separatedBy: "<tr><td class=\"label\">\(t)</td>").count, 2, t)
        }
        XCTAssertEqual(html.components(separatedBy: "<b>").count - 1, 9, "3 techniques x 3 counts")
        let sentence = String(lines[6].drop { $0 != "C" })
        XCTAssertTrue(html.contains("<p>\(sentence)</p>"), sentence)
        XCTAssertTrue(html.contains("<li>12 per label: 3 label(s) have fewer rows and gave all they have, e.g. card_arrival (8), exchange_rate (8), pin_blocked (8)</li>"), html)
        XCTAssertFalse(html.contains("<script"))
        for (value, message) in [("0", "Error: --curve: \"0\" is not a count of rows per label (a whole number from 1, or all), in \"0\""),
                                 ("2,-4", "Error: --curve: \"-4\" is not a count of rows per label (a whole number from 1, or all), in \"2,-4\""),
                                 ("two", "Error: --curve: \"two\" is not a count of rows per label (a whole number from 1, or all), in \"two\""),
                                 ("4,,8", "Error: --curve: \"\" is not a count of rows per label (a whole number from 1, or all), in \"4,,8\""),
                                 ("4,4", "Error: --curve: 4 is given twice in \"4,4\"")] {
            let bad = try RAGBinary.run(["compare", "--csv", "test.csv", "--curve", value], in: dir)
            XCTAssertEqual(bad.status, 64, value)
            XCTAssertTrue(bad.stderr.hasPrefix(message + "\n"), "\(value): \(bad.stderr)")
        }
        let seeds = try RAGBinary.run(["compare", "--csv", "test.csv", "--curve", "2", "--curve-seeds", "0"], in: dir)
        XCTAssertEqual(seeds.status, 64)
        XCTAssertTrue(seeds.stderr.hasPrefix("Error: --curve-seeds must be at least 1\n"), seeds.stderr)
        let method = try RAGBinary.run(["compare", "--csv", "test.csv", "--curve", "2", "--curve-methods", "knn,vote"], in: dir)
        XCTAssertEqual(method.status, 64)
        XCTAssertTrue(method.stderr.hasPrefix("Error: --curve-methods: \"vote\" is not a technique (zero-shot, knn, head, blend, finetuned, finetuned-blend)\n"), method.stderr)
        let hashing = try RAGBinary.run(["compare", "--csv", "test.csv", "--curve", "2", "--curve-methods", "finetuned"], in: dir)
        XCTAssertEqual(hashing.status, 1)
        XCTAssertEqual(hashing.stderr, "Error: a learning curve measures finetuned over an index folder built with a sentence encoder (it fine-tunes the encoder on the drawn rows' texts)\n")
        let alone = try RAGBinary.run(["compare", "--csv", "test.csv", "--curve-out", "c.json"], in: dir)
        XCTAssertEqual(alone.status, 64)
        XCTAssertTrue(alone.stderr.hasPrefix("Error: --curve-out, --curve-csv, --curve-svg, --curve-html, --curve-methods and --curve-seeds go with --curve\n"), alone.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("c.json").path))
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
