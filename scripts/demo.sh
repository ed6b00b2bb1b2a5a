#!/usr/bin/env bash
# demo.sh: the experiment end to end on data/: index, query, the frozen head, the fine-tuned encoder and its index, the full comparison table.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/lib/install-deps.sh
# The demo needs no HTTP server and no Milvus client: build without them (scripts/lib/build.sh builds them otherwise).
rag="$(LOCALRAG_SERVER=${LOCALRAG_SERVER:-0} LOCALRAG_MILVUS=${LOCALRAG_MILVUS:-0} scripts/lib/build.sh)/rag"
out=out
finetuned=models/all-MiniLM-L6-v2-finetuned
mkdir -p "$out"
started=$SECONDS
step() { echo; echo "== [$(( SECONDS - started )) s] $*"; }

step "rag index build --csv data/train.csv (all-MiniLM-L6-v2, every training row)"
$rag index build --csv data/train.csv
$rag index info

step "rag query: the 5 nearest training rows of three rows of data/test.csv"
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
$rag prompt "my card still hasn't arrived" -k 3 > "$out/prompt.txt"
echo "the exact chat messages the LLM rows send for one text (system prompt with every label, 3 retrieved examples): $out/prompt.txt"

step "rag train head: the linear head on the frozen embeddings (λ by 3-fold cross-validation)"
$rag train head

# The fine-tuned encoder: trained once (about 3 minutes on 2 cores); a second run of the demo reuses it.
if [ -f "$finetuned/training.json" ] && [ "${LOCALRAG_DEMO_RETRAIN:-0}" != 1 ]; then
  step "rag train encoder: $finetuned is already trained (LOCALRAG_DEMO_RETRAIN=1 trains it again)"
else
  step "rag train encoder: fine-tune all-MiniLM-L6-v2 end to end (3 epochs; progress below)"
  $rag train encoder --csv data/train.csv --out "$finetuned"
fi

step "rag index build --model-dir $finetuned --index index-ft (the training rows under the fine-tuned encoder)"
$rag index build --csv data/train.csv --model-dir "$finetuned" --index index-ft

step "rag compare --csv data/test.csv: the experiment's table (fine-tuned vs base, with and without RAG)"
$rag compare --csv data/test.csv --predictions "$out/compare" | tee "$out/compare.md"

step "rag evaluate: one technique's report (the base model with RAG: the vote of the top 10)"
$rag evaluate "$out/compare/knn.jsonl" --report "$out/knn-report.html" --confusion "$out/knn-confusion.csv"

step "rag finetune export: the same training rows as an OpenAI chat fine-tuning file"
$rag finetune export --csv data/train.csv --out "$out/finetune.jsonl"
echo
echo "done in $(( SECONDS - started )) s after the build: the table in $out/compare.md, each technique's predictions in $out/compare/, the HTML report in $out/knn-report.html"
