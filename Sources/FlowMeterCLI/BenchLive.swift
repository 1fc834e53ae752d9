import ArgumentParser
import FlowBench
import FlowConvert

struct BenchLive: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Generate the study's traffic in a private network namespace and capture it through each path.",
        discussion: """
            Needs root. Builds two network namespaces joined by a veth pair (offloads and IPv6 off, static \
            neighbours), runs an iperf3 server in one and, for every scenario and path, a capture ('flowmeter live \
            --ingest PATH') on the server's veth end, then the iperf3 client for --window seconds. Packets sent is \
            iperf3's own count of datagrams sent for UDP (end.sum_sent) and the veth pair's transmit counters for TCP (iperf3 does not count TCP \
            segments); packets counted is what the capture reported. CPU % is the CPU time of the capture \
            process and its tshark child during the window, divided by the window; peak RSS is their VmHWM. \
            The namespaces are removed at the end, on SIGINT/SIGTERM, and (if a run was killed) by the next run. \
            Nothing is sent outside the namespaces. The default sweep (10 scenarios × 3 paths) takes about \
            30 × (window + 3.5) s per repetition.
            """)

    @Option(
        help: ArgumentHelp(
            "Scenarios, comma separated (default: the study's sweep, see --list-scenarios).", valueName: "A,B,…"))
    var scenarios: String?

    @Option(help: ArgumentHelp("Paths to measure: direct, tshark (PDML), tshark-fields, object.", valueName: "A,B,…"))
    var paths: String = "direct,tshark,object"

    @Option(help: ArgumentHelp("Seconds of traffic per scenario and path.", valueName: "SECONDS"))
    var window: Int = 5

    @OptionGroup var common: BenchCommonOptions

    @Flag(help: "Print the default scenarios and exit.")
    var listScenarios = false

    func validate() throws {
        _ = try validated { try BenchPath.parseList(paths) }
        _ = try validated { try LiveScenario.parseList(scenarios) }
        guard (1...3600).contains(window) else {
            throw ValidationError("--window must be 1 to 3600 seconds (got \(window))")
        }
    }

    func run() throws {
        if listScenarios {
            print(LiveScenario.defaultSweep.map(\.name).joined(separator: "\n"))
            return
        }
        let runner = LiveRunner(
            executable: RunningProcess.executablePath,
            scenarios: try validated { try LiveScenario.parseList(scenarios) },
            paths: try validated { try BenchPath.parseList(paths) }, windowSeconds: window,
            configuration: common.configuration)
        try common.report(LiveBench(runner: runner).run())
    }
}
