import FlowStreamer

/// The measurements of `flowmeter bench offline`: every trace through every path (and peer tool), each run in its
/// own child process measured by `MeasuredChild`, `repetitions` times, one after the other.
///
/// A path runs as `EXECUTABLE bench run-offline TRACE` with one meter thread and its output discarded (see
/// `BenchChildReport`); a peer tool runs its script with the tool's Python. The tshark paths and the slow peers
/// read only the first `slowMaxPackets` packets. SIGINT/SIGTERM (`FlowStreamer.interruptRequested`) ends the
/// measurements early: the runs so far are the results.
public struct OfflineRunner: Sendable {
    /// The flowmeter executable the measured children run.
    public var executable: String
    /// The capture files to measure.
    public var traces: [String]
    /// The paths to measure, in order.
    public var paths: [BenchPath]
    /// Repetitions, pinning, tshark and detection.
    public var configuration: BenchConfiguration
    /// Read at most this many packets of each trace on every path (nil: all).
    public var maxPackets: UInt64?
    /// Read at most this many packets on the slow paths and peers (0: all).
    public var slowMaxPackets: UInt64
    /// The peer tools to run after the paths (see `PeerTool.find`).
    public var peers: [PeerTool]

    /// Below these, process start-up dominates the figures (measured: 18 µs per packet on a 1,000-packet trace
    /// against 0.5 on a large one).
    public static let reliablePackets: UInt64 = 100_000
    /// See `reliablePackets`.
    public static let reliableSeconds = 0.5

    /// A runner; the defaults are those of `flowmeter bench offline`.
    public init(
        executable: String, traces: [String], paths: [BenchPath], configuration: BenchConfiguration = .init(),
        maxPackets: UInt64? = nil, slowMaxPackets: UInt64 = 20000, peers: [PeerTool] = []
    ) {
        self.executable = executable
        self.traces = traces
        self.paths = paths
        self.configuration = configuration
        self.maxPackets = maxPackets
        self.slowMaxPackets = slowMaxPackets
        self.peers = peers
    }

    /// Measures every trace, repetition, path and peer tool, giving `log` a line after each run (and for each peer
    /// tool that fails, which is then left out). Throws a `BenchError` when a path cannot be started or fails (the
    /// measurement stops there); an error of waiting for a child is thrown as it is.
    public func run(log: (String) -> Void) throws -> BenchResults {
        let loadAtStart = loadAverage()
        var runs: [BenchRun] = []
        let slowLimit: UInt64? = slowMaxPackets == 0 ? nil : slowMaxPackets
        func limit(slow: Bool) -> UInt64? {
            let values = [maxPackets, slow ? slowLimit : nil].compactMap { $0 }
            return values.min()
        }
        for trace in traces {
            let scenario = baseName(trace)
            for repetition in 0..<configuration.repetitions {
                for path in paths {
                    if interruptRequested.load(ordering: .relaxed) { break }
                    let packetLimit = limit(slow: path.isSlow)
                    var arguments = [
                        "bench", "run-offline", trace, "--threads", "1", "--tshark-path", configuration.tsharkPath,
                    ]
                    arguments += configuration.meterArguments
                    arguments += path.arguments
                    if let packetLimit { arguments += ["--max-packets", String(packetLimit)] }
                    let result = try MeasuredChild.run(
                        executable: executable, arguments: arguments, cpus: configuration.cpus)
                    guard case .exited(0) = result.outcome.termination,
                        let packets = jsonNumber(result.output, "packets")
                    else {
                        throw BenchError(
                            "bench: \(path.name) on '\(trace)' failed (\(result.outcome.termination)): \(result.errorText)"
                        )
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
                    log(progressLine(run))
                }
                for tool in peers {
                    if interruptRequested.load(ordering: .relaxed) { break }
                    let packetLimit = limit(slow: tool.isSlow)
                    var arguments = [tool.script, trace]
                    if let packetLimit, tool.honoursLimit { arguments += ["--max-packets", String(packetLimit)] }
                    let result = try MeasuredChild.run(
                        executable: tool.python, arguments: arguments, cpus: configuration.cpus)
                    guard case .exited(0) = result.outcome.termination,
                        let packets = jsonNumber(result.output, "packets")
                    else {
                        log(
                            "bench: peer \(tool.name) on '\(trace)' failed (\(result.outcome.termination)): \(result.errorText.suffix(600))"
                        )
                        continue
                    }
                    let run = BenchRun(
                        scenario: scenario, path: tool.name, repetition: repetition,
                        wallSeconds: result.wallSeconds, userSeconds: result.outcome.userSeconds,
                        systemSeconds: result.outcome.systemSeconds, peakRSSKiB: result.outcome.maxRSSKiB,
                        packetsCounted: UInt64(packets), flows: jsonNumber(result.output, "flows").map { UInt64($0) },
                        packetLimit: tool.honoursLimit ? packetLimit : nil)
                    runs.append(run)
                    log(progressLine(run))
                }
            }
        }
        return BenchResults(
            mode: .offline, runs: runs, settings: settings(loadAtStart: loadAtStart), caption: caption(runs))
    }

    /// What makes the figures of `runs` unreliable: a trace so small that process start-up weighs in the
    /// per-packet figures, and a single run (no deviation).
    public func warnings(_ runs: [BenchRun]) -> [String] {
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
        if configuration.repetitions < 2 {
            found.append("one run per path: no deviation can be given (±sd shows '-'); use --repeat 3 or more")
        }
        return found
    }

    /// The settings recorded in results.json.
    func settings(loadAtStart: String) -> [(String, String)] {
        var s: [(String, String)] = [
            ("mode", "offline"), ("dissections", String(configuration.dissections)),
            ("traces", traces.joined(separator: " ")), ("paths", paths.map(\.name).joined(separator: ",")),
            ("repeat", String(configuration.repetitions)), ("meter_threads", "1"),
            ("slow_max_packets", String(slowMaxPackets)), ("cpus", configuration.cpusSetting),
            ("online_cores", String(onlineCores())), ("load_average_at_start", loadAtStart),
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
        let dissections = configuration.dissections
        let repetitions = configuration.repetitions
        var parts = [traces.joined(separator: ", ")]
        parts.append(dissections == 0 ? "detection off" : "detection on (\(dissections) packets)")
        parts.append("1 meter thread")
        if let maxPackets { parts.append("first \(groupThousands(Double(maxPackets))) packets") }
        if runs.contains(where: { $0.packetLimit != nil && $0.packetLimit != maxPackets }) {
            parts.append("slow paths: first \(groupThousands(Double(slowMaxPackets))) packets")
        }
        parts.append("\(repetitions) run\(repetitions == 1 ? "" : "s") each")
        return parts.joined(separator: " · ")
    }

    /// The line logged after a run.
    func progressLine(_ run: BenchRun) -> String {
        "bench: \(run.scenario) \(run.path) #\(run.repetition + 1): \(run.packetsCounted) packets in "
            + formatNumber(run.wallSeconds, 2) + " s, " + formatNumber(run.cpuMicrosecondsPerPacket, 2)
            + " CPU µs/packet, peak RSS " + formatNumber(Double(run.peakRSSKiB) / 1024, 1) + " MiB"
    }
}
