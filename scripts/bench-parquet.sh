#!/usr/bin/env bash
# Parquet against gzip CSV: the cost of writing, the size, and the time pandas takes to load each.
#
# For each trace — the `mixed` trace of ../shared/peers (777,580 packets, 43,750 flows) and a generated scan of
# 1,000,000 one-packet flows (scripts/make-scan-trace.py) — these run RUNS times (default 5), round robin, with the
# trace in the page cache, under GNU time:
#   gz       flowmeter convert TRACE -o OUT.csv.gz    --statistics --splt 10 --dissections 0 -q --threads 1
#   parquet  flowmeter convert TRACE -o OUT.parquet   (the same options; zstd pages, the default)
#   snappy   flowmeter convert TRACE -o OUT.parquet --parquet-compression snappy
# The table gives medians of wall and CPU seconds (user + sys), peak RSS, the file size, and the ratios to gz
# (CPU and size). Then pandas loads each output three times (`read_csv` of the gzip CSV, `read_parquet` of the
# zstd file, in a venv with pandas and pyarrow) and the medians and their ratio are printed.
#
# Targets (issue 15): Parquet CPU <= 1.0 x gz; size <= 0.6 x gz; pandas load >= 10 x faster.
#
# Environment: RUNS (5), FLOWMETER (time this binary instead of building one), SCRATCH (release build folder,
# default .build-release-bench), WORK (/tmp/flowmeter-bench: traces and outputs), PEERS_HOME
# (~/.cache/flowmeter-peers), VENV (.venv-readers in the checkout; made with pandas and pyarrow if missing).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS_HOME=${PEERS_HOME:-$HOME/.cache/flowmeter-peers}
RUNS=${RUNS:-5}
SCRATCH=${SCRATCH:-$ROOT/.build-release-bench}
WORK=${WORK:-/tmp/flowmeter-bench}
VENV=${VENV:-$ROOT/.venv-readers}
mkdir -p "$WORK"

[ -x /usr/bin/time ] || { echo "bench-parquet: GNU time (/usr/bin/time) not found: apt-get install time" >&2; exit 1; }

source "$ROOT/scripts/bench-lib.sh"
bench_flowmeter bench-parquet
TRACE=$PEERS_HOME/data/mixed.pcap bench_mixed_trace
MIXED=$PEERS_HOME/data/mixed.pcap
SCAN=$WORK/scan-1000000.pcap
[ -f "$SCAN" ] || { echo "== generating $SCAN" >&2; python3 "$ROOT/scripts/make-scan-trace.py" 1000000 "$SCAN"; }
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import pandas, pyarrow' 2> /dev/null; then
    echo "== making $VENV (pandas, pyarrow)" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q pandas pyarrow >&2
fi

OPTIONS=(--statistics --splt 10 --dissections 0 -q --threads 1)
declare -A OUTPUT=([gz]=out.csv.gz [parquet]=out.parquet [snappy]=out-snappy.parquet)
declare -A EXTRA=([gz]="" [parquet]="" [snappy]="--parquet-compression snappy")
KINDS=(gz parquet snappy)

for trace in "$MIXED" "$SCAN"; do
    name=$(basename "$trace" .pcap)
    cat "$trace" > /dev/null
    : > "$WORK/$name.times"
    for run in $(seq 1 "$RUNS"); do
        for kind in "${KINDS[@]}"; do
            # shellcheck disable=SC2086
            /usr/bin/time -f "$kind %e %U %S %M" -a -o "$WORK/$name.times" \
                "$FLOWMETER" convert "$trace" -o "$WORK/$name-${OUTPUT[$kind]}" "${OPTIONS[@]}" ${EXTRA[$kind]}
        done
    done
    for kind in "${KINDS[@]}"; do
        echo "$kind size $(stat -c %s "$WORK/$name-${OUTPUT[$kind]}")" >> "$WORK/$name.times"
    done
    echo
    echo "### $name ($(basename "$trace"), options: ${OPTIONS[*]}), medians of $RUNS runs"
    python3 - "$WORK/$name.times" <<'EOF'
import statistics, sys
runs, sizes = {}, {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 3 and f[1] == 'size':
        sizes[f[0]] = int(f[2])
    elif len(f) == 5:
        runs.setdefault(f[0], []).append((float(f[1]), float(f[2]) + float(f[3]), int(f[4])))
med = {k: [statistics.median(x[i] for x in v) for i in range(3)] for k, v in runs.items()}
print('| output | wall s | CPU s | peak RSS MiB | size bytes | CPU / gz | size / gz |')
print('|---|---|---|---|---|---|---|')
for k in ['gz', 'parquet', 'snappy']:
    w, c, r = med[k]
    print(f'| {k} | {w:.2f} | {c:.2f} | {r / 1024:.1f} | {sizes[k]:,} | {c / med["gz"][1]:.2f} | {sizes[k] / sizes["gz"]:.2f} |')
EOF
    "$VENV/bin/python" - "$WORK/$name-out.csv.gz" "$WORK/$name-out.parquet" <<'EOF'
import statistics, sys, time
import pandas as pd
import pyarrow.parquet as pq
def load(f, *a, **k):
    times = []
    for _ in range(3):
        t = time.perf_counter()
        df = f(*a, **k)
        times.append(time.perf_counter() - t)
    return statistics.median(times), df
csv_s, a = load(pd.read_csv, sys.argv[1])
pq_s, b = load(pd.read_parquet, sys.argv[2])
assert a.shape == b.shape, (a.shape, b.shape)
flat = [c for c in pq.ParquetFile(sys.argv[2]).schema_arrow.names if not c.startswith('splt_')]
flat_csv_s, _ = load(pd.read_csv, sys.argv[1], usecols=flat)
flat_s, _ = load(pd.read_parquet, sys.argv[2], columns=flat)
arrow_s, _ = load(pd.read_parquet, sys.argv[2], dtype_backend='pyarrow')
print(f'pandas {pd.__version__}, {len(b):,} rows, {b.shape[1]} columns; medians of 3 loads:')
print('| load | read_csv(.csv.gz) s | read_parquet s | faster |')
print('|---|---|---|---|')
print(f'| every column (3 SPLT lists become object arrays of numpy arrays) | {csv_s:.3f} | {pq_s:.3f} | {csv_s / pq_s:.1f} x |')
print(f'| every column but the SPLT lists | {flat_csv_s:.3f} | {flat_s:.3f} | {flat_csv_s / flat_s:.1f} x |')
print(f'| every column, dtype_backend="pyarrow" (lists stay Arrow lists) | {csv_s:.3f} | {arrow_s:.3f} | {csv_s / arrow_s:.1f} x |')
EOF
done
