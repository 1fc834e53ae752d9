#!/usr/bin/env python3
"""flowmeter's Python package against NFStream, end to end: from a new Python process to the DataFrame.

    python bench_nfstream.py [--trace PATH] [--rounds N] [--dissections 20 0] [--splt 10]

Each measurement runs `python -c "...NFStreamer(source, statistical_analysis=True, splt_analysis=10,
n_dissections=D).to_pandas()"` in a fresh interpreter, once with `from nfstream import NFStreamer` and once with
`from flowmeter import NFStreamer` (the one-line switch), interleaved round by round; the figures are medians of
wall time and of CPU time (the interpreter and every process it started). The default trace is the `mixed` trace of
../shared/peers (make it with `bash ../shared/peers/make-data.sh mixed`). Needs pandas, pyarrow, nfstream and this
package in the running Python, and the flowmeter binary (FLOWMETER_BIN or PATH; measure a release build)."""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

SCRIPT = """
import sys
from {module} import NFStreamer
frame = NFStreamer(source={source!r}, statistical_analysis=True, splt_analysis={splt},
                   n_dissections={dissections}).to_pandas()
sys.stdout.write(f"{{0 if frame is None else len(frame)}} {{0 if frame is None else len(frame.columns)}}\\n")
"""


def run(module, source, dissections, splt):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(module=module, source=source, splt=splt,
                                                               dissections=dissections)],
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{module} failed ({done.returncode}):\n{done.stderr}")
    rows, columns = map(int, done.stdout.split())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, rows, columns


def main():
    default_trace = os.path.expanduser("~/.cache/flowmeter-peers/data/mixed.pcap")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trace", default=default_trace)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dissections", type=int, nargs="+", default=[20, 0])
    parser.add_argument("--splt", type=int, default=10)
    options = parser.parse_args()
    if not os.path.exists(options.trace):
        sys.exit(f"{options.trace} is missing: build it with `bash ../shared/peers/make-data.sh mixed`")
    import flowmeter
    print(f"trace {options.trace} ({os.path.getsize(options.trace):,} bytes), flowmeter binary "
          f"{flowmeter.find_binary()}, {options.rounds} rounds, medians", flush=True)
    results = {}
    for round_index in range(options.rounds):
        for dissections in options.dissections:
            for module in ("nfstream", "flowmeter"):
                results.setdefault((dissections, module), []).append(
                    run(module, options.trace, dissections, options.splt))
                wall, cpu, rows, columns = results[(dissections, module)][-1]
                print(f"  round {round_index + 1} n_dissections={dissections} {module}: {wall:.2f} s wall, "
                      f"{cpu:.2f} s CPU, {rows} rows x {columns} columns", flush=True)
    print()
    print(f"| `NFStreamer(source, statistical_analysis=True, splt_analysis={options.splt}, n_dissections=D)"
          f".to_pandas()` | NFStream wall / CPU | flowmeter wall / CPU | speed-up (wall) | rows (NFStream, flowmeter) |")
    print("|---|---:|---:|---:|---:|")
    for dissections in options.dissections:
        theirs, ours = results[(dissections, "nfstream")], results[(dissections, "flowmeter")]
        tw, tc = statistics.median(r[0] for r in theirs), statistics.median(r[1] for r in theirs)
        ow, oc = statistics.median(r[0] for r in ours), statistics.median(r[1] for r in ours)
        print(f"| D = {dissections} | {tw:.2f} s / {tc:.2f} s | {ow:.2f} s / {oc:.2f} s | **{tw / ow:.1f}×** | "
              f"{theirs[0][2]:,}, {ours[0][2]:,} |")


if __name__ == "__main__":
    main()
