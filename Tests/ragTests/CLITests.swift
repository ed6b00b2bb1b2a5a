// CLITests: the `rag` binary's output and exit codes, run as a user runs it (hashing embedder: no model needed).
import TestSupport
import XCTest
import Foundation

final class CLITests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("localrag-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try """
        text,label_text
        how do I activate my new card,activate_my_card
        "my card has not arrived, it's been a week",card_arrival
        what is the exchange rate for euros,exchange_rate
        activate the card I just got,activate_my_card

        """.write(to: dir.appendingPathComponent("train.csv"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func testHelpListsSubcommands() throws {
        let r = try RAGBinary.run(["--help"])
        XCTAssertEqual(r.status, 0)
        for word in ["index", "query", "embed"] { XCTAssertTrue(r.stdout.contains(word), word) }
        XCTAssertEqual(try RAGBinary.run(["index", "--help"]).status, 0)
    }

    func buildIndex() throws -> RAGBinary.Output {
        try RAGBinary.run(["index", "build", "--csv", "train.csv", "--embedder", "hashing"], in: dir)
    }

    func testBuildInfoQueryVerify() throws {
        let build = try buildIndex()
        XCTAssertEqual(build.status, 0, build.stderr)
        XCTAssertTrue(build.stdout.hasPrefix("indexed 4 rows (3 labels) from train.csv into index in "), build.stdout)
        XCTAssertTrue(build.stdout.hasSuffix("s with hashing:v1:d=384\n"), build.stdout)
        XCTAssertEqual(build.stderr, "", "no progress output when stderr is not a terminal")

        let info = try RAGBinary.run(["index", "info", "--json"], in: dir)
        XCTAssertEqual(info.status, 0)
        let manifest = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(manifest["count"] as? Int, 4)
        XCTAssertEqual(manifest["dimension"] as? Int, 384)
        XCTAssertEqual(manifest["kinds"] as? [String], ["flat"])

        let query = try RAGBinary.run(["query", "how do I activate my new card", "-k", "2", "--json"], in: dir)
        XCTAssertEqual(query.status, 0, query.stderr)
        let q = try JSONSerialization.jsonObject(with: Data(query.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(q["query"] as? String, "how do I activate my new card")
        let neighbours = q["neighbours"] as! [[String: Any]]
        XCTAssertEqual(neighbours.count, 2)
        XCTAssertEqual(neighbours[0]["row"] as? Int, 0)
        XCTAssertEqual(neighbours[0]["label"] as? String, "activate_my_card")
        XCTAssertEqual(neighbours[0]["score"] as! Double, 1, accuracy: 1e-5)
        XCTAssertEqual(Array(q.keys).sorted(), ["neighbours", "query"])

        let table = try RAGBinary.run(["query", "card arrived", "-k", "3"], in: dir)
        XCTAssertEqual(table.status, 0)
        let lines = table.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        XCTAssertTrue(lines[0].hasPrefix("rank  score   label"), String(lines[0]))
        XCTAssertTrue(lines[1].hasPrefix("   1  0."), String(lines[1]))

        let verify = try RAGBinary.run(["index", "verify"], in: dir)
        XCTAssertEqual(verify.status, 0)
        XCTAssertTrue(verify.stdout.hasSuffix("verified 5 files in index\n"), verify.stdout)
    }

    func testBatchQueryWritesOneLinePerRowInOrder() throws {
        XCTAssertEqual(try buildIndex().status, 0)
        let r = try RAGBinary.run(["query", "--csv", "train.csv", "-k", "1", "--out", "n.jsonl"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "wrote 4 rows to n.jsonl\n")
        let lines = try String(contentsOf: dir.appendingPathComponent("n.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        for (i, line) in lines.enumerated() {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            XCTAssertEqual(obj["row"] as? Int, i)
            XCTAssertEqual(((obj["neighbours"] as! [[String: Any]])[0]["row"] as? Int), i, "each row finds itself")
        }
        let excluded = try RAGBinary.run(["query", "--csv", "train.csv", "-k", "1", "--exclude-self"], in: dir)
        XCTAssertFalse(excluded.stdout.split(separator: "\n").enumerated().contains { i, line in
            line.contains("\"neighbours\":[{\"row\":\(i),")
        })
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent(".n.jsonl.tmp").path))
    }

    func testDamagedIndexFailsVerifyWithStatus1() throws {
        XCTAssertEqual(try buildIndex().status, 0)
        let folder = dir.appendingPathComponent("index")
        let vectors = try FileManager.default.contentsOfDirectory(atPath: folder.path).first { $0.hasPrefix("vectors.") }!
        let url = folder.appendingPathComponent(vectors)
        var data = try Data(contentsOf: url)
        data[100] ^= 1
        try data.write(to: url)
        let r = try RAGBinary.run(["index", "verify"], in: dir)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("FAILED  \(vectors): index file \(vectors) does not match its checksum"), r.stdout)
        XCTAssertTrue(r.stderr.contains("rebuild it with `rag index build --csv FILE`"), r.stderr)
    }

    func testBadCSVNamesFileAndLineAndWritesNoIndex() throws {
        try "text,label_text\nok,a\n\"broken,b\n".write(to: dir.appendingPathComponent("bad.csv"), atomically: true, encoding: .utf8)
        let r = try RAGBinary.run(["index", "build", "--csv", "bad.csv", "--embedder", "hashing", "--index", "idx"], in: dir)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "Error: bad.csv:3: a quoted field is never closed (unterminated quote)\n")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("idx").path)) ?? []
        XCTAssertFalse(left.contains("manifest.json"))
        XCTAssertTrue(left.filter { !$0.hasPrefix(".") }.isEmpty, "no index files left behind: \(left)")
    }

    func testFailedRebuildKeepsOldIndex() throws {
        XCTAssertEqual(try buildIndex().status, 0)
        try "text,label_text\nok,a\nragged\n".write(to: dir.appendingPathComponent("bad.csv"), atomically: true, encoding: .utf8)
        let r = try RAGBinary.run(["index", "build", "--csv", "bad.csv", "--embedder", "hashing"], in: dir)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "Error: bad.csv:3: 1 fields, the header has 2\n")
        XCTAssertEqual(try RAGBinary.run(["index", "verify"], in: dir).status, 0)
        XCTAssertTrue(try RAGBinary.run(["query", "card", "--json"], in: dir).stdout.contains("\"row\":"))
    }

    func testMissingIndexAndUsageErrors() throws {
        let r = try RAGBinary.run(["query", "hello", "--index", "nowhere"], in: dir)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("no index at nowhere: build one with `rag index build --csv FILE`"), r.stderr)
        let usage = try RAGBinary.run(["query"], in: dir)
        XCTAssertEqual(usage.status, 64)
        XCTAssertTrue(usage.stderr.contains("give either a TEXT or --csv FILE"), usage.stderr)
        XCTAssertEqual(try RAGBinary.run(["query", "x", "-k", "0"], in: dir).status, 64)
    }

    func testEmbedFormats() throws {
        let one = try RAGBinary.run(["embed", "hello world", "--json", "--embedder", "hashing"], in: dir)
        XCTAssertEqual(one.status, 0)
        let v = try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as! [Double]
        XCTAssertEqual(v.count, 384)
        XCTAssertEqual(v.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-5)
        for (name, bytes) in [("e.f32", 4 * 384 * 4), ("e.npy", 128 + 4 * 384 * 4)] {
            let r = try RAGBinary.run(["embed", "--csv", "train.csv", "--out", name, "--embedder", "hashing"], in: dir)
            XCTAssertEqual(r.status, 0, r.stderr)
            let size = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(name).path)[.size] as! Int
            XCTAssertEqual(size, bytes, name)
        }
        let jsonl = try RAGBinary.run(["embed", "--csv", "train.csv", "--out", "e.jsonl", "--embedder", "hashing"], in: dir)
        XCTAssertEqual(jsonl.status, 0)
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("e.jsonl"), encoding: .utf8).split(separator: "\n").count, 4)
    }
}
