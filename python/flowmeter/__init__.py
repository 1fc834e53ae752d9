"""NFStream's API on the flowmeter binary.

    from flowmeter import FlowStreamer          # instead of: from nfstream import NFStreamer
    df = FlowStreamer(source="trace.pcap", statistical_analysis=True, splt_analysis=10).to_pandas()
    for flow in FlowStreamer(source="eth0"):   # flows as they expire
        print(flow.src_ip, flow.bidirectional_packets)

The package runs `flowmeter` as a child process: the binary named by FLOWMETER_BIN, else one bundled in the
package (`flowmeter/bin/flowmeter`), else the first `flowmeter` on PATH.
"""
import csv
import io
import os
import shutil
import signal
import subprocess
import tempfile
import warnings

__all__ = ["FlowStreamer", "NFStreamer", "Flow", "FlowmeterError", "find_binary"]
__version__ = "0.1.0"


class FlowmeterError(RuntimeError):
    """The flowmeter binary failed: `message` is what it said, `status` its exit status (1: an input or output
    could not be used, 3: an input was damaged part-way, 64: a bad option, 130: interrupted)."""

    def __init__(self, message, status):
        super().__init__(f"{message} (flowmeter exit status {status})")
        self.message = message
        self.status = status


def find_binary():
    """The flowmeter binary: FLOWMETER_BIN, then the package's own, then PATH; FileNotFoundError says how to get one."""
    named = os.environ.get("FLOWMETER_BIN")
    if named:
        if os.path.isfile(named) and os.access(named, os.X_OK):
            return named
        raise FileNotFoundError(f"FLOWMETER_BIN names '{named}', which is not an executable file")
    bundled = os.path.join(os.path.dirname(__file__), "bin", "flowmeter")
    if os.path.isfile(bundled) and os.access(bundled, os.X_OK):
        return bundled
    found = shutil.which("flowmeter")
    if found:
        return found
    raise FileNotFoundError(
        "the flowmeter binary was not found: build it with `swift build -c release` in the flowmeter repository, "
        "then put .build/release/flowmeter on PATH (e.g. `sudo install .build/release/flowmeter /usr/local/bin/`) "
        "or set FLOWMETER_BIN to its path")


class Flow:
    """One flow: its columns as attributes (`flow.src_ip`, `flow.splt_ps`), in column order for `keys()`/`values()`."""

    __slots__ = ("_names", "_values")

    def __init__(self, names, values):
        object.__setattr__(self, "_names", names)
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name):
        try:
            return self._values[self._names[name]]
        except KeyError:
            raise AttributeError(f"a flow has no column '{name}'") from None

    def __setattr__(self, name, value):
        raise AttributeError("flows are read-only")

    def keys(self):
        return list(self._names)

    def values(self):
        return list(self._values)

    def to_dict(self):
        return dict(zip(self._names, self._values))

    def __repr__(self):
        return "Flow(" + ", ".join(f"{k}={v!r}" for k, v in zip(self._names, self._values)) + ")"


# Column types, from `flowmeter features`: integer, float, text, list, boolean.
_TYPES_CACHE = {}


def _column_types(binary):
    if binary not in _TYPES_CACHE:
        out = subprocess.run([binary, "features"], capture_output=True, text=True, check=True).stdout
        types = {}
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[1].startswith("["):
                types[parts[0]] = parts[1].strip("[];")
        _TYPES_CACHE[binary] = types
    return _TYPES_CACHE[binary]


def _converter(kind):
    if kind == "integer":
        return int
    if kind == "float":
        return float
    if kind == "boolean":
        return lambda text: text not in ("0", "", "False", "false")
    if kind == "list":
        return lambda text: [int(v) for v in text.strip("[]").split(",") if v.strip()]
    return str


class FlowStreamer:
    """NFStream's NFStreamer, on flowmeter. Parameters have NFStream's names, defaults and meaning; `features`
    (feature sets, e.g. ["cic"]), `tcp_termination` and `threads` are flowmeter's own. Parameters flowmeter cannot
    honour raise ValueError saying what to do instead."""

    def __init__(self, source=None, decode_tunnels=True, bpf_filter=None, promiscuous_mode=True,
                 snapshot_length=1536, socket_buffer_size=0, idle_timeout=120, active_timeout=1800, accounting_mode=0,
                 udps=None, n_dissections=20, statistical_analysis=False, splt_analysis=0, n_meters=0, max_nflows=0,
                 performance_report=0, system_visibility_mode=0, system_visibility_poll_ms=100, *, features=None,
                 tcp_termination=False):
        if source is None or (isinstance(source, (list, tuple)) and not source):
            raise ValueError("source must be a pcap/pcapng path, a list of paths read as one capture, or an interface")
        if udps is not None:
            raise ValueError(
                "udps (Python NFPlugins) cannot run inside flowmeter: write the feature as a Swift FeaturePlugin "
                "(see the README's Feature plugins), or compute it from the DataFrame to_pandas() returns")
        if system_visibility_mode:
            raise ValueError("system_visibility_mode (per-process visibility) is not supported by flowmeter: use 0")
        if system_visibility_poll_ms != 100:
            raise ValueError("system_visibility_poll_ms only applies to system_visibility_mode, which flowmeter "
                             "does not support: leave it at 100")
        self.source = source
        self.decode_tunnels = decode_tunnels
        self.bpf_filter = bpf_filter
        self.promiscuous_mode = promiscuous_mode
        self.snapshot_length = snapshot_length
        self.socket_buffer_size = socket_buffer_size
        self.idle_timeout = idle_timeout
        self.active_timeout = active_timeout
        self.accounting_mode = accounting_mode
        self.n_dissections = n_dissections
        self.statistical_analysis = statistical_analysis
        self.splt_analysis = splt_analysis
        self.n_meters = n_meters
        self.max_nflows = max_nflows
        self.performance_report = performance_report
        self.features = features
        self.tcp_termination = tcp_termination
        self._binary = find_binary()

    # --- the command line ---

    @property
    def is_live(self):
        """A source that is not a file or directory but an interface of this machine."""
        if isinstance(self.source, (list, tuple)):
            return False
        return not os.path.exists(self.source) and os.path.isdir(f"/sys/class/net/{self.source}")

    def _options(self):
        options = ["--idle-timeout", str(self.idle_timeout), "--active-timeout", str(self.active_timeout),
                   "--accounting-mode", str(self.accounting_mode), "--dissections", str(self.n_dissections)]
        if self.statistical_analysis:
            options.append("--statistics")
        if self.splt_analysis:
            options += ["--splt", str(self.splt_analysis)]
        if self.features:
            options += ["--features", self.features if isinstance(self.features, str) else ",".join(self.features)]
        if not self.decode_tunnels:
            options.append("--no-tunnels")
        if self.n_meters:
            options += ["--threads", str(self.n_meters)]
        if self.max_nflows:
            options += ["--max-flows", str(self.max_nflows)]
        if self.tcp_termination:
            options.append("--tcp-termination")
        if self.bpf_filter:
            options += ["--bpf", self.bpf_filter]
        return options

    def _command(self, output, extra=()):
        if self.is_live:
            command = [self._binary, "live", "-i", self.source, "-o", output, "--snaplen", str(self.snapshot_length)]
            if not self.promiscuous_mode:
                command.append("--no-promisc")
            if self.socket_buffer_size:
                command += ["--buffer-size", str(max(1, -(-int(self.socket_buffer_size) // (1 << 20))))]
            if self.performance_report:
                command += ["--stats-interval", str(self.performance_report)]
            else:
                command.append("-q")
        else:
            sources = list(self.source) if isinstance(self.source, (list, tuple)) else [self.source]
            command = [self._binary, "convert", *map(str, sources), "-o", output, "-q"]
        return command + self._options() + list(extra)

    def _run(self, output, extra=()):
        """Runs flowmeter to `output`; Ctrl-C stops a live capture cleanly (the flows so far are written)."""
        process = subprocess.Popen(self._command(output, extra), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True)
        try:
            _, stderr = process.communicate()
        except KeyboardInterrupt:
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate()
        self._check(process.returncode, stderr)

    @staticmethod
    def _check(status, stderr):
        message = " ".join(line.removeprefix("flowmeter: ") for line in stderr.strip().splitlines()
                           if line.startswith("flowmeter: ") and "note:" not in line) or stderr.strip()
        if status in (0, 130):
            return
        if status == 3:  # a damaged input: the flows read before the damage are there
            warnings.warn(f"flowmeter: {message}", RuntimeWarning, stacklevel=3)
            return
        raise FlowmeterError(message, status)

    # --- outputs ---

    def to_parquet(self, path, compression="zstd"):
        """Writes the flows to a Parquet file; returns its path."""
        self._run(str(path), ["--format", "parquet", "--parquet-compression", compression])
        return str(path)

    def to_csv(self, path=None, columns_to_anonymize=(), flows_per_file=0, rotate_files=0):
        """Writes the flows as NFStream's CSV (to `source`.csv by default); returns the number of flows."""
        if columns_to_anonymize or flows_per_file or rotate_files:
            raise ValueError("columns_to_anonymize, flows_per_file and rotate_files are not supported yet: write "
                             "the whole CSV, or use flowmeter live --rotate-flows N")
        if path is None:
            if isinstance(self.source, (list, tuple)) or self.is_live:
                raise ValueError("give to_csv a path when the source is a list or an interface")
            path = str(self.source) + ".csv"
        self._run(str(path), ["--format", "csv"])
        with open(path, newline="") as f:
            return max(0, sum(1 for _ in csv.reader(f)) - 1)

    def _to_table(self, reader):
        with tempfile.TemporaryDirectory(prefix="flowmeter-") as directory:
            path = os.path.join(directory, "flows.parquet")
            self._run(path, ["--format", "parquet", "--parquet-compression", "none"])
            return reader(path)

    def to_pandas(self, columns_to_anonymize=()):
        """The flows as a pandas DataFrame (None when there are none, as NFStream), through Parquet: integer
        columns int64, floats float64, text str ("" where NFStream has NaN), SPLT columns lists of int."""
        if columns_to_anonymize:
            raise ValueError("columns_to_anonymize is not supported yet")
        import pandas as pd
        frame = self._to_table(pd.read_parquet)
        return frame if len(frame) else None

    def to_polars(self):
        """The flows as a polars DataFrame, through Parquet."""
        import polars as pl
        return self._to_table(pl.read_parquet)

    def __iter__(self):
        """Flows as they expire (CSV from the child's standard output, parsed row by row: bounded memory). Leaving
        the loop (break, an exception, garbage collection) stops the child cleanly."""
        errors = tempfile.TemporaryFile()  # a file, not a pipe: stderr can never fill up and block the child
        process = subprocess.Popen(self._command("-", ["--format", "csv"]), stdout=subprocess.PIPE, stderr=errors)
        finished = False
        try:
            reader = csv.reader(io.TextIOWrapper(process.stdout, encoding="utf-8", newline=""))
            header = next(reader, None)
            if header is not None:
                types = _column_types(self._binary)
                names = {name: i for i, name in enumerate(header)}
                convert = [_converter(types.get(name, "text")) for name in header]
                for row in reader:
                    yield Flow(names, [c(v) for c, v in zip(convert, row)])
            finished = True
        finally:
            if process.poll() is None:
                # Stopped early: closing the pipe ends the child's writing at once, SIGINT its reading.
                process.stdout.close()
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            else:
                process.stdout.close()
            errors.seek(0)
            stderr = errors.read().decode("utf-8", "replace")
            errors.close()
            if finished:
                process.wait()
                self._check(process.returncode, stderr)


# NFStream's name, for a one-line switch: `from flowmeter import NFStreamer`.
NFStreamer = FlowStreamer
