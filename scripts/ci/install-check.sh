#!/usr/bin/env bash
# install-check.sh: CI's check of scripts/install.sh: install into a temporary prefix and HOME, then use rag from elsewhere with no environment set.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
if ! command -v man >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq man-db >/dev/null
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/elsewhere"
passed=0
failed=0
check() {  # check NAME COMMAND...: runs the command, counts it
  local name="$1"; shift
  if "$@" >"$tmp/out" 2>&1; then
    passed=$((passed + 1)); echo "ok    $name"
  else
    failed=$((failed + 1)); echo "FAIL  $name"; sed 's/^/      /' "$tmp/out"
  fi
}

# Only what a login shell has: no LOCALRAG_* variables, HOME and the data folder in the temporary
# folder. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE pass through when the environment set them: never changed here.
blas_env=""
for v in OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; do
  [ -z "${!v:-}" ] || blas_env+=" $v=${!v}"
done
cat > "$tmp/clean" <<CLEAN
#!/usr/bin/env bash
exec env -i PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$(dirname "$(command -v python3)")" \\
  HOME="$tmp/home" LANG=C.UTF-8$blas_env "\$@"
CLEAN
chmod +x "$tmp/clean"
clean="$tmp/clean"

prefix="$tmp/prefix"
check "install.sh --prefix (first run)" env HOME="$tmp/home" XDG_DATA_HOME= "$root/scripts/install.sh" --prefix "$prefix"
snapshot() { find "$prefix" "$tmp/home/.local/share/localrag" -type f -printf '%p %s %T@\n' | sort; }
snapshot > "$tmp/before.txt"
check "install.sh again changes nothing" bash -c "env HOME='$tmp/home' XDG_DATA_HOME= '$root/scripts/install.sh' --prefix '$prefix' > '$tmp/second.txt' && ! grep -q '^installed:' '$tmp/second.txt' && grep -q 'already installed' '$tmp/second.txt'"
snapshot > "$tmp/after.txt"
check "no file touched by the second run" diff "$tmp/before.txt" "$tmp/after.txt"
model="$tmp/home/.local/share/localrag/models/all-MiniLM-L6-v2"
check "model in the user data folder" test -f "$model/model.safetensors"

rag="$prefix/bin/rag"
cp "$root/data/train.csv" "$tmp/elsewhere/cols.csv"
check "rag --version" bash -c "cd '$tmp/elsewhere' && $clean '$rag' --version | grep -q '^rag [0-9]' "
check "rag --version names the CPU and the BLAS core" bash -c "cd '$tmp/elsewhere' && $clean '$rag' --version | grep -q '^cpu: ' && $clean '$rag' --version | grep -q '^blas: .*core '"
check "rag model list finds the user data folder's model" bash -c "cd '$tmp/elsewhere' && $clean '$rag' model list | grep -q '^\* $model  \[user data folder\]  bert 6x384, 384 dims, mean pooling, minilm:all-MiniLM-L6-v2:sha256='"
check "rag index build from another folder" bash -c "cd '$tmp/elsewhere' && $clean '$rag' index build --csv cols.csv --index '$tmp/idx' | grep -q '^indexed '"
check "rag query" bash -c "cd '$tmp/elsewhere' && $clean '$rag' query 'my card has not arrived yet' -k 3 --index '$tmp/idx' --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d[\"neighbours\"])==3, d'"
check "man -l rag.1" bash -c "MANWIDTH=80 man -l '$prefix/share/man/man1/rag.1' | grep -q 'rag'"
check "bash completion installed and loads" bash -c "source '$prefix/share/bash-completion/completions/rag' && complete -p rag | grep -q rag"
check "rag model verify passes" bash -c "cd '$tmp/elsewhere' && $clean '$rag' model verify"
# One flipped byte in the installed weights.
python3 - "$model/model.safetensors" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(50_000_000); b = f.read(1); f.seek(50_000_000); f.write(bytes([b[0] ^ 0x01]))
PY
check "rag model verify catches a flipped byte (exit 1)" bash -c "cd '$tmp/elsewhere' && $clean '$rag' model verify > '$tmp/verify.txt' 2>&1; test \$? -eq 1 && grep -q '^FAILED  model.safetensors: SHA-256' '$tmp/verify.txt'"
echo "install check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
