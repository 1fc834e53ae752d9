"""flowmeter's IPFIX export against real collectors and readers: nfdump's nfcapd (UDP), libfixbuf's ipfixDump (files),
and an independent message parser written here from RFC 7011 (UDP datagrams, TCP streams, sequence numbers)."""
import csv
import json
import os
import pathlib
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time

import pytest

from test_parquet_readers import BIN, conformance_pcaps, flowmeter, many_flows, read_csv_text, send_udp, veth_pair  # noqa: F401 (fixtures)

# Captures with IPv4 and IPv6, TCP, UDP, ICMP, VLANs and tunnels.
CAPTURES = ["443-chrome.pcap", "quic.pcap", "bittorrent.pcap", "ipv6_in_gtp.pcap", "dns_long.pcap", "vlan.pcap",
            "icmp_v6.pcap", "ftp.pcap", "ssh.pcap", "skype.pcap", "netflix.pcap"]


def captures():
    chosen = [p for p in conformance_pcaps() if p.name in CAPTURES]
    assert len(chosen) >= 5, [p.name for p in chosen]
    return chosen


def free_port(kind=socket.SOCK_DGRAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- An IPFIX message reader (RFC 7011 §3), independent of the exporter ---


def parse_messages(data):
    """Splits a stream into messages: (header dict, [(set id, set body)])."""
    messages = []
    offset = 0
    while offset < len(data):
        version, length, export_time, sequence, domain = struct.unpack_from("!HHIII", data, offset)
        assert version == 10, f"version {version} at offset {offset}"
        assert length >= 16 and offset + length <= len(data), f"length {length} at offset {offset}"
        sets = []
        p = offset + 16
        while p < offset + length:
            set_id, set_length = struct.unpack_from("!HH", data, p)
            assert set_length >= 4 and p + set_length <= offset + length
            sets.append((set_id, data[p + 4:p + set_length]))
            p += set_length
        messages.append(({"length": length, "export_time": export_time, "sequence": sequence, "domain": domain}, sets))
        offset += length
    return messages


def template_lengths(messages):
    """Template id → the list of field lengths (65535: variable)."""
    templates = {}
    for _, sets in messages:
        for set_id, body in sets:
            if set_id not in (2, 3):
                continue
            p = 0
            while p + 4 <= len(body):
                tid, count = struct.unpack_from("!HH", body, p)
                p += 4
                if set_id == 3:
                    p += 2  # scope field count
                fields = []
                for _ in range(count):
                    ie, length = struct.unpack_from("!HH", body, p)
                    p += 4 + (4 if ie & 0x8000 else 0)
                    fields.append(length)
                templates[tid] = fields
    return templates


def records(body, fields):
    """The data records of a data set body, each as the list of its field values (bytes)."""
    p = 0
    minimum = sum(1 if f == 65535 else f for f in fields)
    while len(body) - p >= minimum and minimum > 0:
        values = []
        for f in fields:
            if f == 65535:
                size = body[p]
                p += 1
                if size == 255:
                    size = struct.unpack_from("!H", body, p)[0]
                    p += 2
            else:
                size = f
            values.append(body[p:p + size])
            p += size
        yield values
    assert len(body) - p < 4, "padding at the end of a data set is shorter than a record"


def count_records(body, fields):
    """Data records in a data set body."""
    return sum(1 for _ in records(body, fields))


def check_sequence_numbers(messages):
    """Each message's sequence number counts the data records sent before it."""
    templates = template_lengths(messages)
    sent = 0
    flows = 0
    for header, sets in messages:
        assert header["sequence"] == sent % 2**32, (header, sent)
        for set_id, body in sets:
            if set_id >= 256:
                n = count_records(body, templates[set_id])
                sent += n
                if set_id in (256, 257):
                    flows += n
    return flows


# --- nfcapd ---


class Nfcapd:
    def __init__(self, directory):
        if shutil.which("nfcapd") is None:
            pytest.fail("nfcapd is missing: scripts/setup.sh installs nfdump")
        self.directory = directory
        self.port = free_port()
        # A 4 MiB socket buffer: a convert sends as fast as it can, and the default buffer overflows on the loopback.
        self.process = subprocess.Popen(["nfcapd", "-w", str(directory), "-b", "127.0.0.1", "-p", str(self.port),
                                         "-B", "4194304"],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(0.5)

    def stop(self):
        time.sleep(0.5)
        self.process.send_signal(signal.SIGTERM)
        log, _ = self.process.communicate(timeout=20)
        return log

    def flows(self):
        result = subprocess.run(["nfdump", "-R", str(self.directory), "-o", "json"], capture_output=True, text=True,
                                env={**os.environ, "TZ": "UTC"})
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout) if result.stdout.strip() else []


def nfdump_ms(text):
    """nfdump's "2026-11-22T23:07:23.822" (UTC) as milliseconds since the epoch."""
    import datetime
    stamp = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc)
    return round(stamp.timestamp() * 1000)


def csv_flows(path):
    header, rows = read_csv_text(path)
    col = {name: i for i, name in enumerate(header)}
    out = []
    for r in rows:
        out.append((r[col["src_ip"]], r[col["dst_ip"]], int(r[col["src_port"]]), int(r[col["dst_port"]]),
                    int(r[col["protocol"]]), int(r[col["bidirectional_first_seen_ms"]]),
                    int(r[col["bidirectional_last_seen_ms"]]), int(r[col["src2dst_packets"]]),
                    int(r[col["src2dst_bytes"]]), int(r[col["dst2src_packets"]]), int(r[col["dst2src_bytes"]]),
                    int(r[col["vlan_id"]])))
    return sorted(out)


def nfdump_flows(records):
    out = []
    for f in records:
        if f.get("type") != "FLOW":
            continue
        src = f.get("src4_addr") or f.get("src6_addr")
        dst = f.get("dst4_addr") or f.get("dst6_addr")
        out.append((src, dst, f.get("src_port", 0), f.get("dst_port", 0), f["proto"], nfdump_ms(f["first"]), nfdump_ms(f["last"]),
                    f["in_packets"], f["in_bytes"], f.get("out_packets", 0), f.get("out_bytes", 0),
                    f.get("src_vlan", 0)))
    return sorted(out)


def test_nfcapd_receives_every_flow_with_the_csvs_addresses_ports_times_packets_and_bytes(tmp_path):
    # Accounting mode 1 makes the CSV's bytes IP bytes: what octetDeltaCount (nfdump's in/out_bytes) counts.
    options = ["--accounting-mode", "1", "--dissections", "0", "--statistics", "--splt", "10"]
    for pcap in captures():
        directory = tmp_path / pcap.stem
        directory.mkdir()
        collector = Nfcapd(directory)
        result = flowmeter("convert", pcap, "-o", f"ipfix+udp://127.0.0.1:{collector.port}", "-q", *options, check=False)
        log = collector.stop()
        assert result.returncode in (0, 3), result.stderr
        assert "ERROR" not in log and "Sequence Errors: 0" in log, log
        flowmeter("convert", pcap, "-o", tmp_path / "x.csv", "-q", *options, check=False)
        want = csv_flows(tmp_path / "x.csv")
        got = nfdump_flows(collector.flows())
        # nfdump reads ICMP type and code into dst_port; flowmeter sends ports 0 for ICMP, as the CSV has.
        assert got == want, pcap.name


def test_with_microseconds_nfcapd_still_gets_every_flows_start_and_end_in_milliseconds(tmp_path):
    # --time-unit us: the core times leave as flowStart/EndMilliseconds (what collectors read), the µs columns as
    # enterprise elements; nfdump's flows equal the millisecond CSV's.
    options = ["--accounting-mode", "1", "--dissections", "0", "--statistics"]
    pcap = max(captures(), key=lambda p: p.stat().st_size)
    (tmp_path / "nfc").mkdir()
    collector = Nfcapd(tmp_path / "nfc")
    result = flowmeter("convert", pcap, "-o", f"ipfix+udp://127.0.0.1:{collector.port}", "-q", "--time-unit", "us",
                       *options, check=False)
    log = collector.stop()
    assert result.returncode in (0, 3), result.stderr
    assert "ERROR" not in log, log
    flowmeter("convert", pcap, "-o", tmp_path / "x.csv", "-q", *options, check=False)
    want = csv_flows(tmp_path / "x.csv")
    assert want and nfdump_flows(collector.flows()) == want


def test_the_layer2_counts_go_as_layer2OctetDeltaCount_whatever_the_accounting_mode(tmp_path):
    pcap = captures()[0]
    path = tmp_path / "x.ipfix"
    flowmeter("convert", pcap, "-o", path, "-q", "--dissections", "0", check=False)
    dump = subprocess.run(["ipfixDump", "--in", str(path)], capture_output=True, text=True)
    assert dump.returncode == 0, dump.stderr
    flowmeter("convert", pcap, "-o", tmp_path / "x.csv", "-q", "--dissections", "0", check=False)
    header, rows = read_csv_text(tmp_path / "x.csv")
    wire = sum(int(r[header.index("src2dst_bytes")]) for r in rows)  # accounting mode 0: the wire length
    counted = sum(int(line.split(":")[1]) for line in dump.stdout.splitlines()
                  if line.strip().startswith("(352)"))
    assert counted == wire


def test_ipfixdump_reads_every_message_of_a_file_and_counts_every_flow(tmp_path):
    for pcap in captures()[:4]:
        path = tmp_path / f"{pcap.stem}.ipfix"
        flowmeter("convert", pcap, "-o", path, "-q", "--statistics", "--splt", "10", "--ipfix-type-records", check=False)
        dump = subprocess.run(["ipfixDump", "--in", str(path)], capture_output=True, text=True)
        assert dump.returncode == 0 and "error" not in dump.stderr.lower(), dump.stderr
        flowmeter("convert", pcap, "-o", tmp_path / "x.csv", "-q", "--statistics", "--splt", "10", check=False)
        _, rows = read_csv_text(tmp_path / "x.csv")
        messages = parse_messages(path.read_bytes())
        assert check_sequence_numbers(messages) == len(rows)
        assert dump.stdout.count("tid:   256") + dump.stdout.count("tid:   257") >= len(rows)


def test_files_are_byte_identical_for_any_thread_count(tmp_path):
    pcap = max(captures(), key=lambda p: p.stat().st_size)
    outputs = []
    for threads in (1, 2, 4):
        path = tmp_path / f"t{threads}.ipfix"
        flowmeter("convert", pcap, "-o", path, "-q", "--statistics", "--threads", threads, check=False)
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2] and len(outputs[0]) > 1000


def test_udp_datagrams_stay_within_the_mtu_and_start_with_the_templates(tmp_path):
    port = free_port()
    received = []
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", port))
    server.settimeout(0.2)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    done = threading.Event()

    def listen():
        while True:
            try:
                received.append(server.recv(65535))
            except socket.timeout:
                if done.is_set():
                    return

    thread = threading.Thread(target=listen)
    thread.start()
    pcap = max(captures(), key=lambda p: p.stat().st_size)
    flowmeter("convert", pcap, "-o", f"ipfix+udp://127.0.0.1:{port}", "-q", "--statistics", "--ipfix-mtu", "1000",
              "--ipfix-domain", "7", check=False)
    done.set()
    thread.join()
    server.close()
    assert len(received) > 3
    assert max(len(d) for d in received) <= 1000
    messages = [parse_messages(d)[0] for d in received]
    assert all(h["domain"] == 7 for h, _ in messages)
    assert messages[0][1][0][0] == 2  # the first set of the first message is the template set
    flowmeter("convert", pcap, "-o", tmp_path / "x.csv", "-q", "--statistics", check=False)
    _, rows = read_csv_text(tmp_path / "x.csv")
    assert check_sequence_numbers(messages) == len(rows)


def test_tcp_stream_carries_every_flow_in_whole_messages(tmp_path):
    port = free_port(socket.SOCK_STREAM)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", port))
    server.listen(1)
    data = bytearray()

    def accept():
        connection, _ = server.accept()
        while chunk := connection.recv(65536):
            data.extend(chunk)
        connection.close()

    thread = threading.Thread(target=accept)
    thread.start()
    pcap = max(captures(), key=lambda p: p.stat().st_size)
    flowmeter("convert", pcap, "-o", f"ipfix+tcp://127.0.0.1:{port}", "-q", "--statistics", check=False)
    thread.join(timeout=30)
    server.close()
    flowmeter("convert", pcap, "-o", tmp_path / "x.csv", "-q", "--statistics", check=False)
    _, rows = read_csv_text(tmp_path / "x.csv")
    assert check_sequence_numbers(parse_messages(bytes(data))) == len(rows)


def test_a_collector_that_refuses_tcp_stops_convert_before_reading_with_host_and_port(tmp_path):
    port = free_port(socket.SOCK_STREAM)
    result = flowmeter("convert", captures()[0], "-o", f"ipfix+tcp://127.0.0.1:{port}", check=False)
    assert result.returncode == 1
    assert f"ipfix+tcp://127.0.0.1:{port}" in result.stderr and "Connection refused" in result.stderr


@pytest.mark.parametrize("output, status, message", [
    ("ipfix+udp://127.0.0.1:70000", 64, "the port must be a number from 1 to 65535"),
    ("ipfix+udp://127.0.0.1", 64, "give HOST:PORT"),
    ("ipfix+tcp://[::1:4739", 64, "brackets"),
    ("ipfix://127.0.0.1:4739", 64, "say the transport"),
    ("ipfix+udp://no-such-host.invalid:4739", 1, "cannot resolve the collector host 'no-such-host.invalid'"),
])
def test_bad_collector_addresses_are_named_with_what_to_do(output, status, message):
    result = flowmeter("convert", captures()[0], "-o", output, check=False)
    assert result.returncode == status, result.stderr
    assert message in result.stderr, result.stderr


def test_an_mtu_too_small_for_the_template_is_an_error_not_a_hang():
    result = flowmeter("convert", captures()[0], "-o", "ipfix+udp://127.0.0.1:4739", "--statistics", "--splt", "10",
                       "--ipfix-mtu", "256", check=False, timeout=60)
    assert result.returncode == 1
    assert "--ipfix-mtu is 256" in result.stderr


def test_ipv6_collector_address_in_brackets(tmp_path):
    port = free_port()
    server = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    try:
        server.bind(("::1", port))
    except OSError:
        pytest.skip("no IPv6 loopback")
    server.settimeout(5)
    flowmeter("convert", captures()[0], "-o", f"ipfix+udp://[::1]:{port}", "-q", "--dissections", "0", check=False)
    data = server.recv(65535)
    server.close()
    assert struct.unpack_from("!H", data)[0] == 10


def test_live_capture_exports_every_flow_to_nfcapd_on_sigint(veth_pair, tmp_path):
    namespace, host = veth_pair
    collector = Nfcapd(tmp_path)
    process = subprocess.Popen([BIN, "live", "-i", host, "-o", f"ipfix+udp://127.0.0.1:{collector.port}",
                                "--bpf", "udp port 45125", "-q", "--dissections", "0"], stderr=subprocess.PIPE)
    time.sleep(1.5)
    send_udp(namespace, range(40020, 40024), 45125, count=5, size=100)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    collector.stop()
    flows = nfdump_flows(collector.flows())
    assert sorted(f[2] for f in flows) == [40020, 40021, 40022, 40023]
    assert all(f[7] == 5 and f[8] == 5 * 128 for f in flows)  # 5 packets of IP length 20 + 8 + 100


def test_nfacctd_decodes_declared_enterprise_elements_with_the_csvs_values(tmp_path):
    """pmacct's nfacctd keeps enterprise elements declared in an aggregate_primitives file (a float64 as hex bits,
    a signed64 as an unsigned integer) and prints them with its print plugin."""
    if shutil.which("nfacctd") is None:
        pytest.fail("nfacctd is missing: scripts/setup.sh installs pmacct")
    elements = flowmeter("ipfix-elements", "--statistics", "--dissections", "0").stdout
    ids = {line.split("|")[1].strip(): int(line.split("|")[3]) for line in elements.splitlines()[2:]}
    (tmp_path / "primitives.lst").write_text(
        f"name=mean_ps field_type=32473:{ids['bidirectional_mean_ps']} len=8 semantics=hex\n"
        f"name=max_piat field_type=32473:{ids['src2dst_max_piat_ms']} len=8 semantics=u_int\n")
    port = free_port()
    out = tmp_path / "nfacctd.csv"
    (tmp_path / "nfacctd.conf").write_text(
        f"daemonize: false\nnfacctd_port: {port}\nnfacctd_ip: 127.0.0.1\n"
        f"aggregate_primitives: {tmp_path / 'primitives.lst'}\nplugins: print\n"
        "aggregate: src_host, dst_host, src_port, dst_port, proto, mean_ps, max_piat\n"
        f"print_output: csv\nprint_output_file: {out}\nprint_refresh_time: 1\n"
        "nfacctd_pipe_size: 4194304\nplugin_pipe_size: 10240000\nplugin_buffer_size: 10240\n")
    collector = subprocess.Popen(["nfacctd", "-f", str(tmp_path / "nfacctd.conf")], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        want = set()
        for pcap in captures()[:3]:
            flowmeter("convert", pcap, "-o", f"ipfix+udp://127.0.0.1:{port}", "-q", "--statistics", "--dissections",
                      "0", check=False)
            flowmeter("convert", pcap, "-o", tmp_path / "x.csv", "-q", "--statistics", "--dissections", "0",
                      check=False)
            header, rows = read_csv_text(tmp_path / "x.csv")
            col = {name: i for i, name in enumerate(header)}
            for r in rows:
                bits = struct.unpack(">Q", struct.pack(">d", float(r[col["bidirectional_mean_ps"]])))[0]
                want.add((r[col["src_ip"]], r[col["dst_ip"]], int(r[col["src_port"]]), int(r[col["dst_port"]]),
                          f"{bits:016x}", int(r[col["src2dst_max_piat_ms"]])))
        time.sleep(3.0)  # the print plugin writes every second
    finally:
        collector.send_signal(signal.SIGINT)
        collector.wait(timeout=20)
    got = set()
    with open(out, newline="") as f:
        for row in csv.DictReader(f):
            got.add((row["SRC_IP"], row["DST_IP"], int(row["SRC_PORT"]), int(row["DST_PORT"]), row["mean_ps"],
                     int(row["max_piat"])))
    assert got == want


class TCPCollector:
    """Accepts one IPFIX connection on `port` and keeps every byte it receives."""

    def __init__(self, port):
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", port))
        self.server.listen(1)
        self.data = bytearray()
        self.connection = None
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        try:
            self.connection, _ = self.server.accept()
            while chunk := self.connection.recv(65536):
                self.data.extend(chunk)
        except OSError:
            pass

    def close(self):
        if self.connection:
            self.connection.shutdown(socket.SHUT_RDWR)
            self.connection.close()
        self.server.close()
        self.thread.join(timeout=5)


def flow_ports(data):
    """Source ports of the IPv4 flow records in a stream (templates give the offsets)."""
    messages = parse_messages(bytes(data))
    templates = template_lengths(messages)
    # Fields: id, expiration_id, src_ip, src_mac, src_oui, src_port, …
    return [int.from_bytes(values[5], "big")
            for _, sets in messages for set_id, body in sets if set_id == 256
            for values in records(body, templates[256])]


def test_live_over_tcp_queues_while_the_collector_is_away_and_reconnects(veth_pair, tmp_path):
    namespace, host = veth_pair
    port = free_port(socket.SOCK_STREAM)
    first = TCPCollector(port)
    process = subprocess.Popen([BIN, "live", "-i", host, "-o", f"ipfix+tcp://127.0.0.1:{port}", "--bpf",
                                "udp port 45126", "-q", "--dissections", "0", "--idle-timeout", "1"],
                               stderr=subprocess.PIPE, text=True)

    def send(ports):
        send_udp(namespace, ports, 45126, count=1, size=10)

    time.sleep(1.5)
    send(range(41000, 41003))
    time.sleep(3.0)  # idle timeout 1 s: the flows leave and reach the first collector
    first.close()
    time.sleep(0.5)
    send(range(41003, 41006))  # exported while the collector is away: queued
    time.sleep(3.0)
    second = TCPCollector(port)
    time.sleep(4.0)  # reconnection within the backoff
    send(range(41006, 41008))
    time.sleep(3.0)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    second.close()
    assert process.returncode == 0, stderr
    assert "connected again" in stderr, stderr
    assert sorted(flow_ports(first.data)) == [41000, 41001, 41002]
    later = parse_messages(bytes(second.data))
    assert later[0][1][0][0] == 2  # the new session starts with the templates
    assert sorted(flow_ports(second.data)) == list(range(41003, 41008))
    check_sequence_numbers(later)


def test_a_tcp_collector_that_goes_away_mid_convert_is_an_error_naming_it(many_flows):
    port = free_port(socket.SOCK_STREAM)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", port))
    server.listen(1)

    def accept_then_leave():
        connection, _ = server.accept()
        connection.recv(20000)
        connection.close()

    thread = threading.Thread(target=accept_then_leave)
    thread.start()
    result = flowmeter("convert", many_flows, "-o", f"ipfix+tcp://127.0.0.1:{port}", "-q", "--dissections", "0",
                       check=False, timeout=120)
    thread.join()
    server.close()
    assert result.returncode == 1, result.stderr
    assert f"cannot send to the collector ipfix+tcp://127.0.0.1:{port}" in result.stderr
