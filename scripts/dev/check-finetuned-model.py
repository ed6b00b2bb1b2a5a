# check-finetuned-model.py: the Python round trip of a model folder written by `rag train encoder`:
# SentenceTransformer(FOLDER) loads it and embeds the texts of a CSV; `rag embed --csv --model-dir FOLDER` embeds
# the same; prints the largest absolute difference and exits 1 when it is above 1e-5.
# usage: python scripts/dev/check-finetuned-model.py FOLDER [--csv data/test.csv] [--rag .build/release/rag]
# needs: sentence-transformers (and torch), numpy.
import argparse, csv, os, subprocess, sys, tempfile
os.environ["HF_HUB_OFFLINE"] = "1"
import numpy as np
from sentence_transformers import SentenceTransformer

ap = argparse.ArgumentParser()
ap.add_argument("folder"); ap.add_argument("--csv", default="data/test.csv"); ap.add_argument("--rag", default=".build/release/rag")
a = ap.parse_args()
texts = [r["text"] for r in csv.DictReader(open(a.csv, encoding="utf-8", newline=""))]
model = SentenceTransformer(a.folder, device="cpu")
theirs = model.encode(texts, batch_size=64, convert_to_numpy=True)
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "e.npy")
    subprocess.run([a.rag, "embed", "--csv", a.csv, "--model-dir", a.folder, "--out", out], check=True)
    ours = np.load(out)
diff = float(np.abs(ours - theirs).max())
print(f"{a.folder}: {len(texts)} texts of {a.csv}, max abs diff {diff:.3g} between SentenceTransformer and rag embed")
sys.exit(0 if diff <= 1e-5 else 1)
