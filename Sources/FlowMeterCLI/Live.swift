import ArgumentParser
import FlowConvert
import FlowStreamer

struct Live: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",  // explicit: a derived name costs a runtime type lookup
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

    /// The options as FlowConvert's live run.
    var liveRun: LiveRun {
        var run = LiveRun(interface: interface, out: out.settings) { [meter, out] in
            meter.settings.provenance(command: "live", bpf: out.bpf)
        }
        (run.bpf, run.snaplen, run.promiscuous, run.bufferSize) = (out.bpf, snaplen, !noPromisc, bufferSize)
        (run.duration, run.maxPackets, run.statsInterval) = (duration, maxPackets, statsInterval)
        (run.rotateSeconds, run.rotateFlows, run.quiet) = (rotateSeconds, rotateFlows, chatter.quiet)
        return run
    }

    func validate() throws { try validating { try liveRun.validate() } }

    func run() throws {
        installSignalHandlers()
        var configuration = try meter.streamerConfiguration(bpf: nil)  // the filter is installed on the capture
        ingest.apply(to: &configuration)
        labels.adapt(&configuration)
        out.settings.checkAnonymization()
        out.settings.adapt(&configuration)
        let status = liveRun.run(configuration: configuration)
        if status != 0 { throw ExitCode(status) }
    }
}
