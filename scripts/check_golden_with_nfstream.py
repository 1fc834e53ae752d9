#!/usr/bin/env python3
"""Checks flowmeter's fixture goldens (Tests/EndToEndTests/Golden/fixtures) against NFStream 6.6.0.

Input: a directory written by `FLOWMETER_DUMP_FIXTURES=DIR swift test --filter FixtureTests`, holding each
fixture capture (`<fixture>.pcap`) and one manifest per run (`<golden name>.json`: the flowmeter options,
the golden's path, the deviations from NFStream the run declares). scripts/check-golden-with-nfstream.sh
makes that directory and calls this script.

For every run, NFStream converts the same capture with the same options
(`NFStreamer(source, n_meters=1, n_dissections (--dissections, 0 in the fixtures), statistical_analysis, splt_analysis, decode_tunnels,
idle_timeout, active_timeout, accounting_mode).to_csv()`), and the two CSVs are compared flow by flow: flows
are matched on (src_ip, src_port, dst_ip, dst_port, protocol, vlan_id, tunnel_id,
bidirectional_first_seen_ms), and every column but `id` must have the same text. The header must be the
same too.

A difference is an "expected deviation" only when a deviation declared by the run (a row of README's
"Differences from NFStream") covers the flow; a declared deviation that shows no difference is reported as
stale. Anything else is a DISAGREEMENT. Exit status: 0 when there is no disagreement and no stale
deviation, 1 otherwise, 2 on a usage or environment error.
"""

import argparse
import csv
import glob
import json
import os
import sys
import tempfile

KEY = (
    "src_ip",
    "src_port",
    "dst_ip",
    "dst_port",
    "protocol",
    "vlan_id",
    "tunnel_id",
    "bidirectional_first_seen_ms",
)


def nfstream_arguments(options):
    """NFStreamer keyword arguments for flowmeter's command-line options."""
    # The fixtures run with --dissections 0 (their payloads are synthetic; detection is tested elsewhere).
    kwargs = {"decode_tunnels": True, "n_dissections": 0}
    i = 0
    while i < len(options):
        option = options[i]
        if option == "--statistics":
            kwargs["statistical_analysis"] = True
        elif option == "--no-tunnels":
            kwargs["decode_tunnels"] = False
        elif option in ("--splt", "--accounting-mode", "--idle-timeout", "--active-timeout", "--dissections"):
            i += 1
            value = float(options[i])
            if value != int(value):
                raise ValueError(f"{option} {options[i]}: NFStream takes whole seconds only")
            name = {
                "--splt": "splt_analysis",
                "--accounting-mode": "accounting_mode",
                "--idle-timeout": "idle_timeout",
                "--active-timeout": "active_timeout",
                "--dissections": "n_dissections",
            }[option]
            kwargs[name] = int(value)
        else:
            raise ValueError(f"option {option} has no NFStream equivalent")
        i += 1
    return kwargs


def read_csv(path):
    """(header, rows as dicts) of a CSV file; ([], []) when the file does not exist (no flows)."""
    if not os.path.exists(path):
        return [], []
    with open(path, newline="", encoding="utf-8") as f:
        records = list(csv.reader(f))
    if not records:
        return [], []
    header = records[0]
    return header, [dict(zip(header, r)) for r in records[1:]]


def run_nfstream(pcap, kwargs, workdir):
    from nfstream import NFStreamer

    out = os.path.join(workdir, os.path.basename(pcap) + ".nfstream.csv")
    if os.path.exists(out):
        os.remove(out)
    streamer = NFStreamer(source=pcap, n_meters=1, **kwargs)
    streamer.to_csv(path=out)
    return read_csv(out)


def flow_key(row):
    return tuple(row.get(k, "0") for k in KEY)


def describe(row):
    return (
        f"{row.get('src_ip')}:{row.get('src_port')} -> {row.get('dst_ip')}:{row.get('dst_port')} "
        f"proto {row.get('protocol')} vlan {row.get('vlan_id')} tunnel {row.get('tunnel_id', '-')} "
        f"first_seen {row.get('bidirectional_first_seen_ms')}"
    )


def covering(deviations, *rows):
    """The declared deviations that cover a flow seen as `rows` (flowmeter's and/or NFStream's row)."""
    found = []
    for d in deviations:
        matchers = d.get("flows") or []
        if not matchers:
            found.append(d)
            continue
        for row in rows:
            if row is not None and any(all(row.get(k) == v for k, v in m.items()) for m in matchers):
                found.append(d)
                break
    return found


def compare(manifest, ours_header, ours, theirs_header, theirs):
    """A list of (deviations covering it, message) per difference, and notes."""
    deviations = manifest.get("deviations", [])
    differences = []
    notes = []
    if theirs_header and ours_header != theirs_header:
        missing = [c for c in theirs_header if c not in ours_header]
        extra = [c for c in ours_header if c not in theirs_header]
        whole_run = [d for d in deviations if not d.get("flows")]
        differences.append(
            (whole_run, f"header differs (NFStream only: {missing}, flowmeter only: {extra}, or another order)"))

    def index(rows):
        table = {}
        for r in rows:
            table.setdefault(flow_key(r), []).append(r)
        return table

    ours_by_key = index(ours)
    theirs_by_key = index(theirs)
    for key in sorted(set(ours_by_key) | set(theirs_by_key)):
        a = ours_by_key.get(key, [])
        b = theirs_by_key.get(key, [])
        for i in range(max(len(a), len(b))):
            mine = a[i] if i < len(a) else None
            other = b[i] if i < len(b) else None
            if other is None:
                differences.append((covering(deviations, mine), f"flow only in flowmeter: {describe(mine)}"))
                continue
            if mine is None:
                differences.append((covering(deviations, other), f"flow only in NFStream: {describe(other)}"))
                continue
            columns = [c for c in theirs_header if c != "id"]
            diffs = [
                f"{c}: NFStream {other.get(c)!r}, flowmeter {mine.get(c)!r}"
                for c in columns
                if other.get(c) != mine.get(c)
            ]
            if diffs:
                differences.append(
                    (covering(deviations, mine, other), f"flow {describe(mine)}: " + "; ".join(diffs)))
    if not differences and any(
        ours_by_key[flow_key(r)][0].get("id") != r.get("id") for r in theirs if len(theirs_by_key[flow_key(r)]) == 1
    ):
        notes.append("same flows, different ids (README 'Row order and id', deviation #2)")
    return differences, notes


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixtures", required=True, help="directory written with FLOWMETER_DUMP_FIXTURES")
    parser.add_argument("--verbose", "-v", action="store_true", help="list the flows of expected deviations")
    args = parser.parse_args()

    try:
        import nfstream
    except ImportError:
        print("nfstream is not installed in this Python", file=sys.stderr)
        return 2
    if nfstream.__version__ != "6.6.0":
        print(f"warning: nfstream {nfstream.__version__}, the goldens are meant to match 6.6.0", file=sys.stderr)

    manifests = sorted(glob.glob(os.path.join(args.fixtures, "*.json")))
    if not manifests:
        print(f"no manifests in {args.fixtures}", file=sys.stderr)
        return 2
    print(f"nfstream {nfstream.__version__}, {len(manifests)} fixture runs")

    counts = {"agree": 0, "expected deviation": 0, "DISAGREEMENT": 0, "STALE DEVIATION": 0}
    failed = False
    with tempfile.TemporaryDirectory(prefix="nfstream-golden-") as workdir:
        for path in manifests:
            with open(path, encoding="utf-8") as f:
                manifest = json.load(f)
            name = os.path.basename(manifest["golden"])
            pcap = os.path.join(args.fixtures, manifest["pcap"])
            kwargs = nfstream_arguments(manifest["options"])
            ours_header, ours = read_csv(manifest["golden"])
            if not ours_header:
                print(f"{name}: golden missing or empty ({manifest['golden']})")
                counts["DISAGREEMENT"] += 1
                failed = True
                continue
            theirs_header, theirs = run_nfstream(pcap, kwargs, workdir)
            differences, notes = compare(manifest, ours_header, ours, theirs_header, theirs)
            unexplained = [m for (devs, m) in differences if not devs]
            explained = [(devs, m) for (devs, m) in differences if devs]
            used = {d["readmeRow"] for (devs, _) in explained for d in devs}
            stale = [d for d in manifest.get("deviations", []) if d["readmeRow"] not in used]
            options = " ".join(manifest["options"])
            flows = f"{len(ours)} flows (NFStream {len(theirs)})"
            if unexplained:
                status = "DISAGREEMENT"
            elif stale:
                status = "STALE DEVIATION"
            elif explained:
                status = "expected deviation"
            else:
                status = "agree"
            counts[status] += 1
            line = f"{name}: {status}, {flows} [{options}]"
            if explained:
                rows = sorted({f"#{d['readmeRow']} {d['summary']}" for (devs, _) in explained for d in devs})
                line += " -- " + "; ".join(rows)
            print(line)
            for note in notes:
                print(f"    note: {note}")
            for m in unexplained:
                print(f"    DISAGREEMENT: {m}")
            for d in stale:
                print(f"    STALE: deviation #{d['readmeRow']} ({d['summary']}) is declared but every flow agrees")
            if args.verbose or unexplained:
                for devs, m in explained:
                    print(f"    expected (#{', #'.join(str(d['readmeRow']) for d in devs)}): {m}")
            if unexplained or stale:
                failed = True
    print(
        "summary: "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
        + (" -- FAILED" if failed else " -- OK")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
