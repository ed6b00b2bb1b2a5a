#!/usr/bin/env bash
# install-milvus-lite.sh: Milvus Lite (PyPI, pinned) into .venv-milvus, for the Milvus tests and benchmarks; prints the server's path.
# milvus-lite 3.2.2 serves Milvus's gRPC API on TCP (`milvus-lite server --data-dir DIR --host 127.0.0.1
# --port 19530`); it imports pymilvus without declaring it, hence both pins.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.venv-milvus"
server="$venv/bin/milvus-lite"
if ! "$venv/bin/python" -c 'import milvus_lite, pymilvus' 2>/dev/null; then
  echo "installing Milvus Lite into $venv" >&2
  python3 -m venv "$venv" >&2 || { python3 -m pip install -q virtualenv >&2 && python3 -m virtualenv -q "$venv" >&2; }
  "$venv/bin/pip" install -q --disable-pip-version-check milvus-lite==3.2.2 pymilvus==3.0.2 >&2
fi
"$server" --help >/dev/null
echo "$server"
