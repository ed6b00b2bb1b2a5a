#!/usr/bin/env bash
# run.sh: build the libFuzzer harness (ASan + libFuzzer) and fuzz each target for SECONDS (default 600).
#   scripts/reliability/fuzz/run.sh [SECONDS] [TARGET...]      targets: csv tokenizer safetensors manifest normalize modelfolder filter curve requestbody int8part
# Not part of CI. New interesting inputs are added to corpus/<target>/ (commit them); crashes and
# timeouts are written to findings/<target>/ (crash-*, timeout-*, oom-*) and the run stops there.
# Rerun one finding: LOCALRAG_FUZZ_TARGET=csv .build-fuzz/release/LocalRAGFuzz findings/csv/crash-...
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}; shift || true
targets=${*:-csv tokenizer safetensors manifest normalize modelfolder filter curve requestbody int8part}
swift build -c release --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
bin=.build-fuzz/release/LocalRAGFuzz
export LOCALRAG_MODEL_DIR=${LOCALRAG_MODEL_DIR:-$PWD/../../../models/all-MiniLM-L6-v2}
status=0
for t in $targets; do
    mkdir -p "corpus/$t" "findings/$t"
    echo "== $t: ${seconds}s"
    # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: a leak or blow-up is a finding.
    # -detect_leaks=0: swift-foundation's Data(contentsOf:) leaks 4 KiB on an empty file (not ours).
    # TMPDIR on /dev/shm: the readers under test take files, written once per input.
    rc=0
    ASAN_OPTIONS=detect_leaks=0 TMPDIR=/dev/shm LOCALRAG_FUZZ_TARGET=$t "$bin" "corpus/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -detect_leaks=0 -artifact_prefix="findings/$t/" -print_final_stats=1 > "findings/$t.log" 2>&1 || rc=$?
    grep -E "^(#[0-9]+ +DONE|SUMMARY|stat::number_of_executed_units|stat::peak_rss_mb)|Deadly|ERROR|Fatal|failure" "findings/$t.log" || true
    [ "$rc" -eq 0 ] || { echo "== $t: exit $rc, see findings/$t.log and findings/$t/"; status=1; }
done
exit $status
