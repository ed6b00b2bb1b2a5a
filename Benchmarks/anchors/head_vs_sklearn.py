"""The linear head on frozen embeddings against scikit-learn's LogisticRegression on the same vectors: test accuracy of
`rag train head` (λ by cross-validation, and fixed λ) and of LogisticRegression(C=1, lbfgs) fitted on the embeddings
`rag embed` writes for data/train.csv, scored on data/test.csv.
usage: python Benchmarks/anchors/head_vs_sklearn.py   (needs numpy, scikit-learn; a release build of rag)"""
import json, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np
from sklearn.linear_model import LogisticRegression
import csv

REPO = Path(__file__).resolve().parents[2]
RAG = str(REPO / ".build" / "release" / "rag")
data = next(d for d in (REPO / "data", REPO.parent / "shared" / "data") if (d / "train.csv").exists())

def labels(p):
    return [r["label_text"] for r in csv.DictReader(open(p, encoding="utf-8", newline=""))]

with tempfile.TemporaryDirectory() as tmp:
    t = Path(tmp)
    for name in ("train", "test"):
        subprocess.run([RAG, "embed", "--csv", str(data / f"{name}.csv"), "--out", str(t / f"{name}.npy")], check=True)
    Xtr, Xte = np.load(t / "train.npy"), np.load(t / "test.npy")
    ytr, yte = labels(data / "train.csv"), labels(data / "test.csv")
    t0 = time.time(); lr = LogisticRegression(C=1.0, max_iter=3000).fit(Xtr, ytr); sk_s = time.time() - t0
    result = {"sklearn_C1": float(np.mean(lr.predict(Xte) == np.array(yte))), "sklearn_fit_s": round(sk_s, 1)}
    subprocess.run([RAG, "index", "build", "--csv", str(data / "train.csv"), "--index", str(t / "idx")], check=True, capture_output=True)
    for tag, extra in (("rag_cv", []), ("rag_lambda_0.02", ["--lambda", "0.02"]), ("rag_lambda_1", ["--lambda", "1"])):
        t0 = time.time()
        r = subprocess.run([RAG, "train", "head", "--index", str(t / "idx")] + extra, check=True, capture_output=True, text=True)
        secs = time.time() - t0
        c = subprocess.run([RAG, "classify", "--csv", str(data / "test.csv"), "--method", "head", "--index", str(t / "idx"),
                            "--out", str(t / "p.jsonl")], check=True, capture_output=True, text=True)
        preds = [json.loads(l) for l in open(t / "p.jsonl")]
        result[tag] = sum(p["gold"] == p["predicted"] for p in preds) / len(preds)
        result[tag + "_s"] = round(secs, 1)
        result[tag + "_log"] = (r.stderr.strip().splitlines() or [""])[-1] + " | " + r.stdout.strip()
print(json.dumps(result, indent=1))
