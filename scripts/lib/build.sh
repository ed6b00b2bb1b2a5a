#!/usr/bin/env bash
# build.sh: the one release build every script shares (demo, tests, install, end-to-end): same flags, so nothing is compiled twice.
# Usage: scripts/lib/build.sh [--tests]    prints the folder holding the built binaries on stdout.
#        scripts/lib/build.sh --flags      prints the flags it builds with, one a line (for swift test --skip-build).
#        scripts/lib/build.sh --manual     runs ArgumentParser's manual plugin; prints the folder holding rag.1.
# One set of objects serves the demo's `rag`, the installed one and the test bundle. Tests reach what
# they check through `package` declarations, not @testable: nothing is built with -enable-testing.
set -euo pipefail
cd "$(dirname "$0")/../.."
flags=(-c release)
# SwiftPM lists the packages' trait defines (-DServer, -DConfigurationSupport, ...) in the order of a Set,
# which changes from one process to the next with Swift's per-process hash seed: each build then saw
# changed command lines and recompiled whole modules (up to everything after the first trait). A fixed
# seed keeps the order, so a second build with nothing changed compiles nothing.
export SWIFT_DETERMINISTIC_HASHING=1
# `rag serve` (Hummingbird, Prometheus) is behind the Server trait: on unless LOCALRAG_SERVER=0
# (the demo turns both off: minutes more of compiling on 2 cores for a first build).
# `--store milvus://` (gRPC, protobuf) is behind the Milvus trait the same way (LOCALRAG_MILVUS=0 turns it off).
traits=()
[ "${LOCALRAG_SERVER:-1}" = 0 ] || traits+=(Server)
[ "${LOCALRAG_MILVUS:-1}" = 0 ] || traits+=(Milvus)
[ ${#traits[@]} = 0 ] || flags+=(--traits "$(IFS=,; echo "${traits[*]}")")
if [ "${1:-}" = "--flags" ]; then
  # The same flags for `swift test --skip-build`: with other traits SwiftPM plans another build and the
  # next build.sh recompiles what the traits touch.
  printf '%s\n' "${flags[@]}"
  exit 0
elif [ "${1:-}" = "--tests" ]; then
  swift build "${flags[@]}" --build-tests >&2
elif [ "${1:-}" = "--manual" ]; then
  swift package "${flags[@]}" generate-manual --configuration release >&2
  echo "$(pwd)/.build/plugins/GenerateManual/outputs/rag"
  exit 0
else
  swift build "${flags[@]}" --product rag >&2
fi
swift build "${flags[@]}" --show-bin-path
