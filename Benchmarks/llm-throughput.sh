#!/usr/bin/env bash
# llm-throughput.sh: rag classify --method llm --constrained --rag against the real llama-server (SmolLM2-135M): sequential vs
# --concurrency 2 (server with 1 slot and with 2), and the prompt cache (the same rows cold, after a restart, and warm).
#
# Usage: Benchmarks/llm-throughput.sh [ROWS=20] [REPS=3] [COLD=5]
# Env: RAG (the rag binary; default swift build's debug one), INDEX (an index of data/train.csv; built in /tmp when unset),
#      LLM_PORT (default 18181), QUIET (busy-core ceiling before each run, default 0.3), QUIET_WAIT (seconds, default 120),
#      OUT (result lines, default /tmp/localrag-llm-bench.txt).
# The box is shared: before each run the script waits (up to QUIET_WAIT) until other processes use less than QUIET of a
# core, and prints beside each run the cores the rest of the box used while it ran ("others"), so noisy runs can be
# dropped. Configurations are interleaved within each rep so drifts in load hit them alike. Quote medians.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-20}; REPS=${2:-3}; COLD=${3:-5}
export LLM_PORT=${LLM_PORT:-18181}
QUIET=${QUIET:-0.3}; QUIET_WAIT=${QUIET_WAIT:-120}
OUT=${OUT:-/tmp/localrag-llm-bench.txt}
if [ -z "${RAG:-}" ]; then swift build --product rag >/dev/null; RAG="$(swift build --show-bin-path)/rag"; fi
work=$(mktemp -d /tmp/localrag-llm-bench.XXXXXX)
trap 'scripts/dev/llm-server.sh stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
if [ -z "${INDEX:-}" ]; then INDEX=$work/index; "$RAG" index build --csv data/train.csv --index "$INDEX" >&2; fi
: >"$OUT"
base="http://127.0.0.1:$LLM_PORT/v1"

# CPU (in cores) used by everything except the llama-server and rag processes over SECONDS, or between two snapshots.
cpu_snapshot() { python3 - <<'PY'
import os
tot = sum(map(int, open("/proc/stat").readline().split()[1:]))
idle = sum(int(x) for x in open("/proc/stat").readline().split()[4:6])
ours = 0
for pid in os.listdir("/proc"):
    if not pid.isdigit(): continue
    try:
        comm = open(f"/proc/{pid}/comm").read().strip()
        if comm in ("llama-server", "rag"):
            f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            ours += int(f[11]) + int(f[12])
    except OSError:
        pass
print(tot, idle, ours)
PY
}
others_between() { python3 - "$1" "$2" <<'PY'
import os, sys
t0, i0, o0 = map(int, sys.argv[1].split()); t1, i1, o1 = map(int, sys.argv[2].split())
ncpu = os.cpu_count(); total = (t1 - t0) / ncpu
busy = (t1 - t0) - (i1 - i0) - (o1 - o0)
print(f"{max(0.0, busy / total):.2f}" if total > 0 else "nan")
PY
}
wait_quiet() {
  local t=$SECONDS a b o
  while :; do
    a=$(cpu_snapshot); sleep 2; b=$(cpu_snapshot); o=$(others_between "$a" "$b")
    awk -v b="$o" -v q="$QUIET" 'BEGIN{exit !(b < q)}' && return 0
    [ $((SECONDS - t)) -ge "$QUIET_WAIT" ] && return 0
    sleep 3
  done
}
restart() { scripts/dev/llm-server.sh stop >/dev/null 2>&1 || true; LLM_SLOTS=$1 scripts/dev/llm-server.sh start >/dev/null; }
# classify NAME CSV CONCURRENCY [LIMIT]: one run; prints its numbers and the load of the rest of the box meanwhile
classify() {
  local name=$1 csv=$2 conc=$3 limit=${4:-$ROWS}
  wait_quiet
  local a b; a=$(cpu_snapshot)
  "$RAG" classify --csv "$csv" --method llm --model smollm2 --base-url "$base" --constrained --rag --limit "$limit" \
    --index "$INDEX" --concurrency "$conc" --timeout 300 --out "$work/$name.jsonl" 2>"$work/$name.log"
  b=$(cpu_snapshot)
  local line; line=$(grep '^classified' "$work/$name.log")
  python3 - "$name" "$line" "$(others_between "$a" "$b")" <<'PY' | tee -a "$OUT"
import re, sys
name, line, others = sys.argv[1:]
g = lambda p: (re.search(p, line) or [None, "nan"])[1]
print(f"{name:26s} rows/s {g(r'([0-9.]+) rows/s'):>5s}  wall {g(r'; ([0-9.]+) s,'):>6s} s  median {g(r'median ([0-9.]+) s/row'):>5s} s/row  "
      f"cache {g(r'prompt cache ([0-9]+)%'):>3s}% of {g(r'of ([0-9]+) prompt tokens'):>6s} tok  valid {g(r': ([0-9]+) valid')}  "
      f"acc {g(r'accuracy ([0-9.]+)')}  others {others} cores")
PY
}

echo "== throughput: $ROWS rows of data/test.csv with RAG (warm: each server first answers 2 rows), $REPS interleaved reps" | tee -a "$OUT"
for r in $(seq "$REPS"); do
  restart 1
  classify "warmup-np1-$r" data/test.csv 1 2 >/dev/null
  classify "np1-sequential-$r" data/test.csv 1
  classify "np1-concurrency2-$r" data/test.csv 2
  restart 2
  classify "warmup-np2-$r" data/test.csv 2 2 >/dev/null
  classify "np2-kvu-concurrency2-$r" data/test.csv 2
  classify "np2-kvu-sequential-$r" data/test.csv 1
done

echo "== prompt cache: $COLD single rows (test rows 101..): cold on a fresh server, the same prompt again, warm after another row" | tee -a "$OUT"
python3 - "$COLD" "$work" <<'PY'
import csv, sys
n, work = int(sys.argv[1]), sys.argv[2]
rows = list(csv.DictReader(open("data/test.csv", newline="", encoding="utf-8")))
for i in range(2 * n + 1):
    with open(f"{work}/one-{i}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=rows[0].keys()); w.writeheader(); w.writerow(rows[100 + i])
PY
for i in $(seq 1 "$COLD"); do
  restart 1
  classify "cold-row$i" "$work/one-$i.csv" 1 1             # nothing cached: the whole ~1.4k-token prompt
  classify "same-prompt-again-row$i" "$work/one-$i.csv" 1 1  # byte-identical prompt: all but the last token reused
  restart 1
  classify "prime-row$((COLD + i))" "$work/one-$((COLD + i)).csv" 1 1 >/dev/null   # another row first...
  classify "warm-row$i" "$work/one-$i.csv" 1 1             # ...so only the system prompt (the label list) is reused
done
echo "results in $OUT"
