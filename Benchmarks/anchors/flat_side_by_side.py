#!/usr/bin/env python3
"""Flat exact search, LocalRAG beside faiss, in the same run on the same data.

For every N (100k, 1m) and thread count (1, 2), alternates fresh processes of
  * faiss IndexFlatIP (this script's --worker faiss, built on the shared retrieval anchors'
    load_data / bench / single_query_bench / recall_at_k), and
  * `localrag-bench flat` (Benchmarks/.build/release/localrag-bench),
--reps rounds each (the order flips every round), and reports medians and ratios as JSON and a
markdown table: batch QPS (1000 queries in one call), single-query p50 latency, recall@10 against
the exact ground truth, peak RSS, and "others" = cores used by other processes during each
measurement (from /proc/stat, as the shared scripts record it).

The data is the shared anchors' synthetic set (shared/anchors/retrieval/RESULTS.md, "Data set"),
generated with `anchors.py run --sections data` into --data-dir when missing.

Usage (from the repository root, with the anchors venv):
  .venv-anchors/bin/python Benchmarks/anchors/flat_side_by_side.py                 # full: 100k and 1m, 3 rounds
  .venv-anchors/bin/python Benchmarks/anchors/flat_side_by_side.py --sizes 100k --reps 1 \\
      --out /tmp/flat_smoke.json                                                   # smoke
The environment is passed on unchanged (OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE as they are).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as C  # noqa: E402

ENGINES = ("faiss", "faiss-sq8", "faiss-sqfp16", "localrag", "localrag-int8", "localrag-f16", "localrag-bf16")
# faiss's index for each faiss engine, LocalRAG's --vectors for each of ours.
FAISS_KINDS = {"faiss": "flat", "faiss-sq8": "sq8", "faiss-sqfp16": "sqfp16"}
LOCALRAG_VECTORS = {"localrag": "f32", "localrag-int8": "int8", "localrag-f16": "f16", "localrag-bf16": "bf16"}


def size_of(s: str) -> int:
    s = s.strip().lower()
    if s.endswith("m"):
        return int(s[:-1]) * 1_000_000
    if s.endswith("k"):
        return int(s[:-1]) * 1000
    return int(s)


def load_retrieval_anchors(shared: str | None):
    return C.import_script(C.shared_anchors_dir(shared) / "retrieval" / "anchors.py", "retrieval_anchors")


# ----------------------------------------------------------------------------------------------
# worker: faiss IndexFlatIP in this process, one thread count, one JSON object on stdout
# ----------------------------------------------------------------------------------------------

def vm_hwm() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def worker_faiss(a) -> int:
    A = load_retrieval_anchors(a.shared_anchors)
    import faiss
    import numpy as np
    from threadpoolctl import threadpool_info

    n, t = size_of(a.n), int(a.threads)
    faiss.omp_set_num_threads(t)
    s0 = A._cpu_sample()
    t0 = time.perf_counter()
    base, queries, gt = A.load_data(SimpleNamespace(data_dir=a.data_dir), n)
    kind = a.faiss_index
    if kind == "flat":
        index = faiss.IndexFlatIP(A.D)
    else:
        qtype = {"sq8": faiss.ScalarQuantizer.QT_8bit, "sqfp16": faiss.ScalarQuantizer.QT_fp16}[kind]
        index = faiss.IndexScalarQuantizer(A.D, qtype, faiss.METRIC_INNER_PRODUCT)
    load_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    if not index.is_trained:
        index.train(base)
    index.add(base)
    encode_s = time.perf_counter() - t1
    load_others = A._foreign_load(s0, A._cpu_sample())[0]
    ns = a.singles if a.singles is not None else (300 if n <= 100_000 else 100)
    index.search(queries[:400], A.TOPK)              # warm-up, as the anchors' flat section does
    b = A.bench(lambda: index.search(queries, A.TOPK), a.reps, warmup=0)
    out = {"bench": "flat", "engine": "faiss", "faiss_index": kind, "encode_s": encode_s,
           "bytes_per_vector": index.sa_code_size() if kind != "flat" else A.D * 4, "n": n, "label": A.size_label(n), "k": A.TOPK, "threads": t,
           "reps": a.reps, "faiss_version": faiss.__version__,
           "load": {"wall_s": load_s, "others_cores": load_others},
           "batch": {"queries": len(queries), "times_s": b["times"], "median_s": b["median"], "min_s": b["min"],
                     "qps": len(queries) / b["median"], "spread": b["spread"], "others_max": b.get("bg")}}
    _, I = index.search(queries, A.TOPK)
    rec = {"batch": A.recall_at_k(I, gt)}
    if ns > 0 and not a.no_single:
        s = A.single_query_bench(lambda q: index.search(q, A.TOPK), queries[:ns], a.reps)
        out["single"] = {"n_queries": s["n_queries"], "p50_s": s["p50_s"], "p99_s": s["p99_s"],
                         "p50_ms": s["p50_s"] * 1e3, "qps": s["qps"], "qps_all": s["qps_all"],
                         "spread": s["spread"], "others_max": s["bg"]}
        ids = np.vstack([index.search(queries[i:i + 1], A.TOPK)[1] for i in range(ns)])
        rec["single"] = A.recall_at_k(ids, gt[:ns])
    out["recall_at_10"] = rec
    out["recall_ok"] = all(v >= (1.0 if kind == "flat" else 0.0) for v in rec.values())
    out["peak_rss_bytes"] = vm_hwm()
    out["blas"] = [{k: d.get(k) for k in ("internal_api", "version", "threading_layer", "architecture", "num_threads")}
                   for d in threadpool_info() if d.get("user_api") == "blas"]
    out["env"] = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS")
                  if k in os.environ}
    print(json.dumps(out))
    return 0


# ----------------------------------------------------------------------------------------------
# driver
# ----------------------------------------------------------------------------------------------

def ensure_data(a, sizes: list[int]):
    A = load_retrieval_anchors(a.shared_anchors)
    d = a.data_dir
    missing = [n for n in sizes if not all(os.path.exists(p) for k, p in A.data_paths(d, n).items()
                                           if k in ("base", "queries", "gt"))]
    if not missing:
        return
    script = C.shared_anchors_dir(a.shared_anchors) / "retrieval" / "anchors.py"
    argv = [sys.executable, str(script), "run", "--sections", "data", "--data-dir", d,
            "--results", os.path.join(d, "results"), "--sizes", ",".join(str(n) for n in missing)]
    C.log("generating the synthetic set for N =", ",".join(A.size_label(n) for n in missing), ":", " ".join(argv))
    rc = subprocess.run(argv).returncode
    if rc != 0:
        sys.exit(f"data generation failed (rc={rc})")


def run_one(a, engine: str, n: int, threads: int, binary: Path) -> dict:
    A = sys.modules.get("retrieval_anchors") or load_retrieval_anchors(a.shared_anchors)
    quiet = None
    if a.wait_quiet > 0:
        t_w = time.perf_counter()
        busy = A._machine_busy()
        while busy > a.quiet_cores and time.perf_counter() - t_w < a.wait_quiet:
            busy = A._machine_busy(3.0)
        quiet = {"waited_s": round(time.perf_counter() - t_w, 1), "others_before": busy,
                 "quiet": busy <= a.quiet_cores}
    common = ["--n", str(n), "--threads", str(threads), "--reps", str(a.inner_reps)]
    if a.singles is not None:
        common += ["--singles", str(a.singles)]
    if engine in FAISS_KINDS:
        argv = [sys.executable, os.path.abspath(__file__), "--worker", "faiss", "--faiss-index", FAISS_KINDS[engine],
                "--data-dir", a.data_dir] + common
        if a.shared_anchors:
            argv += ["--shared-anchors", a.shared_anchors]
    else:
        argv = [str(binary), "flat", "--data", a.data_dir, "--vectors", LOCALRAG_VECTORS[engine]] + common
        if engine != "localrag" and a.rescore:
            argv += ["--rescore", str(a.rescore)]
        if a.copy:
            argv.append("--copy")
    r = C.run_process(argv, timeout=a.timeout)
    rec = C.last_json(r["stdout"]) or {"error": f"rc={r['rc']}: {r['stderr'][-1500:]}"}
    rec.update({"rc": r["rc"], "process_wall_s": r["wall_s"], "process_peak_rss_bytes": r["peak_rss_bytes"],
                "engine": engine, "n": n, "threads": threads})
    if quiet:
        rec["quiet_wait"] = quiet
    if r["rc"] not in (0, 2):
        C.log(f"{engine} N={n} t={threads} failed rc={r['rc']}: {r['stderr'][-800:]}")
    return rec


def summarize(runs: list[dict]) -> list[dict]:
    rows = []
    keys = sorted({(r["n"], r["threads"]) for r in runs})
    for n, t in keys:
        row = {"n": n, "threads": t}
        for e in ENGINES:
            rs = [r for r in runs if r["n"] == n and r["threads"] == t and r["engine"] == e and "batch" in r]
            if not rs:
                continue
            times = [x for r in rs for x in r["batch"]["times_s"]]
            bm = C.med(times)
            s = {"processes": len(rs), "batch_median_s": bm, "batch_qps": 1000 / bm if bm else None,
                 "batch_times_s": times,
                 "batch_others_max": max((r["batch"].get("others_max") or 0) for r in rs),
                 "recall_batch_min": min(r["recall_at_10"]["batch"] for r in rs),
                 "bytes_per_vector": rs[0].get("bytes_per_vector"),
                 "peak_rss_bytes": C.med([r.get("peak_rss_bytes") or r.get("process_peak_rss_bytes") for r in rs])}
            singles = [r["single"] for r in rs if "single" in r]
            if singles:
                s["single_p50_ms"] = C.med([x["p50_s"] * 1e3 for x in singles])
                s["single_p99_ms"] = C.med([x["p99_s"] * 1e3 for x in singles])
                s["single_qps"] = C.med([x["qps"] for x in singles])
                s["single_n"] = singles[0]["n_queries"]
                s["single_others_max"] = max((x.get("others_max") or 0) for x in singles)
                s["recall_single_min"] = min(r["recall_at_10"].get("single", 1.0) for r in rs)
            row[e] = s
        # Ratios of ours against each faiss index: batch QPS ours / theirs, single p50 theirs / ours.
        for ours in LOCALRAG_VECTORS:
            for theirs in FAISS_KINDS:
                f, l = row.get(theirs), row.get(ours)
                if not (f and l):
                    continue
                suffix = "" if (ours, theirs) == ("localrag", "faiss") else f"_{ours}_vs_{theirs}"
                row["batch_qps_ratio" + suffix] = l["batch_qps"] / f["batch_qps"]
                if "single_p50_ms" in f and "single_p50_ms" in l:
                    row["single_speed_ratio" + suffix] = f["single_p50_ms"] / l["single_p50_ms"]
        rows.append(row)
    return rows


def render(summary: list[dict], meta: dict) -> str:
    def lab(n):
        return f"{n // 1_000_000}m" if n % 1_000_000 == 0 else f"{n // 1000}k"

    rows = []
    for r in summary:
        for e in ENGINES:
            x = r.get(e)
            if not x:
                continue
            rows.append([lab(r["n"]), r["threads"], e, C.fmt(x.get("bytes_per_vector")), C.fmt(x.get("batch_qps")),
                         C.fmt(x.get("single_p50_ms")),
                         f"{C.fixed(x.get('recall_batch_min'), 3)} / {C.fixed(x.get('recall_single_min'), 3)}",
                         C.fmt((x.get("peak_rss_bytes") or 0) / 2**20),
                         f"{C.fixed(x.get('batch_others_max'))} / {C.fixed(x.get('single_others_max'))}"])
    head = ["N", "threads", "engine", "bytes/vector", "batch QPS (1000 queries/call)", "single query p50 ms",
            "recall@10 batch / single", "peak RSS MiB", "others (cores, max) batch / single"]
    ratios = []
    for r in summary:
        for key, v in sorted(r.items()):
            if key.startswith(("batch_qps_ratio", "single_speed_ratio")):
                ratios.append(f"- {lab(r['n'])}, {r['threads']} thread(s), {key}: {C.fixed(v)}")
    lines = [f"Flat search, LocalRAG beside faiss ({meta['started']}; {meta['rounds']} alternating rounds of "
             f"fresh processes, {meta['inner_reps']} timed repetition(s) each; medians). Ratios > 1: LocalRAG faster "
             "(batch: QPS ours / theirs; single: their p50 / ours; a key without suffix is localrag vs faiss flat).",
             "", C.table(head, rows), "", *ratios, "",
             f"Command: `{meta['command']}`", "", C.machine_line(meta.get("machine"), meta.get("runs"))]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100k,1m", help="comma list: 100k,1m (or plain integers)")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--reps", type=int, default=3, help="alternating rounds: fresh processes per engine")
    ap.add_argument("--inner-reps", type=int, default=1, help="timed repetitions inside each process")
    ap.add_argument("--singles", type=int, default=None, help="single queries per repetition (300 at <=100k, 100 above)")
    ap.add_argument("--engines", default="faiss,localrag", help="comma list of " + ", ".join(ENGINES))
    ap.add_argument("--data-dir", default=os.environ.get("LOCALRAG_BENCH_DATA", "/tmp/anchors-data"))
    ap.add_argument("--shared-anchors", default=None, help="shared/anchors folder (default: beside the repo)")
    ap.add_argument("--bench-bin", default=None, help="localrag-bench binary (default Benchmarks/.build/release)")
    ap.add_argument("--copy", action="store_true", help="LocalRAG reads the base into memory instead of mmap")
    ap.add_argument("--wait-quiet", "--quiet-wait", dest="wait_quiet", type=float, default=0.0,
                    help="before each process wait up to this many seconds for others to use < --quiet-cores")
    ap.add_argument("--quiet-cores", type=float, default=0.3)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--out", default=str(C.BENCH_ROOT / "results" / "flat_side_by_side.json"))
    ap.add_argument("--rescore", type=int, default=None, help="localrag-int8, -f16, -bf16: candidates per result (default: the index's)")
    ap.add_argument("--worker", choices=["faiss"], help=argparse.SUPPRESS)
    ap.add_argument("--faiss-index", choices=["flat", "sq8", "sqfp16"], default="flat", help=argparse.SUPPRESS)
    ap.add_argument("--n", help=argparse.SUPPRESS)
    ap.add_argument("--no-single", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        a.reps = a.reps if a.reps else 1
        return worker_faiss(a)

    sizes = [size_of(s) for s in a.sizes.split(",") if s.strip()]
    threads = [int(t) for t in a.threads.split(",") if t.strip()]
    engines = [e for e in a.engines.split(",") if e in ENGINES]
    binary = C.bench_binary(a.bench_bin) if any(e.startswith("localrag") for e in engines) else None
    A = load_retrieval_anchors(a.shared_anchors)
    ensure_data(a, sizes)
    started = time.strftime("%Y-%m-%d %H:%M")
    results = {"started": started, "command": " ".join([Path(sys.executable).name] + sys.argv),
               "machine": C.machine_info(), "data_dir": a.data_dir, "sizes": sizes, "threads": threads,
               "rounds": a.reps, "inner_reps": a.inner_reps, "runs": []}
    dj = Path(a.data_dir) / "results" / "data.json"      # written by the anchors' data section
    if dj.is_file():
        d = json.loads(dj.read_text())
        results["data_sha256"] = {"queries": d.get("queries", {}).get("sha256"),
                                  **{f"base_{k}": v.get("sha256_base") for k, v in d.get("sets", {}).items()},
                                  **{f"gt_{k}": v.get("sha256_gt") for k, v in d.get("sets", {}).items()}}
    try:
        import faiss
        results["faiss_version"] = faiss.__version__
    except ImportError:
        pass
    t_all = time.perf_counter()
    for n in sizes:
        for rnd in range(a.reps):
            for t in threads:
                order = engines if rnd % 2 == 0 else list(reversed(engines))
                for e in order:
                    rec = run_one(a, e, n, t, binary)
                    rec["round"] = rnd
                    results["runs"].append(rec)
                    b = rec.get("batch", {})
                    s = rec.get("single", {})
                    C.log(f"N={A.size_label(n)} t={t} round {rnd} {e:8s}: batch {C.fmt(b.get('qps'))} QPS, "
                          f"single p50 {C.fmt(s.get('p50_ms'))} ms, recall {rec.get('recall_at_10')}, "
                          f"others {C.fixed(b.get('others_max'))}")
    results["total_s"] = time.perf_counter() - t_all
    results["summary"] = summarize(results["runs"])
    md = render(results["summary"], {"started": started, "rounds": a.reps, "inner_reps": a.inner_reps,
                                     "command": results["command"], "machine": results.get("machine"),
                                     "runs": results["runs"]})
    C.write_outputs(Path(a.out), results, md)
    print(md)
    bad = [r for r in results["runs"] if r.get("rc") not in (0, 2) or not r.get("recall_ok", False)]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
