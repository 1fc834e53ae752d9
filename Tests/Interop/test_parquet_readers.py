"""flowmeter's Parquet files read by real readers (pyarrow, pandas, polars, DuckDB), value for value against the CSV
flowmeter writes for the same capture and options.

Run by scripts/test-interop.sh (which makes the venv and builds the binary); FLOWMETER_BIN names the binary and
CONFORMANCE the folder of ../shared/conformance.
"""
import csv
import json
import math
import os
import pathlib
import random
import signal
import struct
import subprocess
import time

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("FLOWMETER_BIN", str(ROOT / ".build" / "debug" / "flowmeter"))
CONFORMANCE = pathlib.Path(os.environ.get("CONFORMANCE", ROOT.parent / "shared" / "conformance"))

# The three profiles of ../shared/conformance (its README), as flowmeter options.
PROFILES = {
    "default": ["--statistics", "--splt", "10"],
    "timeouts": ["--statistics", "--splt", "10", "--idle-timeout", "1", "--active-timeout", "5", "--accounting-mode", "1"],
    "payload": ["--statistics", "--accounting-mode", "3", "--no-tunnels", "--dissections", "0"],
}


def flowmeter(*args, check=True, **kwargs):
    result = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"flowmeter {' '.join(map(str, args))} exited {result.returncode}: {result.stderr}")
    return result


def read_csv_text(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def text_of(value, arrow_type):
    """The CSV text flowmeter writes for a value read back from Parquet (Python's str/repr, as NFStream's CSV)."""
    if pa.types.is_floating(arrow_type):
        return repr(value)  # the CSV holds Python's shortest round-trip repr: equal text means the same double
    if pa.types.is_list(arrow_type):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if pa.types.is_boolean(arrow_type):
        return "1" if value else "0"
    return str(value)


def assert_same_values(parquet_path, csv_path):
    """Every value of the Parquet file equals the CSV's, column by column, with the types of issue 15."""
    header, rows = read_csv_text(csv_path)
    table = pq.read_table(parquet_path)
    assert table.column_names == header
    assert table.num_rows == len(rows)
    for i, name in enumerate(header):
        column = table.column(name)
        arrow_type = column.type
        assert (
            pa.types.is_int64(arrow_type)
            or pa.types.is_float64(arrow_type)
            or pa.types.is_string(arrow_type)
            or (pa.types.is_list(arrow_type) and pa.types.is_int64(arrow_type.value_type))
            or pa.types.is_boolean(arrow_type)
        ), f"{name}: unexpected type {arrow_type}"
        assert column.null_count == 0, name
        values = column.to_pylist()
        for r, (value, row) in enumerate(zip(values, rows)):
            if text_of(value, arrow_type) != row[i]:
                raise AssertionError(f"{parquet_path}: row {r} column {name}: parquet {value!r}, csv {row[i]!r}")
    return table


def conformance_pcaps():
    folder = CONFORMANCE / "pcaps"
    if not folder.is_dir():
        pytest.fail(f"{folder} is missing: the conformance corpus of ../shared must sit beside the checkout")
    return sorted(folder.iterdir())


# --- A generated capture: many flows, IPv4 and IPv6, both directions (the project's own fixture) ---


def write_trace(path, flows, seed=7):
    """A pcap of `flows` TCP and UDP flows, half of them IPv6, 1-4 packets each in both directions, with random
    addresses, ports and sizes and increasing timestamps."""
    rng = random.Random(seed)
    packets = []
    t = 1_700_000_000_000_000
    for f in range(flows):
        v6 = f % 2 == 1
        proto = 6 if f % 3 else 17
        src = rng.getrandbits(128 if v6 else 32)
        dst = rng.getrandbits(128 if v6 else 32)
        sport, dport = rng.randrange(1024, 65536), rng.choice([53, 80, 443, 8080, rng.randrange(1, 65536)])
        for k in range(rng.randrange(1, 5)):
            t += rng.randrange(1, 3000)
            forward = k % 2 == 0
            payload = bytes(rng.randrange(0, 200))
            a, b, pa_, pb = (src, dst, sport, dport) if forward else (dst, src, dport, sport)
            if proto == 6:
                l4 = struct.pack("!HHIIBBHHH", pa_, pb, k, 0, 0x50, 0x18, 65535, 0, 0) + payload
            else:
                l4 = struct.pack("!HHHH", pa_, pb, 8 + len(payload), 0) + payload
            if v6:
                ip = struct.pack("!IHBB", 0x60000000, len(l4), proto, 64) + a.to_bytes(16, "big") + b.to_bytes(16, "big")
                ethertype = 0x86DD
            else:
                ip = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(l4), 0, 0, 64, proto, 0) + a.to_bytes(4, "big") + b.to_bytes(4, "big")
                ethertype = 0x0800
            mac_a = (0x020000000000 | (f * 2)).to_bytes(6, "big")
            mac_b = (0x020000000000 | (f * 2 + 1)).to_bytes(6, "big")
            eth = (mac_b + mac_a if forward else mac_a + mac_b) + struct.pack("!H", ethertype)
            frame = eth + ip + l4
            packets.append(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(frame), len(frame)) + frame)
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        out.write(b"".join(packets))


@pytest.fixture(scope="module")
def many_flows(tmp_path_factory):
    path = tmp_path_factory.mktemp("trace") / "many.pcap"
    write_trace(path, 60_000)
    return path


# --- Tests ---


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_conformance_capture_reads_back_equal_to_the_csv(profile, tmp_path):
    options = PROFILES[profile]
    checked = 0
    for pcap in conformance_pcaps():
        csv_path, parquet_path = tmp_path / "x.csv", tmp_path / "x.parquet"
        a = flowmeter("convert", pcap, "-o", csv_path, "-q", *options, check=False)
        b = flowmeter("convert", pcap, "-o", parquet_path, "-q", *options, check=False)
        assert a.returncode in (0, 3) and b.returncode == a.returncode, (pcap, a.stderr, b.stderr)
        assert_same_values(parquet_path, csv_path)
        checked += 1
    assert checked >= 100


@pytest.mark.parametrize("options", [
    ["--features", "statistics,splt,cic", "--splt", "20", "--tcp-termination"],
    ["--features", "cic", "--no-tunnels", "--accounting-mode", "2", "--max-flows", "64"],
    ["--dissections", "0"],
])
def test_other_option_sets_and_the_cic_plugin_read_back_equal_to_the_csv(options, tmp_path):
    inputs = [p for p in conformance_pcaps() if p.name in ("443-chrome.pcap", "dns_long.pcap", "quic.pcap", "bittorrent.pcap")]
    assert len(inputs) >= 3
    for pcap in inputs:
        flowmeter("convert", pcap, "-o", tmp_path / "x.csv", "-q", *options, check=False)
        flowmeter("convert", pcap, "-o", tmp_path / "x.parquet", "-q", *options, check=False)
        table = assert_same_values(tmp_path / "x.parquet", tmp_path / "x.csv")
        if "cic" in " ".join(options):
            assert pa.types.is_float64(table.schema.field("Flow Bytes/s").type)


def test_duckdb_polars_and_pandas_read_the_same_values_as_pyarrow(tmp_path):
    pcaps = [p for p in conformance_pcaps() if p.name in ("quic.pcap", "dns_long.pcap", "443-chrome.pcap", "ipv6_in_gtp.pcap")]
    pcaps = pcaps or conformance_pcaps()[:4]
    for pcap in pcaps:
        path = tmp_path / f"{pcap.stem}.parquet"
        flowmeter("convert", pcap, "-o", path, "-q", "--statistics", "--splt", "10", check=False)
        expected = pq.read_table(path).to_pylist()
        from_duckdb = duckdb.sql(f"select * from '{path}'").arrow()
        if hasattr(from_duckdb, "read_all"):
            from_duckdb = from_duckdb.read_all()
        assert from_duckdb.to_pylist() == expected, pcap
        assert pl.read_parquet(path).to_dicts() == expected, pcap
        frame = pd.read_parquet(path)
        assert len(frame) == len(expected)
        for name in ("bidirectional_packets", "bidirectional_mean_ps", "src_ip", "splt_ps"):
            got = frame[name].tolist()
            want = [row[name] for row in expected]
            if name == "splt_ps":
                got = [list(v) for v in got]
            assert got == want, (pcap, name)
        assert str(frame["bidirectional_packets"].dtype) == "int64"
        assert str(frame["bidirectional_mean_ps"].dtype) == "float64"


def test_duckdb_answers_a_query_with_the_csv_numbers(tmp_path):
    pcap = conformance_pcaps()[0]
    flowmeter("convert", pcap, "-o", tmp_path / "x.parquet", "-q", "--statistics", check=False)
    flowmeter("convert", pcap, "-o", tmp_path / "x.csv", "-q", "--statistics", check=False)
    header, rows = read_csv_text(tmp_path / "x.csv")
    col = header.index("bidirectional_bytes")
    proto = header.index("protocol")
    want = {}
    for row in rows:
        want[int(row[proto])] = want.get(int(row[proto]), 0) + int(row[col])
    got = dict(duckdb.sql(
        f"select protocol, sum(bidirectional_bytes) from '{tmp_path / 'x.parquet'}' group by protocol").fetchall())
    assert got == want


def test_many_flows_with_a_full_dictionary_and_several_row_groups_equal_the_csv(many_flows, tmp_path):
    csv_path = tmp_path / "x.csv"
    flowmeter("convert", many_flows, "-o", csv_path, "-q", "--statistics", "--splt", "5", "--dissections", "0")
    # One row group: src_ip's dictionary (60,000 distinct addresses, half IPv6) passes 1 MiB and falls back to PLAIN.
    one = tmp_path / "one.parquet"
    flowmeter("convert", many_flows, "-o", one, "-q", "--statistics", "--splt", "5", "--dissections", "0")
    assert_same_values(one, csv_path)
    meta = pq.ParquetFile(one).metadata
    assert meta.num_row_groups == 1
    src_ip = meta.row_group(0).column(2)
    assert src_ip.path_in_schema == "src_ip"
    assert "PLAIN" in src_ip.encodings and "RLE_DICTIONARY" in src_ip.encodings
    # Row groups of 7,000 rows: the last one is short.
    several = tmp_path / "several.parquet"
    flowmeter("convert", many_flows, "-o", several, "-q", "--statistics", "--splt", "5", "--dissections", "0",
              "--parquet-row-group", "7000")
    table = assert_same_values(several, csv_path)
    meta = pq.ParquetFile(several).metadata
    assert meta.num_row_groups == math.ceil(table.num_rows / 7000)
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)][:-1] == [7000] * (meta.num_row_groups - 1)


def test_column_statistics_give_each_row_groups_true_min_and_max(many_flows, tmp_path):
    path = tmp_path / "x.parquet"
    flowmeter("convert", many_flows, "-o", path, "-q", "--statistics", "--dissections", "0", "--parquet-row-group", "5000")
    f = pq.ParquetFile(path)
    for g in range(f.metadata.num_row_groups):
        group = f.read_row_group(g)
        for c in range(f.metadata.num_columns):
            chunk = f.metadata.row_group(g).column(c)
            values = [v for v in group.column(c).to_pylist() if not (isinstance(v, float) and math.isnan(v))]
            assert chunk.is_stats_set, chunk.path_in_schema
            stats = chunk.statistics
            assert stats.null_count == 0
            if isinstance(values[0], str):
                key = lambda s: s.encode()
                assert stats.min == min(values, key=key) and stats.max == max(values, key=key), chunk.path_in_schema
            else:
                assert stats.min == min(values) and stats.max == max(values), chunk.path_in_schema
    # An engine skips row groups by them: DuckDB's filter gives the rows a full scan gives.
    first = pq.read_table(path).column("bidirectional_first_seen_ms").to_pylist()
    cut = sorted(first)[len(first) // 3]
    n = duckdb.sql(f"select count(*) from '{path}' where bidirectional_first_seen_ms < {cut}").fetchall()[0][0]
    assert n == sum(1 for v in first if v < cut)


def test_files_are_byte_identical_for_1_2_and_4_threads(many_flows, tmp_path):
    outputs = []
    for threads in (1, 2, 4):
        path = tmp_path / f"t{threads}.parquet"
        flowmeter("convert", many_flows, "-o", path, "-q", "--statistics", "--splt", "10", "--dissections", "0",
                  "--threads", threads, "--parquet-row-group", "10000")
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(outputs[0]) > 100_000


@pytest.mark.parametrize("codec", ["zstd", "gzip", "snappy", "none"])
def test_every_compression_is_read_by_pyarrow_duckdb_and_polars(codec, tmp_path):
    pcap = conformance_pcaps()[1]
    path = tmp_path / "x.parquet"
    flowmeter("convert", pcap, "-o", path, "-q", "--statistics", "--splt", "10", "--parquet-compression", codec, check=False)
    meta = pq.ParquetFile(path).metadata
    assert meta.row_group(0).column(0).compression == ("UNCOMPRESSED" if codec == "none" else codec.upper())
    expected = pq.read_table(path).to_pylist()
    got = duckdb.sql(f"select * from '{path}'").arrow()
    got = got.read_all() if hasattr(got, "read_all") else got
    assert got.to_pylist() == expected
    assert pl.read_parquet(path).to_dicts() == expected


def test_metadata_records_the_version_and_the_options_but_not_the_threads(tmp_path):
    pcap = conformance_pcaps()[0]
    path = tmp_path / "x.parquet"
    flowmeter("convert", pcap, "-o", path, "-q", "--statistics", "--splt", "7", "--idle-timeout", "30", "--bpf", 'tcp or udp',
              "--threads", "2", check=False)
    meta = pq.ParquetFile(path).metadata
    kv = {k.decode(): v.decode() for k, v in meta.metadata.items()}
    version = flowmeter("--version").stdout.strip()
    assert kv["flowmeter.version"] == version
    assert meta.created_by == f"flowmeter version {version}"
    options = json.loads(kv["flowmeter.options"])
    assert options["idle_timeout"] == 30 and options["splt"] == 7 and options["bpf"] == "tcp or udp"
    assert options["feature_sets"][:2] == ["statistics", "splt"]
    assert "threads" not in kv["flowmeter.options"]


def test_a_cut_capture_still_gives_a_readable_file_with_the_flows_metered(tmp_path):
    pcap = max(conformance_pcaps(), key=lambda p: p.stat().st_size)
    data = pcap.read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(data[: len(data) // 2 + 5])  # mid-packet
    out = tmp_path / "x.parquet"
    result = flowmeter("convert", cut, "-o", out, "-q", "--statistics", check=False)
    assert result.returncode == 3, result.stderr
    assert "cut.pcap" in result.stderr
    table = pq.read_table(out)
    assert table.num_rows > 0
    flowmeter("convert", cut, "-o", tmp_path / "x.csv", "-q", "--statistics", check=False)
    assert_same_values(out, tmp_path / "x.csv")


def test_sigint_writes_the_footer_for_the_flows_metered_so_far(many_flows, tmp_path):
    out = tmp_path / "x.parquet"
    data = many_flows.read_bytes()
    process = subprocess.Popen([BIN, "convert", "-", "-o", str(out), "-q", "--dissections", "0"],
                               stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdin.write(data[: len(data) // 2])
    process.stdin.flush()
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    table = pq.read_table(out)
    assert table.num_rows > 1000
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


@pytest.fixture
def veth_pair():
    """A veth pair, one end in a network namespace of the test's own (10.211.7.1 on the host end, .2 inside)."""
    if os.geteuid() != 0 or subprocess.run(["ip", "-V"], capture_output=True).returncode != 0:
        pytest.skip("needs root and iproute2 (network namespaces)")
    name = f"fmpq{os.getpid() % 100000}"
    host, inside = f"{name}a", f"{name}b"
    commands = [
        ["ip", "netns", "add", name],
        ["ip", "link", "add", host, "type", "veth", "peer", "name", inside],
        ["ip", "link", "set", inside, "netns", name],
        ["ip", "addr", "add", "10.211.7.1/30", "dev", host],
        ["ip", "link", "set", host, "up"],
        ["ip", "netns", "exec", name, "ip", "addr", "add", "10.211.7.2/30", "dev", inside],
        ["ip", "netns", "exec", name, "ip", "link", "set", inside, "up"],
        ["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"],
    ]
    try:
        for command in commands:
            subprocess.run(command, check=True, capture_output=True)
        yield name, host
    finally:
        subprocess.run(["ip", "link", "del", host], capture_output=True)
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def send_udp(namespace, source_ports, destination_port, count, size):
    """From inside the test namespace (10.211.7.2), `count` datagrams of `size` bytes from each source port to
    10.211.7.1:`destination_port`: one flow per source port."""
    sender = (f"import socket\nfor port in {list(source_ports)}:\n"
              "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n    s.bind(('10.211.7.2', port))\n"
              f"    for i in range({count}): s.sendto(bytes({size}), ('10.211.7.1', {destination_port}))\n")
    subprocess.run(["ip", "netns", "exec", namespace, "python3", "-c", sender], check=True)


def test_live_capture_to_parquet_is_complete_after_sigint(veth_pair, tmp_path):
    namespace, host = veth_pair
    out = tmp_path / "live.parquet"
    process = subprocess.Popen([BIN, "live", "-i", host, "-o", str(out), "--bpf", "udp port 45123", "--threads", "2", "-q"],
                               stderr=subprocess.PIPE)
    time.sleep(1.5)  # the capture opens (a packet socket bound to the interface)
    send_udp(namespace, [40001], 45123, count=50, size=100)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    rows = pq.read_table(out).to_pylist()
    assert len(rows) == 1, rows
    row = rows[0]
    assert (row["src_ip"], row["src_port"], row["dst_ip"], row["dst_port"], row["protocol"]) == \
        ("10.211.7.2", 40001, "10.211.7.1", 45123, 17)
    assert row["src2dst_packets"] == 50 and row["dst2src_packets"] == 0
    assert row["bidirectional_bytes"] == 50 * 142  # Ethernet + IPv4 + UDP + 100 bytes, accounting mode 0
    kv = pq.ParquetFile(out).metadata.metadata
    assert kv[b"flowmeter.command"] == b"live"


def test_live_rotation_gives_complete_parquet_files_with_continuing_ids(veth_pair, tmp_path):
    namespace, host = veth_pair
    out = tmp_path / "live.parquet"
    process = subprocess.Popen([BIN, "live", "-i", host, "-o", str(out), "--bpf", "udp port 45124", "-q",
                                "--rotate-flows", "2", "--dissections", "0"], stderr=subprocess.PIPE)
    time.sleep(1.5)
    send_udp(namespace, range(40010, 40015), 45124, count=3, size=10)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    files = sorted(p for p in tmp_path.iterdir() if p.suffix == ".parquet")
    assert [p.name.startswith("live-") and p.name.endswith(f"-00000{i + 1}.parquet") for i, p in enumerate(files)] == [True] * 3
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]
    tables = [pq.read_table(p) for p in files]
    assert [t.num_rows for t in tables] == [2, 2, 1]
    rows = [row for t in tables for row in t.to_pylist()]
    assert [row["id"] for row in rows] == [0, 1, 2, 3, 4]
    assert sorted(row["src_port"] for row in rows) == list(range(40010, 40015))
    assert all(row["src2dst_packets"] == 3 for row in rows)


def test_a_write_error_leaves_no_file(tmp_path):
    pcap = conformance_pcaps()[0]
    result = flowmeter("convert", pcap, "-o", "/dev/full", "--format", "parquet", "-q", check=False)
    assert result.returncode == 1
    assert "/dev/full" in result.stderr
    missing = tmp_path / "no" / "such" / "x.parquet"
    result = flowmeter("convert", pcap, "-o", missing, "-q", check=False)
    assert result.returncode == 1 and not missing.exists()


def test_parquet_to_standard_output_is_a_whole_file(tmp_path):
    pcap = conformance_pcaps()[0]
    result = subprocess.run([BIN, "convert", str(pcap), "-o", "-", "--format", "parquet", "-q"], capture_output=True)
    assert result.returncode in (0, 3)
    (tmp_path / "x.parquet").write_bytes(result.stdout)
    flowmeter("convert", pcap, "-o", tmp_path / "x.csv", "-q", check=False)
    assert_same_values(tmp_path / "x.parquet", tmp_path / "x.csv")
