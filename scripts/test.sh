#!/usr/bin/env bash
# test.sh: installs what the tests need, then runs every test (swift test).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# Milvus Lite for the Milvus store's tests (they skip, saying why, when it cannot be installed).
scripts/install-milvus-lite.sh >/dev/null || echo "warning: Milvus Lite could not be installed; the Milvus tests will be skipped" >&2
# Release, with the demo's objects (scripts/build.sh): one build serves both README commands.
scripts/build.sh --tests >/dev/null
swift test -c release -Xswiftc -enable-testing --skip-build "$@"
