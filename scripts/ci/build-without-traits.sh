#!/usr/bin/env bash
# build-without-traits.sh: the demo's build (no Server, no Milvus trait) still compiles, and its rag says what it lacks when asked for either.
# Run last by .ci/run: it rebuilds rag in .build without the traits (the test build is done with by then).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="$(LOCALRAG_SERVER=0 LOCALRAG_MILVUS=0 scripts/lib/build.sh)"
fail=0
out=$("$bin/rag" query "my card" --store milvus://127.0.0.1:19530/train 2>&1) && fail=1
echo "$out" | grep -q "this rag was built without Milvus support" || { echo "unexpected: $out"; fail=1; }
out=$("$bin/rag" serve --index index 2>&1) && fail=1
echo "$out" | grep -qi "trait" || { echo "unexpected: $out"; fail=1; }
[ $fail = 0 ] && echo "build without traits: ok (rag --store and rag serve say what they lack)" || { echo "build without traits: FAILED"; exit 1; }
