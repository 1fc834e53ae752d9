#!/usr/bin/env bash
# Checks the fixture goldens (Tests/EndToEndTests/Golden/fixtures) against NFStream 6.6.0.
#
#   scripts/check-golden-with-nfstream.sh [-v] [DUMP_DIR]
#
# Without DUMP_DIR, runs `swift test --filter FixtureTests` with FLOWMETER_DUMP_FIXTURES set to a temporary
# directory, which writes every fixture capture and a manifest per run (options, golden, declared
# deviations); with DUMP_DIR, uses the captures already dumped there. Then
# scripts/check_golden_with_nfstream.py converts each capture with NFStream (same options) and compares it
# with the golden flow by flow: per run "agree", "expected deviation" (README "Differences from NFStream",
# named) or "DISAGREEMENT". Exit status 0 when nothing disagrees.
#
# Environment: NFSTREAM_VENV (default ~/nfs-venv) is the Python venv with nfstream 6.6.0, created with
# `pip install nfstream==6.6.0` if it has none; SCRATCH_PATH (default .build) is swift's --scratch-path.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${NFSTREAM_VENV:-$HOME/nfs-venv}
scratch=${SCRATCH_PATH:-.build}

verbose=()
if [[ ${1:-} == -v ]]; then
    verbose=(-v)
    shift
fi

if ! "$venv/bin/python" -c 'import nfstream, sys; sys.exit(nfstream.__version__ != "6.6.0")' 2>/dev/null; then
    echo "creating $venv with nfstream 6.6.0" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet nfstream==6.6.0
fi

if [[ $# -ge 1 ]]; then
    dump=$1
else
    dump=$(mktemp -d "${TMPDIR:-/tmp}/flowmeter-fixtures.XXXXXX")
    trap 'rm -rf "$dump"' EXIT
    echo "dumping the fixture captures with swift test (scratch path $scratch)" >&2
    if ! (cd "$root" && FLOWMETER_DUMP_FIXTURES=$dump swift test --scratch-path "$scratch" --filter FixtureTests \
        >"$dump/swift-test.log" 2>&1); then
        echo "warning: FixtureTests failed (the build does not reproduce the goldens?); see the log below." >&2
        grep -E '✘|error' "$dump/swift-test.log" | head -20 >&2 || true
        echo "checking the goldens against NFStream all the same" >&2
    fi
fi

"$venv/bin/python" "$root/scripts/check_golden_with_nfstream.py" --fixtures "$dump" "${verbose[@]}"
