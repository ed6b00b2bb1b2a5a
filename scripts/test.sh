#!/usr/bin/env bash
# test.sh: installs what the tests need, then runs every test (swift test).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# Release, with the demo's objects (scripts/build.sh): one build serves both README commands.
scripts/build.sh --tests >/dev/null
swift test -c release -Xswiftc -enable-testing --skip-build "$@"
