#!/usr/bin/env bash
# llm-e2e.sh: end to end against a real local LLM (llama-server + SmolLM2-135M): rag classify --method llm --constrained on
# 20 rows of data/test.csv with RAG (killed with -9 midway, then --resume) and without, every answer a valid label, then rag evaluate;
# then a learning curve with the chat model's rows (rag compare --curve --llm-model, 10 rows).
#
# Run by .ci/run after scripts/test.sh (which built .build/release/rag and installed MiniLM). Builds or reuses llama-server
# in .llm/ (scripts/dev/llm-server.sh), indexes data/train.csv into a temporary folder, and stops the server on exit.
# Env: LLM_E2E_ROWS (default 20), LLM_PORT (default: a free port), RAG (the rag binary; default: swift build's).
# Exact labels are not asserted: a 135M model is right on a few rows only. What is asserted: every row is answered once,
# every answer is one of the index's labels, nothing failed, resume re-sent only the missing rows, evaluate agrees.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
rows=${LLM_E2E_ROWS:-20}
log() { echo "[llm-e2e $(date +%T)] $*" >&2; }

if [ -z "${RAG:-}" ]; then
  RAG="$(scripts/lib/build.sh)/rag"
fi
export LLM_PORT=${LLM_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
work=$(mktemp -d /tmp/localrag-llm-e2e.XXXXXX)
# A throwaway key the server demands (llama-server --api-key, via the environment): proves rag sends it, and lets the
# end of this script grep every output and log for it.
key="sk-e2e-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
export OPENAI_API_KEY=$key LLM_API_KEY=$key
cleanup() {
  "$root/scripts/dev/llm-server.sh" stop || true
  rm -rf "$work"
}
trap cleanup EXIT

t0=$SECONDS
scripts/dev/llm-server.sh setup >/dev/null
log "llama-server and model ready in $((SECONDS - t0)) s"
base=$(scripts/dev/llm-server.sh start)
log "server at $base"
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/models")
[ "$code" = 401 ] || { echo "the server should refuse requests without the key (got HTTP $code)" >&2; exit 1; }

t1=$SECONDS
"$RAG" index build --csv data/train.csv --index "$work/index" >&2
log "indexed data/train.csv in $((SECONDS - t1)) s"

common=(classify --csv data/test.csv --method llm --model smollm2 --base-url "$base" --constrained
        --limit "$rows" --index "$work/index" --timeout 180 --max-retries 3)

# With RAG: kill -9 once a few rows are in, then --resume; the rows already written must not be sent again.
t2=$SECONDS
"$RAG" "${common[@]}" --rag --out "$work/rag.jsonl" 2>"$work/rag-first.log" &
pid=$!
kill_after=$(( rows / 4 > 0 ? rows / 4 : 1 ))
while kill -0 "$pid" 2>/dev/null; do
  n=$( [ -f "$work/rag.jsonl" ] && wc -l <"$work/rag.jsonl" || echo 0 )
  if [ "$n" -ge "$kill_after" ]; then kill -9 "$pid"; break; fi
  sleep 0.2
done
wait "$pid" 2>/dev/null || true
before=$(wc -l <"$work/rag.jsonl")
log "killed -9 after $before of $rows rows; resuming"
"$RAG" "${common[@]}" --rag --out "$work/rag.jsonl" --resume 2>"$work/rag-resume.log"
cat "$work/rag-resume.log" >&2
rag_s=$((SECONDS - t2))

t3=$SECONDS
"$RAG" "${common[@]}" --no-rag --out "$work/plain.jsonl" 2>"$work/plain.log"
cat "$work/plain.log" >&2
plain_s=$((SECONDS - t3))

# The learning curve with the chat model (rag compare --curve --llm-model): llm-rag once per draw, llm once, beside the offline rows.
t4=$SECONDS
"$RAG" compare --csv data/test.csv --index "$work/index" --curve 2,all --curve-seeds 1 --llm-model smollm2 --base-url "$base" \
  --constrained --limit 10 --timeout 180 --max-retries 3 --curve-out "$work/curve.json" >"$work/curve.md" 2>"$work/curve.log" \
  || { cat "$work/curve.log" >&2; exit 1; }
curve_s=$((SECONDS - t4))
python3 - "$work/curve.json" <<'PY'
import json, sys
points = json.load(open(sys.argv[1]))
got = sorted((p["technique"], str(p["per_label"]), p["seed"]) for p in points if p["technique"].startswith("llm"))
want = sorted([("llm:smollm2", "2", 0), ("llm:smollm2", "all", 0), ("llm-rag:smollm2", "2", 0), ("llm-rag:smollm2", "all", 0)])
assert got == want, f"LLM points {got}, expected {want}"
assert all(0 <= p["accuracy"] <= 1 and p["seconds"] > 0 for p in points if p["technique"].startswith("llm")), points
assert {p["technique"] for p in points} >= {"zero-shot", "knn", "head"}, points
print(f"rag compare --curve with smollm2: {len(points)} points, " + ", ".join(
    f"{p['technique']}@{p['per_label']} {p['accuracy']:.2f}" for p in points if p["technique"].startswith("llm")))
PY

# Every row 0..rows-1 exactly once, every answer a label of data/train.csv, no failures.
python3 - "$rows" "$work/rag.jsonl" "$work/plain.jsonl" <<'PY'
import csv, json, sys
n = int(sys.argv[1])
labels = {r["label_text"] for r in csv.DictReader(open("data/train.csv", newline="", encoding="utf-8"))}
for path in sys.argv[2:]:
    preds = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    rows = sorted(p["row"] for p in preds)
    assert rows == list(range(n)), f"{path}: rows {rows} are not 0..{n-1} exactly once"
    failed = [p for p in preds if p.get("error")]
    assert not failed, f"{path}: failed rows {failed}"
    invalid = [p for p in preds if p["predicted"] not in labels]
    assert not invalid, f"{path}: answers that are not labels: {[(p['row'], p.get('raw')) for p in invalid]}"
    correct = sum(p["predicted"] == p["gold"] for p in preds)
    print(f"{path}: {n} rows, all valid labels, {correct}/{n} correct")
PY
grep -q "resume: $before of $rows rows already in" "$work/rag-resume.log" \
  || { echo "resume did not report $before rows already done" >&2; exit 1; }

for f in rag plain; do
  echo "== rag evaluate $f.jsonl"
  "$RAG" evaluate "$work/$f.jsonl" --index "$work/index" | tee "$work/$f.eval"
  grep -q "^invalid      0 predictions" "$work/$f.eval" || { echo "evaluate counted invalid predictions" >&2; exit 1; }
done
# rag serve with the same chat model: POST /v1/classify "method": "llm", with and without RAG (skipped when
# this rag was built without the server).
if "$RAG" serve --help >/dev/null 2>&1 && ! "$RAG" serve --port 1 --index /nonexistent 2>&1 | grep -q "built without the server"; then
  "$RAG" serve --index "$work/index" --port 0 --llm-model smollm2 --base-url "$base" --constrained --timeout 180 \
    --concurrency 2 2>"$work/serve.log" &
  serve_pid=$!
  port=""
  for _ in $(seq 1 600); do
    port=$(sed -nE 's|.*on http://127\.0\.0\.1:([0-9]+).*|\1|p' "$work/serve.log" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$work/serve.log" >&2; echo "rag serve did not start" >&2; exit 1; }
  python3 - "$port" <<'PY'
import csv, json, sys, urllib.request
port = sys.argv[1]
labels = {r["label_text"] for r in csv.DictReader(open("data/train.csv", newline="", encoding="utf-8"))}
texts = [r["text"] for r in csv.DictReader(open("data/test.csv", newline="", encoding="utf-8"))][:4]
for rag in (True, False):
    body = json.dumps({"texts": texts, "method": "llm", "rag": rag, "k": 5}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/classify", data=body, headers={"Content-Type": "application/json"})
    preds = json.load(urllib.request.urlopen(req, timeout=600))["predictions"]
    assert [p["row"] for p in preds] == list(range(len(texts))), preds
    assert all(p["method"] == ("llm-rag:smollm2" if rag else "llm:smollm2") for p in preds), preds
    assert all(not p.get("error") and p["predicted"] in labels for p in preds), preds
    print(f"rag serve /v1/classify llm (rag={rag}): {len(preds)} valid labels")
PY
  kill -TERM "$serve_pid"
  wait "$serve_pid" || { cat "$work/serve.log" >&2; echo "rag serve did not exit 0 after SIGTERM" >&2; exit 1; }
fi
# The key went out only as the Authorization header: not in any prediction, log or evaluation.
if grep -rlF "$key" "$work" "$root/.llm/server.log" 2>/dev/null; then
  echo "the API key leaked into the files above" >&2; exit 1
fi
log "OK: with RAG ${rag_s} s (incl. kill + resume), without RAG ${plain_s} s, the curve ${curve_s} s, total $((SECONDS - t0)) s"
