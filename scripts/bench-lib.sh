# Sourced by the scripts/bench-*.sh scripts (which set ROOT and PEERS_HOME): the flowmeter binary they time and
# the `mixed` trace they time it on.

# bench_flowmeter NAME: FLOWMETER as the environment gives it, else a release build in SCRATCH (default
# ROOT/.build-release-bench); says on stderr which, and sets BUILT_FROM. NAME prefixes the error message.
bench_flowmeter() {
    local name=$1 log
    SCRATCH=${SCRATCH:-$ROOT/.build-release-bench}
    if [ -n "${FLOWMETER:-}" ]; then
        BUILT_FROM="given by FLOWMETER"
    else
        BUILT_FROM="checkout $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
        echo "== building flowmeter (release, scratch path $SCRATCH)" >&2
        log=$(mktemp)
        (cd "$ROOT" && swift build -c release --product flowmeter --scratch-path "$SCRATCH" > "$log" 2>&1) \
            || { tail -20 "$log" >&2; rm -f "$log"; exit 1; }
        rm -f "$log"
        FLOWMETER=$(cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/flowmeter
    fi
    [ -x "$FLOWMETER" ] || { echo "$name: no binary at $FLOWMETER" >&2; exit 1; }
    echo "== flowmeter: $FLOWMETER ($BUILT_FROM)" >&2
}

# bench_mixed_trace: TRACE (default PEERS_HOME/data/mixed.pcap), made by ../shared/peers/make-data.sh when missing.
bench_mixed_trace() {
    TRACE=${TRACE:-$PEERS_HOME/data/mixed.pcap}
    if [ ! -f "$TRACE" ]; then
        echo "== making $TRACE" >&2
        PEERS_HOME=$PEERS_HOME bash "$ROOT/../shared/peers/make-data.sh" mixed >&2
    fi
}
