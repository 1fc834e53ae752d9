import ArgumentParser
import FlowCapture
import FlowIngest
import FlowStreamer
import FlowWriters

#if canImport(Glibc)
import Glibc
#endif

struct Live: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Capture from a network interface and write one CSV row per flow as flows end.",
        discussion: """
            Stops on SIGINT or SIGTERM (or --duration / --max-packets): every active flow is then written \
            (expiration_id 0), the output is finished (valid gzip) and final statistics are printed; exit status 0. \
            Idle and active timeouts keep working on a quiet link: a flow is written within about a second of its \
            timeout. Capturing needs root, or CAP_NET_RAW granted to the binary: \
            sudo setcap cap_net_raw=eip $(command -v flowmeter)
            """)

    @Option(
        name: [.customShort("i"), .long],
        help: ArgumentHelp("Interface to capture on (see 'flowmeter interfaces').", valueName: "IFACE"))
    var interface: String

    @OptionGroup var out: OutputOptions

    @OptionGroup var meter: MeterOptions

    @OptionGroup var ingest: IngestOptions

    @OptionGroup var labels: LabelOptions

    @Option(parsing: .unconditional, help: ArgumentHelp("Bytes kept of each packet.", valueName: "BYTES"))
    var snaplen: Int = 1536

    @Flag(name: .customLong("no-promisc"), help: "Do not put the interface in promiscuous mode.")
    var noPromisc = false

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Kernel capture buffer in MiB (0: libpcap's default).", valueName: "MIB"))
    var bufferSize: Int = 0

    @Option(parsing: .unconditional, help: ArgumentHelp("Stop after this many seconds.", valueName: "SECONDS"))
    var duration: Double?

    @Option(help: ArgumentHelp("Stop after this many packets.", valueName: "N"))
    var maxPackets: UInt64?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Print a JSON statistics line on stderr every SECONDS (the last one, at exit, has \"final\":true).",
            valueName: "SECONDS"))
    var statsInterval: Double?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Start a new output file every SECONDS (see README: Rotation).", valueName: "SECONDS"))
    var rotateSeconds: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("Start a new output file every N flows.", valueName: "N"))
    var rotateFlows: Int?

    @OptionGroup var chatter: QuietOption

    func validate() throws {
        if out.outputOption == nil {
            throw ValidationError("give the output: -o OUTPUT (a file, '-' or an IPFIX collector)")
        }
        guard (64...262_144).contains(snaplen) else {
            throw ValidationError("--snaplen must be between 64 and 262144 bytes (got \(snaplen))")
        }
        guard (0...4096).contains(bufferSize) else {
            throw ValidationError("--buffer-size must be between 0 and 4096 MiB (got \(bufferSize))")
        }
        if let duration, !(duration > 0 && duration.isFinite) {
            throw ValidationError("--duration must be a positive number of seconds (got \(duration))")
        }
        if let statsInterval, !(statsInterval >= 0.1 && statsInterval.isFinite) {
            throw ValidationError("--stats-interval must be at least 0.1 seconds (got \(statsInterval))")
        }
        if let rotateSeconds, !(rotateSeconds >= 1 && rotateSeconds <= 1e9) {
            throw ValidationError("--rotate-seconds must be a number of seconds from 1 to 1e9 (got \(rotateSeconds))")
        }
        if let rotateFlows, rotateFlows < 1 {
            throw ValidationError("--rotate-flows must be at least 1 (got \(rotateFlows))")
        }
        if (rotateSeconds != nil || rotateFlows != nil) && out.isCollector {
            throw ValidationError(
                "--rotate-seconds and --rotate-flows write files: a collector (\(out.output)) is not rotated")
        }
        if (rotateSeconds != nil || rotateFlows != nil) && out.output == "-" {
            throw ValidationError("--rotate-seconds and --rotate-flows write files: give -o a file name, not '-'")
        }
        if statsInterval != nil && chatter.quiet {
            throw ValidationError(
                "--stats-interval prints statistics lines and -q/--quiet silences them: give one or the other")
        }
        if let maxPackets, maxPackets == 0 {
            throw ValidationError("--max-packets must be at least 1")
        }
    }

    func run() throws {
        installSignalHandlers()
        var configuration = try meter.streamerConfiguration(bpf: nil)  // the filter is installed on the capture
        ingest.apply(to: &configuration)
        labels.adapt(&configuration)
        out.checkAnonymization()
        out.adapt(&configuration)
        var options = LiveCapture.Options(
            snapshotLength: Int32(snaplen), promiscuous: !noPromisc, bufferSizeMiB: bufferSize, filter: out.bpf)
        options.nanoseconds = meter.timeUnit == .nanoseconds
        var capture: LiveCapture? = nil
        var tshark: TsharkSource? = nil
        do {
            if ingest.ingest == .tshark {
                tshark = try TsharkSource(
                    input: .interface(
                        name: interface, snapshotLength: snaplen, promiscuous: !noPromisc, filter: out.bpf),
                    options: configuration.tshark)
            } else {
                capture = try LiveCapture(interface: interface, options: options)
            }
        } catch {
            fail("\(error)", code: 1)
        }
        let writer: any FlowWriter
        do {
            let metadata = meter.provenance(command: "live", bpf: out.bpf)
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
        let quiet = chatter.quiet
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
            throw ExitCode(1)
        }
    }
}

/// Writes `line` and a newline on stderr.
func printLine(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

struct Interfaces: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the interfaces flowmeter can capture on: name, state, addresses and description.")

    func run() throws {
        let interfaces: [NetworkInterface]
        do {
            interfaces = try NetworkInterface.all()
        } catch {
            fail("\(error)", code: 1)
        }
        let width = max(4, interfaces.map(\.name.count).max() ?? 4)
        var text = pad("NAME", width) + "  " + pad("STATE", 23) + "ADDRESSES / DESCRIPTION\n"
        for i in interfaces {
            let state = (i.isUp ? "up" : "down") + (i.isRunning ? ",running" : "") + (i.isLoopback ? ",loopback" : "")
            var line = pad(i.name, width) + "  "
            line += pad(state, 23)
            var details = i.addresses.map(\.description)
            if let d = i.description, !d.isEmpty { details.append("(\(d))") }
            line += details.joined(separator: " ")
            text += line + "\n"
        }
        print(text, terminator: "")
    }
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}
