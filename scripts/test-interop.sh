#!/usr/bin/env bash
# Checks flowmeter's outputs with the real programs that read them: Parquet with pyarrow, pandas, polars and DuckDB
# (from PyPI, in a venv: .venv-readers, or VENV), IPFIX with nfdump's nfcapd and libfixbuf's ipfixDump (Debian
# packages, installed by scripts/setup.sh). Builds the flowmeter binary (debug, the one `swift test` builds) and
# runs Tests/Interop and the Python package's tests (python/tests, against NFStream 6.6.0 too) with pytest. Reads ../shared/conformance (or CONFORMANCE). Extra arguments go to pytest.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-$ROOT/.venv-readers}
# Versions these tests were last run with; newer ones are fine.
REQUIREMENTS=("pyarrow>=14" "pandas>=2.1" "polars>=1.0" "duckdb>=1.0" "pytest>=7")
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV" || { echo "test-interop: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
fi
if ! "$VENV/bin/python" -c 'import pyarrow, pandas, polars, duckdb, pytest' 2> /dev/null; then
    for attempt in 1 2 3; do
        "$VENV/bin/pip" install -q --disable-pip-version-check "${REQUIREMENTS[@]}" && break
        echo "test-interop: pip install failed (attempt $attempt); retrying in 10 s" >&2
        sleep 10
    done
fi
"$VENV/bin/pip" install -q --disable-pip-version-check "$ROOT/python"
# NFStream itself, to check the Python package's API and values against it (x86_64 and aarch64 wheels on PyPI).
"$VENV/bin/python" -c 'import nfstream' 2> /dev/null || "$VENV/bin/pip" install -q --disable-pip-version-check "nfstream==6.6.0" \
    || echo "test-interop: nfstream could not be installed; the comparison with it is skipped" >&2
(cd "$ROOT" && swift build --product flowmeter > /dev/null)
# A test still running after 300 s prints every thread's stack (the run goes on): a hang names itself.
FLOWMETER_BIN=${FLOWMETER_BIN:-$ROOT/.build/debug/flowmeter} CONFORMANCE=${CONFORMANCE:-$ROOT/../shared/conformance} \
    "$VENV/bin/python" -m pytest -q -o faulthandler_timeout=300 "$ROOT/Tests/Interop" "$ROOT/python/tests" "$@"
