// MilvusBench: `localrag-bench milvus`: the base vectors upserted into a Milvus collection through LocalRAG's MilvusStore (IVF_FLAT, same nlist as `ivf`), then the nprobe sweep (recall@10, batch QPS, single-query latency) through the same client.
import BenchSupport
import Foundation
import LinearAlgebra
import MilvusStore
import VectorSearch

/// `localrag-bench milvus`. The data flags are `ivf`'s (`--vectors`, `--queries`, `--gt`); the
/// collection is created anew (dropped first when it exists), filled in `--batch` row upserts,
/// flushed, indexed (IVF_FLAT, `--nlist`, COSINE) and loaded, each step timed; then per nprobe the
/// query batch through `MilvusStore.nearest` (256 queries per request) and single queries one call each.
enum MilvusBench {
    static let switches: Set<String> = ["help"]
    static let known: Set<String> = ["address", "vectors", "queries", "gt", "dim", "holdout", "nlist", "nprobes", "reps", "singles", "k", "batch", "help"]

    static let usage = """
    usage: localrag-bench milvus --address milvus://HOST:PORT/COLLECTION --vectors FILE.f32 --queries FILE.f32 --gt FILE.i32
           [--nlist 1024] [--nprobes 1,8,32,64] [--reps 3] [--singles 300] [--k 10] [--batch 1000]
    """

    static func run(_ f: Flags) throws -> Int32 {
        if f.has("help") { print(usage); return 0 }
        try f.check(known: known)
        guard let text = f.string("address") else { throw BenchError.usage(usage) }
        let address = try MilvusAddress(parsing: text)
        let reps = max(1, try f.int("reps", default: 3))
        let k = try f.int("k", default: 10)
        let batch = try f.int("batch", default: 1000)
        let data = try IVFBench.loadData(f)
        let n = data.base.count, d = data.base.dimension, nq = data.queries.rows
        let nlist = try f.int("nlist", default: IVFBench.nlistFor(n))
        let nprobes = try IVFBench.parseList(f.string("nprobes") ?? "1,8,32,64").filter { $0 >= 1 && $0 <= nlist }
        let singles = min(nq, max(0, try f.int("singles", default: 300)))

        let fresh = try MilvusStore(connecting: address, options: .init(batchRows: batch))
        if fresh.exists { try fresh.drop() }
        let store = try MilvusStore(connecting: address, options: .init(batchRows: batch))
        _ = try store.beginBuild(embedderIdentifier: "bench:\(data.label)", dimension: d, resume: false)
        let base = data.base.matrix()
        let (_, upsert) = try measure {
            try store.upsert(base, documents: (0..<n).map { Document(row: $0, sourceRow: $0, text: "", label: nil) })
        }
        let (_, commit) = try measure { try store.commit(labels: [], count: n, index: .ivf(nlist: nlist)) }
        let opened = try MilvusStore.open(address)
        note("milvus \(data.label): upserted \(n) rows in \(String(format: "%.1f", upsert.seconds)) s, flush + IVF_FLAT(\(nlist)) + load in \(String(format: "%.1f", commit.seconds)) s")

        var sweep: [[String: Any]] = []
        for np in nprobes {
            let params = SearchParameters(nprobe: np)
            _ = try opened.nearest(data.queries, k: k, parameters: params)
            var times: [Double] = [], found: [[ScoredDocument]] = []
            for _ in 0..<reps {
                let (r, m) = try measure { try opened.nearest(data.queries, k: k, parameters: params) }
                found = r
                times.append(m.seconds)
            }
            let ids = found.flatMap { hits in (0..<k).map { $0 < hits.count ? hits[$0].document.row : -1 } }
            var row: [String: Any] = [
                "nprobe": np,
                "batch": ["queries": nq, "times_s": times, "median_s": median(times), "qps": Double(nq) / median(times)] as [String: Any],
                "recall_at_10": ["batch": recallAtK(found: ids, foundK: k, truth: data.truth, truthK: data.truthK, queries: nq, k: 10)],
            ]
            if singles > 0 {
                var p50s: [Double] = [], p99s: [Double] = [], qps: [Double] = []
                for _ in 0..<reps {
                    var lat: [Double] = []
                    let (_, m) = try measure {
                        for q in 0..<singles {
                            let t0 = now()
                            _ = try opened.nearest(data.queries.rows(q..<(q + 1)), k: k, parameters: params)
                            lat.append(now() - t0)
                        }
                    }
                    p50s.append(percentile(lat, 0.5))
                    p99s.append(percentile(lat, 0.99))
                    qps.append(Double(singles) / m.seconds)
                }
                row["single"] = ["n_queries": singles, "p50_ms": median(p50s) * 1e3, "p99_ms": median(p99s) * 1e3, "qps": median(qps)] as [String: Any]
            }
            sweep.append(row)
            note("milvus nprobe=\(np): recall \(String(format: "%.3f", (row["recall_at_10"] as! [String: Double])["batch"]!)) batch \(Int(Double(nq) / median(times))) QPS")
        }
        var out: [String: Any] = [
            "bench": "milvus", "engine": "milvus-lite via LocalRAG MilvusStore", "address": address.description, "dataset": data.label,
            "n": n, "dimension": d, "queries": nq, "k": k, "nlist": nlist, "reps": reps, "singles": singles, "batch_rows": batch,
            "upsert": upsert.json, "commit": commit.json, "sweep": sweep,
        ]
        addProcessInfo(&out)
        printJSON(out)
        return 0
    }
}

func runMilvus(_ f: Flags) throws -> Int32 { try MilvusBench.run(f) }
