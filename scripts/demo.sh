#!/usr/bin/env bash
# demo.sh: the main job end to end on data/: build, index data/train.csv, query, classify data/test.csv, compare.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product rag
rag=.build/release/rag
out=out
mkdir -p "$out"

echo "== rag index build --csv data/train.csv"
$rag index build --csv data/train.csv
$rag index info

echo "== rag query (three rows of data/test.csv)"
python3 - <<'PY' > "$out/queries.txt"
import csv
rows = list(csv.DictReader(open("data/test.csv", newline="", encoding="utf-8")))
for r in rows[:3]:
    print(r["text"].replace("\n", " "))
PY
while IFS= read -r q; do
  echo "-- $q"
  $rag query "$q" -k 5
done < "$out/queries.txt"

echo "== rag query --csv data/test.csv --out $out/neighbours.jsonl"
$rag query --csv data/test.csv --out "$out/neighbours.jsonl"
