#!/usr/bin/env python3
# check-encoder-parity.py: LocalRAG's vectors (`rag embed --csv`) against sentence-transformers' own for one model
# folder, on the tokenizer fixtures' texts (Unicode edge cases, long texts) and the first --rows texts of data/test.csv.
# usage: .venv-st/bin/python scripts/dev/check-encoder-parity.py MODEL_DIR [--rag .build/release/rag] [--rows 500]
#        (.venv-st: python3 -m venv .venv-st && .venv-st/bin/pip install torch sentence-transformers)
import argparse, csv, json, os, pathlib, subprocess, sys, tempfile
os.environ["HF_HUB_OFFLINE"] = "1"
import numpy as np
from sentence_transformers import SentenceTransformer

root = pathlib.Path(__file__).resolve().parents[2]
p = argparse.ArgumentParser()
p.add_argument("model_dir")
p.add_argument("--rag", default=str(root / ".build" / "release" / "rag"))
p.add_argument("--rows", type=int, default=500)
a = p.parse_args()

fixtures = [json.loads(l)["text"] for l in open(root / "Tests/TextEmbeddingTests/Fixtures/reference.jsonl", encoding="utf-8")]
test = root / "data" / "test.csv"
if not test.exists():
    test = root.parent / "shared" / "data" / "test.csv"
rows = [r["text"] for r in csv.DictReader(open(test, encoding="utf-8", newline=""))][: a.rows]
texts = [t for t in fixtures + rows if t.strip()]  # rag embed refuses an empty text field

model = SentenceTransformer(a.model_dir, device="cpu")
with tempfile.TemporaryDirectory() as tmp:
    src, out = pathlib.Path(tmp, "texts.csv"), pathlib.Path(tmp, "vectors.npy")
    with open(src, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text"])
        w.writerows([t] for t in texts)
    run = subprocess.run([a.rag, "embed", "--csv", str(src), "--out", str(out), "--model-dir", a.model_dir], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"rag embed failed: {run.stderr.strip()}")
    ours = np.load(out)
ref = model.encode(texts, convert_to_numpy=True, batch_size=32)
diff = np.abs(ref - ours).max(axis=1)
cos = (ref * ours).sum(1) / np.linalg.norm(ref, axis=1) / np.linalg.norm(ours, axis=1)
worst = int(diff.argmax())
print(json.dumps({"model_dir": a.model_dir, "texts": len(texts), "dimension": int(ref.shape[1]), "max_abs_diff": float(diff.max()),
                  "min_cosine": float(cos.min()), "worst_text": texts[worst][:80]}))
sys.exit(0 if diff.max() <= 1e-5 and cos.min() >= 0.99999 else 1)
