#!/usr/bin/env bash
# Runs the test suite under AddressSanitizer and the threaded pipeline under ThreadSanitizer.
#
#   scripts/sanitizers.sh [asan|tsan|all]     (default: all)
#
# asan   `swift build --build-tests --sanitize=address` (the library, the tests and the `flowmeter` executable the
#        end-to-end tests run are all instrumented), then the whole suite with `swift test --sanitize=address`,
#        LeakSanitizer on. ASan/LSan reports in the executable show up as test failures (its stderr and status
#        are checked); reports in the test process fail the run. A few leak reports of toolchain libraries in the
#        test runner's own process are suppressed (the list, with reasons, is written to LOGS/lsan-suppressions.txt).
# tsan   `swift build --build-tests --sanitize=thread`, then the tests that run several meter threads in process
#        (ReliabilityTests.ThreadedPipelineTests: 3 000 flows × 3 rounds with flows leaving during the run, a
#        bounded table, 1/2/4 threads; EndToEndTests.ThreadingTests: 6 000 flows and the conformance captures, 1–16
#        threads; its 100 000-flow test is skipped: too slow instrumented), and the instrumented
#        `flowmeter convert --threads 4` on a generated trace of 20 000 flows (plus --max-flows), checked for
#        ThreadSanitizer warnings.
#
# Suppressions: scripts/tsan-suppressions.txt (each with its reason). halt_on_error is on: the first report fails
# the run. Scratch folders: .build-asan and .build-tsan in the checkout (SCRATCH_ASAN, SCRATCH_TSAN to change).
# Environment: ASAN_FILTER / TSAN_FILTER (a `swift test --filter` expression replacing the defaults above),
# ASAN_SKIP (a `--skip` expression; default none), TSAN_SKIP (default: the 100 000-flow threading test).
# Exit status: 0 when every selected run passed without a sanitizer report, 1 otherwise.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
MODE=${1:-all}
SCRATCH_ASAN=${SCRATCH_ASAN:-$ROOT/.build-asan}
SCRATCH_TSAN=${SCRATCH_TSAN:-$ROOT/.build-tsan}
LOGS=${LOGS:-$ROOT/.build-sanitizer-logs}
mkdir -p "$LOGS"
failures=()

run_asan() {
    echo "== AddressSanitizer: building ($SCRATCH_ASAN)"
    if ! swift build --build-tests --sanitize=address --scratch-path "$SCRATCH_ASAN" > "$LOGS/asan-build.log" 2>&1; then
        tail -30 "$LOGS/asan-build.log"
        failures+=("asan build")
        return
    fi
    local args=()
    [ -n "${ASAN_FILTER:-}" ] && args+=(--filter "$ASAN_FILTER")
    [ -n "${ASAN_SKIP:-}" ] && args+=(--skip "$ASAN_SKIP")
    echo "== AddressSanitizer: swift test ${args[*]} (log: $LOGS/asan-test.log)"
    # LeakSanitizer runs at the exit of every instrumented process: the test runner and every flowmeter the tests
    # start (a leak there makes its stderr non-empty and its status 23, which the tests see). The suppressions
    # below concern the test runner's own process (toolchain libraries and test globals, none of it in
    # flowmeter's code paths: flowmeter reads captures with libpcap, not Foundation, and uses no XCTest), except
    # the last: one allocation of swift-argument-parser on a usage error.
    cat > "$LOGS/lsan-suppressions.txt" << 'EOF'
# FoundationEssentials (toolchain): every buffer read by String(contentsOfFile:) / Data(contentsOf:) in the test
# runner is reported as leaked, with readBytesFromFile at the top of the stack (test helpers reading outputs).
leak:readBytesFromFile
# XCTest (toolchain): the XCTest pass of the runner keeps its suite and observer objects until exit.
leak:libXCTest.so
# Foundation.Process (toolchain): weak references made by Process.run in the tests that use Process.
leak:libFoundation.so
# Values of lazily initialised test globals (Fixture.all …), still referenced at exit.
leak:once_slow
# swift-argument-parser (dependency): an option value outside an enum's cases (`--format xml`) exits with status 64
# from inside parsing, and the 48-byte path array of an InputKey it built is reported as leaked (InputKey.fullPath).
leak:ArgumentParser8InputKeyV8fullPath
EOF
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0:symbolize=1} \
    LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$LOGS/lsan-suppressions.txt:print_suppressions=0} \
        swift test --skip-build --sanitize=address --scratch-path "$SCRATCH_ASAN" "${args[@]}" \
        > "$LOGS/asan-test.log" 2>&1
    local status=$?
    grep -E "^(✔|✘|━) Test run|with [0-9]+ (tests|issues)" "$LOGS/asan-test.log" | tail -3
    if grep -qE "ERROR: AddressSanitizer|ERROR: LeakSanitizer" "$LOGS/asan-test.log"; then
        echo "AddressSanitizer reported:"
        grep -E -A12 "ERROR: (Address|Leak)Sanitizer" "$LOGS/asan-test.log" | head -60
        failures+=("asan report")
    fi
    [ $status -eq 0 ] || failures+=("asan tests (status $status)")
}

run_tsan() {
    echo "== ThreadSanitizer: building ($SCRATCH_TSAN)"
    if ! swift build --build-tests --sanitize=thread --scratch-path "$SCRATCH_TSAN" > "$LOGS/tsan-build.log" 2>&1; then
        tail -30 "$LOGS/tsan-build.log"
        failures+=("tsan build")
        return
    fi
    local tsan_options="halt_on_error=1:second_deadlock_stack=1:suppressions=$ROOT/scripts/tsan-suppressions.txt"
    local filter=${TSAN_FILTER:-"ThreadedPipelineTests|ThreadingTests"}
    echo "== ThreadSanitizer: swift test --filter '$filter' (log: $LOGS/tsan-test.log)"
    TSAN_OPTIONS=${TSAN_OPTIONS:-$tsan_options} \
        swift test --skip-build --sanitize=thread --scratch-path "$SCRATCH_TSAN" --filter "$filter" \
        --skip "${TSAN_SKIP:-hundredThousandFlows}" > "$LOGS/tsan-test.log" 2>&1
    local status=$?
    grep -E "^(✔|✘|━) Test run" "$LOGS/tsan-test.log" | tail -2
    if grep -q "WARNING: ThreadSanitizer" "$LOGS/tsan-test.log"; then
        echo "ThreadSanitizer reported:"
        grep -A30 "WARNING: ThreadSanitizer" "$LOGS/tsan-test.log" | head -80
        failures+=("tsan report (tests)")
    fi
    [ $status -eq 0 ] || failures+=("tsan tests (status $status)")

    # The executable, threaded, on a generated multi-thousand-flow trace.
    local trace=$LOGS/tsan-trace.pcap
    python3 - "$trace" <<'EOF'
import struct, sys
# 20 000 UDP flows, 5 rounds of one packet each, 2 µs apart: a round lasts 40 ms, so with --idle-timeout 0.02
# flows leave at every scan and come back.
flows, rounds = 20000, 5
with open(sys.argv[1], 'wb') as out:
    out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    eth = bytes.fromhex('0200000000020200000000010800')
    buf = bytearray()
    t = 1700000000 * 1000000
    for r in range(rounds):
        for i in range(flows):
            ip = struct.pack('!BBHHHBBHII', 0x45, 0, 46, 0, 0, 64, 17, 0, 0x0a000000 | i, 0xc0a80001)
            frame = eth + ip + struct.pack('!HHHH', 1024 + i % 50000, 53, 26, 0) + bytes(18)
            buf += struct.pack('<IIII', t // 1000000, t % 1000000, len(frame), len(frame)) + frame
            t += 2
    out.write(buf)
EOF
    local options
    for options in "--threads 4 --statistics --splt 5 --idle-timeout 0.02" "--threads 3 --features statistics,splt,cic --max-flows 640" "--threads 2 --tcp-termination"; do
        echo "== ThreadSanitizer: flowmeter convert (20 000 flows × 5) $options"
        # shellcheck disable=SC2086
        TSAN_OPTIONS=${TSAN_OPTIONS:-$tsan_options} "$SCRATCH_TSAN/debug/flowmeter" convert "$trace" \
            -o "$LOGS/tsan-out.csv.gz" -q $options > /dev/null 2> "$LOGS/tsan-cli.log"
        local cli=$?
        if grep -q "WARNING: ThreadSanitizer" "$LOGS/tsan-cli.log" || [ $cli -ne 0 ]; then
            head -80 "$LOGS/tsan-cli.log"
            failures+=("tsan flowmeter convert $options (status $cli)")
        else
            echo "   no report; $(gzip -dc "$LOGS/tsan-out.csv.gz" | tail -n +2 | wc -l) flows written"
        fi
    done
}

# Everything runs from main, called on the last line: bash has read the whole script before the long runs start.
main() {
    case "$MODE" in
        asan) run_asan ;;
        tsan) run_tsan ;;
        all) run_asan; run_tsan ;;
        *) echo "usage: scripts/sanitizers.sh [asan|tsan|all]" >&2; exit 2 ;;
    esac

    if [ ${#failures[@]} -gt 0 ]; then
        printf 'sanitizers: FAILED: %s\n' "${failures[@]}"
        exit 1
    fi
    echo "sanitizers: $MODE passed without a sanitizer report"
}

main "$@"
exit $?
