import FlowCapture
import FlowIngest
import FlowStreamer
import FlowWriters

/// One `flowmeter live` run, its options resolved: captures on an interface (libpcap, or a tshark child with
/// `--ingest tshark`), meters until a signal or a limit, writes the flows (rotating files, or one output), and
/// prints a statistics line on stderr every `statsInterval` and at the end.
public struct LiveRun {
    /// The interface to capture on.
    public var interface: String
    /// The output, its format and options.
    public var out: OutputSettings
    /// `--bpf`: installed on the capture.
    public var bpf: String?
    /// Bytes kept of each packet.
    public var snaplen = 1536
    /// Whether the interface is put in promiscuous mode.
    public var promiscuous = true
    /// The kernel capture buffer in MiB (0: libpcap's default).
    public var bufferSize = 0
    /// Stop after this many seconds.
    public var duration: Double?
    /// Stop after this many packets.
    public var maxPackets: UInt64?
    /// Seconds between statistics lines.
    public var statsInterval: Double?
    /// Start a new output file every so many seconds.
    public var rotateSeconds: Double?
    /// Start a new output file every so many flows.
    public var rotateFlows: Int?
    /// `-q`: no statistics lines.
    public var quiet = false
    /// What a Parquet output records of the run (asked for once the capture is open).
    public var metadata: () -> [(String, String)]

    /// A capture on `interface` into `out`; the other options take their defaults.
    public init(interface: String, out: OutputSettings, metadata: @escaping () -> [(String, String)]) {
        self.interface = interface
        self.out = out
        self.metadata = metadata
    }

    /// Options out of range or that do not go together.
    public struct Invalid: Error, CustomStringConvertible {
        /// What is wrong and how to fix it.
        public var description: String
    }

    /// Throws `Invalid` for a missing output, values out of range, or rotation or statistics that cannot apply.
    public func validate() throws {
        func invalid(_ message: String) -> Invalid { Invalid(description: message) }
        if out.outputOption == nil {
            throw invalid("give the output: -o OUTPUT (a file, '-' or an IPFIX collector)")
        }
        guard (64...262_144).contains(snaplen) else {
            throw invalid("--snaplen must be between 64 and 262144 bytes (got \(snaplen))")
        }
        guard (0...4096).contains(bufferSize) else {
            throw invalid("--buffer-size must be between 0 and 4096 MiB (got \(bufferSize))")
        }
        if let duration, !(duration > 0 && duration.isFinite) {
            throw invalid("--duration must be a positive number of seconds (got \(duration))")
        }
        if let statsInterval, !(statsInterval >= 0.1 && statsInterval.isFinite) {
            throw invalid("--stats-interval must be at least 0.1 seconds (got \(statsInterval))")
        }
        if let rotateSeconds, !(rotateSeconds >= 1 && rotateSeconds <= 1e9) {
            throw invalid("--rotate-seconds must be a number of seconds from 1 to 1e9 (got \(rotateSeconds))")
        }
        if let rotateFlows, rotateFlows < 1 {
            throw invalid("--rotate-flows must be at least 1 (got \(rotateFlows))")
        }
        if (rotateSeconds != nil || rotateFlows != nil) && out.isCollector {
            throw invalid(
                "--rotate-seconds and --rotate-flows write files: a collector (\(out.output)) is not rotated")
        }
        if (rotateSeconds != nil || rotateFlows != nil) && out.output == "-" {
            throw invalid("--rotate-seconds and --rotate-flows write files: give -o a file name, not '-'")
        }
        if statsInterval != nil && quiet {
            throw invalid(
                "--stats-interval prints statistics lines and -q/--quiet silences them: give one or the other")
        }
        if let maxPackets, maxPackets == 0 {
            throw invalid("--max-packets must be at least 1")
        }
    }

    /// Captures and meters with `configuration` (its BPF filter unset: `bpf` is installed on the capture) until
    /// a signal or a limit; returns the exit status, 1 when the capture failed part-way. A capture or output that
    /// cannot be opened ends the process with status 1.
    public func run(configuration: StreamerConfiguration) -> Int32 {
        var options = LiveCapture.Options(
            snapshotLength: Int32(snaplen), promiscuous: promiscuous, bufferSizeMiB: bufferSize, filter: bpf)
        options.nanoseconds = configuration.meter.timeUnit == .nanoseconds
        var capture: LiveCapture? = nil
        var tshark: TsharkSource? = nil
        do {
            if configuration.ingest == .tshark {
                tshark = try TsharkSource(
                    input: .interface(name: interface, snapshotLength: snaplen, promiscuous: promiscuous, filter: bpf),
                    options: configuration.tshark)
            } else {
                capture = try LiveCapture(interface: interface, options: options)
            }
        } catch {
            fail("\(error)", code: 1)
        }
        let writer: any FlowWriter
        do {
            let metadata = metadata()
            if rotateSeconds != nil || rotateFlows != nil {
                let policy = RotatingWriter.Policy(flows: rotateFlows.map { UInt64($0) }, seconds: rotateSeconds)
                writer = RotatingWriter(template: out.output, policy: policy) { [out] path in
                    try out.makeWriter(path: path, metadata: metadata)
                }
            } else {
                writer = try out.makeWriter(metadata: metadata, live: true)
            }
        } catch {
            fail("\(error)", code: 1)
        }
        var limits = LiveLimits()
        limits.durationSeconds = duration
        limits.maxPackets = maxPackets
        limits.statsIntervalSeconds = statsInterval
        let quiet = quiet
        let result: (LiveStatistics, LiveStopReason)
        do {
            let streamer = FlowStreamer(configuration: configuration)
            let report: (LiveStatistics, Bool) -> Void = { stats, final in
                if !quiet { printLine(stats.jsonLine(final: final)) }
            }
            if let tshark {
                result = try streamer.live(tshark: tshark, writer: writer, limits: limits, report: report)
                try tshark.close()
            } else {
                result = try streamer.live(capture: capture!, writer: writer, limits: limits, report: report)
            }
        } catch {
            fail("\(error)", code: 1)
        }
        if case .captureFailed(let message) = result.1 {
            printError(
                "capture on '\(interface)' stopped: \(message); the \(result.0.flowsWritten) flows metered were written to '\(out.output)'"
            )
            return 1
        }
        return 0
    }
}
