#!/usr/bin/env bash
# resources.sh: peak RSS of building a ~200 MB CSV (long texts) and the handling of 1 MB queries.
#   scripts/reliability/resources.sh [RAG] [WORKDIR]
# Needs python3 and GNU time (/usr/bin/time -v). The minilm cases need models/all-MiniLM-L6-v2.
set -uo pipefail
cd "$(dirname "$0")/../.."
rag=$(realpath "${1:-.build-rel/release/rag}")
work=${2:-$(mktemp -d /tmp/rag-resources-XXXX)}
mkdir -p "$work"
peak() { grep -E "Maximum resident|Elapsed" "$1" | sed 's/^[[:space:]]*//' | tr '\n' ';'; echo; }

python3 - "$work" <<'PY'
import csv, random, sys
work = sys.argv[1]
rows = list(csv.reader(open("data/train.csv", newline="")))[1:]
rng = random.Random(5)
with open(f"{work}/big.csv", "w", newline="") as f:          # ~200 MB: rows of ~2.5 KB (30 texts each)
    w = csv.writer(f); w.writerow(["text", "label", "label_text"]); size = 0
    while size < 200 * 1024 * 1024:
        parts = rng.sample(rows, 30); text = " ".join(p[0] for p in parts)
        w.writerow([text, parts[0][1], parts[0][2]]); size += len(text) + 40
with open(f"{work}/mb.csv", "w", newline="") as f:           # 1 MB text fields
    w = csv.writer(f); w.writerow(["text", "label", "label_text"])
    w.writerow(["word " * 200000, "1", "a"]); w.writerow(["x" * 1_000_000, "2", "b"])
    w.writerow(["héllo, wörld! " * 70000, "3", "c"]); w.writerow(["my card has not arrived", "4", "d"])
PY
ls -la "$work/big.csv" "$work/mb.csv"

echo "== build 200 MB CSV, hashing, flat"
/usr/bin/time -v "$rag" index build --csv "$work/big.csv" --embedder hashing --index "$work/big-idx" 2> "$work/build.time" | tail -1
peak "$work/build.time"; du -sh "$work/big-idx"
echo "== build 200 MB CSV, hashing, ivf"
/usr/bin/time -v "$rag" index build --csv "$work/big.csv" --embedder hashing --kind ivf --index "$work/big-ivf" 2> "$work/build-ivf.time" | tail -2
peak "$work/build-ivf.time"
echo "== add data/train.csv to the 200 MB index"
/usr/bin/time -v "$rag" index add --csv data/train.csv --index "$work/big-idx" 2> "$work/add.time" | tail -1
peak "$work/add.time"

"$rag" index build --csv data/train.csv --embedder hashing --index "$work/hash-idx" > /dev/null
echo "== 1 MB query text (argv), hashing index"
/usr/bin/time -v "$rag" query "$(python3 -c 'print("word "*200000)')" -k 3 --index "$work/hash-idx" > "$work/q1.out" 2> "$work/q1.time"
echo "exit $?"; peak "$work/q1.time"; head -c 300 "$work/q1.out"; echo
echo "== 1 MB query texts (--csv), hashing index"
/usr/bin/time -v "$rag" query --csv "$work/mb.csv" -k 3 --index "$work/hash-idx" --out "$work/q2.jsonl" 2> "$work/q2.time"
echo "exit $?"; peak "$work/q2.time"; wc -l "$work/q2.jsonl"
if [ -f models/all-MiniLM-L6-v2/model.safetensors ]; then
    echo "== 1 MB text, rag embed --embedder minilm (argv)"
    /usr/bin/time -v "$rag" embed "$(python3 -c 'print("word "*200000)')" --embedder minilm > "$work/e1.out" 2> "$work/e1.time"
    echo "exit $?"; peak "$work/e1.time"; tail -c 120 "$work/e1.time" | grep -i -E "error|trunc" || true
    echo "== 1 MB texts, rag embed --embedder minilm --csv"
    /usr/bin/time -v "$rag" embed --csv "$work/mb.csv" --embedder minilm --out "$work/e2.jsonl" 2> "$work/e2.time"
    echo "exit $?"; peak "$work/e2.time"; grep -v -E "^\s" "$work/e2.time" | head -5
    echo "== 1 MB texts, rag query --csv on a minilm index"
    python3 -c "import csv,sys; w=csv.writer(open(sys.argv[1],'w',newline='')); [w.writerow(r) for r in list(csv.reader(open('data/test.csv',newline='')))[:201]]" "$work/small.csv"
    "$rag" index build --csv "$work/small.csv" --embedder minilm --index "$work/minilm-idx" > /dev/null
    /usr/bin/time -v "$rag" query --csv "$work/mb.csv" -k 3 --index "$work/minilm-idx" --out "$work/q3.jsonl" 2> "$work/q3.time"
    echo "exit $?"; peak "$work/q3.time"; wc -l "$work/q3.jsonl"
fi
echo "work folder: $work"
