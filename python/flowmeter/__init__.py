"""NFStream's API on the flowmeter binary.

    from flowmeter import FlowStreamer          # instead of: from nfstream import NFStreamer
    df = FlowStreamer(source="trace.pcap", statistical_analysis=True, splt_analysis=10).to_pandas()
    for flow in FlowStreamer(source="eth0"):   # flows as they expire
        print(flow.src_ip, flow.bidirectional_packets)

The package runs `flowmeter` as a child process: the binary named by FLOWMETER_BIN, else one bundled in the
package (`flowmeter/bin/flowmeter`), else the first `flowmeter` on PATH.
"""
import csv
import hashlib
import io
import os
import secrets
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


def _child_setup():
    """Runs in the child before exec: a process group of its own, so a terminal's Ctrl-C reaches only Python, which
    forwards exactly one SIGINT (flowmeter treats a second one as "stop at once, output unfinished"); and SIGTERM
    when Python dies, so a live capture never outlives the program that started it."""
    os.setpgid(0, 0)
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the pipe's end still stops the child when Python is gone
        pass


def _spawn(command, **kwargs):
    return subprocess.Popen(command, preexec_fn=_child_setup, **kwargs)


class _Anonymizer:
    """NFStream's column anonymisation: each value of the named columns (as text) replaced by its keyed BLAKE2b
    digest (64 bytes, hex), with a random 64-byte key drawn for each call of to_csv/to_pandas."""

    def __init__(self, names):
        if isinstance(names, str):
            names = (names,)
        self.names = list(names)
        self.key = secrets.token_bytes(64)

    def digest(self, value):
        return hashlib.blake2b(str(value).encode(), digest_size=64, key=self.key).hexdigest()

    def indices(self, header):
        missing = [n for n in self.names if n not in header]
        if missing:
            raise ValueError(f"columns_to_anonymize names columns the flows do not have: {', '.join(missing)}")
        return [header.index(n) for n in self.names]


def _chunk_path(path, index):
    """x.csv → x.0.csv, x.1.csv, …; a path not ending in .csv gets .0.csv, .1.csv, … appended."""
    return (path[:-4] if path.lower().endswith(".csv") else path) + f".{index}.csv"


class _ChunkedCSV:
    """Writes rows to `path`, or in files of `flows_per_file` rows (`rotate_files` > 0: the file index wraps, the
    oldest file replaced). Each file is written under a temporary name and renamed when complete."""

    def __init__(self, path, header, flows_per_file, rotate_files):
        self.path, self.header = path, header
        self.flows_per_file, self.rotate_files = flows_per_file, rotate_files
        self.chunk, self.in_chunk, self.file, self.temporary, self.target = -1, 0, None, None, None

    def _open(self):
        self._close()
        self.chunk += 1
        index = self.chunk % self.rotate_files if self.rotate_files else self.chunk
        self.target = _chunk_path(self.path, index) if self.flows_per_file else self.path
        directory = os.path.dirname(os.path.abspath(self.target))
        descriptor, self.temporary = tempfile.mkstemp(prefix=".flowmeter-", suffix=".csv.partial", dir=directory)
        self.file = os.fdopen(descriptor, "w", newline="", encoding="utf-8")
        self.writer = csv.writer(self.file)
        self.writer.writerow(self.header)
        self.in_chunk = 0

    def _close(self):
        if self.file is not None:
            self.file.close()
            os.chmod(self.temporary, 0o666 & ~_umask())
            os.replace(self.temporary, self.target)
            self.file = None

    def write(self, row):
        if self.file is None or (self.flows_per_file and self.in_chunk >= self.flows_per_file):
            self._open()
        self.writer.writerow(row)
        self.in_chunk += 1

    def finish(self):
        if self.file is None:  # no flows: a header-only file, as flowmeter writes
            self._open()
        self._close()

    def abandon(self):
        if self.file is not None:
            self.file.close()
            os.unlink(self.temporary)
            self.file = None


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
    (feature sets, e.g. ["cic"]), `tcp_termination` and `time_unit` ("ms", "us" or "ns": the unit of every time
    column, named in the column names), `labels` (a rule file: `default_label`, `label_time`) and `anonymize` (a
    key file: `keep_oui`) are flowmeter's own. Parameters flowmeter cannot
    honour raise ValueError saying what to do instead."""

    def __init__(self, source=None, decode_tunnels=True, bpf_filter=None, promiscuous_mode=True,
                 snapshot_length=1536, socket_buffer_size=0, idle_timeout=120, active_timeout=1800, accounting_mode=0,
                 udps=None, n_dissections=20, statistical_analysis=False, splt_analysis=0, n_meters=0, max_nflows=0,
                 performance_report=0, system_visibility_mode=0, system_visibility_poll_ms=100, *, features=None,
                 tcp_termination=False, time_unit="ms", labels=None, default_label=None, label_time=None,
                 anonymize=None, keep_oui=False):
        if source is None or (isinstance(source, (list, tuple)) and not source):
            raise ValueError("source must be a pcap/pcapng path, a list of paths read as one capture, or an interface")
        if udps is not None:
            raise ValueError(
                "udps (Python NFPlugins) cannot run inside flowmeter: write the feature as a Swift FeaturePlugin "
                "(see the README's Feature plugins), or compute it from the DataFrame to_pandas() returns")
        if system_visibility_mode:
            raise ValueError("system_visibility_mode (per-process visibility) is not supported by flowmeter: use 0")
        if time_unit not in ("ms", "us", "ns"):
            raise ValueError(f"time_unit must be 'ms', 'us' or 'ns', not {time_unit!r}")
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
        self.time_unit = time_unit
        self.labels = labels
        self.default_label = default_label
        self.label_time = label_time
        self.anonymize = anonymize
        self.keep_oui = keep_oui
        if (default_label is not None or label_time is not None) and labels is None:
            raise ValueError("default_label and label_time apply to labels= (a rule file)")
        if keep_oui and anonymize is None:
            raise ValueError("keep_oui applies to anonymize= (a key file made by `flowmeter keygen`)")
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
        if self.time_unit != "ms":
            options += ["--time-unit", self.time_unit]
        if self.labels is not None:
            options += ["--labels", str(self.labels)]
            if self.default_label is not None:
                options += ["--default-label", str(self.default_label)]
            if self.label_time is not None:
                options += ["--label-time", str(self.label_time)]
        if self.anonymize is not None:
            options += ["--anonymize", str(self.anonymize)]
            if self.keep_oui:
                options.append("--keep-oui")
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
        self._wait(self._start(output, extra))

    def _start(self, output, extra=()):
        # stderr to a file, not a pipe: the child never blocks on it while Python does something else.
        errors = tempfile.TemporaryFile()
        return _spawn(self._command(output, extra), stdout=subprocess.DEVNULL, stderr=errors), errors

    def _wait(self, started):
        process, errors = started
        try:
            try:
                process.wait()
            except KeyboardInterrupt:
                process.send_signal(signal.SIGINT)
                process.wait()
            errors.seek(0)
            stderr = errors.read().decode("utf-8", "replace")
        finally:
            errors.close()
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
        """Writes the flows as NFStream's CSV (to `source`.csv by default; a list source: its first path + .csv);
        returns the number of flows. As NFStream: `columns_to_anonymize` replaces those columns' values by a keyed
        BLAKE2b digest (a new random key per call); `flows_per_file` N > 0 writes files of N flows, x.0.csv, x.1.csv,
        … (NFStream replaces every "csv" in the path; here only the .csv suffix); `rotate_files` K > 0 reuses the
        names x.0.csv … x.(K-1).csv, replacing the oldest. Each file appears under its name only when complete."""
        for name, value in (("flows_per_file", flows_per_file), ("rotate_files", rotate_files)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be an integer >= 0, not {value!r}")
        if path is None:
            if self.is_live:
                raise ValueError("give to_csv a path when the source is an interface")
            path = str(self.source[0] if isinstance(self.source, (list, tuple)) else self.source) + ".csv"
        path = str(path)
        if not columns_to_anonymize and not flows_per_file:
            self._run(path, ["--format", "csv"])
            with open(path, newline="") as f:
                return max(0, sum(1 for _ in csv.reader(f)) - 1)
        anonymizer = _Anonymizer(columns_to_anonymize) if columns_to_anonymize else None
        rows = self._csv_rows()
        header = next(rows, None)
        if header is None:
            return 0
        hashed = anonymizer.indices(header) if anonymizer else []
        output = _ChunkedCSV(path, header, flows_per_file, rotate_files)
        flows = 0
        try:
            for row in rows:
                for i in hashed:
                    row[i] = anonymizer.digest(row[i])
                output.write(row)
                flows += 1
        except BaseException:
            rows.close()
            output.abandon()
            raise
        output.finish()
        return flows

    def _to_table(self, load_reader):
        """Runs flowmeter to a temporary Parquet file and reads it with the reader `load_reader` returns; the
        reader's library (pandas: about 0.3 s of imports) loads while the child meters."""
        with tempfile.TemporaryDirectory(prefix="flowmeter-") as directory:
            path = os.path.join(directory, "flows.parquet")
            started = self._start(path, ["--format", "parquet", "--parquet-compression", "none"])
            try:
                reader = load_reader()
            except BaseException:
                started[0].kill()
                started[0].wait()
                started[1].close()
                raise
            self._wait(started)
            return reader(path)

    def to_pandas(self, columns_to_anonymize=()):
        """The flows as a pandas DataFrame (None when there are none, as NFStream), through Parquet: integer
        columns int64, floats float64, text str ("" where NFStream has NaN), SPLT columns lists of int."""
        anonymizer = _Anonymizer(columns_to_anonymize) if columns_to_anonymize else None

        def reader():
            import pandas as pd
            return pd.read_parquet

        frame = self._to_table(reader)
        if not len(frame):
            return None
        if anonymizer:
            for i in anonymizer.indices(list(frame.columns)):
                column = frame.columns[i]
                frame[column] = [anonymizer.digest(v) for v in frame[column].tolist()]
        return frame

    def to_polars(self):
        """The flows as a polars DataFrame, through Parquet."""
        def reader():
            import polars as pl
            return pl.read_parquet

        return self._to_table(reader)

    def __iter__(self):
        """Flows as they expire (CSV from the child's standard output, parsed row by row: bounded memory). Leaving
        the loop (break, an exception, garbage collection) stops the child cleanly."""
        rows = self._csv_rows()
        header = next(rows, None)
        if header is None:
            return
        types = _column_types(self._binary)
        names = {name: i for i, name in enumerate(header)}
        # `flowmeter features` lists time columns in ms; with time_unit their names end in _us or _ns.
        convert = [_converter(types.get(name) or types.get(name[:-3] + "_ms" if name[-3:] in ("_us", "_ns") else name,
                                                          "text")) for name in header]
        try:
            for row in rows:
                yield Flow(names, [c(v) for c, v in zip(convert, row)])
        finally:
            rows.close()

    def _csv_rows(self):
        """The header, then every row (lists of text) of the flows, as the child writes them to a pipe. A Ctrl-C
        while waiting for rows asks the child to stop (one SIGINT: it flushes its flows, which are still yielded);
        closing the generator early stops the child."""
        errors = tempfile.TemporaryFile()  # a file, not a pipe: stderr can never fill up and block the child
        process = _spawn(self._command("-", ["--format", "csv"]), stdout=subprocess.PIPE, stderr=errors)
        finished = interrupted = False
        try:
            reader = csv.reader(io.TextIOWrapper(process.stdout, encoding="utf-8", newline=""))
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except KeyboardInterrupt:
                    if interrupted or process.poll() is not None:
                        raise
                    interrupted = True
                    process.send_signal(signal.SIGINT)
                    continue
                yield row
            finished = True
        finally:
            if process.poll() is None and not finished:
                # Stopped early: closing the pipe ends the child's writing at once, SIGINT its reading.
                process.stdout.close()
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            else:
                process.wait()
                process.stdout.close()
            errors.seek(0)
            stderr = errors.read().decode("utf-8", "replace")
            errors.close()
            if finished:
                self._check(process.returncode, stderr)


# NFStream's name, for a one-line switch: `from flowmeter import NFStreamer`.
NFStreamer = FlowStreamer
