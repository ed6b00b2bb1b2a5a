#!/usr/bin/env python3
"""make_csv_fixture.py: what Python's csv module reads from the sample CSV files (row count and a
fingerprint of every text and label), for the Swift CSV reader's tests to match exactly."""
import csv
import json
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent
files = {
    "train.csv": root / "data" / "train.csv",
    "test.csv": root / "data" / "test.csv",
    "corpus_large.csv": root.parent / "shared" / "data" / "corpus_large.csv",
}


def fnv1a64(data: bytes, h: int) -> int:
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


out = {}
for name, path in files.items():
    h = 0xCBF29CE484222325
    rows = 0
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            # Field separator 0x1F, record separator 0x1E, over the UTF-8 bytes.
            h = fnv1a64(row["text"].encode() + b"\x1f" + row["label_text"].encode() + b"\x1e", h)
            rows += 1
    out[name] = {"rows": rows, "fnv1a64": f"{h:016x}"}
    print(name, out[name], file=sys.stderr)

dest = root / "Tests" / "RAGTests" / "Fixtures" / "csv_fingerprints.json"
dest.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
