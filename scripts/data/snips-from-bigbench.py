#!/usr/bin/env python3
"""snips-from-bigbench.py: SNIPS intents (7 labels) as train.csv and test.csv, from the copy PyPI carries in BIG-bench.

PyPI's `bigbench` 1.0.0 (an sdist of the whole benchmark, Apache-2.0) holds the task
`intent_recognition`: 693 English utterances of the SNIPS NLU benchmark (Coucke et al. 2018,
arXiv:1805.10190), one of 7 intents each. This downloads that sdist once (358 MB, checked against
its sha256), reads the one JSON file out of it, and writes a stratified split: --train-per-label
utterances per intent (seeded) to train.csv, the rest to test.csv, both `text,label_text`.
Standard library and pip only; nothing is installed.

usage: python3 scripts/data/snips-from-bigbench.py [--out out/snips] [--train-per-label 40] [--seed 0]
"""
import argparse, csv, hashlib, json, random, subprocess, sys, tarfile
from pathlib import Path

PACKAGE = "bigbench==1.0.0"
SDIST = "bigbench-1.0.0.tar.gz"
SHA256 = "1bb398a5512c6d798cdebe0dfa0ac03f67f6033fa6b39c6ef71df978c7cbc5c2"
MEMBER = "bigbench-1.0.0/bigbench/benchmark_tasks/intent_recognition/task.json"
PREFIX = "Utterance: "


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="out/snips", help="folder for train.csv, test.csv and the cached sdist")
    ap.add_argument("--train-per-label", type=int, default=40, help="utterances per intent in train.csv")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    out = Path(a.out)
    cache = out / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    sdist = cache / SDIST
    if not sdist.exists() or sha256(sdist) != SHA256:
        print(f"downloading {PACKAGE} from PyPI (358 MB, once) ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(cache), PACKAGE], check=True, stdout=subprocess.DEVNULL)
    if sha256(sdist) != SHA256:
        sys.exit(f"{sdist}: sha256 is not {SHA256}: not the sdist this script was written for")
    with tarfile.open(sdist, "r:gz") as tar:
        task = json.load(tar.extractfile(MEMBER))
    rows = []
    for i, example in enumerate(task["examples"]):
        text, scores = example["input"], example["target_scores"]
        labels = [k for k, v in scores.items() if v == 1]
        if not text.startswith(PREFIX) or len(labels) != 1:
            sys.exit(f"{MEMBER}: example {i} is not one utterance with one intent: {example}")
        rows.append((text[len(PREFIX):].strip(), labels[0]))
    if len({t for t, _ in rows}) != len(rows):
        sys.exit(f"{MEMBER}: repeated utterances")
    random.Random(a.seed).shuffle(rows)
    taken, split = {}, {"train": [], "test": []}
    for text, label in rows:
        taken[label] = taken.get(label, 0) + 1
        split["train" if taken[label] <= a.train_per_label else "test"].append((text, label))
    for name, part in split.items():
        with open(out / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["text", "label_text"])
            w.writerows(part)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(taken.items()))
    print(f"{out}/train.csv: {len(split['train'])} rows, {out}/test.csv: {len(split['test'])} rows; "
          f"{len(taken)} intents ({counts} utterances in all)", file=sys.stderr)


if __name__ == "__main__":
    main()
