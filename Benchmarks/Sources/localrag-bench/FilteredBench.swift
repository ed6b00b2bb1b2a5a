// FilteredBench: `localrag-bench filtered`: an index folder with an integer metadata column and an IVF part, searched with filters at several selectivities beside the unfiltered scan (single-query latency, recall of IVF against the exact filtered answer).
import BenchSupport
import Foundation
import LinearAlgebra
import MilvusStore
import VectorSearch

/// `localrag-bench filtered`. The base rows (`--vectors`) go into a real index folder (IndexWriter,
/// one metadata column `bucket` read from `--buckets`, int32 per row; IVFIndex.build with its
/// nprobe tuned to recall 0.95), then for each filter single queries one call each through
/// `FolderVectorStore.nearest`: exact (the flat scan with the filter's mask) and IVF at the stored
/// nprobe (scaled by the selectivity, as the store does), recall@k of IVF against the exact
/// filtered top k. The mask is built once per filter (`FolderVectorStore` keeps the last one, as a
/// classification's batches reuse it); its build time is reported on its own.
enum FilteredBench {
    static let switches: Set<String> = ["help"]
    static let known: Set<String> = ["vectors", "queries", "buckets", "dim", "nlist", "filters", "reps", "k", "milvus", "help"]

    static let usage = """
    usage: localrag-bench filtered --vectors FILE.f32 --queries FILE.f32 --buckets FILE.i32 [--dim 384] [--nlist L]
           [--filters 'none;bucket < 10;bucket < 1'] [--reps 3] [--k 10] [--milvus milvus://HOST:PORT]

      With --milvus, the same rows go through LocalRAG's MilvusStore into three collections of that
      server (FLAT, IVF_FLAT at the same nlist, HNSW M 16 efConstruction 200), the metadata in its JSON
      field, and the same filtered single queries run through MilvusStore.nearest (the filter as
      Milvus's expression; nprobe and ef scaled by the filter's selectivity).
    """

    static func run(_ f: Flags) throws -> Int32 {
        if f.has("help") { print(usage); return 0 }
        try f.check(known: known)
        guard let vectors = f.string("vectors"), let queryPath = f.string("queries"), let bucketPath = f.string("buckets") else {
            throw BenchError.usage(usage)
        }
        let d = try f.int("dim", default: FlatData.dimension)
        let k = try f.int("k", default: 10)
        let reps = max(1, try f.int("reps", default: 3))
        let base = try IVFBench.readFloats(vectors, dimension: d)
        let queries = try IVFBench.readFloats(queryPath, dimension: d)
        let buckets = try IVFBench.readInt32(bucketPath)
        guard buckets.count == base.rows else { throw BenchError.badFile(bucketPath, "\(buckets.count) buckets for \(base.rows) rows") }
        let nlist = try f.int("nlist", default: IVFBench.nlistFor(base.rows))
        let filters = (f.string("filters") ?? "none;bucket < 10;bucket < 1").split(separator: ";").map { String($0) }

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("filtered-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (_, build) = try measure {
            let writer = try IndexWriter(folder: folder, embedder: "bench", dimension: d)
            try writer.append(base, documents: (0..<base.rows).map {
                Document(sourceRow: $0, text: "", label: nil, id: "r\($0)", metadata: ["bucket": .integer(Int64(buckets[$0]))])
            })
            try IVFIndex.build(in: writer, listCount: nlist)
            try writer.commit()
        }
        let store = try FolderVectorStore(opening: folder)
        note("filtered: \(base.rows) rows, \(nlist) lists, nprobe \(store.settings[IVFIndex.Setting.nprobe] ?? "?"), built in \(String(format: "%.1f", build.seconds)) s")

        var results: [[String: Any]] = []
        var out_milvus: [[String: Any]]?
        for text in filters {
            let filter = text == "none" ? nil : try FilterExpression(parsing: text)
            var row: [String: Any] = ["filter": text]
            if let filter {
                let (mask, m) = try measure { try store.index.rows(matching: filter) }
                row["passing_rows"] = mask.population
                row["mask_build_ms"] = m.seconds * 1000
            } else {
                row["passing_rows"] = store.count
            }
            let exact = try timedSingles(store, queries, k: k, reps: reps, parameters: SearchParameters(exact: true, filter: filter))
            let ivf = try timedSingles(store, queries, k: k, reps: reps, parameters: SearchParameters(exact: false, filter: filter))
            var hits = 0, total = 0
            for (a, e) in zip(ivf.found, exact.found) {
                hits += Set(a).intersection(e).count
                total += e.count
            }
            row["exact"] = ["p50_ms": median(exact.p50), "p99_ms": median(exact.p99), "p50_ms_per_rep": exact.p50,
                            "found": exact.found] as [String: Any]
            row["ivf"] = ["p50_ms": median(ivf.p50), "p99_ms": median(ivf.p99), "p50_ms_per_rep": ivf.p50,
                          "recall_at_k": Double(hits) / Double(max(1, total)), "found": ivf.found] as [String: Any]
            note("filtered: \(text): \(row["passing_rows"]!) rows pass; exact p50 \(String(format: "%.3f", median(exact.p50))) ms, "
                 + "ivf p50 \(String(format: "%.3f", median(ivf.p50))) ms recall \(String(format: "%.4f", Double(hits) / Double(max(1, total))))")
            results.append(row)
        }
        if let server = f.string("milvus") {
            out_milvus = try milvus(server, base: base, buckets: buckets, queries: queries, filters: filters, nlist: nlist,
                                    nprobe: Int(store.settings[IVFIndex.Setting.nprobe] ?? "") ?? 8, k: k, reps: reps)
        }
        var out: [String: Any] = ["bench": "filtered", "rows": base.rows, "dimension": d, "queries": queries.rows, "k": k, "reps": reps,
                                  "nlist": nlist, "nprobe": Int(store.settings[IVFIndex.Setting.nprobe] ?? "") ?? -1,
                                  "build_s": build.seconds, "results": results]
        if let out_milvus { out["milvus_localrag"] = out_milvus }
        addProcessInfo(&out)
        printJSON(out)
        return 0
    }

    /// One warm-up query, then `reps` passes of single queries through `store`: each pass's p50 and
    /// p99 in ms, and the last pass's rows.
    static func timedSingles(_ store: any VectorStore, _ queries: Matrix, k: Int, reps: Int,
                             parameters: SearchParameters) throws -> (p50: [Double], p99: [Double], found: [[Int]]) {
        _ = try store.nearest(queries.rows(0..<1), k: k, parameters: parameters)
        var p50: [Double] = [], p99: [Double] = [], found: [[Int]] = []
        for _ in 0..<reps {
            var times: [Double] = []
            found = []
            for q in 0..<queries.rows {
                let t0 = now()
                let hits = try store.nearest(queries.rows(q..<(q + 1)), k: k, parameters: parameters)
                times.append(now() - t0)
                found.append(hits[0].map(\.document.row))
            }
            p50.append(percentile(times, 0.5) * 1000)
            p99.append(percentile(times, 0.99) * 1000)
        }
        return (p50, p99, found)
    }

    /// The filtered singles through LocalRAG's MilvusStore, one collection per index type.
    static func milvus(_ server: String, base: Matrix, buckets: [Int32], queries: Matrix, filters: [String], nlist: Int, nprobe: Int,
                       k: Int, reps: Int) throws -> [[String: Any]] {
        var out: [[String: Any]] = []
        for (name, kind) in [("FLAT", RemoteIndexKind.flat), ("IVF_FLAT", .ivf(nlist: nlist)), ("HNSW", .hnsw(m: 16, efConstruction: 200))] {
            let address = try MilvusAddress(parsing: "\(server)/localrag_\(name.lowercased())")
            let fresh = try MilvusStore(connecting: address)
            if fresh.exists { try fresh.drop() }
            let store = try MilvusStore(connecting: address)
            let (_, load) = try measure {
                _ = try store.beginBuild(embedderIdentifier: "bench", dimension: base.cols, resume: false)
                try store.upsert(base, documents: (0..<base.rows).map {
                    Document(row: $0, sourceRow: $0, text: "", label: nil, id: "r\($0)", metadata: ["bucket": .integer(Int64(buckets[$0]))])
                })
                try store.commit(labels: [], count: base.rows, index: kind)
            }
            let opened = try MilvusStore.open(address)
            var rows: [[String: Any]] = []
            for text in filters {
                let parameters = SearchParameters(nprobe: name == "IVF_FLAT" ? nprobe : nil, filter: text == "none" ? nil : try FilterExpression(parsing: text))
                let (p50, p99, found) = try timedSingles(opened, queries, k: k, reps: reps, parameters: parameters)
                note("milvus via MilvusStore \(name) \(text): p50 \(String(format: "%.2f", median(p50))) ms")
                rows.append(["filter": text, "p50_ms": median(p50), "p99_ms": median(p99), "p50_ms_per_rep": p50, "found": found])
            }
            out.append(["index": name, "nprobe": name == "IVF_FLAT" ? nprobe : NSNull(), "load_s": load.seconds, "results": rows])
        }
        return out
    }
}
