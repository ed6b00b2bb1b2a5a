#!/usr/bin/env bash
# demo.sh: the main job end to end on data/: build, index data/train.csv, query, train the head, classify, evaluate, compare.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The demo needs no HTTP server: build without it (scripts/build.sh builds it otherwise).
rag="$(LOCALRAG_SERVER=${LOCALRAG_SERVER:-0} LOCALRAG_MILVUS=${LOCALRAG_MILVUS:-0} scripts/build.sh)/rag"
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

echo "== rag finetune local (linear head on the stored embeddings)"
$rag finetune local

echo "== rag classify --csv data/test.csv --method knn"
$rag classify --csv data/test.csv --method knn --out "$out/knn.jsonl"
$rag evaluate "$out/knn.jsonl" --report "$out/knn-report.html" --confusion "$out/knn-confusion.csv"

echo "== rag compare --csv data/test.csv (the four techniques, offline)"
$rag compare --csv data/test.csv --predictions "$out/compare" | tee "$out/compare.md"

echo "== rag finetune export (chat fine-tuning file)"
$rag finetune export --csv data/train.csv --out "$out/finetune.jsonl"
$rag prompt "my card still hasn't arrived" -k 3 > "$out/prompt.txt"
echo "the exact chat messages for one text: $out/prompt.txt"
echo "done: results in $out/"
