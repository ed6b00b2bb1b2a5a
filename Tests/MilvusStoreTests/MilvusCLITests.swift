// MilvusCLITests: `rag … --store milvus://` as a user runs it against a real Milvus Lite: exact output and exit codes, a server killed mid-load then --resume, a dead server's error.
import Foundation
import XCTest
import TestSupport
import RAG
import MilvusStore

final class MilvusCLITests: XCTestCase {
    /// A folder with the first `count` rows of data/train.csv repeated `copies` times as train.csv.
    func folder(rows count: Int, copies: Int = 1) throws -> URL {
        let dir = try SharedFixtures.temporaryFolder("milvus-cli")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        _ = try SharedFixtures.trainCSV(rows: count, copies: copies, in: dir)
        return dir
    }

    func testBuildQueryInfoVerifyAddAndRefusals() throws {
        let milvus = try MilvusLite(self)
        let dir = try folder(rows: 300)
        let store = milvus.address("cli")
        let build = try RAGBinary.run(["index", "build", "--csv", "train.csv", "--embedder", "hashing", "--store", store], in: dir)
        XCTAssertEqual(build.status, 0, build.stderr)
        XCTAssertTrue(build.stdout.hasPrefix("indexed 300 rows ("), build.stdout)
        XCTAssertTrue(build.stdout.contains("labels) from train.csv into \(store) in "), build.stdout)
        XCTAssertTrue(build.stdout.contains("\ntime: embedding "), build.stdout)

        let again = try RAGBinary.run(["index", "build", "--csv", "train.csv", "--embedder", "hashing", "--store", store], in: dir)
        XCTAssertEqual(again.status, 1)
        XCTAssertEqual(again.stderr, "Error: the collection at \(store) already exists (300 rows); pass --resume to continue the build it holds, or choose another collection name\n")

        let info = try RAGBinary.run(["index", "info", "--store", store], in: dir)
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertTrue(info.stdout.hasPrefix("store     \(store) (Milvus collection, LocalRAG format 1)\nstate     committed\nembedder  hashing:v1:d=384\nvectors   300 x 384, metric COSINE\n"), info.stdout)
        let json = try RAGBinary.run(["index", "info", "--json", "--store", store], in: dir)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: String]
        XCTAssertEqual(object?["index"], "FLAT {}")

        let verify = try RAGBinary.run(["index", "verify", "--store", store], in: dir)
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        XCTAssertEqual(verify.stdout.split(separator: "\n").last, "verified 6 checks in \(store)")

        // The same neighbours as a local index of the same rows.
        XCTAssertEqual(try RAGBinary.run(["index", "build", "--csv", "train.csv", "--embedder", "hashing"], in: dir).status, 0)
        let local = try RAGBinary.run(["query", "my card has not arrived yet", "-k", "5", "--json"], in: dir)
        let remote = try RAGBinary.run(["query", "my card has not arrived yet", "-k", "5", "--json", "--store", store], in: dir)
        XCTAssertEqual(remote.status, 0, remote.stderr)
        let rows = { (s: String) in ((try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any])?["neighbours"] as? [[String: Any]])?.map { $0["row"] as! Int } }
        XCTAssertEqual(rows(local.stdout), rows(remote.stdout))
        XCTAssertNotNil(rows(remote.stdout))

        let classify = try RAGBinary.run(["classify", "--csv", "train.csv", "--method", "knn", "--exclude-self", "--limit", "50", "--store", store], in: dir)
        XCTAssertEqual(classify.status, 0, classify.stderr)
        XCTAssertEqual(classify.stdout.split(separator: "\n").count, 50)

        // The same CSV again: its derived ids are stored, so nothing is added; under another name it is.
        let twice = try RAGBinary.run(["index", "add", "--csv", "train.csv", "--store", store], in: dir)
        XCTAssertEqual(twice.status, 1)
        XCTAssertTrue(twice.stderr.hasPrefix("Error: id \"train.csv:0\" is already in the index (row 0); "), twice.stderr)
        try FileManager.default.copyItem(at: dir.appendingPathComponent("train.csv"), to: dir.appendingPathComponent("more.csv"))
        let add = try RAGBinary.run(["index", "add", "--csv", "more.csv", "--store", store], in: dir)
        XCTAssertEqual(add.status, 0, add.stderr)
        XCTAssertTrue(add.stdout.hasPrefix("added 300 rows from more.csv to \(store) (now 600 rows) in "), add.stdout)
        XCTAssertEqual(try RAGBinary.run(["index", "verify", "--store", store], in: dir).status, 0)

        // An HNSW collection of the same rows: the stored text's own row first, at --ef 16 and by default.
        let hnsw = milvus.address("cli_hnsw")
        XCTAssertEqual(try RAGBinary.run(["index", "build", "--csv", "train.csv", "--embedder", "hashing", "--kind", "hnsw", "--store", hnsw], in: dir).status, 0)
        XCTAssertTrue(try RAGBinary.run(["index", "info", "--store", hnsw], in: dir).stdout.contains("\nindex     HNSW {\"M\":16,\"efConstruction\":200}\n"))
        let first = try Dataset(url: dir.appendingPathComponent("train.csv")).readAll()[7]
        for extra in [["--ef", "16"], []] {
            let r = try RAGBinary.run(["query", first.text, "-k", "3", "--json", "--store", hnsw] + extra, in: dir)
            XCTAssertEqual(rows(r.stdout)?.count, 3, r.stderr)
            XCTAssertEqual(rows(r.stdout)?.first, 7, r.stdout)
        }
        let exactNote = try RAGBinary.run(["query", "x", "-k", "1", "--exact", "--store", hnsw], in: dir)
        XCTAssertEqual(exactNote.stderr, "note: --exact is ignored: \(hnsw) searches with its own index (--kind flat builds an exact one)\n")

        // Folder-only commands, both locations at once, and a bad address say so.
        let tune = try RAGBinary.run(["index", "tune", "--store", store], in: dir)
        XCTAssertEqual(tune.status, 1)
        XCTAssertEqual(tune.stderr, "Error: rag index tune works on an index folder, not on a remote store (\(store)); pass --index DIR\n")
        let both = try RAGBinary.run(["query", "x", "--store", store, "--index", "index"], in: dir)
        XCTAssertEqual(both.status, 64)
        XCTAssertTrue(both.stderr.hasPrefix("Error: give either --index DIR or --store milvus://…, not both\n"), both.stderr)
        let bad = try RAGBinary.run(["query", "x", "--store", "milvus://127.0.0.1/"], in: dir)
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderr, "Error: bad Milvus address milvus://127.0.0.1/: no collection after the host (…/COLLECTION)\n")
        let missing = try RAGBinary.run(["query", "x", "--store", milvus.address("nothing_here")], in: dir)
        XCTAssertEqual(missing.stderr, "Error: no collection at \(milvus.address("nothing_here")): build it with `rag index build --csv FILE --store ADDRESS`\n")
    }

    func testServerKilledMidLoadThenResumeStoresEveryRowOnce() throws {
        let milvus = try MilvusLite(self)
        // 7,500 rows x 4: upserting takes seconds, so the kill lands mid-load.
        let dir = try folder(rows: 7500, copies: 4)
        let store = milvus.address("killed")
        let arguments = ["index", "build", "--csv", "train.csv", "--embedder", "hashing", "--batch-size", "250", "--store", store]
        let (p, _, err) = try RAGBinary.launch(arguments, in: dir)
        let watcher = try MilvusStore(connecting: try MilvusAddress(parsing: store), options: .init(retries: 0))
        var seen = 0
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning && Date() < deadline {
            seen = (try? MilvusStore(connection: watcher.connection).countRows()) ?? 0
            if seen >= 2000 { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        XCTAssertTrue(p.isRunning, "the build ended before the kill (\(seen) rows seen)")
        milvus.stop(kill: true)
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 1)
        XCTAssertTrue(message.contains("Error: Milvus at 127.0.0.1:\(milvus.port) did not answer (Upsert): "), message)
        XCTAssertTrue(message.hasSuffix("is the server running? (Milvus Lite: `milvus-lite server --data-dir DIR --host 127.0.0.1 --port 19530`)\n"), message)

        try milvus.start()
        let survived = try MilvusStore(connecting: try MilvusAddress(parsing: store)).countRows()
        let rerun = try RAGBinary.run(arguments, in: dir)
        XCTAssertEqual(rerun.status, 1, "a rerun without --resume refuses the collection")
        let resumed = try RAGBinary.run(arguments + ["--resume"], in: dir)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.hasPrefix("indexed 30000 rows ("), resumed.stdout)
        if survived > 0 { XCTAssertTrue(resumed.stdout.contains("(resumed: "), resumed.stdout) }
        let opened = try MilvusStore.open(try MilvusAddress(parsing: store))
        XCTAssertEqual(try opened.countRows(), 30000)
        let ids = try opened.storedRowNumbers(below: 100_000)
        XCTAssertEqual(ids, Array(0..<30000), "every row exactly once")
        XCTAssertEqual(ids.reduce(0, +), 30000 * 29999 / 2)
        XCTAssertEqual(try RAGBinary.run(["index", "verify", "--store", store], in: dir).status, 0)
        print("milvus kill -9 mid-load: \(seen) rows seen before the kill, \(survived) after the restart; --resume stored 30000 rows, ids 0..<30000 once each")
    }

    func testServerDownIsAClearErrorNamingTheAddressNotAHang() throws {
        let milvus = try MilvusLite(self)
        let dir = try folder(rows: 50)
        XCTAssertEqual(try RAGBinary.run(["index", "build", "--csv", "train.csv", "--embedder", "hashing", "--store", milvus.address("down")], in: dir).status, 0)
        milvus.stop()
        let start = Date()
        let r = try RAGBinary.run(["query", "my card", "--store", milvus.address("down")], in: dir)
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("Error: Milvus at 127.0.0.1:\(milvus.port) did not answer (HasCollection): unavailable: "), r.stderr)
        XCTAssertLessThan(seconds, 20, "bounded: retries with backoff, then the error")
        print(String(format: "milvus down: error after %.1f s", seconds))
    }

    /// The lifecycle of the README over a collection: ids and metadata at build, filters on query
    /// and classify, an upsert that replaces by id, deletes by id and by filter, verify after each.
    func testIDsMetadataUpsertDeleteAndFilters() throws {
        let milvus = try MilvusLite(self)
        let dir = try SharedFixtures.temporaryFolder("milvus-lifecycle")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        try """
        ticket,text,label_text,src,bucket
        T1,how do I activate my new card,activate_my_card,web,1
        T2,"my card has not arrived, it's been a week",card_arrival,app,2
        T3,what is the exchange rate for euros,exchange_rate,web,
        T4,activate the card I just got,activate_my_card,app,4

        """.write(to: dir.appendingPathComponent("meta.csv"), atomically: true, encoding: .utf8)
        let store = milvus.address("lifecycle")
        func rag(_ arguments: [String]) throws -> RAGBinary.Output {
            let embeds = !["verify", "info"].contains(arguments[1])
            return try RAGBinary.run(arguments + (embeds ? ["--embedder", "hashing"] : []) + ["--store", store], in: dir)
        }
        func ids(_ filter: String) throws -> [String] {
            let r = try rag(["query", "card", "-k", "5", "--json", "--where", filter])
            XCTAssertEqual(r.status, 0, r.stderr)
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            return ((object["neighbours"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }.sorted()
        }
        XCTAssertEqual(try rag(["index", "build", "--csv", "meta.csv", "--id-column", "ticket", "--metadata-columns", "src,bucket"]).status, 0)
        let query = try rag(["query", "card", "--json", "-k", "5", "--where", #"bucket < 3 and src = "web""#])
        XCTAssertTrue(query.stdout.contains(#""id":"T1","label":"activate_my_card","metadata":{"bucket":1,"src":"web"}"#), query.stdout)
        XCTAssertEqual(try ids("bucket is null or src = \"app\""), ["T2", "T3", "T4"])
        XCTAssertEqual(try ids("not bucket < 2"), ["T2", "T3", "T4"], "a missing value fails the comparison, so not passes it")
        let unknown = try rag(["query", "card", "--where", "lang = \"de\""])
        XCTAssertEqual(unknown.stderr, "Error: the filter names \"lang\", which is not a field (fields: \"bucket\", \"id\", \"label\", \"src\")\n")

        try "ticket,text,label_text,src\nT2,my card never came,card_arrival,web\nT5,my pin is blocked,pin_blocked,app\n"
            .write(to: dir.appendingPathComponent("fix.csv"), atomically: true, encoding: .utf8)
        let upsert = try rag(["index", "upsert", "--csv", "fix.csv", "--id-column", "ticket", "--metadata-columns", "src"])
        XCTAssertEqual(upsert.status, 0, upsert.stderr)
        XCTAssertTrue(upsert.stdout.hasPrefix("upserted 2 rows from fix.csv into \(store): 1 replaced, 1 added (now 5 rows) in "), upsert.stdout)
        XCTAssertEqual(try ids("src = \"web\""), ["T1", "T2", "T3"])
        XCTAssertEqual(try ids("id = \"T2\""), ["T2"], "one row per id")
        let classify = try rag(["classify", "--csv", "fix.csv", "--method", "knn", "-k", "1", "--where", "src = \"app\""])
        XCTAssertEqual(classify.status, 0, classify.stderr)
        XCTAssertEqual(classify.stdout.split(separator: "\n").count, 2)

        let delete = try rag(["index", "delete", "--id", "T1", "--id", "T9"])
        XCTAssertEqual(delete.status, 0, delete.stderr)
        XCTAssertEqual(try ids("label is not null"), ["T2", "T3", "T4", "T5"])
        let byFilter = try rag(["index", "delete", "--where", "src = \"app\""])
        XCTAssertEqual(byFilter.status, 0, byFilter.stderr)
        XCTAssertEqual(try ids("label is not null"), ["T2", "T3"])
        let verify = try rag(["index", "verify"])
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        let info = try rag(["index", "info"])
        XCTAssertTrue(info.stdout.contains("vectors   2 x 384"), info.stdout)
    }
}
