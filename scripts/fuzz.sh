#!/usr/bin/env bash
# Builds and runs one libFuzzer harness of Fuzz/ for SECONDS seconds.
#
#   scripts/fuzz.sh TARGET SECONDS [LIBFUZZER_OPTION...]
#
# TARGET:
#   decoder   Fuzz/DecoderFuzz: raw frames of every supported link type (and one unsupported), tunnels on and
#             off, through PacketDecoder; checks its invariants and the address text against inet_ntop.
#   capture   Fuzz/CaptureFuzz: whole pcap/pcapng files through FlowStreamer.convert (libpcap, decoder, meter,
#             every built-in feature plugin, application detection with nDPI, CSV writer), with options chosen
#             from a hash of the input.
#   build     only builds both harnesses (SECONDS not needed).
#
# The harnesses are compiled with `swiftc -sanitize=fuzzer,address` straight from Sources/ and Plugins/ (one
# module per SwiftPM target, whole-module, -O with Swift's checks kept), not by SwiftPM. The seed corpus is
# made each run by Fuzz/Seeds from the project's fixtures (Tests/EndToEndTests/Fixtures.swift), the bundled
# sample capture, the crash regressions (Tests/EndToEndTests/Fixtures/regressions) and, when present, the
# conformance captures (../shared/conformance/pcaps, each cut to 16 KiB; the capture harness reads at most
# 8 KiB of an input, the decoder harness 4 KiB).
#
# Layout under FUZZ_DIR (default .build-fuzz in the checkout):
#   bin/            the harnesses (run one on a file to reproduce: .build-fuzz/bin/decoder-fuzz FILE)
#   seeds/TARGET/   the seed corpus (remade every run)
#   corpus/TARGET/  the corpus libFuzzer grows (kept between runs)
#   crashes/TARGET/ crash-*, leak-*, oom-*, timeout-* inputs
#
# Environment: FUZZ_DIR, FUZZ_JOBS (parallel libFuzzer workers with -fork, default 1), CONFORMANCE
# (default ../shared/conformance), SWIFTC (default swiftc).
# Exit status: 0 when the run ended (or was interrupted: libFuzzer's status 72) without a finding, 1 when libFuzzer reported a crash (the input is in
# crashes/TARGET/), 2 on a build or usage error. The last lines printed give the executions and the findings.
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# compile MODE MODULE "DEPENDENCIES" SOURCES...: one module as one object file plus its .swiftmodule in
# $OBJ/MODE. MODE fuzz: -sanitize=fuzzer,address (coverage + ASan; libFuzzer's main comes at the final link);
# plain: -Onone. Rebuilt when a source, this script or a dependency's object is newer than the object.
compile() {
    local mode=$1 module=$2 dependencies=$3
    shift 3
    local out=$OBJ/$mode/$module.o
    if [ -f "$out" ]; then
        local stale=0 f d
        for f in "$@" "$0"; do [ "$f" -nt "$out" ] && { stale=1; break; }; done
        for d in $dependencies; do [ "$OBJ/$mode/$d.o" -nt "$out" ] && stale=1; done
        [ $stale -eq 0 ] && return 0
    fi
    rm -f "$out"
    # -enable-testing: CaptureFuzz reaches FlowStreamer's read loop with @testable import.
    local flags=(-O -g -sanitize=fuzzer,address -enable-testing)
    [ "$mode" = plain ] && flags=(-Onone)
    echo "fuzz.sh: compiling $module ($mode)" >&2
    "$SWIFTC" "${flags[@]}" ${COMPILE_FLAGS:-} -parse-as-library -wmo -module-name "$module" \
        -I "$OBJ/$mode" -I "$ROOT/Sources/CPcap" -I "$ROOT/Sources/CLibc" -I "$ROOT/Sources/CZlib" -I "$ROOT/Sources/CNDPI" \
        ${CRYPTO_MODULES:+-I "$CRYPTO_MODULES"} \
        -emit-module -emit-module-path "$OBJ/$mode/$module.swiftmodule" -c -o "$out" "$@" 2>&1 \
        | grep -v "warning: Cannot export local symbol" >&2 || true
    [ -f "$out" ] || { echo "fuzz.sh: compiling $module failed" >&2; exit 2; }
}

sources() { find "$@" -name '*.swift' | LC_ALL=C sort; }

# link MODE OUTPUT OBJECTS... [-- EXTRA FLAGS]
link() {
    local mode=$1 output=$2
    shift 2
    local flags=(-O -g -sanitize=fuzzer,address)
    [ "$mode" = plain ] && flags=(-Onone)
    "$SWIFTC" "${flags[@]}" "$@" -L/usr/lib -o "$output" 2>&1 | grep -v "warning: Cannot export local symbol" >&2 || true
    [ -x "$output" ] || { echo "fuzz.sh: linking $output failed" >&2; exit 2; }
}

build_decoder() {
    compile fuzz FlowPacket "" $(sources "$ROOT/Sources/FlowPacket")
    compile fuzz DecoderFuzz "FlowPacket" $(sources "$ROOT/Fuzz/DecoderFuzz" "$ROOT/Fuzz/Common")
    link fuzz "$BIN/decoder-fuzz.new" "$OBJ/fuzz/DecoderFuzz.o" "$OBJ/fuzz/FlowPacket.o"
    mv "$BIN/decoder-fuzz.new" "$BIN/decoder-fuzz"
}

# apple/swift-crypto (FlowDPI's QUIC cryptography), built by SwiftPM (BoringSSL's C and assembly cannot be compiled
# here), uninstrumented, in its own scratch folder; sets CRYPTO_MODULES and CRYPTO_OBJECTS (object files whose
# names may hold spaces).
build_crypto() {
    local scratch=$FUZZ_DIR/crypto
    echo "fuzz.sh: building swift-crypto (SwiftPM, release)" >&2
    (cd "$ROOT" && swift build -c release --target _CryptoExtras --scratch-path "$scratch" > "$scratch.log" 2>&1) \
        || { tail -20 "$scratch.log" >&2; echo "fuzz.sh: building swift-crypto failed" >&2; exit 2; }
    CRYPTO_MODULES=$scratch/release/Modules
    # This scratch folder only ever builds _CryptoExtras, so its objects are exactly that target and its dependencies
    # (Crypto, CryptoExtras, BoringSSL, XKCP and their shims, CryptoBoringWrapper, SwiftASN1 in swift-crypto 4.5).
    mapfile -d '' CRYPTO_OBJECTS < <(find -H "$scratch/release" -path '*.build/*' -name '*.o' -print0)
    [ ${#CRYPTO_OBJECTS[@]} -gt 0 ] || { echo "fuzz.sh: no swift-crypto objects in $scratch" >&2; exit 2; }
}

build_capture() {
    build_crypto
    compile fuzz FlowPacket "" $(sources "$ROOT/Sources/FlowPacket")
    compile fuzz FlowMeter "FlowPacket" $(sources "$ROOT/Sources/FlowMeter")
    compile fuzz FlowCapture "FlowPacket" $(sources "$ROOT/Sources/FlowCapture")
    compile fuzz FlowIngest "FlowPacket FlowCapture" $(sources "$ROOT/Sources/FlowIngest")
    compile fuzz FlowWriters "FlowPacket FlowMeter" $(sources "$ROOT/Sources/FlowWriters")
    compile fuzz FlowStreamer "FlowPacket FlowMeter FlowCapture FlowIngest FlowWriters" $(sources "$ROOT/Sources/FlowStreamer")
    compile fuzz FlowFeatures "FlowPacket FlowMeter" $(sources "$ROOT/Plugins/FlowFeatures")
    # Application detection (nDPI, our JA4 parser and hello assembler), as the NDPI package trait builds it.
    COMPILE_FLAGS="-D NDPI -Xcc -I/usr/include/ndpi" \
        compile fuzz FlowDPI "FlowPacket FlowMeter" $(sources "$ROOT/Sources/FlowDPI")
    compile fuzz CaptureFuzz "FlowPacket FlowMeter FlowStreamer FlowWriters FlowFeatures FlowDPI" \
        $(sources "$ROOT/Fuzz/CaptureFuzz")
    link fuzz "$BIN/capture-fuzz.new" "$OBJ/fuzz/CaptureFuzz.o" "$OBJ/fuzz/FlowStreamer.o" \
        "$OBJ/fuzz/FlowFeatures.o" "$OBJ/fuzz/FlowDPI.o" "$OBJ/fuzz/FlowWriters.o" "$OBJ/fuzz/FlowCapture.o" "$OBJ/fuzz/FlowIngest.o" \
        "$OBJ/fuzz/FlowMeter.o" "$OBJ/fuzz/FlowPacket.o" "${CRYPTO_OBJECTS[@]}" -lpcap -lz -lndpi -lstdc++
    mv "$BIN/capture-fuzz.new" "$BIN/capture-fuzz"
}

build_seeds() {
    compile plain FlowPacket "" $(sources "$ROOT/Sources/FlowPacket")
    compile plain FlowTestSupport "FlowPacket" $(sources "$ROOT/Tests/FlowTestSupport")
    compile plain FuzzSeeds "FlowPacket FlowTestSupport" $(sources "$ROOT/Fuzz/Seeds" "$ROOT/Fuzz/Common") \
        "$ROOT/Tests/EndToEndTests/Fixtures.swift"
    link plain "$BIN/fuzz-seeds" "$OBJ/plain/FuzzSeeds.o" "$OBJ/plain/FlowTestSupport.o" "$OBJ/plain/FlowPacket.o"
}

make_seeds() {
    rm -rf "$FUZZ_DIR/seeds"
    local extra=("$ROOT/Examples/captures/sample.pcap")
    local f
    if [ -d "$ROOT/Tests/EndToEndTests/Fixtures/regressions" ]; then
        while IFS= read -r f; do extra+=("$f"); done < <(find "$ROOT/Tests/EndToEndTests/Fixtures/regressions" \
            -type f \( -name '*.pcap' -o -name '*.pcapng' \) | LC_ALL=C sort)
    fi
    if [ -d "$CONFORMANCE/pcaps" ]; then
        while IFS= read -r f; do extra+=("$f"); done < <(find "$CONFORMANCE/pcaps" -type f | LC_ALL=C sort)
    fi
    "$BIN/fuzz-seeds" "$FUZZ_DIR/seeds/capture" "$FUZZ_DIR/seeds/decoder" "${extra[@]}" >&2
    # Regression frames of the decoder harness (already in its input format).
    if [ -d "$ROOT/Tests/EndToEndTests/Fixtures/regressions/decoder" ]; then
        cp "$ROOT/Tests/EndToEndTests/Fixtures/regressions/decoder/"* "$FUZZ_DIR/seeds/decoder/" 2>/dev/null || true
    fi
}

# The whole script is read before anything runs (main is called on the last line, and `exit` is on that same line,
# which bash has read in full before main runs), so editing this file while a long run is going cannot make bash
# read a changed script when the fuzzer returns.
main() {
    ROOT=$(cd "$(dirname "$0")/.." && pwd)
    TARGET=${1:-}
    SECONDS_TO_RUN=${2:-}
    [ -n "$TARGET" ] || usage
    shift
    [ $# -gt 0 ] && shift
    case "$TARGET" in
        decoder | capture) [[ "$SECONDS_TO_RUN" =~ ^[0-9]+$ ]] || usage ;;
        build) ;;
        *) usage ;;
    esac

    FUZZ_DIR=${FUZZ_DIR:-$ROOT/.build-fuzz}
    FUZZ_JOBS=${FUZZ_JOBS:-1}
    CONFORMANCE=${CONFORMANCE:-$ROOT/../shared/conformance}
    SWIFTC=${SWIFTC:-swiftc}
    OBJ=$FUZZ_DIR/obj
    BIN=$FUZZ_DIR/bin
    mkdir -p "$OBJ/fuzz" "$OBJ/plain" "$BIN"

    case "$TARGET" in
        build)
            build_decoder
            build_capture
            build_seeds
            echo "fuzz.sh: built $BIN/decoder-fuzz $BIN/capture-fuzz $BIN/fuzz-seeds"
            exit 0
            ;;
        decoder) build_decoder; MAX_LEN=4096; PROFILE=1 ;;
        capture) build_capture; MAX_LEN=8192; PROFILE=0 ;;
    esac
    build_seeds
    make_seeds

    CORPUS=$FUZZ_DIR/corpus/$TARGET
    CRASHES=$FUZZ_DIR/crashes/$TARGET
    mkdir -p "$CORPUS" "$CRASHES"
    LOG=$FUZZ_DIR/$TARGET-$(date +%Y%m%d-%H%M%S).log
    args=(-max_total_time="$SECONDS_TO_RUN" -max_len="$MAX_LEN" -timeout=10 -rss_limit_mb=2048
        -artifact_prefix="$CRASHES/" -print_final_stats=1 -use_value_profile=$PROFILE)
    if [ "$FUZZ_JOBS" -gt 1 ]; then
        args+=(-fork="$FUZZ_JOBS" -ignore_crashes=1)
    fi
    echo "fuzz.sh: $BIN/$TARGET-fuzz ${args[*]} $* $CORPUS $FUZZ_DIR/seeds/$TARGET (log: $LOG)" >&2
    local before
    before=$(find "$CRASHES" -type f | wc -l)
    # -fork writes one log per worker in the current directory.
    mkdir -p "$FUZZ_DIR/work"
    set +e
    # ASan: abort on the first report, leak checking on (libFuzzer's default).
    (cd "$FUZZ_DIR/work" && ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:symbolize=1:detect_leaks=1} \
        "$BIN/$TARGET-fuzz" "${args[@]}" "$@" "$CORPUS" "$FUZZ_DIR/seeds/$TARGET" > "$LOG" 2>&1)
    status=$?
    set -e
    local findings=$(($(find "$CRASHES" -type f | wc -l) - before))

    # Summary: executions (the last "#N" status line, or stat::number_of_executed_units), findings.
    # (-fork prints no final stats: its status lines "#N: cov: … exec/s: … oom/timeout/crash: …" count them.)
    executions=$( (grep -o 'stat::number_of_executed_units: [0-9]*' "$LOG" || true) | awk '{s+=$2} END {print s+0}')
    if [ "$executions" = 0 ]; then
        executions=$( (grep -oE '^#[0-9]+' "$LOG" || true) | tail -1 | tr -d '#')
    fi
    tail -n 25 "$LOG" >&2
    echo "fuzz.sh: $TARGET: ${executions:-0} executions in ${SECONDS_TO_RUN} s, exit status $status, $findings new crash inputs, corpus $(find "$CORPUS" -type f | wc -l) inputs"
    # 72 is libFuzzer's -interrupted_exitcode (SIGINT/SIGTERM, e.g. a run cut short by hand): not a finding by itself.
    if [ "$status" -eq 72 ]; then
        echo "fuzz.sh: $TARGET: interrupted before ${SECONDS_TO_RUN} s"
        status=0
    fi
    if [ "$findings" -gt 0 ] || [ "$status" -ne 0 ] \
        || grep -qE '^==[0-9]+==ERROR|^SUMMARY: |deadly signal|invariant violated|Fatal error' "$LOG"; then
        echo "fuzz.sh: $TARGET: FINDING — see $LOG and the newest files of $CRASHES:"
        ls -t "$CRASHES" | head -5
        exit 1
    fi
    echo "fuzz.sh: $TARGET: no crash"
}

main "$@"; exit $?  # one line: bash has read it whole before main runs
