// IndexLifecycleCLITests: `rag index upsert | delete | compact` and `--id-column`, run as a user runs them: exact output, exit codes, bad input.
import TestSupport
import XCTest
import Foundation

final class IndexLifecycleCLITests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try SharedFixtures.temporaryFolder("localrag-lifecycle")
        try write("tickets.csv", """
        ticket,text,label_text
        T1,how do I activate my new card,activate_my_card
        T2,"my card has not arrived, it's been a week",card_arrival
        T3,what is the exchange rate for euros,exchange_rate
        T4,activate the card I just got,activate_my_card
        T5,when will my card be delivered,card_arrival

        """)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func rag(_ arguments: [String]) throws -> RAGBinary.Output {
        try RAGBinary.run(arguments + ["--embedder", "hashing"], in: dir)
    }

    /// The `id`s of `rag query --json`'s neighbours.
    func neighbourIDs(_ query: String, k: Int = 5, where filter: String? = nil) throws -> [String] {
        let r = try rag(["query", query, "-k", "\(k)", "--json", "--exact"] + (filter.map { ["--where", $0] } ?? []))
        XCTAssertEqual(r.status, 0, r.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        return (object["neighbours"] as! [[String: Any]]).map { $0["id"] as! String }
    }

    func testBuildUpsertDeleteCompact() throws {
        let build = try rag(["index", "build", "--csv", "tickets.csv", "--id-column", "ticket"])
        XCTAssertEqual(build.status, 0, build.stderr)
        XCTAssertEqual(Set(try neighbourIDs("card")), ["T1", "T2", "T3", "T4", "T5"])
        XCTAssertEqual(try rag(["train", "head", "--lambda", "0.1"]).status, 0)

        // A corrected label and a new row: one replaced, one added, the head marked stale.
        try write("fix.csv", "ticket,text,label_text\nT3,what is the exchange rate for euros,currency\nT6,I want to close my account,close_account\n")
        let upsert = try rag(["index", "upsert", "--csv", "fix.csv", "--id-column", "ticket"])
        XCTAssertEqual(upsert.status, 0, upsert.stderr)
        XCTAssertTrue(upsert.stdout.hasPrefix("upserted 2 rows from fix.csv into index: 1 replaced, 1 added (now 6 rows) in "), upsert.stdout)
        XCTAssertEqual(upsert.stderr, "note: the stored head was trained before these rows changed; it is retrained on its next use (or run `rag train head`)\n")
        let euros = try rag(["query", "exchange rate for euros", "-k", "6", "--json", "--exact"])
        XCTAssertEqual(euros.stdout.components(separatedBy: "\"id\":\"T3\"").count, 2, "one row for T3: \(euros.stdout)")
        XCTAssertTrue(euros.stdout.contains("\"label\":\"currency\""))
        XCTAssertFalse(euros.stdout.contains("\"label\":\"exchange_rate\""), "the old version is gone")

        // The same id added again is refused, naming the id and the way to replace it; nothing written.
        let again = try rag(["index", "add", "--csv", "fix.csv", "--id-column", "ticket"])
        XCTAssertEqual(again.status, 1)
        XCTAssertEqual(again.stderr, "Error: id \"T3\" is already in the index (row 5); `rag index upsert` replaces rows by id, `rag index delete --id ID` removes one\n")

        // The stale head is retrained before classify uses it, said on stderr.
        try write("q.csv", "text,label_text\nexchange rate please,currency\n")
        let classify = try rag(["classify", "--csv", "q.csv", "--method", "head", "--out", "p.jsonl"])
        XCTAssertEqual(classify.status, 0, classify.stderr)
        XCTAssertTrue(classify.stderr.hasPrefix("note: rows were deleted or replaced after the stored head was trained; retraining it on the rows stored now\nretrained the head on 6 rows (4 labels, λ 0.1) in "), classify.stderr)

        // Delete by --id and --ids-file; an unknown id is a note, not a failure.
        try write("gone.txt", "T5\n\nmissing-id\n")
        let delete = try rag(["index", "delete", "--id", "T1", "--ids-file", "gone.txt", "--compact-above", "0.9"])
        XCTAssertEqual(delete.status, 0, delete.stderr)
        XCTAssertEqual(delete.stdout, "deleted 2 rows from index (now 4 rows)\n")
        XCTAssertEqual(delete.stderr, "note: 1 id is not in the index: \"missing-id\"\n"
                       + "note: the stored head was trained before these rows changed; it is retrained on its next use (or run `rag train head`)\n")
        XCTAssertEqual(Set(try neighbourIDs("card", k: 10)), ["T2", "T3", "T4", "T6"])
        let info = try JSONSerialization.jsonObject(with: Data(try RAGBinary.run(["index", "info", "--json"], in: dir).stdout.utf8)) as! [String: Any]
        XCTAssertEqual(info["count"] as? Int, 7)
        XCTAssertEqual(info["deleted"] as? Int, 3)

        // Compaction: the deleted rows' bytes go, the answers stay.
        let compact = try rag(["index", "compact"])
        XCTAssertEqual(compact.status, 0, compact.stderr)
        let parts = compact.stdout.split(separator: " ")
        XCTAssertTrue(compact.stdout.hasPrefix("compacted index: 7 rows stored -> 4, "), compact.stdout)
        let before = Int(parts[7])!, after = Int(parts[10])!
        XCTAssertLessThan(after, before, compact.stdout)
        XCTAssertEqual(Set(try neighbourIDs("card", k: 10)), ["T2", "T3", "T4", "T6"])
        XCTAssertEqual(try RAGBinary.run(["index", "verify"], in: dir).status, 0)
    }

    func testDeletingPastTheThresholdCompacts() throws {
        XCTAssertEqual(try rag(["index", "build", "--csv", "tickets.csv", "--id-column", "ticket"]).status, 0)
        let delete = try rag(["index", "delete", "--id", "T1", "--id", "T2"])
        XCTAssertEqual(delete.status, 0, delete.stderr)
        XCTAssertTrue(delete.stdout.hasPrefix("deleted 2 rows from index (now 3 rows)\ncompacted: 5 rows stored -> 3, "), delete.stdout)
        let info = try JSONSerialization.jsonObject(with: Data(try RAGBinary.run(["index", "info", "--json"], in: dir).stdout.utf8)) as! [String: Any]
        XCTAssertEqual(info["count"] as? Int, 3)
        XCTAssertNil(info["deleted"])
    }

    func testDerivedIDsAndBadIDColumns() throws {
        try write("plain.csv", "text,label_text\nhow do I activate my new card,activate_my_card\nwhat is the exchange rate,exchange_rate\n")
        XCTAssertEqual(try rag(["index", "build", "--csv", "plain.csv"]).status, 0)
        XCTAssertEqual(Set(try neighbourIDs("card")), ["plain.csv:0", "plain.csv:1"])
        let twice = try rag(["index", "add", "--csv", "plain.csv"])
        XCTAssertEqual(twice.status, 1)
        XCTAssertTrue(twice.stderr.hasPrefix("Error: id \"plain.csv:0\" is already in the index (row 0); "), twice.stderr)

        try write("dup.csv", "id,text,label_text\na,one,x\nb,two,y\na,three,z\n")
        let dup = try rag(["index", "build", "--csv", "dup.csv", "--id-column", "id", "--index", "other"])
        XCTAssertEqual(dup.status, 1)
        XCTAssertEqual(dup.stderr, "Error: dup.csv:4: id \"a\" appears again (first on line 2); ids must be unique\n")
        try write("empty.csv", "id,text,label_text\na,one,x\n,two,y\n")
        let empty = try rag(["index", "build", "--csv", "empty.csv", "--id-column", "id", "--index", "other"])
        XCTAssertEqual(empty.status, 1)
        XCTAssertEqual(empty.stderr, "Error: empty.csv:3: the \"id\" field is empty\n")
        let missing = try rag(["index", "upsert", "--csv", "plain.csv", "--id-column", "ticket"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "Error: plain.csv:1: no column named \"ticket\" (columns: \"text\", \"label_text\"); choose one with --text-column / --label-column / --id-column\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("other").path), "nothing written")
        let none = try rag(["index", "delete"])
        XCTAssertEqual(none.status, 64)
        XCTAssertTrue(none.stderr.hasPrefix("Error: give the rows to delete with --id ID, --ids-file FILE or --where EXPR\n"), none.stderr)
    }
}

extension IndexLifecycleCLITests {
    func testMetadataColumnsAndWhere() throws {
        try write("meta.csv", """
        ticket,text,label_text,src,bucket
        T1,how do I activate my new card,activate_my_card,web,1
        T2,"my card has not arrived, it's been a week",card_arrival,app,2
        T3,what is the exchange rate for euros,exchange_rate,web,
        T4,activate the card I just got,activate_my_card,app,4

        """)
        let build = try rag(["index", "build", "--csv", "meta.csv", "--id-column", "ticket", "--metadata-columns", "src,bucket"])
        XCTAssertEqual(build.status, 0, build.stderr)
        let query = try rag(["query", "card", "--json", "-k", "5", "--where", #"bucket < 3 and src = "web""#])
        XCTAssertEqual(query.status, 0, query.stderr)
        XCTAssertTrue(query.stdout.contains(#""id":"T1","label":"activate_my_card","metadata":{"bucket":1,"src":"web"}"#), query.stdout)
        XCTAssertEqual(try neighbourIDs("card", k: 5, where: "bucket is null or src = \"app\"").sorted(), ["T2", "T3", "T4"])

        // Bad filters and values: the error names what is wrong; exit 1.
        let unknown = try rag(["query", "card", "--where", "lang = \"de\""])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertEqual(unknown.stderr, "Error: the filter names \"lang\", which is not a field (fields: \"bucket\", \"id\", \"label\", \"src\")\n")
        let mistyped = try rag(["query", "card", "--where", "bucket = \"x\""])
        XCTAssertEqual(mistyped.stderr, "Error: the filter compares bucket (integer) with the string \"x\"\n")
        let unparsable = try rag(["query", "card", "--where", "bucket <"])
        XCTAssertEqual(unparsable.stderr, "Error: cannot read the filter \"bucket <\": expected a value (a \"string\", a number, true or false) at character 9\n")
        try write("bad.csv", "ticket,text,label_text,bucket\nT9,x,y,many\n")
        let bad = try rag(["index", "add", "--csv", "bad.csv", "--id-column", "ticket", "--metadata-columns", "bucket:integer"])
        XCTAssertEqual(bad.stderr, "Error: bad.csv:2: the \"bucket\" field \"many\" is not an integer\n")
        let float = try rag(["index", "add", "--csv", "bad.csv", "--id-column", "ticket", "--metadata-columns", "bucket:float"])
        XCTAssertEqual(float.stderr, "Error: bad.csv:2: the \"bucket\" field \"many\" is not a float\n")
        try write("float.csv", "ticket,text,label_text,bucket\nT9,x,y,2.5\n")
        let widened = try rag(["index", "add", "--csv", "float.csv", "--id-column", "ticket", "--metadata-columns", "bucket"])
        XCTAssertEqual(widened.status, 1)
        XCTAssertTrue(widened.stderr.hasPrefix("Error: metadata column \"bucket\" holds integer values in the index; these rows give it float values"), widened.stderr)
        let reserved = try rag(["index", "add", "--csv", "float.csv", "--metadata-columns", "label"])
        XCTAssertEqual(reserved.status, 64)
        XCTAssertTrue(reserved.stderr.hasPrefix("Error: --metadata-columns: \"label\" is a row's own field"), reserved.stderr)

        // Delete by filter: the matching rows go, and a new column arrives with an upsert.
        let delete = try rag(["index", "delete", "--where", "src = \"app\"", "--compact-above", "1"])
        XCTAssertEqual(delete.stdout, "deleted 2 rows from index (now 2 rows)\n", delete.stderr)
        try write("more.csv", "ticket,text,label_text,lang\nT5,my pin is blocked,pin_blocked,en\n")
        XCTAssertEqual(try rag(["index", "upsert", "--csv", "more.csv", "--id-column", "ticket", "--metadata-columns", "lang"]).status, 0)
        XCTAssertEqual(try neighbourIDs("pin", k: 5, where: "lang = \"en\""), ["T5"])
        XCTAssertEqual(try neighbourIDs("card", k: 5, where: "lang is null").sorted(), ["T1", "T3"])
    }

    /// `--where` on classify and compare: the same answers as an index built from only the rows it keeps.
    func testClassifyAndCompareWhereEqualAnIndexOfTheMatchingRows() throws {
        let rows = [("how do I activate my new card", "activate_my_card", "web"), ("my card has not arrived", "card_arrival", "app"),
                    ("what is the exchange rate for euros", "exchange_rate", "web"), ("activate the card I just got", "activate_my_card", "app"),
                    ("when will my card be delivered", "card_arrival", "web"), ("my pin is blocked", "pin_blocked", "app"),
                    ("I forgot my pin", "pin_blocked", "web"), ("euro to dollar rate today", "exchange_rate", "app")]
        func csv(_ keep: (String) -> Bool, metadata: Bool) -> String {
            "text,label_text\(metadata ? ",src" : "")\n" + rows.filter { keep($0.2) }.map { "\($0.0),\($0.1)\(metadata ? ",\($0.2)" : "")\n" }.joined()
        }
        try write("all.csv", csv({ _ in true }, metadata: true))
        try write("web.csv", csv({ $0 == "web" }, metadata: false))
        try write("test.csv", "text,label_text\nactivate card,activate_my_card\ncard delivery,card_arrival\npin blocked,pin_blocked\nexchange rate,exchange_rate\n")
        XCTAssertEqual(try rag(["index", "build", "--csv", "all.csv", "--metadata-columns", "src"]).status, 0)
        XCTAssertEqual(try rag(["index", "build", "--csv", "web.csv", "--index", "web"]).status, 0)
        let web = #"src = "web""#
        for method in ["knn", "zero-shot", "head", "blend"] {
            let filtered = try rag(["classify", "--csv", "test.csv", "--method", method, "-k", "3", "--where", web])
            // The web index has no stored head: compare trains one as --where does; classify needs one stored.
            if method == "head" || method == "blend" {
                XCTAssertEqual(try rag(["train", "head", "--index", "web", "--lambda", "0.02"]).status, 0)
            }
            let reference = try rag(["classify", "--csv", "test.csv", "--method", method, "-k", "3", "--index", "web"])
            XCTAssertEqual(filtered.status, 0, filtered.stderr)
            func predictions(_ jsonl: String) throws -> [NSDictionary] {
                try jsonl.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! NSDictionary }
            }
            XCTAssertEqual(try predictions(filtered.stdout), try predictions(reference.stdout), method)
            XCTAssertEqual(try predictions(filtered.stdout).count, 4)
        }
        let compared = try rag(["compare", "--csv", "test.csv", "-k", "3", "--json", "--where", web])
        XCTAssertEqual(compared.status, 0, compared.stderr)
        XCTAssertTrue(compared.stderr.contains("--where keeps 4 stored rows: the neighbours, the labels and a head trained on them for this table\n"), compared.stderr)
        let reference = try rag(["compare", "--csv", "test.csv", "-k", "3", "--json", "--index", "web"])
        func table(_ json: String) throws -> [[String: Double]] {
            let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
            return rows.map { $0.compactMapValues { $0 as? Double } }
        }
        XCTAssertEqual(try table(compared.stdout), try table(reference.stdout))
        XCTAssertEqual(try table(compared.stdout).count, 4)

        let none = try rag(["classify", "--csv", "test.csv", "--where", #"src = "fax""#])
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.hasSuffix("Error: no labelled row of index matches the filter: there is nothing to classify with (`rag query --where` shows what it matches)\n"), none.stderr)
        let unknown = try rag(["compare", "--csv", "test.csv", "--where", "lang = 1"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.hasSuffix("Error: the filter names \"lang\", which is not a field (fields: \"id\", \"label\", \"src\")\n"), unknown.stderr)
    }

    /// `rag index tune --retrain` trains the IVF centroids anew on the live rows (deleted ones left
    /// out of its sample), then tunes; `rag index info` shows the lists' imbalance.
    func testTuneRetrainsTheIVFCentroidsOnTheLiveRows() throws {
        _ = try SharedFixtures.trainCSV(rows: 600, in: dir)
        XCTAssertEqual(try rag(["index", "build", "--csv", "train.csv", "--kind", "ivf", "--nlist", "8"]).status, 0)
        XCTAssertEqual(try rag(["index", "delete", "--id", "train.csv:0", "--id", "train.csv:1"]).status, 0)
        let info = try RAGBinary.run(["index", "info"], in: dir)
        XCTAssertTrue(info.stdout.contains("\nivf       8 lists, imbalance "), info.stdout)
        let tune = try rag(["index", "tune", "--retrain"])
        XCTAssertEqual(tune.status, 0, tune.stderr)
        XCTAssertTrue(tune.stdout.hasPrefix("trained the IVF centroids anew on 598 live rows in "), tune.stdout)
        XCTAssertTrue(tune.stdout.contains("(598 stored rows, leave-one-out"), "the sample is of live rows: \(tune.stdout)")
        XCTAssertTrue(tune.stdout.contains("\nstored nprobe "), tune.stdout)
        let after = try RAGBinary.run(["index", "info", "--json"], in: dir)
        let manifest = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [String: Any])
        // Generation 3 retrained (2 was the delete), 4 stored the tuned nprobe.
        XCTAssertEqual(manifest["generation"] as? Int, 4)
        XCTAssertEqual((manifest["settings"] as? [String: String])?["ivf.trained.generation"], "3")
        XCTAssertEqual(manifest["count"] as? Int, 598, "compacted: the deleted rows are gone")
    }

    /// `--vectors int8`: the codes are built, named by `index info`, searched with `--rescore`,
    /// carried by an add, trained anew by compaction, verified; what it cannot do is refused by name.
    func testInt8CodesAreBuiltSearchedCarriedAndRetrained() throws {
        _ = try SharedFixtures.trainCSV(rows: 600, in: dir)
        let build = try rag(["index", "build", "--csv", "train.csv", "--vectors", "int8"])
        XCTAssertEqual(build.status, 0, build.stderr)
        XCTAssertTrue(build.stdout.hasSuffix("\nint8: 384 bytes a row scanned (the float32 rows kept for the exact rescoring); k x 4 candidates\n"), build.stdout)
        let info = try RAGBinary.run(["index", "info"], in: dir)
        XCTAssertTrue(info.stdout.contains("\ncodes     int8, 384 bytes a row beside the float32 rows' 1536; k x 4 candidates rescored exactly (`rag query --rescore` to change)\n"), info.stdout)
        let manifest = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try RAGBinary.run(["index", "info", "--json"], in: dir).stdout.utf8)) as? [String: Any])
        XCTAssertEqual(manifest["kinds"] as? [String], ["flat", "int8"])

        /// The rows of `rag query --json`.
        func rows(_ extra: [String]) throws -> [Int] {
            let r = try rag(["query", "card", "-k", "5", "--json"] + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            return (object["neighbours"] as! [[String: Any]]).map { $0["row"] as! Int }
        }
        XCTAssertEqual(try rows(["--rescore", "200"]), try rows(["--exact"]), "every row a candidate: the exact rows")
        XCTAssertEqual(try rows([]).count, 5)
        let zero = try rag(["query", "card", "--rescore", "0"])
        XCTAssertEqual(zero.status, 64)
        XCTAssertTrue(zero.stderr.hasPrefix("Error: --rescore must be at least 1\n"), zero.stderr)
        let ignored = try rag(["query", "card", "--rescore", "2", "--exact"])
        XCTAssertEqual(ignored.stderr, "note: --rescore is ignored: --exact searches every row\n")

        XCTAssertEqual(try rag(["index", "delete", "--id", "train.csv:0", "--id", "train.csv:1"]).status, 0)
        try write("more.csv", "text,label_text\nmy card is lost,lost_or_stolen_card\nsomeone stole my card,lost_or_stolen_card\n")
        let add = try rag(["index", "add", "--csv", "more.csv"])
        XCTAssertEqual(add.status, 0, add.stderr)
        XCTAssertEqual(try rows(["--rescore", "200"]), try rows(["--exact"]))
        XCTAssertEqual(try rag(["index", "compact"]).status, 0)
        let compacted = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try RAGBinary.run(["index", "info", "--json"], in: dir).stdout.utf8)) as? [String: Any])
        XCTAssertEqual((compacted["settings"] as? [String: String])?["int8.trained-rows"], "600", "598 live rows and the 2 added")
        XCTAssertEqual((compacted["segments"] as? [Any])?.count, 1)
        XCTAssertEqual(try rows(["--rescore", "200"]), try rows(["--exact"]))
        let verify = try RAGBinary.run(["index", "verify"], in: dir)
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        let tune = try rag(["index", "tune", "--target-recall", "0.99", "--sample", "100"])
        XCTAssertEqual(tune.status, 0, tune.stderr)
        XCTAssertTrue(tune.stdout.hasPrefix("rescore  recall@10   queries/s   (100 stored rows, leave-one-out, int8 codes)\n"), tune.stdout)
        XCTAssertEqual(tune.stdout.components(separatedBy: "  <- chosen\n").count, 2, tune.stdout)
        let stored = try XCTUnwrap(tune.stdout.split(separator: "\n").last.flatMap { $0.hasPrefix("stored rescore ") ? $0 : nil }, tune.stdout)
        let tuned = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try RAGBinary.run(["index", "info", "--json"], in: dir).stdout.utf8)) as? [String: Any])
        let settings = try XCTUnwrap(tuned["settings"] as? [String: String])
        XCTAssertEqual(settings["int8.tune.target"], "0.99")
        XCTAssertEqual(settings["int8.tune.sample"], "100")
        XCTAssertTrue(stored.hasPrefix("stored rescore \(settings["int8.rescore"]!) (recall@10 "), String(stored))

        // With --kind ivf the lists carry codes too: --nprobe and --rescore both apply, tune measures the codes' search.
        let ivf = try rag(["index", "build", "--csv", "train.csv", "--vectors", "int8", "--kind", "ivf", "--nlist", "8", "--index", "lists"])
        XCTAssertEqual(ivf.status, 0, ivf.stderr)
        let listsInfo = try RAGBinary.run(["index", "info", "--index", "lists"], in: dir)
        XCTAssertTrue(listsInfo.stdout.contains("\ncodes     int8, 384 bytes a row beside the float32 rows' 1536 (and beside the IVF lists' vectors, "
                                                + "scanned by IVF search); k x 4 candidates rescored exactly (`rag query --rescore` to change)\n"), listsInfo.stdout)
        XCTAssertEqual(try rows(["--rescore", "200", "--nprobe", "8", "--index", "lists"]), try rows(["--exact", "--index", "lists"]))
        XCTAssertEqual(try rows(["--nprobe", "2", "--index", "lists"]).count, 5)
        XCTAssertEqual(try RAGBinary.run(["index", "verify", "--index", "lists"], in: dir).status, 0)
        // nprobe and rescore tuned together, both stored.
        let listsTune = try rag(["index", "tune", "--index", "lists", "--sample", "50"])
        XCTAssertEqual(listsTune.status, 0, listsTune.stderr)
        XCTAssertTrue(listsTune.stdout.hasPrefix("nprobe  rescore  recall@10   queries/s   (50 stored rows, leave-one-out, 8 lists, int8 codes)\n"),
                      listsTune.stdout)
        XCTAssertEqual(listsTune.stdout.components(separatedBy: "  <- chosen\n").count, 2, listsTune.stdout)
        let pair = try XCTUnwrap(listsTune.stdout.split(separator: "\n").last.flatMap { $0.hasPrefix("stored nprobe ") ? $0 : nil }, listsTune.stdout)
        let listsSettings = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(try RAGBinary.run(["index", "info", "--json", "--index", "lists"],
                                                                                                       in: dir).stdout.utf8)) as? [String: Any])?["settings"] as? [String: String])
        XCTAssertTrue(pair.hasPrefix("stored nprobe \(listsSettings["ivf.nprobe"]!) and rescore \(listsSettings["int8.rescore"]!) (recall@10 "), String(pair))
        XCTAssertEqual(listsSettings["ivf.tune.recall"], listsSettings["int8.tune.recall"])

        // 16-bit float codes: two bytes a dimension, searched and verified the same way.
        for encoding in ["f16", "bf16"] {
            let half = try rag(["index", "build", "--csv", "train.csv", "--vectors", encoding, "--index", encoding])
            XCTAssertEqual(half.status, 0, half.stderr)
            XCTAssertTrue(half.stdout.hasSuffix("\n\(encoding): 768 bytes a row scanned (the float32 rows kept for the exact rescoring); k x 4 candidates\n"),
                          half.stdout)
            let halfInfo = try RAGBinary.run(["index", "info", "--index", encoding], in: dir)
            XCTAssertTrue(halfInfo.stdout.contains("\ncodes     \(encoding), 768 bytes a row beside the float32 rows' 1536; k x 4 candidates rescored exactly"),
                          halfInfo.stdout)
            XCTAssertEqual(try rows(["--rescore", "200", "--index", encoding]), try rows(["--exact", "--index", encoding]))
            XCTAssertEqual(try RAGBinary.run(["index", "verify", "--index", encoding], in: dir).status, 0)
        }
        // Refused by name, before anything is embedded.
        let unknown = try rag(["index", "build", "--csv", "train.csv", "--vectors", "f8", "--index", "other"])
        XCTAssertEqual(unknown.status, 64)
        XCTAssertTrue(unknown.stderr.contains("'f8'"), unknown.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("other").path))

        // An index without codes: --rescore is noted and ignored.
        XCTAssertEqual(try rag(["index", "build", "--csv", "train.csv", "--index", "plain"]).status, 0)
        let plain = try rag(["query", "card", "--rescore", "2", "--index", "plain"])
        XCTAssertEqual(plain.status, 0)
        XCTAssertEqual(plain.stderr, "note: --rescore is ignored: this index has no codes (--vectors int8, f16 or bf16 builds them)\n")
    }
}
