#!/usr/bin/env bash
# test.sh: installs what the tests need, then runs every test (swift test).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build "$@"
