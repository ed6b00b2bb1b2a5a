#!/usr/bin/env python3
"""IVF search, LocalRAG's IVFIndex beside faiss IndexIVFFlat, in the same run on the same data.

For every data set and thread count (1, 2), alternates fresh processes of
  * faiss IndexIVFFlat(IndexFlatIP, 384, nlist, METRIC_INNER_PRODUCT) (this script's --worker faiss),
    driven exactly as shared/anchors/retrieval/anchors.py `section_ivf` drives it: trained on the
    first min(N, 40*nlist) base vectors (faiss's defaults: spherical k-means, 10 iterations, seed
    1234), then `add` of the whole base; threads by faiss.omp_set_num_threads (and threadpoolctl for
    its OpenMP OpenBLAS), and
  * `localrag-bench ivf` (Benchmarks/.build/release/localrag-bench) with the same nlist, the same
    training rows, the same nprobe list and thread count,
--reps rounds each (the order flips every round and thread count). Each process builds its index
(train + add timed, at its thread count), then for each nprobe: recall@10 against the exact
ground truth, vectors scanned per query, the 1000-query batch in one call (after a warm-up call;
--inner-reps timed calls, QPS = 1000 / median) and --singles single queries one call each (p50 /
p99 per pass, median over passes). Memory: RSS growth of the build over the process's RSS with the
raw vectors already resident, per vector (the anchors' rss_delta_per_vector), and peak RSS (VmHWM)
before anything else is written; disk: faiss's serialize_index size, LocalRAG's IVF part size from
its on-disk format (and, for the data sets in --write-index, a real index folder written and
reopened).

Data sets:
  100k, 1m  the shared anchors' synthetic set (shared/anchors/retrieval/RESULTS.md, "Data set"),
            generated into --data-dir when missing (through flat_side_by_side.ensure_data);
            nlist 1024 and 4096 (the anchors' nlist_for).
  minilm    all-MiniLM-L6-v2 embeddings of shared/data/corpus_large.csv (47,878 rows; embedded once
            with the release `rag embed`, else `localrag-bench embed --save-embeddings`), 1,000 rows
            held out as queries (seeded), the rest the base; exact float64 ground truth (the
            anchors' exact_topk_f64); written to --minilm-dir in the synthetic set's file layout.
            nlist = nlist_for(N) = 1024.

Usage (from the repository root, with the anchors venv):
  .venv-anchors/bin/python Benchmarks/anchors/ivf_side_by_side.py --wait-quiet 60
      # 100k and minilm, 3 rounds; 1m once (1 round: --reps-1m); threads 1 and 2
  .venv-anchors/bin/python Benchmarks/anchors/ivf_side_by_side.py --datasets 100k --reps 1 \\
      --nprobes 1,8,64 --out /tmp/ivf_smoke.json                                  # smoke
Output: Benchmarks/results/ivf_side_by_side.{json,md}. The environment is passed on unchanged.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as C  # noqa: E402

ENGINES = ("faiss", "localrag")
RAW = 384 * 4
TARGET_RECALL = 0.95
MINILM_SEED = 20261127
CORPUS = C.REPO.parent / "shared" / "data" / "corpus_large.csv"


def size_of(s: str) -> int:
    s = s.strip().lower()
    if s.endswith("m"):
        return int(s[:-1]) * 1_000_000
    if s.endswith("k"):
        return int(s[:-1]) * 1000
    return int(s)


def load_retrieval_anchors(shared: str | None):
    mod = sys.modules.get("retrieval_anchors")
    return mod or C.import_script(C.shared_anchors_dir(shared) / "retrieval" / "anchors.py", "retrieval_anchors")


def status_bytes(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def bench_cpu(A, fn, reps: int) -> dict:
    """The anchors' `bench` (no warm-up: the caller has searched once already), plus this process's CPU
    seconds per repetition, so that throughput per CPU-second can be read when the machine is shared."""
    times, loads, cpu = [], [], []
    for _ in range(reps):
        s0 = A._cpu_sample()
        c0 = time.process_time()                   # CLOCK_PROCESS_CPUTIME_ID: ns, not 10 ms ticks
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        c1 = time.process_time()
        s1 = A._cpu_sample()
        times.append(dt)
        loads.append(A._foreign_load(s0, s1)[0] if dt >= 0.05 else None)   # /proc/stat ticks are 10 ms
        cpu.append(c1 - c0)
    out = A.summarize(times)
    out.update({"loads": loads, "bg": max((x for x in loads if x is not None), default=None), "cpu_s": cpu})
    return out


# ----------------------------------------------------------------------------------------------
# worker: faiss IndexIVFFlat in this process, one thread count, one JSON object on stdout
# ----------------------------------------------------------------------------------------------

def worker_faiss(a) -> int:
    A = load_retrieval_anchors(a.shared_anchors)
    import faiss
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits

    t = int(a.threads)
    n = int(a.n)
    faiss.omp_set_num_threads(t)
    limits = threadpool_limits(limits=t)          # faiss's own OpenBLAS is OpenMP-threaded; this pins numpy's too
    s0 = A._cpu_sample()
    t0 = time.perf_counter()
    base, queries, gt = A.load_data(SimpleNamespace(data_dir=a.data_dir), n)
    load = {"wall_s": time.perf_counter() - t0, "others_cores": A._foreign_load(s0, A._cpu_sample())[0]}
    nq, k = len(queries), A.TOPK
    nlist = int(a.nlist) if a.nlist else A.nlist_for(n)
    ntrain = min(n, int(a.train_size) if a.train_size else 40 * nlist)
    xt = base[:ntrain]
    nprobes = [p for p in (int(x) for x in a.nprobes.split(",")) if 1 <= p <= nlist]
    ns = a.singles if a.singles is not None else (1000 if n <= 100_000 else 300)
    ns = min(ns, nq)

    rss0 = status_bytes("VmRSS")
    quantizer = faiss.IndexFlatIP(A.D)
    if a.faiss_index == "ivfsq8":    # 8-bit scalar quantizer codes, on the residuals (faiss's default)
        index = faiss.IndexIVFScalarQuantizer(quantizer, A.D, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
    else:
        index = faiss.IndexIVFFlat(quantizer, A.D, nlist, faiss.METRIC_INNER_PRODUCT)
    s0 = A._cpu_sample()
    t0 = time.perf_counter()
    index.train(xt)
    t1 = time.perf_counter()
    s1 = A._cpu_sample()
    index.add(base)
    t2 = time.perf_counter()
    s2 = A._cpu_sample()
    rss1 = status_bytes("VmRSS")
    hwm1 = status_bytes("VmHWM")
    import ctypes
    ctypes.CDLL("libc.so.6").malloc_trim(0)       # what of the growth is free heap glibc kept
    rss1t = status_bytes("VmRSS")
    invl = index.invlists
    sizes = np.array([invl.list_size(i) for i in range(nlist)])
    out = {"bench": "ivf", "engine": "faiss", "faiss_index": a.faiss_index, "faiss_version": faiss.__version__, "n": n, "dimension": A.D,
           "queries": nq, "k": k, "nlist": nlist, "ntrain": ntrain, "threads": t, "reps": a.reps, "singles": ns,
           "load": load,
           "train": {"wall_s": t1 - t0, "cpu_s": s1[3] - s0[3], "others_cores": A._foreign_load(s0, s1)[0],
                     "iterations": index.cp.niter, "spherical": bool(index.cp.spherical), "seed": index.cp.seed},
           "add": {"wall_s": t2 - t1, "cpu_s": s2[3] - s1[3], "others_cores": A._foreign_load(s1, s2)[0]},
           "lists": {"imbalance": invl.imbalance_factor(), "empty": int((sizes == 0).sum()), "largest": int(sizes.max())},
           "memory": {"raw_bytes_per_vector": RAW, "rss_before_build": rss0, "rss_after_build": rss1,
                      "rss_growth_per_vector": (rss1 - rss0) / n, "rss_growth_ratio_to_raw": (rss1 - rss0) / n / RAW,
                      "peak_growth_per_vector": (hwm1 - rss0) / n,
                      "rss_growth_per_vector_after_malloc_trim": (rss1t - rss0) / n},
           "sweep": []}
    for nprobe in nprobes:
        index.nprobe = nprobe
        faiss.cvar.indexIVF_stats.reset()
        _, I = index.search(queries, k)                   # warm-up, recall and distance count
        ndis = faiss.cvar.indexIVF_stats.ndis / nq
        b = bench_cpu(A, lambda: index.search(queries, k), a.reps)
        row = {"nprobe": nprobe, "scanned_per_query": ndis,
               "batch": {"queries": nq, "times_s": b["times"], "median_s": b["median"], "min_s": b["min"],
                         "qps": nq / b["median"], "spread": b["spread"], "others_max": b.get("bg"),
                         "others_cores": b["loads"], "cpu_s": b["cpu_s"]},
               "recall_at_10": {"batch": A.recall_at_k(I, gt)}}
        if ns > 0:
            c0 = time.process_time()
            s = A.single_query_bench(lambda q: index.search(q, k), queries[:ns], a.reps)
            cpu = time.process_time() - c0        # includes the 10 warm-up queries
            row["single"] = {"n_queries": s["n_queries"], "p50_s": s["p50_s"], "p99_s": s["p99_s"],
                             "p50_ms": s["p50_s"] * 1e3, "qps": s["qps"], "qps_all": s["qps_all"],
                             "spread": s["spread"], "others_max": s["bg"],
                             "cpu_s_per_query": cpu / (ns * a.reps + min(10, ns))}
            ids = np.vstack([index.search(queries[i:i + 1], k)[1] for i in range(ns)])
            row["recall_at_10"]["single"] = A.recall_at_k(ids, gt[:ns])
        out["sweep"].append(row)
        print(time.strftime("%H:%M:%S"), f"faiss ivf N={n} nlist={nlist} {t}t nprobe={nprobe}: recall "
              f"{row['recall_at_10']['batch']:.3f} batch {row['batch']['qps']:.0f} QPS", file=sys.stderr, flush=True)
    out["memory"]["peak_rss_after_sweep"] = status_bytes("VmHWM")
    ser = faiss.serialize_index(index)
    out["disk"] = {"serialized_bytes": int(ser.size), "serialized_bytes_per_vector": ser.size / n,
                   "serialized_ratio_to_raw": ser.size / n / RAW}
    del ser
    out["peak_rss_bytes"] = status_bytes("VmHWM")
    out["blas"] = [{k2: d.get(k2) for k2 in ("internal_api", "version", "threading_layer", "num_threads")}
                   for d in threadpool_info() if d.get("user_api") in ("blas", "openmp")]
    out["env"] = {k2: os.environ[k2] for k2 in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS")
                  if k2 in os.environ}
    del limits
    print(json.dumps(out))
    return 0


# ----------------------------------------------------------------------------------------------
# data
# ----------------------------------------------------------------------------------------------

def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for blk in iter(lambda: f.read(1 << 24), b""):
            h.update(blk)
    return h.hexdigest()


def corpus_rows(path: Path) -> int:
    with open(path, newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.DictReader(f))


def ensure_minilm(a) -> dict:
    """The MiniLM set in --minilm-dir: base_<N>.f32, queries.f32, gt_<N>.i32 (+ scores), meta.json."""
    import numpy as np
    A = load_retrieval_anchors(a.shared_anchors)
    d = Path(a.minilm_dir)
    d.mkdir(parents=True, exist_ok=True)
    meta_path = d / "meta.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        lab = A.size_label(meta["n"])
        if all((d / f).is_file() for f in (f"base_{lab}.f32", "queries.f32", f"gt_{lab}.i32")):
            return meta
    emb = Path(a.minilm_f32) if a.minilm_f32 else d / "corpus_large.f32"
    rows = corpus_rows(CORPUS)
    if not emb.is_file() or emb.stat().st_size != rows * RAW:
        rag = C.REPO / ".build" / "release" / "rag"
        if rag.is_file():
            argv = [str(rag), "embed", "--csv", str(CORPUS), "--out", str(emb), "--format", "f32", "--threads", "2"]
        else:
            argv = [str(C.bench_binary(a.bench_bin)), "embed", "--csv", str(CORPUS), "--reps", "1", "--no-latency",
                    "--threads", "2", "--save-embeddings", str(emb)]
        C.log("embedding", CORPUS, "->", emb, ":", " ".join(argv))
        t0 = time.perf_counter()
        if subprocess.run(argv, stdout=subprocess.DEVNULL).returncode != 0:
            sys.exit("embedding corpus_large.csv failed")
        C.log(f"embedded in {time.perf_counter() - t0:.0f} s")
    x = np.fromfile(emb, dtype="<f4")
    if x.size != rows * A.D:
        sys.exit(f"{emb}: {x.size} floats, expected {rows} rows x {A.D}")
    x = x.reshape(rows, A.D)
    norms = np.linalg.norm(x.astype(np.float64), axis=1)
    norm_err = float(np.abs(norms - 1).max())
    if norm_err > 1e-4:
        x = (x.astype(np.float64) / norms[:, None]).astype(np.float32)
    rng = np.random.default_rng(MINILM_SEED)
    held = np.sort(rng.choice(rows, A.N_QUERIES, replace=False))
    keep = np.ones(rows, dtype=bool)
    keep[held] = False
    base, queries = np.ascontiguousarray(x[keep]), np.ascontiguousarray(x[held])
    n = len(base)
    lab = A.size_label(n)
    t0 = time.perf_counter()
    gi, gs = A.exact_topk_f64(base, queries)
    base.astype("<f4").tofile(d / f"base_{lab}.f32")
    queries.astype("<f4").tofile(d / "queries.f32")
    gi.astype("<i4").tofile(d / f"gt_{lab}.i32")
    gs.astype("<f4").tofile(d / f"gt_{lab}_scores.f32")
    meta = {"n": n, "label": lab, "source_embeddings": str(emb), "sha256_embeddings": sha256_file(emb),
            "corpus": str(CORPUS), "corpus_rows": rows, "held_out": A.N_QUERIES, "holdout_seed": MINILM_SEED,
            "max_abs_norm_minus_1": norm_err, "renormalised": norm_err > 1e-4,
            "gt_method": "exact float64 (anchors.exact_topk_f64)", "gt_seconds": time.perf_counter() - t0,
            "top1_score_mean": float(gs[:, 0].mean()), "top10_score_mean": float(gs[:, 9].mean()),
            "sha256_base": sha256_file(d / f"base_{lab}.f32"), "sha256_gt": sha256_file(d / f"gt_{lab}.i32")}
    meta_path.write_text(json.dumps(meta, indent=1) + "\n")
    C.log(f"MiniLM set: {n} base rows, {A.N_QUERIES} queries, in {d}")
    return meta


# ----------------------------------------------------------------------------------------------
# driver
# ----------------------------------------------------------------------------------------------

def dataset_spec(a, name: str, minilm_meta: dict | None) -> dict:
    A = load_retrieval_anchors(a.shared_anchors)
    if name == "minilm":
        n = minilm_meta["n"]
        d = a.minilm_dir
        lab = A.size_label(n)
        return {"name": "minilm", "n": n, "data_dir": d,
                "localrag_data": ["--vectors", os.path.join(d, f"base_{lab}.f32"), "--queries",
                                  os.path.join(d, "queries.f32"), "--gt", os.path.join(d, f"gt_{lab}.i32")]}
    n = size_of(name)
    return {"name": A.size_label(n), "n": n, "data_dir": a.data_dir, "localrag_data": ["--n", str(n), "--data", a.data_dir]}


def wait_quiet(a) -> dict | None:
    if a.wait_quiet <= 0:
        return None
    A = load_retrieval_anchors(a.shared_anchors)
    t_w = time.perf_counter()
    busy = A._machine_busy()
    while busy > a.quiet_cores and time.perf_counter() - t_w < a.wait_quiet:
        busy = A._machine_busy(3.0)
    return {"waited_s": round(time.perf_counter() - t_w, 1), "others_before": busy, "quiet": busy <= a.quiet_cores}


def run_one(a, engine: str, spec: dict, threads: int, binary: Path, write_index: bool) -> dict:
    A = load_retrieval_anchors(a.shared_anchors)
    nlist = A.nlist_for(spec["n"])
    ntrain = min(spec["n"], 40 * nlist)
    common = ["--threads", str(threads), "--reps", str(a.inner_reps), "--nprobes", a.nprobes,
              "--nlist", str(nlist), "--train-size", str(ntrain)]
    if a.singles is not None:
        common += ["--singles", str(a.singles)]
    if engine == "faiss":
        argv = [sys.executable, os.path.abspath(__file__), "--worker", "faiss", "--data-dir", spec["data_dir"],
                "--n", str(spec["n"]), "--faiss-index", a.faiss_index] + common
        if a.shared_anchors:
            argv += ["--shared-anchors", a.shared_anchors]
    else:
        argv = [str(binary), "ivf"] + spec["localrag_data"] + common
        if a.localrag_vectors != "f32":
            argv += ["--codes", a.localrag_vectors, "--rescore", str(a.rescore)]
        if write_index:
            argv += ["--write-index", os.path.join(a.index_tmp, f"ivf-index-{spec['name']}")]
    quiet = wait_quiet(a)
    r = C.run_process(argv, timeout=a.timeout)
    rec = C.last_json(r["stdout"]) or {"error": f"rc={r['rc']}: {r['stderr'][-1500:]}"}
    rec.update({"rc": r["rc"], "process_wall_s": r["wall_s"], "process_peak_rss_bytes": r["peak_rss_bytes"],
                "engine": engine, "dataset": spec["name"], "threads": threads, "argv": argv})
    if quiet:
        rec["quiet_wait"] = quiet
    if r["rc"] != 0:
        C.log(f"{engine} {spec['name']} t={threads} failed rc={r['rc']}: {r['stderr'][-800:]}")
    if write_index and engine == "localrag":
        import shutil
        shutil.rmtree(os.path.join(a.index_tmp, f"ivf-index-{spec['name']}"), ignore_errors=True)
    return rec


def _max(xs):
    xs = [x for x in xs if x is not None]
    return max(xs) if xs else None


def summarize(runs: list[dict], datasets: list[str], threads: list[int]) -> list[dict]:
    out = []
    for ds in datasets:
        for t in threads:
            row = {"dataset": ds, "threads": t, "engines": {}}
            for e in ENGINES:
                rs = [r for r in runs if r["dataset"] == ds and r["threads"] == t and r["engine"] == e and "sweep" in r]
                if not rs:
                    continue
                s = {"processes": len(rs), "n": rs[0]["n"], "nlist": rs[0]["nlist"], "ntrain": rs[0]["ntrain"],
                     "train_s": C.med([r["train"]["wall_s"] for r in rs]),
                     "train_s_all": [r["train"]["wall_s"] for r in rs],
                     "train_cpu_s": C.med([r["train"].get("cpu_s") for r in rs]),
                     "add_s": C.med([r["add"]["wall_s"] for r in rs]),
                     "add_cpu_s": C.med([r["add"].get("cpu_s") for r in rs]),
                     "add_s_all": [r["add"]["wall_s"] for r in rs],
                     "build_others_max": _max([max(r["train"].get("others_cores") or 0, r["add"].get("others_cores") or 0)
                                               for r in rs]),
                     "imbalance": rs[0]["lists"]["imbalance"],
                     "rss_growth_per_vector": C.med([r["memory"]["rss_growth_per_vector"] for r in rs]),
                     "rss_growth_trimmed": C.med([r["memory"].get("rss_growth_per_vector_after_malloc_trim") for r in rs]),
                     "peak_growth_per_vector": C.med([r["memory"].get("peak_growth_per_vector") for r in rs]),
                     "peak_rss_bytes": C.med([r["memory"].get("peak_rss_after_sweep") or r.get("peak_rss_bytes") for r in rs]),
                     "sweep": {}}
                if e == "faiss":
                    s["disk_bytes_per_vector"] = rs[0]["disk"]["serialized_bytes_per_vector"]
                else:
                    s["disk_bytes_per_vector"] = rs[0]["disk"]["ivf_part_bytes_per_vector"]
                    s["index_bytes_per_vector"] = rs[0]["memory"]["index_bytes_per_vector"]
                    w = [r["disk"]["written"] for r in rs if "written" in r.get("disk", {})]
                    if w:
                        s["written"] = {"ivf_part_bytes_per_vector": w[0]["ivf_part_bytes_per_vector"],
                                        "folder_bytes_per_vector": w[0]["folder_bytes_per_vector"],
                                        "files": w[0]["files"], "reopened_recall_at_10": w[0]["reopened_recall_at_10"]}
                for p in [x["nprobe"] for x in rs[0]["sweep"]]:
                    pts = [x for r in rs for x in r["sweep"] if x["nprobe"] == p]
                    times = [tt for x in pts for tt in x["batch"]["times_s"]]
                    bm = C.med(times)
                    q = {"recall": min(x["recall_at_10"]["batch"] for x in pts),
                         "recall_single": min((x["recall_at_10"].get("single", 1.0) for x in pts), default=None),
                         "scanned": C.med([x["scanned_per_query"] for x in pts]),
                         "batch_qps": pts[0]["batch"]["queries"] / bm if bm else None,
                         "batch_times_s": times,
                         "batch_others_max": _max([x["batch"].get("others_max") for x in pts])}
                    cpus = [c for x in pts for c in x["batch"].get("cpu_s", [])]
                    if cpus:
                        q["batch_qps_per_cpu_s"] = pts[0]["batch"]["queries"] / C.med(cpus)
                    sg = [x["single"] for x in pts if "single" in x]
                    if sg:
                        q.update({"single_p50_ms": C.med([x["p50_s"] * 1e3 for x in sg]),
                                  "single_p99_ms": C.med([x["p99_s"] * 1e3 for x in sg]),
                                  "single_qps": C.med([x["qps"] for x in sg]), "single_n": sg[0]["n_queries"],
                                  "single_others_max": _max([x.get("others_max") for x in sg])})
                    s["sweep"][p] = q
                row["engines"][e] = s
            f, l = row["engines"].get("faiss"), row["engines"].get("localrag")
            if f and l:
                row["train_speed_ratio"] = f["train_s"] / l["train_s"]
                row["add_speed_ratio"] = f["add_s"] / l["add_s"]
                row["ratios"] = {}
                for p in l["sweep"]:
                    if p not in f["sweep"]:
                        continue
                    fp, lp = f["sweep"][p], l["sweep"][p]
                    rr = {"batch_qps": lp["batch_qps"] / fp["batch_qps"]}
                    if fp.get("batch_qps_per_cpu_s") and lp.get("batch_qps_per_cpu_s"):
                        rr["batch_qps_per_cpu_s"] = lp["batch_qps_per_cpu_s"] / fp["batch_qps_per_cpu_s"]
                    if "single_p50_ms" in fp and "single_p50_ms" in lp:
                        rr["single_p50_speed"] = fp["single_p50_ms"] / lp["single_p50_ms"]
                        rr["single_qps"] = lp["single_qps"] / fp["single_qps"]
                    row["ratios"][p] = rr
                row["at_target"] = at_target(f, l)
            out.append(row)
    return out


def interp_at(sweep: dict, key: str, target: float = TARGET_RECALL):
    """`key` of one engine's sweep at recall@10 = target, interpolated between the two nprobes that
    bracket it (linear in recall, geometric in the value): (value, nprobe below, nprobe above), or
    (None, None, None) when the sweep never reaches the target. The nprobe grid doubles, so which side
    of 0.95 one engine's k-means lands on decides the plain "first nprobe that reaches it" comparison;
    this one does not jump with it."""
    prev = None
    for p in sorted(sweep):
        s = sweep[p]
        if s.get(key) is None:
            continue
        if s["recall"] >= target:
            if prev is None or prev[1]["recall"] >= s["recall"]:
                return s[key], p, p
            r0, r1, v0, v1 = prev[1]["recall"], s["recall"], prev[1][key], s[key]
            return v0 * (v1 / v0) ** ((target - r0) / (r1 - r0)), prev[0], p
        prev = (p, s)
    return None, None, None


def at_target(f: dict, l: dict) -> dict:
    """Each engine at its smallest nprobe with batch recall@10 >= TARGET_RECALL, and the ratios there;
    also the range of ratios over the nprobes where both reach it."""
    def first(s):
        ok = [p for p in sorted(s["sweep"]) if s["sweep"][p]["recall"] >= TARGET_RECALL]
        return ok[0] if ok else None
    pf, pl = first(f), first(l)
    res = {"faiss_nprobe": pf, "localrag_nprobe": pl}
    if pf is None or pl is None:
        res["reached"] = False
        return res
    F, L = f["sweep"][pf], l["sweep"][pl]
    res.update({"reached": True, "faiss_recall": F["recall"], "localrag_recall": L["recall"],
                "batch_qps_ratio": L["batch_qps"] / F["batch_qps"]})
    if "single_p50_ms" in F and "single_p50_ms" in L:
        res["single_p50_speed_ratio"] = F["single_p50_ms"] / L["single_p50_ms"]
        res["single_qps_ratio"] = L["single_qps"] / F["single_qps"]
    interp = {}
    for key in ("batch_qps", "single_p50_ms"):
        fv, f0, f1 = interp_at(f["sweep"], key)
        lv, l0, l1 = interp_at(l["sweep"], key)
        if fv and lv:
            interp[key] = {"faiss": fv, "localrag": lv, "faiss_between": [f0, f1], "localrag_between": [l0, l1],
                           "ratio": lv / fv if key == "batch_qps" else fv / lv}
    res["interpolated"] = interp
    both = [p for p in sorted(l["sweep"]) if p in f["sweep"] and min(f["sweep"][p]["recall"], l["sweep"][p]["recall"]) >= TARGET_RECALL]
    if both:
        bq = [l["sweep"][p]["batch_qps"] / f["sweep"][p]["batch_qps"] for p in both]
        res["same_nprobe_batch_ratio_range"] = [min(bq), max(bq)]
        sq = [f["sweep"][p]["single_p50_ms"] / l["sweep"][p]["single_p50_ms"] for p in both
              if "single_p50_ms" in f["sweep"][p] and "single_p50_ms" in l["sweep"][p]]
        if sq:
            res["same_nprobe_single_ratio_range"] = [min(sq), max(sq)]
    return res


def render(summary: list[dict], meta: dict) -> str:
    fx, fm = C.fixed, C.fmt
    ours = (f"LocalRAG IVFIndex scanning its lists' {meta.get('localrag_vectors')} codes (QuantizedIVFIndex, k x {meta['rescore']} candidates rescored exactly)"
            if meta.get("localrag_vectors", "f32") != "f32" else "LocalRAG IVFIndex")
    theirs = "IndexIVFScalarQuantizer (QT_8bit, by residual)" if meta.get("faiss_index") == "ivfsq8" else "IndexIVFFlat"
    lines = [f"IVF search, {ours} beside faiss {meta.get('faiss_version', '')} {theirs} ({meta['started']}; "
             f"alternating fresh processes, {meta['inner_reps']} timed repetition(s) of each measurement inside each; "
             "medians). Ratios are LocalRAG ÷ faiss speed (> 1: LocalRAG faster): batch = QPS ratio, single = faiss p50 "
             "÷ LocalRAG p50. `others` = cores other processes used during the measurement (max); read 2-thread "
             "rows only where it is near 0.", ""]
    by_ds: dict[str, list[dict]] = {}
    for r in summary:
        by_ds.setdefault(r["dataset"], []).append(r)
    for ds, rows in by_ds.items():
        first = next((r for r in rows if r["engines"]), None)
        if not first:
            continue
        e0 = next(iter(first["engines"].values()))
        lines += [f"### {ds}: N = {e0['n']:,}, nlist {e0['nlist']}, {e0['ntrain']:,} training vectors "
                  f"({rows[0]['engines'].get('localrag', e0)['processes']} process(es) per engine and thread count)", ""]
        head = ["threads", "train s faiss / LocalRAG", "train speed ratio", "train CPU s faiss / LocalRAG",
                "add s faiss / LocalRAG", "add speed ratio", "add CPU s faiss / LocalRAG",
                "others (build)", "RAM growth B/vector faiss / LocalRAG (× raw 1,536)",
                "after malloc_trim faiss / LocalRAG", "peak growth B/vector faiss / LocalRAG", "peak RSS MiB faiss / LocalRAG",
                "disk B/vector faiss / LocalRAG IVF part"]
        trs = []
        for r in rows:
            f, l = r["engines"].get("faiss", {}), r["engines"].get("localrag", {})
            trs.append([r["threads"], f"{fm(f.get('train_s'))} / {fm(l.get('train_s'))}", fx(r.get("train_speed_ratio")),
                        f"{fm(f.get('train_cpu_s'))} / {fm(l.get('train_cpu_s'))}",
                        f"{fm(f.get('add_s'))} / {fm(l.get('add_s'))}", fx(r.get("add_speed_ratio")),
                        f"{fm(f.get('add_cpu_s'))} / {fm(l.get('add_cpu_s'))}",
                        f"{fx(f.get('build_others_max'))} / {fx(l.get('build_others_max'))}",
                        f"{fm(f.get('rss_growth_per_vector'))} ({fx((f.get('rss_growth_per_vector') or 0) / RAW)}) / "
                        f"{fm(l.get('rss_growth_per_vector'))} ({fx((l.get('rss_growth_per_vector') or 0) / RAW)})",
                        f"{fm(f.get('rss_growth_trimmed'))} / {fm(l.get('rss_growth_trimmed'))}",
                        f"{fm(f.get('peak_growth_per_vector'))} / {fm(l.get('peak_growth_per_vector'))}",
                        f"{fm((f.get('peak_rss_bytes') or 0) / 2**20)} / {fm((l.get('peak_rss_bytes') or 0) / 2**20)}",
                        f"{fm(f.get('disk_bytes_per_vector'))} / {fm(l.get('disk_bytes_per_vector'))}"])
        lines += [C.table(head, trs), ""]
        for r in rows:
            f, l = r["engines"].get("faiss"), r["engines"].get("localrag")
            if not (f and l):
                continue
            head = ["nprobe", "recall@10 faiss / LocalRAG", "scanned/query faiss / LocalRAG", "batch QPS faiss",
                    "batch QPS LocalRAG", "batch ratio", "batch queries per CPU-s faiss / LocalRAG (ratio)", "single p50 ms faiss", "single p50 ms LocalRAG", "single ratio",
                    "others batch / single (max, faiss / LocalRAG)"]
            srs = []
            for p in sorted(l["sweep"]):
                fp, lp, rr = f["sweep"].get(p, {}), l["sweep"][p], r["ratios"].get(p, {})
                srs.append([p, f"{fx(fp.get('recall'), 3)} / {fx(lp.get('recall'), 3)}",
                            f"{fm(fp.get('scanned'))} / {fm(lp.get('scanned'))}", fm(fp.get("batch_qps")),
                            fm(lp.get("batch_qps")), fx(rr.get("batch_qps")),
                            f"{fm(fp.get('batch_qps_per_cpu_s'))} / {fm(lp.get('batch_qps_per_cpu_s'))} "
                            f"({fx(rr.get('batch_qps_per_cpu_s'))})", fm(fp.get("single_p50_ms")),
                            fm(lp.get("single_p50_ms")), fx(rr.get("single_p50_speed")),
                            f"{fx(fp.get('batch_others_max'))} / {fx(lp.get('batch_others_max'))}; "
                            f"{fx(fp.get('single_others_max'))} / {fx(lp.get('single_others_max'))}"])
            lines += [f"{r['threads']} thread(s):", "", C.table(head, srs), ""]
        for r in rows:
            lines.append(summary_line(r))
        w = (rows[0]["engines"].get("localrag") or {}).get("written")
        if w:
            lines.append(f"- written index folder ({ds}): IVF part {fm(w['ivf_part_bytes_per_vector'])} B/vector, whole "
                         f"folder (flat vectors, documents, IVF part) {fm(w['folder_bytes_per_vector'])} B/vector; "
                         f"reopened (mapped) recall@10 by nprobe {w['reopened_recall_at_10']}")
        lines.append("")
    lines.append(f"Command: `{meta['command']}`")
    lines += ["", C.machine_line(meta.get("machine"), meta.get("runs"))]
    return "\n".join(lines)


def summary_line(r: dict) -> str:
    f, l, at = r["engines"].get("faiss"), r["engines"].get("localrag"), r.get("at_target")
    if not (f and l and at):
        return f"- {r['dataset']} {r['threads']}t: incomplete"
    if not at["reached"]:
        return (f"- {r['dataset']} {r['threads']}t: recall@10 >= {TARGET_RECALL} not reached in the sweep "
                f"(faiss nprobe {at['faiss_nprobe']}, LocalRAG nprobe {at['localrag_nprobe']})")
    s = (f"- **{r['dataset']} {r['threads']}t at recall@10 >= {TARGET_RECALL}**: faiss nprobe {at['faiss_nprobe']} "
         f"({at['faiss_recall']:.3f}), LocalRAG nprobe {at['localrag_nprobe']} ({at['localrag_recall']:.3f}): "
         f"batch QPS ratio {at['batch_qps_ratio']:.2f} (target 1.5: {'met' if at['batch_qps_ratio'] >= 1.5 else 'missed'})")
    if "single_p50_speed_ratio" in at:
        s += (f", single-query speed ratio {at['single_p50_speed_ratio']:.2f} "
              f"(target 1.0: {'met' if at['single_p50_speed_ratio'] >= 1.0 else 'missed'})")
    ip = at.get("interpolated", {})
    if ip:
        parts = []
        if "batch_qps" in ip:
            b = ip["batch_qps"]
            parts.append(f"batch {b['faiss']:,.0f} / {b['localrag']:,.0f} QPS = **{b['ratio']:.2f}** "
                         f"({'met' if b['ratio'] >= 1.5 else 'missed'})")
        if "single_p50_ms" in ip:
            b = ip["single_p50_ms"]
            parts.append(f"single p50 {b['faiss']:.3f} / {b['localrag']:.3f} ms = **{b['ratio']:.2f}** "
                         f"({'met' if b['ratio'] >= 1.0 else 'missed'})")
        s += "; interpolated to recall 0.950 exactly (faiss / LocalRAG): " + ", ".join(parts)
    if "same_nprobe_batch_ratio_range" in at:
        lo, hi = at["same_nprobe_batch_ratio_range"]
        s += f"; at equal nprobe where both reach it: batch {lo:.2f}-{hi:.2f}"
        if "same_nprobe_single_ratio_range" in at:
            lo, hi = at["same_nprobe_single_ratio_range"]
            s += f", single {lo:.2f}-{hi:.2f}"
    tr = r.get("train_speed_ratio")
    ram = l["rss_growth_per_vector"] / RAW
    s += (f"; training {tr:.2f}x faiss's speed (target >= 1: {'met' if tr >= 1 else 'missed'}); RAM {ram:.3f}x raw "
          f"(target <= 1.05: {'met' if ram <= 1.05 else 'missed'}; faiss {f['rss_growth_per_vector'] / RAW:.2f}x)")
    return s


def report(a) -> int:
    """Re-summarises saved runs (e.g. a full run, then a data set re-measured on a quieter machine)."""
    runs, sources, order, threads, meta, owner = {}, [], [], [], {}, {}
    for i, path in enumerate(a.report):
        res = json.loads(Path(path).read_text())
        ds = list(dict.fromkeys(r["dataset"] for r in res["runs"]))
        for d in ds:
            runs[d] = [r for r in res["runs"] if r["dataset"] == d]
            owner[d] = i
            if d not in order:
                order.append(d)
        threads = sorted(set(threads) | set(res["threads"]))
        sources.append({"file": path, "command": res["command"], "started": res["started"], "datasets": ds,
                        "machine": res.get("machine"), "data_sha256": res.get("data_sha256"), "minilm": res.get("minilm")})
        meta = {"inner_reps": res["inner_reps"], "faiss_version": res.get("faiss_version", ""),
                **{k: res[k] for k in ("faiss_index", "localrag_vectors", "rescore") if k in res}}
    all_runs = [r for d in order for r in runs[d]]
    summary = summarize(all_runs, order, threads)
    used = [(s, [d for d in s["datasets"] if owner[d] == i]) for i, s in enumerate(sources)]
    used = [(s, ds) for s, ds in used if ds]
    started = ", ".join(f"{s['started']}: {' and '.join(ds)}" for s, ds in used)
    cmds = "` then `".join(s["command"] for s, _ in used)
    md = render(summary, {**meta, "started": started, "command": cmds})
    results = {"report_of": sources, "datasets": order, "threads": threads, "runs": all_runs, "summary": summary}
    C.write_outputs(Path(a.out), results, md)
    print(md)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default="100k,minilm,1m", help="comma list of 100k, 1m, minilm")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--reps", type=int, default=3, help="alternating rounds (fresh processes per engine) for 100k / minilm")
    ap.add_argument("--reps-1m", type=int, default=1, help="rounds at 1m (each process trains on 163,840 vectors and adds 1M)")
    ap.add_argument("--inner-reps", type=int, default=3, help="timed repetitions of each measurement inside each process")
    ap.add_argument("--nprobes", default="1,2,4,8,16,32,64")
    ap.add_argument("--singles", type=int, default=None, help="single queries per pass (1000 at <= 100k, 300 above)")
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--faiss-index", choices=["ivfflat", "ivfsq8"], default="ivfflat",
                    help="faiss's side: IndexIVFFlat, or IndexIVFScalarQuantizer with 8-bit codes")
    ap.add_argument("--localrag-vectors", choices=["f32", "int8", "f16", "bf16"], default="f32",
                    help="LocalRAG's side: the float32 lists, or their int8 / float16 / bfloat16 codes with exact rescoring")
    ap.add_argument("--rescore", type=int, default=4, help="with --localrag-vectors int8|f16|bf16: candidates kept per result / k")
    ap.add_argument("--data-dir", default=os.environ.get("LOCALRAG_BENCH_DATA", "/tmp/anchors-data"))
    ap.add_argument("--minilm-dir", default="/tmp/ivf-minilm", help="where the MiniLM set is (or is written)")
    ap.add_argument("--minilm-f32", default=None, help="existing embeddings of corpus_large.csv (rows x 384 float32)")
    ap.add_argument("--write-index", default="100k,minilm",
                    help="data sets whose first LocalRAG process also writes (and reopens) a real index folder")
    ap.add_argument("--index-tmp", default="/tmp", help="where those index folders go (removed afterwards)")
    ap.add_argument("--shared-anchors", default=None, help="shared/anchors folder (default: beside the repo)")
    ap.add_argument("--bench-bin", default=None, help="localrag-bench binary (default Benchmarks/.build/release)")
    ap.add_argument("--wait-quiet", "--quiet-wait", dest="wait_quiet", type=float, default=0.0,
                    help="before each process wait up to this many seconds for others to use < --quiet-cores")
    ap.add_argument("--quiet-cores", type=float, default=0.3)
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--out", default=str(C.BENCH_ROOT / "results" / "ivf_side_by_side.json"))
    ap.add_argument("--report", nargs="+", metavar="RUN.json",
                    help="no measuring: summarise the runs of these result files into --out (a data set measured in a "
                         "later file replaces the same data set of an earlier one)")
    ap.add_argument("--worker", choices=["faiss"], help=argparse.SUPPRESS)
    ap.add_argument("--n", help=argparse.SUPPRESS)
    ap.add_argument("--nlist", help=argparse.SUPPRESS)
    ap.add_argument("--train-size", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        return worker_faiss(a)        # its --reps are the driver's --inner-reps
    if a.report:
        return report(a)
    datasets = [s.strip().lower() for s in a.datasets.split(",") if s.strip()]
    threads = [int(t) for t in a.threads.split(",") if t.strip()]
    engines = [e for e in a.engines.split(",") if e in ENGINES]
    binary = C.bench_binary(a.bench_bin) if "localrag" in engines else None
    A = load_retrieval_anchors(a.shared_anchors)
    synth = [size_of(s) for s in datasets if s != "minilm"]
    if synth:
        import flat_side_by_side as F
        F.ensure_data(a, synth)
    minilm_meta = ensure_minilm(a) if "minilm" in datasets else None
    specs = [dataset_spec(a, s, minilm_meta) for s in datasets]
    write_sets = {s.strip().lower() for s in a.write_index.split(",") if s.strip()}
    started = time.strftime("%Y-%m-%d %H:%M")
    results = {"started": started, "command": " ".join([Path(sys.executable).name] + sys.argv),
               "machine": C.machine_info(), "datasets": [s["name"] for s in specs], "threads": threads,
               "rounds": a.reps, "rounds_1m": a.reps_1m, "inner_reps": a.inner_reps, "nprobes": a.nprobes,
               "faiss_index": a.faiss_index, "localrag_vectors": a.localrag_vectors, "rescore": a.rescore,
               "minilm": minilm_meta, "runs": []}
    try:
        import faiss
        results["faiss_version"] = faiss.__version__
    except ImportError:
        pass
    results["data_sha256"] = {}
    for spec in specs:                       # the files both engines read, hashed once
        if spec["name"] != "minilm":
            p = A.data_paths(a.data_dir, spec["n"])
            results["data_sha256"][spec["name"]] = {k: sha256_file(Path(p[k])) for k in ("base", "queries", "gt")}
    t_all = time.perf_counter()
    for spec in specs:
        rounds = a.reps_1m if spec["n"] >= 1_000_000 else a.reps
        wrote = False
        for rnd in range(rounds):
            for ti, t in enumerate(threads):
                order = engines if (rnd + ti) % 2 == 0 else list(reversed(engines))
                for e in order:
                    w = e == "localrag" and not wrote and spec["name"] in write_sets
                    rec = run_one(a, e, spec, t, binary, w)
                    wrote = wrote or w
                    rec["round"] = rnd
                    results["runs"].append(rec)
                    sw = rec.get("sweep", [])
                    best = next((x for x in sw if x["recall_at_10"]["batch"] >= TARGET_RECALL), None)
                    C.log(f"{spec['name']} t={t} round {rnd} {e:8s}: train {C.fmt(rec.get('train', {}).get('wall_s'))} s, "
                          f"add {C.fmt(rec.get('add', {}).get('wall_s'))} s, RAM {C.fmt(rec.get('memory', {}).get('rss_growth_per_vector'))} B/vec; "
                          + (f"nprobe {best['nprobe']}: recall {best['recall_at_10']['batch']:.3f}, batch {C.fmt(best['batch']['qps'])} QPS, "
                             f"single p50 {C.fmt(best.get('single', {}).get('p50_ms'))} ms" if best else "recall < 0.95 throughout"))
                    # keep a partial file so a long run is never lost
                    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
                    Path(a.out).with_suffix(".partial.json").write_text(json.dumps(results) + "\n")
    results["total_s"] = time.perf_counter() - t_all
    results["summary"] = summarize(results["runs"], [s["name"] for s in specs], threads)
    md = render(results["summary"], {"started": started, "inner_reps": a.inner_reps, "command": results["command"],
                                     "faiss_version": results.get("faiss_version", ""), "faiss_index": a.faiss_index,
                                     "localrag_vectors": a.localrag_vectors, "rescore": a.rescore,
                                     "machine": results.get("machine"), "runs": results["runs"]})
    C.write_outputs(Path(a.out), results, md)
    partial = Path(a.out).with_suffix(".partial.json")
    if partial.exists():
        partial.unlink()
    print(md)
    bad = [r for r in results["runs"] if r.get("rc") != 0]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
