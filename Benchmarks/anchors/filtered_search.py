#!/usr/bin/env python3
"""Filtered search at 1%, 10% and 100% selectivity beside the unfiltered scan: LocalRAG's index folder,
Milvus Lite (PyPI milvus-lite through pymilvus) and LanceDB (PyPI lancedb), same data, same queries,
one system after the other on this machine.

Data: shared/data/corpus_large.csv (47,878 rows) embedded with all-MiniLM-L6-v2 by LocalRAG
(`localrag-bench embed`), the first --queries texts of data/test.csv as queries, and an integer
column `bucket` uniform in 0..99 per row (seed 7), so `bucket < 1` keeps 1% of the rows and
`bucket < 10` 10%. The exact filtered top 10 of every query is computed here (numpy, float64) and
every system's answer is scored against it (recall@10).

  localrag-bench filtered   an index folder (IndexWriter, metadata column bucket, IVF with nprobe tuned to
                            recall 0.95 at build), in process: exact (the flat scan with the filter's row
                            mask) and IVF at the stored nprobe (more lists probed the fewer rows pass)
  Milvus Lite, pymilvus     a collection with an INT64 `bucket` field: FLAT, then IVF_FLAT at the same nlist
                            and nprobe, then HNSW (M 16, efConstruction 200, ef 64); the filter is Milvus's
                            expression (`bucket < 10`); gRPC per query
  LanceDB                   a table with the vectors and `bucket`, no vector index (exact), `where(...,
                            prefilter=True)`; in process (Rust under Python)

Each: single queries, one call each, --reps passes over the queries; p50 and p99 per pass, the median
over passes. The filter's row mask is built once per filter in LocalRAG (reported separately).

Usage (repository root; `cd Benchmarks && swift build -c release --product localrag-bench`, Milvus Lite
from scripts/lib/install-milvus-lite.sh, then `python3 -m venv .venv-lancedb && .venv-lancedb/bin/pip
install lancedb numpy pyarrow`):
  .venv-lancedb/bin/python Benchmarks/anchors/filtered_search.py
Output: Benchmarks/results/filtered_search.{json,md}.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common as C

MILVUS_PYTHON = C.REPO / ".venv-milvus" / "bin" / "python"
FILTERS = ["none", "bucket < 10", "bucket < 1"]
CORPUS = C.REPO.parent / "shared" / "data" / "corpus_large.csv"


def make_data(nq: int, folder: Path, bench: Path):
    """corpus_large.csv's texts embedded by LocalRAG's MiniLM (localrag-bench embed), the first `nq`
    texts of data/test.csv as queries, and a bucket per row."""
    import numpy as np
    for csv, out, limit in [(CORPUS, "base.f32", None), (C.REPO.parent / "shared" / "data" / "test.csv", "queries.f32", nq)]:
        argv = [str(bench), "embed", "--csv", str(csv), "--column", "text", "--reps", "1", "--no-latency", "--save-embeddings", str(folder / out)]
        if limit:
            argv += ["--limit", str(limit)]
        p = subprocess.run(argv, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"localrag-bench embed failed: {p.stderr[-2000:]}")
    base = np.fromfile(folder / "base.f32", dtype="<f4").reshape(-1, 384)
    queries = np.fromfile(folder / "queries.f32", dtype="<f4").reshape(-1, 384)
    rng = np.random.default_rng(7)
    buckets = rng.integers(0, 100, len(base)).astype("<i4")
    buckets.tofile(folder / "buckets.i32")
    truth = {}
    for f in FILTERS:
        keep = np.arange(len(base)) if f == "none" else np.nonzero(buckets < int(f.split("<")[1]))[0]
        scores = queries.astype(np.float64) @ base[keep].astype(np.float64).T
        truth[f] = [list(keep[np.argsort(-s, kind="stable")[:10]]) for s in scores]
    return base, queries, buckets, truth


def recall(found: list[list[int]], truth: list[list[int]]) -> float:
    return sum(len(set(f) & set(t)) for f, t in zip(found, truth)) / sum(len(t) for t in truth)


def timed_singles(search, queries, reps: int):
    """p50/p99 in ms per pass (median over passes) and the last pass's ids."""
    search(queries[0])
    p50, p99, found = [], [], []
    for _ in range(reps):
        times, found = [], []
        for q in queries:
            t0 = time.perf_counter()
            ids = search(q)
            times.append(time.perf_counter() - t0)
            found.append(ids)
        times.sort()
        p50.append(times[len(times) // 2] * 1e3)
        p99.append(times[min(len(times) - 1, int(len(times) * 0.99))] * 1e3)
    return {"p50_ms": C.med(p50), "p99_ms": C.med(p99), "p50_ms_per_rep": p50}, found


def worker_milvus(a) -> int:
    """Runs under .venv-milvus: the pymilvus side (server started by the driver)."""
    import numpy as np
    from pymilvus import MilvusClient, DataType
    folder = Path(a.dir)
    base = np.fromfile(folder / "base.f32", dtype="<f4").reshape(-1, 384)
    queries = np.fromfile(folder / "queries.f32", dtype="<f4").reshape(-1, 384)
    buckets = np.fromfile(folder / "buckets.i32", dtype="<i4")
    c = MilvusClient(uri=f"http://127.0.0.1:{a.port}")
    s = c.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("embedding", DataType.FLOAT_VECTOR, dim=384)
    s.add_field("bucket", DataType.INT64)
    c.create_collection("filtered", schema=s)
    t0 = time.perf_counter()
    for start in range(0, len(base), 5000):
        end = min(len(base), start + 5000)
        c.insert("filtered", [{"id": i, "embedding": base[i].tolist(), "bucket": int(buckets[i])} for i in range(start, end)])
    c.flush("filtered")
    load_s = time.perf_counter() - t0
    out = {"engine": "milvus-lite via pymilvus", "insert_flush_s": load_s, "indexes": []}
    for kind, params, search_params in [("FLAT", {}, {}), ("IVF_FLAT", {"nlist": a.nlist}, {"nprobe": a.nprobe}),
                                        ("HNSW", {"M": 16, "efConstruction": 200}, {"ef": 64})]:
        c.release_collection("filtered")
        if c.list_indexes("filtered"):
            c.drop_index("filtered", "embedding")
        ip = c.prepare_index_params()
        ip.add_index("embedding", index_type=kind, metric_type="COSINE", params=params)
        t0 = time.perf_counter()
        c.create_index("filtered", ip)
        c.load_collection("filtered")
        index_s = time.perf_counter() - t0
        rows = []
        for f in FILTERS:
            def search(q, f=f):
                res = c.search("filtered", data=[q.tolist()], anns_field="embedding", limit=10, filter="" if f == "none" else f,
                               search_params={"metric_type": "COSINE", "params": search_params}, output_fields=[])
                return [h["id"] for h in res[0]]
            timing, found = timed_singles(search, queries, a.reps)
            rows.append({"filter": f, **timing, "found": found})
            C.log(f"milvus {kind} {f}: p50 {timing['p50_ms']:.2f} ms")
        out["indexes"].append({"index": kind, "params": params, "search_params": search_params, "index_load_s": index_s, "results": rows})
    print(json.dumps(out))
    return 0


def run_lancedb(folder: Path, base, queries, buckets, reps: int) -> dict:
    import lancedb
    import pyarrow as pa
    db = lancedb.connect(str(folder / "lance"))
    vectors = pa.FixedSizeListArray.from_arrays(pa.array(base.reshape(-1), type=pa.float32()), 384)
    table = pa.table({"id": pa.array(range(len(base)), type=pa.int64()), "vector": vectors, "bucket": pa.array(buckets, type=pa.int32())})
    t0 = time.perf_counter()
    tbl = db.create_table("filtered", table)
    load_s = time.perf_counter() - t0
    rows = []
    for f in FILTERS:
        def search(q, f=f):
            s = tbl.search(q).distance_type("cosine").limit(10).select(["id"])
            if f != "none":
                s = s.where(f, prefilter=True)
            return s.to_arrow()["id"].to_pylist()
        timing, found = timed_singles(search, queries, reps)
        rows.append({"filter": f, **timing, "found": found})
        C.log(f"lancedb flat {f}: p50 {timing['p50_ms']:.2f} ms")
    return {"engine": f"lancedb {lancedb.__version__}", "create_s": load_s, "index": "none (exact scan)", "results": rows}


def render(res: dict) -> str:
    n, nq = res["rows"], res["queries"]
    lines = [f"# Filtered search: {n:,} rows x 384 ({res.get('data', '?')}, all-MiniLM-L6-v2), {nq} queries, k = 10, bucket uniform in 0..99", "",
             C.machine_line(res.get("machine"), res.get("localrag")), "",
             "Single queries, one call each; p50 and p99 in ms (median over passes); recall@10 against the exact filtered top 10 (numpy, float64).", ""]
    rows = []
    names = {"none": "100% (no filter)", "bucket < 10": "10%", "bucket < 1": "1%"}
    lr = {r["filter"]: r for r in res["localrag"]["results"]}
    for f in FILTERS:
        r = lr[f]
        mask = f" (mask {r['mask_build_ms']:.2f} ms once)" if "mask_build_ms" in r else ""
        rows.append([names[f], "LocalRAG flat, exact" + mask, C.fixed(r["exact"]["p50_ms"], 3), C.fixed(r["exact"]["p99_ms"], 3),
                     C.fixed(r["exact"]["recall_vs_numpy"], 4)])
        rows.append([names[f], f"LocalRAG IVF, nprobe {res['localrag']['nprobe']} (scaled by selectivity)", C.fixed(r["ivf"]["p50_ms"], 3),
                     C.fixed(r["ivf"]["p99_ms"], 3), C.fixed(r["ivf"]["recall_vs_numpy"], 4)])
        for index in res["localrag"].get("milvus_localrag", []):
            m = next(x for x in index["results"] if x["filter"] == f)
            knob = f"nprobe {index['nprobe']}" if index["index"] == "IVF_FLAT" else ("ef 64" if index["index"] == "HNSW" else "")
            rows.append([names[f], f"LocalRAG over Milvus Lite {index['index']} {knob} (MilvusStore, scaled by selectivity)", C.fixed(m["p50_ms"], 3),
                         C.fixed(m["p99_ms"], 3), C.fixed(m["recall"], 4)])
        for index in res.get("milvus", {}).get("indexes", []):
            m = next(x for x in index["results"] if x["filter"] == f)
            rows.append([names[f], f"Milvus Lite {index['index']} {index['search_params'] or ''} (pymilvus, gRPC)", C.fixed(m["p50_ms"], 3),
                         C.fixed(m["p99_ms"], 3), C.fixed(m["recall"], 4)])
        if "lancedb" in res:
            m = next(x for x in res["lancedb"]["results"] if x["filter"] == f)
            rows.append([names[f], f"{res['lancedb']['engine']}, no index, prefilter", C.fixed(m["p50_ms"], 3), C.fixed(m["p99_ms"], 3),
                         C.fixed(m["recall"], 4)])
    lines.append(C.table(["rows passing", "system", "p50 ms", "p99 ms", "recall@10"], rows))
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--bin")
    ap.add_argument("--out", default=str(C.BENCH_ROOT / "results" / "filtered_search.json"))
    ap.add_argument("--part", choices=["milvus"])
    ap.add_argument("--dir")
    ap.add_argument("--port", type=int)
    ap.add_argument("--nlist", type=int)
    ap.add_argument("--nprobe", type=int)
    a = ap.parse_args()
    if a.part == "milvus":
        return worker_milvus(a)

    import milvus_side_by_side as M
    folder = Path(tempfile.mkdtemp(prefix="filtered-bench-"))
    bench = C.bench_binary(a.bin)
    C.log("embedding", CORPUS, "into", folder)
    base, queries, buckets, truth = make_data(a.queries, folder, bench)
    res = {"rows": len(base), "queries": len(queries), "reps": a.reps, "data": str(CORPUS.name), "machine": C.machine_info()}

    server = M.MilvusLite()
    try:
        proc = subprocess.run([str(bench), "filtered", "--vectors", str(folder / "base.f32"), "--queries", str(folder / "queries.f32"),
                               "--buckets", str(folder / "buckets.i32"), "--reps", str(a.reps), "--milvus", f"milvus://127.0.0.1:{server.port}"],
                              capture_output=True, text=True)
        sys.stderr.write(proc.stderr)
        if proc.returncode != 0:
            sys.exit(f"localrag-bench filtered failed: {proc.returncode}")
        res["localrag"] = C.last_json(proc.stdout)
        # LocalRAG answers row numbers: the base rows' positions (one segment, nothing deleted; Milvus keys = row numbers).
        for r in res["localrag"]["results"]:
            for side in ("exact", "ivf"):
                r[side]["recall_vs_numpy"] = recall(r[side].pop("found"), truth[r["filter"]])
        for index in res["localrag"].get("milvus_localrag", []):
            for r in index["results"]:
                r["recall"] = recall(r.pop("found"), truth[r["filter"]])
        p = subprocess.run([str(MILVUS_PYTHON), __file__, "--part", "milvus", "--dir", str(folder), "--port", str(server.port),
                            "--nlist", str(res["localrag"]["nlist"]), "--nprobe", str(res["localrag"]["nprobe"]), "--reps", str(a.reps)],
                           capture_output=True, text=True, timeout=7200)
        sys.stderr.write(p.stderr[-4000:])
        res["milvus"] = C.last_json(p.stdout)
        res["milvus_rss"] = server.rss()
    finally:
        server.stop()
    for index in res["milvus"]["indexes"]:
        for r in index["results"]:
            r["recall"] = recall(r.pop("found"), truth[r["filter"]])
    res["lancedb"] = run_lancedb(folder, base, queries, buckets, a.reps)
    for r in res["lancedb"]["results"]:
        r["recall"] = recall(r.pop("found"), truth[r["filter"]])
    C.write_outputs(Path(a.out), res, render(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
