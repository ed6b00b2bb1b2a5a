#!/usr/bin/env bash
# serve-e2e.sh: `rag serve` against real clients: the README's curl examples as printed, then the official
# OpenAI Python SDK (pinned in scripts/ci/requirements-openai.txt) comparing vectors with `rag embed` (1e-6),
# then SIGTERM and exit status 0. Usage: scripts/ci/serve-e2e.sh (env RAG: the rag binary; default: scripts/lib/build.sh's).
set -euo pipefail
cd "$(dirname "$0")/../.."
rag="${RAG:-$(scripts/lib/build.sh)/rag}"
work=$(mktemp -d)
server=""
cleanup() { [ -z "$server" ] || kill -9 "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

venv=.venv-openai
if ! "$venv/bin/python" -c "import openai" 2>/dev/null; then
  echo "serve e2e: installing the openai SDK into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q -r scripts/ci/requirements-openai.txt
fi
command -v curl >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq curl >/dev/null; }

# A small index (300 rows of data/train.csv) and 60 texts of data/test.csv with their `rag embed` vectors.
python3 - "$work" <<'PY'
import csv, sys
work = sys.argv[1]
train = list(csv.DictReader(open("data/train.csv", newline="", encoding="utf-8")))[:300]
with open(f"{work}/train.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f); w.writerow(["text", "label_text"]); [w.writerow([r["text"], r["label_text"]]) for r in train]
texts = [r["text"] for r in csv.DictReader(open("data/test.csv", newline="", encoding="utf-8")) if "\n" not in r["text"] and r["text"].strip()][:60]
open(f"{work}/texts.txt", "w", encoding="utf-8").write("\n".join(texts) + "\n")
with open(f"{work}/texts.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f); w.writerow(["text"]); [w.writerow([t]) for t in texts]
PY
"$rag" index build --csv "$work/train.csv" --index "$work/index" >/dev/null 2>&1
"$rag" embed --csv "$work/texts.csv" --out "$work/reference.jsonl" 2>/dev/null

"$rag" serve --index "$work/index" --port 0 2>"$work/serve.log" &
server=$!
port=""
for _ in $(seq 1 600); do
  port=$(sed -nE 's|.*on http://127\.0\.0\.1:([0-9]+).*|\1|p' "$work/serve.log" | head -1)
  [ -n "$port" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; echo "serve e2e: FAILED (rag serve exited)" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { cat "$work/serve.log" >&2; echo "serve e2e: FAILED (no port)" >&2; exit 1; }

# The README's curl lines, as printed but for the port.
n=0
while IFS= read -r line; do
  out=$(eval "${line//127.0.0.1:8000/127.0.0.1:$port} -f") || { echo "serve e2e: FAILED: $line" >&2; exit 1; }
  echo "$out" | python3 -c "import json,sys; json.load(sys.stdin)" || { echo "serve e2e: not JSON from: $line: $out" >&2; exit 1; }
  n=$((n + 1))
done < <(awk '/<!-- serve-curl/{f=1; next} f && /^```$/ {if (++c == 2) exit; next} f && /^curl /{print}' README.md)
[ "$n" -ge 5 ] || { echo "serve e2e: found only $n curl lines in README.md" >&2; exit 1; }
echo "serve e2e: $n README curl examples answered JSON"

"$venv/bin/python" scripts/ci/openai-sdk-check.py --base-url "http://127.0.0.1:$port" --texts "$work/texts.txt" --reference "$work/reference.jsonl"

kill -TERM "$server"
status=0
wait "$server" || status=$?
server=""
[ "$status" -eq 0 ] || { cat "$work/serve.log" >&2; echo "serve e2e: FAILED (exit status $status after SIGTERM)" >&2; exit 1; }
echo "serve e2e: OK (SIGTERM: exit 0)"
