"""The Python package against the CSV flowmeter writes, against NFStream 6.6.0 itself, and on a live interface.

FLOWMETER_BIN names the binary (scripts/test-interop.sh sets it); CONFORMANCE the folder of ../shared/conformance."""
import csv
import math
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time
import warnings

import pandas as pd
import pytest

import flowmeter
from flowmeter import FlowStreamer, FlowmeterError

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("FLOWMETER_BIN", str(ROOT / ".build" / "debug" / "flowmeter"))
os.environ["FLOWMETER_BIN"] = BIN
CONFORMANCE = pathlib.Path(os.environ.get("CONFORMANCE", ROOT.parent / "shared" / "conformance"))


def pcaps():
    folder = CONFORMANCE / "pcaps"
    if not folder.is_dir():
        pytest.fail(f"{folder} is missing: the conformance corpus of ../shared must sit beside the checkout")
    return sorted(folder.iterdir())


def text(value):
    """The CSV's text of a value from the DataFrame (Python's repr for floats, the printed list for SPLT)."""
    if isinstance(value, float):
        return repr(value)
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def csv_rows(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def test_to_pandas_equals_the_csv_for_every_conformance_capture(tmp_path):
    checked = 0
    for pcap in pcaps():
        streamer = FlowStreamer(source=str(pcap), statistical_analysis=True, splt_analysis=10)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # damaged captures: flows before the damage
            frame = streamer.to_pandas()
            subprocess.run([BIN, "convert", str(pcap), "-o", str(tmp_path / "x.csv"), "-q", "--statistics", "--splt",
                            "10"], capture_output=True)
        header, rows = csv_rows(tmp_path / "x.csv")
        if frame is None:
            assert rows == [], pcap.name
            continue
        assert list(frame.columns) == header, pcap.name
        for i, name in enumerate(header):
            got = [text(v) for v in frame[name].tolist()]
            assert got == [r[i] for r in rows], (pcap.name, name)
        assert str(frame["bidirectional_packets"].dtype) == "int64"
        assert str(frame["bidirectional_mean_ps"].dtype) == "float64"
        checked += 1
    assert checked >= 100


def test_iteration_yields_the_rows_of_to_pandas_with_typed_attributes():
    for pcap in [p for p in pcaps() if p.name in ("443-chrome.pcap", "quic.pcap", "bittorrent.pcap")]:
        streamer = FlowStreamer(source=str(pcap), statistical_analysis=True, splt_analysis=10, n_dissections=0)
        frame = streamer.to_pandas()
        flows = list(streamer)
        assert len(flows) == len(frame)
        for flow, (_, row) in zip(flows, frame.iterrows()):
            assert flow.keys() == list(frame.columns)
            for name in frame.columns:
                assert text(getattr(flow, name)) == text(row[name]), (pcap.name, name)
        assert isinstance(flows[0].splt_ps, list) and isinstance(flows[0].bidirectional_packets, int)


def test_a_list_of_sources_is_one_capture():
    a, b = [str(p) for p in pcaps()[:2]]
    both = FlowStreamer(source=[a, b], n_dissections=0).to_pandas()
    first = FlowStreamer(source=a, n_dissections=0).to_pandas()
    assert len(both) >= len(first)


def test_breaking_out_of_the_iteration_stops_the_child():
    big = max(pcaps(), key=lambda p: p.stat().st_size)
    before = set(os.listdir("/proc"))
    for flow in FlowStreamer(source=str(big), statistical_analysis=True):
        break
    time.sleep(0.5)
    children = [pid for pid in set(os.listdir("/proc")) - before if pid.isdigit()]
    running = []
    for pid in children:
        try:
            cmd = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"flowmeter" in cmd and str(big).encode() in cmd:
            running.append(pid)
    assert running == []


def test_errors_from_the_binary_carry_its_message_and_status(tmp_path):
    with pytest.raises(FlowmeterError) as missing:
        FlowStreamer(source=str(tmp_path / "nope.pcap")).to_pandas()
    assert missing.value.status == 1 and "nope.pcap" in missing.value.message
    with pytest.raises(FlowmeterError) as bad:
        FlowStreamer(source=str(pcaps()[0]), accounting_mode=7).to_pandas()
    assert bad.value.status == 64 and "--accounting-mode" in bad.value.message
    with pytest.raises(FlowmeterError):
        list(FlowStreamer(source=str(tmp_path / "nope.pcap")))


def test_parameters_flowmeter_cannot_honour_say_what_to_do():
    with pytest.raises(ValueError, match="Swift FeaturePlugin"):
        FlowStreamer(source="x.pcap", udps=object())
    with pytest.raises(ValueError, match="system_visibility_mode"):
        FlowStreamer(source="x.pcap", system_visibility_mode=1)


def test_a_missing_binary_says_how_to_build_one(monkeypatch):
    monkeypatch.setenv("FLOWMETER_BIN", "/nonexistent/flowmeter")
    with pytest.raises(FileNotFoundError, match="FLOWMETER_BIN"):
        FlowStreamer(source="x.pcap")
    monkeypatch.delenv("FLOWMETER_BIN")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(FileNotFoundError, match="swift build -c release"):
        flowmeter.find_binary()


def test_a_damaged_capture_warns_and_keeps_the_flows_read(tmp_path):
    big = max(pcaps(), key=lambda p: p.stat().st_size)
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(big.read_bytes()[: big.stat().st_size // 2 + 3])
    with pytest.warns(RuntimeWarning, match="cut.pcap"):
        frame = FlowStreamer(source=str(cut), n_dissections=0).to_pandas()
    assert len(frame) > 0


def test_to_csv_and_to_parquet_write_files(tmp_path):
    pcap = str(pcaps()[0])
    n = FlowStreamer(source=pcap, n_dissections=0).to_csv(str(tmp_path / "x.csv"))
    assert n == len(pd.read_csv(tmp_path / "x.csv"))
    path = FlowStreamer(source=pcap, n_dissections=0).to_parquet(tmp_path / "x.parquet")
    assert len(pd.read_parquet(path)) == n
    assert len(FlowStreamer(source=pcap, n_dissections=0).to_polars()) == n


# --- NFStream itself ---


def nfstream_frame(path, **options):
    nfstream = pytest.importorskip("nfstream")
    return nfstream.NFStreamer(source=path, **options).to_pandas()


KEY = ["src_ip", "src_port", "dst_ip", "dst_port", "protocol", "vlan_id", "tunnel_id", "bidirectional_first_seen_ms"]


def test_to_pandas_equals_nfstreams_to_pandas_without_detection():
    options = dict(statistical_analysis=True, splt_analysis=10, n_dissections=0)
    names = ("443-chrome.pcap", "quic.pcap", "bittorrent.pcap", "dns_long.pcap", "ipv6_in_gtp.pcap", "skype.pcap",
             "netflix.pcap", "vlan.pcap")
    compared = 0
    for pcap in [p for p in pcaps() if p.name in names]:
        theirs = nfstream_frame(str(pcap), **options)
        ours = FlowStreamer(source=str(pcap), **options).to_pandas()
        assert list(ours.columns) == list(theirs.columns), pcap.name
        for name in ours.columns:
            if str(theirs[name].dtype) in ("int64", "float64"):
                assert ours[name].dtype == theirs[name].dtype, (pcap.name, name)
        # Rows: NFStream numbers flows in another order (see the README's Row order), so rows are matched by flow key.
        a = ours.drop(columns="id").sort_values(KEY).reset_index(drop=True)
        b = theirs.drop(columns="id").sort_values(KEY).reset_index(drop=True)
        assert len(a) == len(b), pcap.name
        for name in a.columns:
            ours_text = [text(v) for v in a[name].tolist()]
            theirs_text = [text(v) if not (isinstance(v, float) and math.isnan(v)) else "" for v in b[name].tolist()]
            assert ours_text == theirs_text, (pcap.name, name)
        compared += 1
    assert compared >= 3


# --- Live ---


def test_live_iteration_yields_the_flows_of_the_traffic_sent():
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces)")
    name = f"fmpy{os.getpid() % 100000}"
    host, inside = f"{name}a", f"{name}b"
    setup = [["ip", "netns", "add", name], ["ip", "link", "add", host, "type", "veth", "peer", "name", inside],
             ["ip", "link", "set", inside, "netns", name], ["ip", "addr", "add", "10.212.7.1/30", "dev", host],
             ["ip", "link", "set", host, "up"],
             ["ip", "netns", "exec", name, "ip", "addr", "add", "10.212.7.2/30", "dev", inside],
             ["ip", "netns", "exec", name, "ip", "link", "set", inside, "up"]]
    try:
        for command in setup:
            subprocess.run(command, check=True, capture_output=True)
        sender = "import socket, time\ntime.sleep(1.5)\nfor port in range(42000, 42003):\n" \
                 "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n    s.bind(('10.212.7.2', port))\n" \
                 "    for i in range(4): s.sendto(bytes(50), ('10.212.7.1', 45200))\n"
        traffic = threading.Thread(target=lambda: subprocess.run(["ip", "netns", "exec", name, "python3", "-c", sender]))
        traffic.start()
        flows = []
        for flow in FlowStreamer(source=host, bpf_filter="udp port 45200", idle_timeout=1, n_dissections=0):
            flows.append(flow)
            if len(flows) == 3:
                break
        traffic.join()
        assert sorted(f.src_port for f in flows) == [42000, 42001, 42002]
        assert all(f.src2dst_packets == 4 and f.dst_ip == "10.212.7.1" for f in flows)
    finally:
        subprocess.run(["ip", "link", "del", host], capture_output=True)
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def biggest_pcap():
    """A capture of many flows (skype.pcap: 294)."""
    return str(CONFORMANCE / "pcaps" / "skype.pcap")


def test_to_csv_in_files_of_flows_per_file_flows_holds_every_row_once(tmp_path):
    pcap = biggest_pcap()
    whole = tmp_path / "whole.csv"
    total = FlowStreamer(source=pcap, n_dissections=0).to_csv(str(whole))
    header, rows = csv_rows(whole)
    assert total == len(rows) > 25
    n = FlowStreamer(source=pcap, n_dissections=0).to_csv(str(tmp_path / "part.csv"), flows_per_file=10)
    assert n == total
    chunks = sorted(tmp_path.glob("part.*.csv"), key=lambda p: int(p.name.split(".")[1]))
    assert [p.name for p in chunks] == [f"part.{i}.csv" for i in range((total + 9) // 10)]
    joined = []
    for chunk in chunks:
        chunk_header, chunk_rows = csv_rows(chunk)
        assert chunk_header == header
        assert len(chunk_rows) == (10 if chunk != chunks[-1] else total - 10 * (len(chunks) - 1))
        joined += chunk_rows
    assert joined == rows
    assert not list(tmp_path.glob(".flowmeter-*"))  # no temporary file left


def test_to_csv_with_rotate_files_keeps_the_last_files_under_rotating_names(tmp_path):
    pcap = biggest_pcap()
    total = FlowStreamer(source=pcap, n_dissections=0).to_csv(str(tmp_path / "whole.csv"))
    _, rows = csv_rows(tmp_path / "whole.csv")
    n = FlowStreamer(source=pcap, n_dissections=0).to_csv(str(tmp_path / "r.csv"), flows_per_file=4, rotate_files=2)
    assert n == total
    assert sorted(p.name for p in tmp_path.glob("r.*")) == ["r.0.csv", "r.1.csv"]
    chunks = [rows[i:i + 4] for i in range(0, total, 4)]
    last = len(chunks) - 1
    # The file of the last chunk holds it; the other name holds the chunk before it.
    assert csv_rows(tmp_path / f"r.{last % 2}.csv")[1] == chunks[last]
    assert csv_rows(tmp_path / f"r.{(last - 1) % 2}.csv")[1] == chunks[last - 1]


def test_flows_per_file_and_rotate_files_must_be_counts(tmp_path):
    pcap = str(pcaps()[0])
    for bad in (dict(flows_per_file=-1), dict(rotate_files=-2), dict(flows_per_file="10"), dict(flows_per_file=1.5)):
        with pytest.raises(ValueError, match="flows_per_file|rotate_files"):
            FlowStreamer(source=pcap).to_csv(str(tmp_path / "x.csv"), **bad)
    assert not list(tmp_path.iterdir())


def test_anonymised_columns_are_keyed_digests_that_keep_equality_and_hide_the_values(tmp_path):
    pcap = biggest_pcap()
    FlowStreamer(source=pcap, n_dissections=0).to_csv(str(tmp_path / "plain.csv"))
    header, plain = csv_rows(tmp_path / "plain.csv")
    columns = ["src_ip", "dst_ip", "src_mac"]
    n = FlowStreamer(source=pcap, n_dissections=0).to_csv(str(tmp_path / "anon.csv"), columns_to_anonymize=columns)
    anon_header, anon = csv_rows(tmp_path / "anon.csv")
    assert anon_header == header and n == len(anon) == len(plain)
    hidden = [header.index(c) for c in columns]
    mapping = {}
    for p, a in zip(plain, anon):
        for i, (pv, av) in enumerate(zip(p, a)):
            if i in hidden:
                assert len(av) == 128 and int(av, 16) >= 0  # BLAKE2b-512, hex
                assert mapping.setdefault((i, pv), av) == av  # the same value, the same digest, within a call
            else:
                assert pv == av
    # Distinct addresses stay distinct; no original value is left anywhere in the file.
    assert len({v for (i, _), v in mapping.items() if i == hidden[0]}) == len({p[hidden[0]] for p in plain})
    text = (tmp_path / "anon.csv").read_text()
    for p in plain:
        assert f",{p[hidden[0]]}," not in text and f",{p[hidden[1]]}," not in text
    # A new call draws a new key (as NFStream): the digests differ.
    FlowStreamer(source=pcap, n_dissections=0).to_csv(str(tmp_path / "again.csv"), columns_to_anonymize=columns)
    assert csv_rows(tmp_path / "again.csv")[1][0][hidden[0]] != anon[0][hidden[0]]


def test_to_pandas_anonymises_the_named_columns_and_refuses_unknown_ones():
    pcap = biggest_pcap()
    plain = FlowStreamer(source=pcap, n_dissections=0).to_pandas()
    frame = FlowStreamer(source=pcap, n_dissections=0).to_pandas(columns_to_anonymize=["src_ip", "src_port"])
    assert frame["src_ip"].str.len().eq(128).all() and frame["src_port"].str.len().eq(128).all()
    assert frame["src_ip"].nunique() == plain["src_ip"].nunique()
    assert frame.drop(columns=["src_ip", "src_port"]).equals(plain.drop(columns=["src_ip", "src_port"]))
    with pytest.raises(ValueError, match="no_such_column"):
        FlowStreamer(source=pcap, n_dissections=0).to_pandas(columns_to_anonymize=["no_such_column"])


def test_a_terminals_ctrl_c_stops_a_streaming_source_and_keeps_its_flows(tmp_path):
    # A FIFO stands for a source that does not end (as an interface): the script's to_pandas waits on it until
    # Ctrl-C, sent as a terminal sends it, to the whole foreground process group. The child must get one SIGINT
    # (a second, e.g. forwarded by Python while the 100,000 flows are flushed, means "stop at once, output
    # unfinished") and write every flow metered.
    trace = tmp_path / "scan.pcap"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make-scan-trace.py"), "100000", str(trace)], check=True)
    fifo = tmp_path / "live.pcap"
    os.mkfifo(fifo)
    script = ("import sys, flowmeter\n"
              f"frame = flowmeter.FlowStreamer(source={str(fifo)!r}, n_dissections=0).to_pandas()\n"
              "print('flows', len(frame))\n")
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, start_new_session=True)
    with open(fifo, "wb") as writer:
        writer.write(trace.read_bytes())
        writer.flush()
        time.sleep(1)  # the capture is read; the FIFO stays open: the conversion waits for more
        os.killpg(child.pid, signal.SIGINT)
        out, err = child.communicate(timeout=120)
    assert "interrupted again" not in err
    assert out.strip() == "flows 100000", err


def test_time_unit_names_and_scales_the_time_columns():
    pcap = biggest_pcap()
    ms = FlowStreamer(source=pcap, n_dissections=0, statistical_analysis=True).to_pandas()
    us = FlowStreamer(source=pcap, n_dissections=0, statistical_analysis=True, time_unit="us").to_pandas()
    assert [c.replace("_us", "_ms") for c in us.columns] == list(ms.columns)
    assert "bidirectional_mean_piat_us" in us.columns and "bidirectional_first_seen_ms" not in us.columns
    # Every packet time truncated to the unit: microseconds divided by 1000 give the milliseconds back.
    assert (us["bidirectional_first_seen_us"] // 1000 == ms["bidirectional_first_seen_ms"]).all()
    assert (us["bidirectional_last_seen_us"] // 1000 == ms["bidirectional_last_seen_ms"]).all()
    assert (us["bidirectional_duration_us"] >= 1000 * ms["bidirectional_duration_ms"] - 1000).all()
    with pytest.raises(ValueError, match="time_unit"):
        FlowStreamer(source=pcap, time_unit="s")


def test_iteration_types_the_time_columns_of_every_unit():
    pcap = biggest_pcap()
    flow = next(iter(FlowStreamer(source=pcap, n_dissections=0, splt_analysis=3, statistical_analysis=True,
                                  time_unit="ns")))
    assert isinstance(flow.bidirectional_first_seen_ns, int) and flow.bidirectional_first_seen_ns > 10 ** 18
    assert isinstance(flow.bidirectional_mean_piat_ns, float)
    assert isinstance(flow.splt_piat_ns, list) and flow.splt_piat_ns[0] == 0


def test_labels_and_anonymize_reach_the_binary(tmp_path):
    pcap = biggest_pcap()
    plain = FlowStreamer(source=pcap, n_dissections=0).to_pandas()
    address = sorted(plain["src_ip"])[0]
    rules = tmp_path / "rules.csv"
    rules.write_text(f"label,src\nmarked,{address}\n")
    key = tmp_path / "k.key"
    subprocess.run([BIN, "keygen", str(key)], check=True)
    frame = FlowStreamer(source=pcap, n_dissections=0, labels=str(rules), default_label="normal",
                         anonymize=str(key)).to_pandas()
    assert list(frame.columns[:len(plain.columns)]) == list(plain.columns)
    assert set(frame["label"]) == {"marked", "normal"}
    assert (frame["label"] == "marked").sum() == ((plain["src_ip"] == address) | (plain["dst_ip"] == address)).sum()
    assert not set(frame["src_ip"]) & set(plain["src_ip"])
    with pytest.raises(ValueError, match="keep_oui"):
        FlowStreamer(source=pcap, keep_oui=True)
