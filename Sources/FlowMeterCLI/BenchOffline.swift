import ArgumentParser
import FlowBench
import FlowConvert

#if canImport(Glibc)
import Glibc
#endif

struct BenchOffline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offline",
        abstract: "Meter capture files through each ingestion path (and, with --peers, Python tools) and compare.",
        discussion: """
            Every path runs as its own child process ('flowmeter bench run-offline', one meter thread, output \
            discarded), --repeat times, one after the other. Reported per path: wall time, user+sys CPU, CPU % of one \
            core, peak RSS (for tshark: flowmeter's plus tshark's), packets counted, packets/s, CPU µs per packet, \
            flows. The tshark paths and the slow peers (scapy, pyshark) read only the first --slow-max-packets \
            packets; the table says so.
            """)

    @Argument(help: ArgumentHelp("Capture files to measure.", valueName: "TRACE"))
    var traces: [String]

    @Option(help: ArgumentHelp("Paths to measure: direct, tshark (PDML), tshark-fields, object.", valueName: "A,B,…"))
    var paths: String = "direct,tshark,object"

    @OptionGroup var common: BenchCommonOptions

    @Option(help: ArgumentHelp("Read at most N packets of each trace on every path (default: all).", valueName: "N"))
    var maxPackets: UInt64?

    @Option(
        help: ArgumentHelp(
            "Read at most N packets on the slow paths (tshark, tshark-fields, scapy, pyshark); 0: all.", valueName: "N")
    )
    var slowMaxPackets: UInt64 = 20000

    @Flag(
        help:
            "Also run the Python tools users would pick instead (pypcap+dpkt, scapy, pyshark, nfstream), those that are installed."
    )
    var peers = false

    @Option(help: ArgumentHelp("The Python for --peers (default: $FLOWMETER_PYTHON, else python3).", valueName: "PATH"))
    var python: String?

    @Option(
        help: ArgumentHelp(
            "Where the peer scripts are (default: scripts/peers of the checkout this binary was built in, or $FLOWMETER_PEERS_DIR).",
            valueName: "DIR"))
    var peersDir: String?

    func validate() throws {
        _ = try validated { try BenchPath.parseList(paths) }
        if traces.isEmpty { throw ValidationError("give at least one TRACE") }
        for trace in traces where access(trace, R_OK) != 0 {
            throw ValidationError("cannot read trace '\(trace)': \(String(cString: strerror(errno)))")
        }
    }

    func run() throws {
        installInterruptHandlers()
        var bench = OfflineBench(
            traces: traces, paths: try validated { try BenchPath.parseList(paths) }, configuration: common.configuration
        )
        (bench.maxPackets, bench.slowMaxPackets) = (maxPackets, slowMaxPackets)
        (bench.peers, bench.python, bench.peersDir) = (peers, python, peersDir)
        try common.report(try bench.run())
    }
}
