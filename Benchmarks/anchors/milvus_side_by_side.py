#!/usr/bin/env python3
"""Milvus (Milvus Lite from PyPI) as LocalRAG's vector store, beside the local index, in one run on the same data.

1. Bulk load of shared/data/corpus_large.csv (47,878 rows):
     rag index build --csv corpus_large.csv --store milvus://127.0.0.1:PORT/corpus --kind ivf --nlist NLIST
   embeds here and upserts there; rag prints the split (embedding / upserting / flush + index + load),
   recorded as printed, with Milvus Lite's peak RSS. Beside it, the same rows into a local index folder:
     rag index build --csv corpus_large.csv --kind ivf --nlist NLIST --index TMP
2. Search on the MiniLM set of ivf_side_by_side.py (corpus_large's embeddings, 1,000 held-out queries,
   exact float64 ground truth), same nlist, same nprobe list, one process after the other:
     localrag-bench ivf     LocalRAG's IVFIndex, in process
     localrag-bench milvus  IVF_FLAT in Milvus Lite, through LocalRAG's MilvusStore (gRPC)
     pymilvus               Milvus's own Python client (3.0.2) on the same collection: what the server
                            answers without our client in the way
   each: recall@10, the 1,000-query batch (QPS = 1000 / median of --reps), single queries (p50/p99).

Usage (repository root; Milvus Lite from scripts/lib/install-milvus-lite.sh, numpy from the anchors venv):
  .venv-anchors/bin/python Benchmarks/anchors/milvus_side_by_side.py
Output: Benchmarks/results/milvus_side_by_side.{json,md}.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common as C

CORPUS = C.REPO.parent / "shared" / "data" / "corpus_large.csv"
MILVUS_LITE = C.REPO / ".venv-milvus" / "bin" / "milvus-lite"
MILVUS_PYTHON = C.REPO / ".venv-milvus" / "bin" / "python"
RAG = C.REPO / ".build" / "release" / "rag"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MilvusLite:
    """One milvus-lite server on a fresh data folder and a free loopback port."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="milvus-bench-"))
        self.port = free_port()
        self.log = open(self.dir.with_suffix(".log"), "w")
        self.p = subprocess.Popen([str(MILVUS_LITE), "server", "--data-dir", str(self.dir / "data"), "--host", "127.0.0.1",
                                   "--port", str(self.port)], stdout=self.log, stderr=self.log)
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 60:
            if self.p.poll() is not None:
                sys.exit(f"milvus-lite exited: {self.dir.with_suffix('.log').read_text()}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    self.ready_s = time.perf_counter() - t0
                    return
            time.sleep(0.1)
        sys.exit("milvus-lite did not listen within 60 s")

    def address(self, collection: str) -> str:
        return f"milvus://127.0.0.1:{self.port}/{collection}"

    def rss(self) -> dict:
        out = {}
        with open(f"/proc/{self.p.pid}/status") as f:
            for line in f:
                if line.startswith(("VmHWM", "VmRSS")):
                    out[line.split(":")[0]] = int(line.split()[1]) * 1024
        return out

    def stop(self):
        self.p.terminate()
        self.p.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.with_suffix(".log").unlink(missing_ok=True)


def parse_build(stdout: str) -> dict:
    """rag index build's summary lines: rows, seconds, and (into a store) the time split."""
    out = {}
    m = re.search(r"indexed (\d+) rows \((\d+) labels\) .* in ([\d.]+) s", stdout)
    if m:
        out.update(rows=int(m.group(1)), labels=int(m.group(2)), total_s=float(m.group(3)))
    m = re.search(r"time: embedding ([\d.]+) s \(here\), upserting ([\d.]+) s, flush \+ index \+ load ([\d.]+) s", stdout)
    if m:
        out.update(embedding_s=float(m.group(1)), upserting_s=float(m.group(2)), commit_s=float(m.group(3)))
    m = re.search(r"ivf: (\d+) lists .*; ([\d.]+) s", stdout)
    if m:
        out.update(ivf_lists=int(m.group(1)), ivf_s=float(m.group(2)))
    return out


def worker_pymilvus(a) -> int:
    """Milvus's own client searching the collection `localrag-bench milvus` filled (same queries, same nprobe list)."""
    import numpy as np
    from pymilvus import MilvusClient
    q = np.fromfile(a.queries, dtype="<f4").reshape(-1, 384)
    gt = np.fromfile(a.gt, dtype="<i4").reshape(len(q), -1)[:, :10]
    c = MilvusClient(uri=f"http://127.0.0.1:{a.port}")
    c.load_collection(a.collection)
    sweep = []
    for np_ in [int(x) for x in a.nprobes.split(",")]:
        params = {"metric_type": "COSINE", "params": {"nprobe": np_}}
        def search(rows):
            return c.search(a.collection, data=rows, anns_field="embedding", limit=10, search_params=params, output_fields=[])
        search(q[:10].tolist())
        times, res = [], None
        for _ in range(a.reps):
            t0 = time.perf_counter()
            res = search(q.tolist())
            times.append(time.perf_counter() - t0)
        found = np.array([[h["id"] for h in hits] + [-1] * (10 - len(hits)) for hits in res])
        recall = float(np.mean([len(set(found[i]) & set(gt[i])) / 10 for i in range(len(q))]))
        lat = []
        for i in range(a.singles):
            t0 = time.perf_counter()
            search([q[i].tolist()])
            lat.append(time.perf_counter() - t0)
        lat.sort()
        sweep.append({"nprobe": np_, "batch": {"times_s": times, "median_s": sorted(times)[len(times) // 2],
                                               "qps": len(q) / sorted(times)[len(times) // 2]},
                      "recall_at_10": {"batch": recall},
                      "single": {"n_queries": a.singles, "p50_ms": lat[len(lat) // 2] * 1e3,
                                 "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1e3}})
        C.log(f"pymilvus nprobe={np_}: recall {recall:.3f} batch {len(q) / sorted(times)[len(times) // 2]:.0f} QPS")
    print(json.dumps({"engine": "milvus-lite via pymilvus", "sweep": sweep}))
    return 0


def run(argv: list[str], timeout: float) -> dict:
    C.log(" ".join(argv))
    r = C.run_process(argv, timeout=timeout)
    if r["rc"] != 0:
        sys.exit(f"failed ({r['rc']}): {' '.join(argv)}\n{r['stderr']}")
    return r


def render(res: dict) -> str:
    load, local = res["bulk_load"]["milvus"], res["bulk_load"]["local"]
    lines = [f"# Milvus as the vector store beside the local index ({time.strftime('%Y-%m-%d', time.gmtime(res['started']))})", "",
             C.machine_line(res["machine"], res["search"]["localrag"]),
             f"Milvus Lite {res['milvus_lite_version']} on loopback (pure Python over faiss), fresh data folder; rag and localrag-bench release builds.",
             "", f"## Bulk load of corpus_large.csv ({load.get('rows')} rows), nlist {res['nlist']}", "",
             C.table(["into", "total s", "embedding s (LocalRAG)", "storing s", "index s", "peak RSS"], [
                 ["Milvus Lite (`--store`, IVF_FLAT)", C.fmt(load.get("total_s")), C.fmt(load.get("embedding_s")),
                  f"{C.fmt(load.get('upserting_s'))} upserts", f"{C.fmt(load.get('commit_s'))} flush + index + load",
                  f"rag {C.fmt(res['bulk_load']['milvus_rag_peak_rss_bytes'] / 2**20)} MiB, Milvus Lite {C.fmt(res['bulk_load']['milvus_server_rss']['VmHWM'] / 2**20)} MiB"],
                 ["local index folder (`--index`, ivf)", C.fmt(local.get("total_s")), "(in total)", "(in total)", f"{C.fmt(local.get('ivf_s'))} k-means + lists",
                  f"rag {C.fmt(res['bulk_load']['local_rag_peak_rss_bytes'] / 2**20)} MiB"],
             ]), "",
             f"## Search: IVF at nlist {res['nlist']}, the MiniLM set ({res['search']['n']} rows, 1,000 held-out queries, exact ground truth)", ""]
    rows = []
    by = {e: {r["nprobe"]: r for r in res["search"][e]["sweep"]} for e in ("localrag", "milvus", "pymilvus")}
    for np_ in sorted(by["localrag"]):
        for e, name in (("localrag", "LocalRAG IVFIndex (in process)"), ("milvus", "Milvus Lite via LocalRAG's MilvusStore"),
                        ("pymilvus", "Milvus Lite via pymilvus")):
            r = by[e].get(np_)
            if not r:
                continue
            s = r.get("single") or {}
            rows.append([np_, name, C.fixed(r["recall_at_10"]["batch"], 3), C.fmt(r["batch"]["qps"]),
                         C.fmt(s.get("p50_ms") or (s.get("p50_s", 0) * 1e3)), C.fmt(s.get("p99_ms") or (s.get("p99_s", 0) * 1e3))])
    lines.append(C.table(["nprobe", "engine", "recall@10", "batch QPS", "single p50 ms", "single p99 ms"], rows))
    lines += ["", f"Command: `{res['command']}`"]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nlist", type=int, default=1024)
    ap.add_argument("--nprobes", default="1,8,32,64")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--singles", type=int, default=300)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--minilm-dir", default="/tmp/ivf-minilm")
    ap.add_argument("--minilm-f32", default=None)
    ap.add_argument("--shared-anchors", default=None)
    ap.add_argument("--bench-bin", default=None)
    ap.add_argument("--skip-load", action="store_true", help="search only")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--out", default=str(C.BENCH_ROOT / "results" / "milvus_side_by_side.json"))
    ap.add_argument("--worker", choices=["pymilvus"], help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--collection", help=argparse.SUPPRESS)
    ap.add_argument("--queries", help=argparse.SUPPRESS)
    ap.add_argument("--gt", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        return worker_pymilvus(a)
    ivf = C.import_script(C.HERE / "ivf_side_by_side.py", "ivf_side_by_side")
    res = {"started": time.time(), "machine": C.machine_info(), "nlist": a.nlist, "command": " ".join([Path(sys.executable).name] + sys.argv),
           "milvus_lite_version": subprocess.run([str(MILVUS_PYTHON), "-c", "import importlib.metadata as m; print(m.version('milvus-lite'))"],
                                                 capture_output=True, text=True).stdout.strip()}
    server = MilvusLite()
    try:
        if not a.skip_load:
            with tempfile.TemporaryDirectory(prefix="milvus-bench-index-") as tmp:
                r = run([str(RAG), "index", "build", "--csv", str(CORPUS), "--store", server.address("corpus"), "--kind", "ivf",
                         "--nlist", str(a.nlist), "--threads", str(a.threads)], a.timeout)
                res["bulk_load"] = {"milvus": parse_build(r["stdout"]), "milvus_rag_peak_rss_bytes": r["peak_rss_bytes"],
                                    "milvus_server_rss": server.rss(), "milvus_stdout": r["stdout"]}
                r = run([str(RAG), "index", "build", "--csv", str(CORPUS), "--index", os.path.join(tmp, "index"), "--kind", "ivf",
                         "--nlist", str(a.nlist), "--threads", str(a.threads)], a.timeout)
                res["bulk_load"].update(local=parse_build(r["stdout"]), local_rag_peak_rss_bytes=r["peak_rss_bytes"], local_stdout=r["stdout"])
        meta = ivf.ensure_minilm(a)
        spec = ivf.dataset_spec(a, "minilm", meta)
        data = spec["localrag_data"]
        common = ["--nlist", str(a.nlist), "--nprobes", a.nprobes, "--reps", str(a.reps), "--singles", str(a.singles)]
        binary = str(C.bench_binary(a.bench_bin))
        local = run([binary, "ivf"] + data + common + ["--threads", str(a.threads)], a.timeout)
        milvus = run([binary, "milvus", "--address", server.address("minilm")] + data + common, a.timeout)
        py = run([str(MILVUS_PYTHON), __file__, "--worker", "pymilvus", "--port", str(server.port), "--collection", "minilm",
                  "--queries", data[data.index("--queries") + 1], "--gt", data[data.index("--gt") + 1],
                  "--nprobes", a.nprobes, "--reps", str(a.reps), "--singles", str(a.singles)], a.timeout)
        res["search"] = {"n": meta["n"], "localrag": C.last_json(local["stdout"]), "milvus": C.last_json(milvus["stdout"]),
                         "pymilvus": C.last_json(py["stdout"]), "milvus_server_rss": server.rss()}
    finally:
        server.stop()
    C.write_outputs(Path(a.out), res, render(res) if "bulk_load" in res else json.dumps(res["search"], indent=1)[:2000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
