import ArgumentParser
import FlowCapture
import FlowStreamer

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

    @Option(help: ArgumentHelp("Read at most N packets on the slow paths (tshark, tshark-fields, scapy, pyshark); 0: all.", valueName: "N"))
    var slowMaxPackets: UInt64 = 20000

    @Flag(help: "Also run the Python tools users would pick instead (pypcap+dpkt, scapy, pyshark, nfstream), those that are installed.")
    var peers = false

    @Option(help: ArgumentHelp("The Python for --peers (default: $FLOWMETER_PYTHON, else python3).", valueName: "PATH"))
    var python: String?

    @Option(help: ArgumentHelp("Where the peer scripts are (default: scripts/peers of the checkout this binary was built in, or $FLOWMETER_PEERS_DIR).", valueName: "DIR"))
    var peersDir: String?

    func validate() throws {
        _ = try BenchPath.parseList(paths)
        if traces.isEmpty { throw ValidationError("give at least one TRACE") }
        for trace in traces where access(trace, R_OK) != 0 {
            throw ValidationError("cannot read trace '\(trace)': \(String(cString: strerror(errno)))")
        }
    }

    func run() throws {
        installInterruptHandlers()
        let benchPaths = try BenchPath.parseList(paths)
        let executable = currentExecutable()
        if benchPaths.contains(where: { $0.ingest == .tshark }) && ChildProcess.which(common.tsharkPath) == nil {
            fail("\(PcapError.tsharkMissing(path: common.tsharkPath))", code: 1)
        }
        var peerTools: [PeerTool] = []
        if peers {
            let python = self.python ?? getenv("FLOWMETER_PYTHON").map { String(cString: $0) } ?? "python3"
            guard let pythonPath = ChildProcess.which(python) else {
                fail("--peers: no Python at '\(python)' (give one with --python or $FLOWMETER_PYTHON)", code: 1)
            }
            guard let directory = peersDir ?? PeerTool.defaultDirectory(executable: executable) else {
                fail("--peers: cannot find the peer scripts (scripts/peers); give their directory with --peers-dir", code: 1)
            }
            let (available, missing) = PeerTool.probe(python: pythonPath, directory: directory)
            for (tool, reason) in missing {
                printError("--peers: skipping \(tool.name): \(reason)")
            }
            peerTools = available
        }

        var runs: [BenchRun] = []
        let slowLimit: UInt64? = slowMaxPackets == 0 ? nil : slowMaxPackets
        func limit(slow: Bool) -> UInt64? {
            let values = [maxPackets, slow ? slowLimit : nil].compactMap { $0 }
            return values.min()
        }
        for trace in traces {
            let scenario = baseName(trace)
            for repetition in 0..<common.repeat {
                for path in benchPaths {
                    if interruptRequested.load(ordering: .relaxed) { break }
                    let packetLimit = limit(slow: path.isSlow)
                    var arguments = ["bench", "run-offline", trace, "--threads", "1", "--tshark-path", common.tsharkPath]
                    arguments += common.meterArguments
                    arguments += path.arguments
                    if let packetLimit { arguments += ["--max-packets", String(packetLimit)] }
                    let result = try measure(executable: executable, arguments: arguments)
                    guard case .exited(0) = result.outcome.termination,
                        let packets = jsonNumber(result.output, "packets")
                    else {
                        fail("bench: \(path.name) on '\(trace)' failed (\(result.outcome.termination)): \(result.errorText)", code: 1)
                    }
                    var peak = result.outcome.maxRSSKiB
                    if path.ingest == .tshark, let own = jsonNumber(result.output, "self_maxrss_kib"),
                        let children = jsonNumber(result.output, "children_maxrss_kib")
                    {
                        peak = Int(own + children)  // two processes: flowmeter and tshark, both resident
                    }
                    let run = BenchRun(
                        scenario: scenario, path: path.name, repetition: repetition,
                        wallSeconds: result.wallSeconds, userSeconds: result.outcome.userSeconds,
                        systemSeconds: result.outcome.systemSeconds, peakRSSKiB: peak, packetsCounted: UInt64(packets),
                        flows: jsonNumber(result.output, "flows").map { UInt64($0) }, packetLimit: packetLimit)
                    runs.append(run)
                    printError(progressLine(run))
                }
                for tool in peerTools {
                    if interruptRequested.load(ordering: .relaxed) { break }
                    let packetLimit = limit(slow: tool.isSlow)
                    var arguments = [tool.script, trace]
                    if let packetLimit, tool.honoursLimit { arguments += ["--max-packets", String(packetLimit)] }
                    let result = try measure(executable: tool.python, arguments: arguments)
                    guard case .exited(0) = result.outcome.termination,
                        let packets = jsonNumber(result.output, "packets")
                    else {
                        printError("bench: peer \(tool.name) on '\(trace)' failed (\(result.outcome.termination)): \(result.errorText.suffix(600))")
                        continue
                    }
                    let run = BenchRun(
                        scenario: scenario, path: tool.name, repetition: repetition,
                        wallSeconds: result.wallSeconds, userSeconds: result.outcome.userSeconds,
                        systemSeconds: result.outcome.systemSeconds, peakRSSKiB: result.outcome.maxRSSKiB,
                        packetsCounted: UInt64(packets), flows: jsonNumber(result.output, "flows").map { UInt64($0) },
                        packetLimit: tool.honoursLimit ? packetLimit : nil)
                    runs.append(run)
                    printError(progressLine(run))
                }
            }
        }
        var results = BenchResults(mode: .offline, runs: runs, settings: settings(paths: benchPaths, peers: peerTools))
        results.caption = caption(runs)
        for warning in warnings(runs) { printError("bench: warning: " + warning) }
        print(results.table(), terminator: "")
        if let out = common.out {
            do {
                try results.write(to: out)
            } catch {
                fail("\(error)", code: 1)
            }
            printError("results written to \(out)/ (results.csv, results.json, *.svg)")
        }
        if interruptRequested.load(ordering: .relaxed) { throw ExitCode(130) }
    }

    func settings(paths: [BenchPath], peers: [PeerTool]) -> [(String, String)] {
        var s: [(String, String)] = [
            ("mode", "offline"), ("dissections", String(common.dissections)), ("traces", traces.joined(separator: " ")),
            ("paths", paths.map(\.name).joined(separator: ",")), ("repeat", String(common.repeat)),
            ("meter_threads", "1"), ("slow_max_packets", String(slowMaxPackets)),
            ("cpus", common.cpus ?? "all"), ("online_cores", String(sysconf(Int32(_SC_NPROCESSORS_ONLN)))),
            ("load_average_at_start", loadAverage()),
        ]
        if let maxPackets { s.append(("max_packets", String(maxPackets))) }
        if !peers.isEmpty { s.append(("peers", peers.map(\.name).joined(separator: ","))) }
        return s
    }

    /// Traces with their packet counts, the detection setting and any first-N limit: what the charts' figures
    /// are of.
    func caption(_ runs: [BenchRun]) -> String {
        let traces = ordered(runs.map(\.scenario)).map { scenario -> String in
            let counted = runs.filter { $0.scenario == scenario && $0.packetLimit == nil }.map(\.packetsCounted).max()
            return counted.map { "\(scenario) (\(groupThousands(Double($0))) packets)" } ?? scenario
        }
        var parts = [traces.joined(separator: ", ")]
        parts.append(common.dissections == 0 ? "detection off" : "detection on (\(common.dissections) packets)")
        parts.append("1 meter thread")
        if let maxPackets { parts.append("first \(groupThousands(Double(maxPackets))) packets") }
        if runs.contains(where: { $0.packetLimit != nil && $0.packetLimit != maxPackets }) {
            parts.append("slow paths: first \(groupThousands(Double(slowMaxPackets))) packets")
        }
        parts.append("\(common.repeat) run\(common.repeat == 1 ? "" : "s") each")
        return parts.joined(separator: " · ")
    }

    /// What makes the figures unreliable: a trace so small that process start-up weighs in the per-packet figures,
    /// and a single run (no deviation).
    func warnings(_ runs: [BenchRun]) -> [String] {
        var found: [String] = []
        for scenario in ordered(runs.map(\.scenario)) {
            let measured = runs.filter { $0.scenario == scenario && !$0.path.hasPrefix("tshark") }
            guard let packets = measured.map(\.packetsCounted).max() else { continue }
            let wall = measured.map(\.wallSeconds).min() ?? 0
            if packets < Self.reliablePackets || wall < Self.reliableSeconds {
                found.append(
                    "'\(scenario)' is small (\(groupThousands(Double(packets))) packets, \(formatNumber(wall, 3)) s "
                        + "per run): process start-up, about 10-50 ms, weighs in its per-packet figures; use a trace "
                        + "of at least \(groupThousands(Double(Self.reliablePackets))) packets and "
                        + "\(formatNumber(Self.reliableSeconds, 1)) s per run for figures that describe metering")
            }
        }
        if common.repeat < 2 {
            found.append("one run per path: no deviation can be given (±sd shows '-'); use --repeat 3 or more")
        }
        return found
    }

    /// Below these, start-up dominates (measured: 18 µs per packet on a 1,000-packet trace against 0.5 on a large one).
    static let reliablePackets: UInt64 = 100_000
    static let reliableSeconds = 0.5

    struct Measured {
        var outcome: ChildProcess.Outcome
        var wallSeconds: Double
        var output: String
        var errorText: String
    }

    /// Runs one child to its end, pinned when --cpus says so; wall time from a monotonic clock, CPU and peak RSS
    /// from wait4.
    func measure(executable: String, arguments: [String]) throws -> Measured {
        let start = monotonicNow()
        let child: ChildProcess
        do {
            let (program, programArguments) = try common.cpuSet?.wrap(executable, arguments) ?? (executable, arguments)
            child = try ChildProcess(executable: program, arguments: programArguments, captureOutput: true)
        } catch {
            fail("bench: cannot start \(executable): \(error)", code: 1)
        }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(child.outputDescriptor, $0.baseAddress, $0.count) }
            if n > 0 {
                output += chunk[0..<n]
            } else if n < 0 && errno == EINTR {
                if interruptRequested.load(ordering: .relaxed) { child.signal(SIGTERM) }
                continue
            } else {
                break
            }
        }
        let outcome = try child.wait()
        let wall = monotonicNow() - start
        return Measured(
            outcome: outcome, wallSeconds: wall, output: String(decoding: output, as: UTF8.self),
            errorText: child.errorText)
    }

    func progressLine(_ run: BenchRun) -> String {
        "bench: \(run.scenario) \(run.path) #\(run.repetition + 1): \(run.packetsCounted) packets in "
            + formatNumber(run.wallSeconds, 2) + " s, " + formatNumber(run.cpuMicrosecondsPerPacket, 2)
            + " CPU µs/packet, peak RSS " + formatNumber(Double(run.peakRSSKiB) / 1024, 1) + " MiB"
    }
}

func baseName(_ path: String) -> String {
    var name = path.split(separator: "/").last.map(String.init) ?? path
    for suffix in [".pcapng", ".pcap", ".cap"] where name.hasSuffix(suffix) {
        name.removeLast(suffix.count)
        break
    }
    return name
}

func loadAverage() -> String {
    var loads = [Double](repeating: 0, count: 3)
    guard getloadavg(&loads, 3) == 3 else { return "unknown" }
    return loads.map { formatNumber($0, 2) }.joined(separator: " ")
}

/// `value` with `decimals` digits after the point (no Foundation).
func formatNumber(_ value: Double, _ decimals: Int) -> String {
    guard value.isFinite else { return "-" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (abs(value) * scale).rounded()
    guard rounded < 9e15 else { return String(value) }
    let integer = UInt64(rounded)
    let whole = integer / UInt64(scale)
    var text = (value < 0 && integer != 0 ? "-" : "") + String(whole)
    if decimals > 0 {
        let fraction = String(integer % UInt64(scale))
        text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
    return text
}
