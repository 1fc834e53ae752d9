#!/usr/bin/env bash
# Where each thread of a flowmeter run spends its time, from the scheduler's switch events: on a CPU, runnable (ready
# but waiting for a CPU), asleep (waiting for another thread: a batch, room in a ring); and how long the CPUs were
# idle while it ran. With BIN_MS, the same per interval of the run: a timeline of who waits when.
#
#   scripts/thread-time.sh [convert arguments…]
#
# Default arguments: `convert mixed.pcap -o OUT.csv -q --statistics --splt 10 --threads 2` (the issue's detection-on
# case). Wall-clock ratios move by 10 % and more from one run to the next on a shared VM; these sums say which thread
# waited for which, and how much of the machine went unused, in a single run (the threads carry names: the reading
# thread has the process's name, then `meter-N`, `output`, `job-N`).
#
# Needs perf with the sched:sched_switch tracepoint, system-wide (root, or kernel.perf_event_paranoid ≤ -1), and
# python3. Environment: FLOWMETER (the binary; default: a release build, as bench-mixed.sh makes), TRACE (default the
# `mixed` trace of ../shared/peers), RUNS (runs, default 1), BIN_MS (timeline interval in ms; default: none),
# PEERS_HOME (default ~/.cache/flowmeter-peers), OUT_DIR (default /tmp).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS_HOME=${PEERS_HOME:-$HOME/.cache/flowmeter-peers}
RUNS=${RUNS:-1}
BIN_MS=${BIN_MS:-}
OUT_DIR=${OUT_DIR:-/tmp}

command -v perf > /dev/null || { echo "thread-time: 'perf' not found (apt-get install linux-perf)" >&2; exit 1; }
command -v python3 > /dev/null || { echo "thread-time: 'python3' not found" >&2; exit 1; }
source "$ROOT/scripts/bench-lib.sh"
bench_flowmeter thread-time
if [ $# -eq 0 ]; then
    bench_mixed_trace
    set -- convert "$TRACE" -o "$OUT_DIR/thread-time.csv" -q --statistics --splt 10 --threads 2
fi

DATA=$(mktemp "$OUT_DIR/thread-time.XXXXXX")
trap 'rm -f "$DATA" "$DATA.txt"' EXIT
for run in $(seq "$RUNS"); do
    if ! perf record -q -a -e sched:sched_switch -o "$DATA" -- "$FLOWMETER" "$@" > /dev/null 2> "$DATA.txt"; then
        cat "$DATA.txt" >&2
        echo "thread-time: perf record failed (root, or sysctl kernel.perf_event_paranoid=-1, is needed)" >&2
        exit 1
    fi
    perf script -i "$DATA" -F pid,tid,cpu,time,trace 2> /dev/null > "$DATA.txt"
    python3 - "$DATA.txt" "$run" "$(basename "$FLOWMETER")" "$BIN_MS" << 'PY'
import collections, re, sys

path, run, binary, bin_ms = sys.argv[1], sys.argv[2], sys.argv[3][:15], sys.argv[4]
line_format = re.compile(
    r'\s*(\d+)/(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+prev_comm=(.*) prev_pid=(\d+) prev_prio=\d+ '
    r'prev_state=(\S+) ==> next_comm=(.*) next_pid=(\d+) next_prio=\d+')
events = []
group_of = {}  # thread id -> process id, learnt from the events the thread switches out in
for line in open(path):
    m = line_format.match(line)
    if not m:
        continue
    pid, tid, cpu, time = m.group(1), m.group(2), int(m.group(3)), float(m.group(4))
    group_of[tid] = pid
    events.append((time, cpu, m.group(6), m.group(5), m.group(7), m.group(9), m.group(8)))
# Each thread's latest name (the reading thread starts as perf's child, the others under their creator's name),
# and the run's process: the one with a thread named after the binary.
names = {}
for time, cpu, prev, prev_comm, state, nxt, next_comm in events:
    names[prev] = prev_comm
    names[nxt] = next_comm
groups = {group_of[t] for t, n in names.items() if n == binary and t in group_of}
ours = sorted((t for t in names if group_of.get(t) in groups), key=int)
if not ours:
    sys.exit(f'thread-time: no thread named {binary} in the trace')

on = collections.Counter(); runnable = collections.Counter(); asleep = collections.Counter()
sleeps = collections.Counter(); since = {}; left = {}; idle_since = {}; idle = 0.0
bins = collections.defaultdict(float)
width = float(bin_ms) / 1000 if bin_ms else 0.0

def add_bins(thread, start, end):
    if not width:
        return
    b = int((start - start_time) / width)
    while start < end - 1e-9:
        stop = min(end, start_time + (b + 1) * width)
        bins[(b, thread)] += max(0.0, stop - start)
        start = stop
        b += 1

start_time = min(t for t, cpu, prev, _, _, nxt, _ in events if prev in ours or nxt in ours)
end_time = max(t for t, cpu, prev, _, _, nxt, _ in events if prev in ours or nxt in ours)
for time, cpu, prev, prev_comm, state, nxt, next_comm in events:
    if prev in ours:
        if prev in since:
            on[prev] += time - since[prev]
            add_bins(prev, since.pop(prev), time)
        left[prev] = (state, time)
        if state != 'R':
            sleeps[prev] += 1
    if prev == '0' and cpu in idle_since and start_time <= time <= end_time:
        idle += time - max(idle_since.pop(cpu), start_time)
    if nxt == '0':
        idle_since[cpu] = time
    if nxt in ours:
        since[nxt] = time
        if nxt in left:
            state, t0 = left.pop(nxt)
            (runnable if state == 'R' else asleep)[nxt] += time - t0
for cpu, t0 in idle_since.items():
    idle += max(0.0, end_time - max(t0, start_time))

span = end_time - start_time
cpus = len({cpu for _, cpu, *_ in events})
print(f'run {run}: {span:.3f} s, CPUs idle {idle:.3f} s of {cpus * span:.3f} s ({100 * idle / (cpus * span):.1f} %)')
print(f'  {"thread":<16}{"on-CPU s":>10}{"runnable s":>12}{"asleep s":>10}{"sleeps":>8}')
for t in ours:
    print(f'  {names[t]:<16}{on[t]:>10.3f}{runnable[t]:>12.3f}{asleep[t]:>10.3f}{sleeps[t]:>8}')
if width:
    print(f'  on-CPU share per {bin_ms} ms:')
    for b in range(int(span / width) + 1):
        shares = '  '.join(f'{names[t]} {100 * bins[(b, t)] / width:3.0f} %' for t in ours)
        print(f'  {b * width * 1000:7.0f} ms  {shares}')
PY
done
