#!/usr/bin/env bash
# build.sh: the one release build every script shares (demo, tests, install, end-to-end): same flags, so nothing is compiled twice.
# Usage: scripts/build.sh [--tests]    prints the folder holding the built binaries on stdout.
#        scripts/build.sh --manual     runs ArgumentParser's manual plugin; prints the folder holding rag.1.
# Tests import modules with @testable, so everything is built with -enable-testing; the demo's
# `rag` and the test bundle then come from one set of objects.
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-c release -Xswiftc -enable-testing)
# `rag serve` (Hummingbird, Prometheus) is behind the Server trait: on unless LOCALRAG_SERVER=0
# (the demo turns both off: minutes more of compiling on 2 cores for a first build).
# `--store milvus://` (gRPC, protobuf) is behind the Milvus trait the same way (LOCALRAG_MILVUS=0 turns it off).
traits=()
[ "${LOCALRAG_SERVER:-1}" = 0 ] || traits+=(Server)
[ "${LOCALRAG_MILVUS:-1}" = 0 ] || traits+=(Milvus)
[ ${#traits[@]} = 0 ] || flags+=(--traits "$(IFS=,; echo "${traits[*]}")")
if [ "${1:-}" = "--tests" ]; then
  swift build "${flags[@]}" --build-tests >&2
elif [ "${1:-}" = "--manual" ]; then
  swift package "${flags[@]}" generate-manual --configuration release >&2
  echo "$(pwd)/.build/plugins/GenerateManual/outputs/rag"
  exit 0
else
  swift build "${flags[@]}" --product rag >&2
fi
swift build "${flags[@]}" --show-bin-path
