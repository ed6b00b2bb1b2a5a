#!/usr/bin/env python3
"""Sentence embeddings of any sentence-transformers folder (all-mpnet-base-v2 here), LocalRAG beside
sentence-transformers and onnxruntime, in the same run on the same texts, one thread each.

The MiniLM comparison (embed_side_by_side.py) runs the shared anchors' own workers, which are bound
to all-MiniLM-L6-v2; this one runs the same recipe for a folder given on the command line:
  * sentence-transformers + torch, batch 32, `encode` (it sorts by length, then batches);
  * onnxruntime on the torch.onnx.export'ed graph of the folder's transformer (ORT_ENABLE_ALL,
    sequential, one intra-op thread), batch 32 in sentence-transformers' order, `tokenizers` doing
    the tokenising (truncated at the folder's max_seq_length), mean pooling + L2 in NumPy, all timed;
  * `rag embed --csv --out` (the release binary), timed as a whole process: model load and CSV
    reading included, so LocalRAG's figure is the conservative one.
Each round runs the three in fresh processes, one after the other; --rounds rounds, the median
wall time is reported with the CPU model and OpenBLAS core, and every stack's vectors are compared
with sentence-transformers' (max abs diff, min cosine).

Usage (repository root; `rag model install all-mpnet-base-v2 --dir models`; a venv with torch,
sentence-transformers, onnxruntime, onnx, onnxscript, e.g. .venv-st):
  .venv-st/bin/python Benchmarks/anchors/embed_model_side_by_side.py --model-dir models/all-mpnet-base-v2 --limit 1000
Output: Benchmarks/results/embed_<folder name>.{json,md}.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as C  # noqa: E402

THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false",
              "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def texts_of(path: Path, limit: int) -> list[str]:
    with open(path, encoding="utf-8", newline="") as f:
        return [r["text"] for r in csv.DictReader(f)][:limit]


def worker(kind: str, model_dir: str, texts_file: str, onnx: str, out: str) -> None:
    """One stack in this (fresh) process; writes its wall time and vectors."""
    import numpy as np
    texts = json.loads(Path(texts_file).read_text())
    if kind == "st":
        import torch
        from sentence_transformers import SentenceTransformer
        torch.set_num_threads(1)
        torch.set_num_interop_threads(1)
        model = SentenceTransformer(model_dir, device="cpu")
        model.encode(texts[:64], batch_size=32, show_progress_bar=False)  # warm-up
        t0 = time.perf_counter()
        with torch.inference_mode():
            emb = model.encode(texts, batch_size=32, convert_to_numpy=True, show_progress_bar=False)
        wall = time.perf_counter() - t0
    else:
        import onnxruntime as ort
        from tokenizers import Tokenizer
        length = json.loads((Path(model_dir) / "sentence_bert_config.json").read_text())["max_seq_length"]
        tk = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
        tk.no_padding()
        tk.enable_truncation(max_length=length)
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(onnx, so, providers=["CPUExecutionProvider"])

        def batch(items: list[str]) -> np.ndarray:
            encs = tk.encode_batch(items)
            width = max(len(e.ids) for e in encs)
            ids = np.full((len(encs), width), 1, dtype=np.int64)
            mask = np.zeros_like(ids)
            for r, e in enumerate(encs):
                ids[r, :len(e.ids)] = e.ids
                mask[r, :len(e.ids)] = 1
            h = sess.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            m = mask[:, :, None].astype(np.float32)
            pooled = (h * m).sum(1) / np.maximum(m.sum(1), 1e-9)
            return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

        batch(texts[:32])  # warm-up
        order = sorted(range(len(texts)), key=lambda k: -len(texts[k]))
        t0 = time.perf_counter()
        emb = None
        for s in range(0, len(order), 32):
            idx = order[s:s + 32]
            part = batch([texts[k] for k in idx])
            if emb is None:
                emb = np.zeros((len(texts), part.shape[1]), dtype=np.float32)
            emb[idx] = part
        wall = time.perf_counter() - t0
    np.save(out + ".npy", emb.astype(np.float32))
    Path(out + ".json").write_text(json.dumps({"wall_s": wall}))


def export_onnx(model_dir: str, path: Path) -> None:
    import warnings
    import torch
    from transformers import AutoModel
    model = AutoModel.from_pretrained(model_dir, attn_implementation="eager").eval()

    class Wrapper(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask):
            return self.m(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.tensor([[0, 7592, 2088, 2], [0, 7592, 2, 1]])
    axes = {0: "batch", 1: "seq"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Wrapper(model), (ids, (ids != 1).long()), str(path), input_names=["input_ids", "attention_mask"],
                          output_names=["last_hidden_state"],
                          dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
                          opset_version=17, dynamo=False)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(*sys.argv[2:7])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--rag", default=str(C.REPO / ".build" / "release" / "rag"))
    ap.add_argument("--csv", default=str(C.REPO / "data" / "train.csv"))
    ap.add_argument("--limit", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    import numpy as np
    texts = texts_of(Path(a.csv), a.limit)
    name = Path(a.model_dir).name
    env = dict(os.environ)
    env.update(THREAD_ENV)
    walls: dict[str, list[float]] = {"st": [], "ort": [], "localrag": []}
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "texts.json").write_text(json.dumps(texts))
        with open(t / "texts.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["text"])
            w.writerows([x] for x in texts)
        export_onnx(a.model_dir, t / "model.onnx")
        for rnd in range(a.rounds):
            for kind in ("st", "ort"):
                out = str(t / f"{kind}")
                r = subprocess.run([sys.executable, __file__, "--worker", kind, a.model_dir, str(t / "texts.json"), str(t / "model.onnx"), out],
                                   env=env, capture_output=True, text=True)
                if r.returncode != 0:
                    sys.exit(f"{kind} failed: {r.stderr[-2000:]}")
                walls[kind].append(json.loads(Path(out + ".json").read_text())["wall_s"])
            t0 = time.perf_counter()
            r = subprocess.run([a.rag, "embed", "--threads", "1", "--csv", str(t / "texts.csv"), "--out", str(t / "localrag.npy"),
                                "--model-dir", a.model_dir], env=env, capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"rag embed failed: {r.stderr[-2000:]}")
            walls["localrag"].append(time.perf_counter() - t0)
            print(f"round {rnd + 1}: " + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in walls.items()), file=sys.stderr)
        ref = np.load(t / "st.npy").astype(np.float64)
        parity = {}
        for kind in ("ort", "localrag"):
            o = np.load(t / f"{kind}.npy").astype(np.float64)
            o = o / np.linalg.norm(o, axis=1, keepdims=True)
            cos = (ref * o).sum(1) / np.linalg.norm(ref, axis=1)
            parity[kind] = {"max_abs_diff": float(np.abs(ref - o).max()), "min_cosine": float(cos.min())}
    med = {k: statistics.median(v) for k, v in walls.items()}
    result = {"bench": "embed_model_side_by_side", "model_dir": a.model_dir, "texts": len(texts), "threads": 1, "rounds": a.rounds,
              "wall_s": walls, "median_wall_s": med, "texts_per_s": {k: len(texts) / v for k, v in med.items()},
              "localrag_vs_ort": med["ort"] / med["localrag"], "localrag_vs_st": med["st"] / med["localrag"], "parity_vs_st": parity,
              **C.machine_info()}
    out = C.REPO / "Benchmarks" / "results" / f"embed_{name}"
    out.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    lines = [f"# {name}: embeddings at one thread, LocalRAG beside sentence-transformers and onnxruntime", "",
             f"`{' '.join(sys.argv)}`: the first {len(texts):,} texts of {Path(a.csv).name}, batch 32, {a.rounds} rounds (median).", "",
             "| stack | median wall s | texts/s | vs LocalRAG | parity with sentence-transformers |", "|---|---:|---:|---:|---|"]
    for k, label in [("localrag", "LocalRAG `rag embed` (whole process)"), ("ort", "onnxruntime, exported graph"), ("st", "sentence-transformers + torch")]:
        p = parity.get(k)
        lines.append(f"| {label} | {med[k]:.2f} | {len(texts) / med[k]:.1f} | {med[k] / med['localrag']:.2f}x | "
                     + (f"max abs {p['max_abs_diff']:.1e}, min cos {p['min_cosine']:.7f}" if p else "reference") + " |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
