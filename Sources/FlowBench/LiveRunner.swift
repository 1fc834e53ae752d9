import FlowCapture
import FlowIngest
import FlowStreamer

#if canImport(Glibc)
import Glibc
#endif

/// The measurements of `flowmeter bench live`: in a `BenchNetwork`, for every repetition, scenario and path, a
/// capture (`EXECUTABLE live --ingest PATH` on the capture side's veth end) started first, iperf3 traffic for the
/// window, and the capture stopped after.
///
/// Packets sent is iperf3's own count of datagrams sent for UDP and the veth pair's transmit counters for TCP;
/// packets counted is what the capture reported. CPU % is the CPU time of the capture process and its tshark child
/// during the window, divided by the window; peak RSS is their VmHWM. SIGINT/SIGTERM
/// (`FlowStreamer.interruptRequested`) ends the measurements early: the runs so far are the results.
public struct LiveRunner: Sendable {
    /// The flowmeter executable the captures run.
    public var executable: String
    /// The traffic patterns, in order.
    public var scenarios: [LiveScenario]
    /// The paths to measure, in order.
    public var paths: [BenchPath]
    /// Seconds of traffic per scenario and path.
    public var windowSeconds: Int
    /// Repetitions, pinning, tshark and detection.
    public var configuration: BenchConfiguration

    /// The snapshot length of every capture.
    static let snaplen = 1536

    /// A runner; the defaults are those of `flowmeter bench live`.
    public init(
        executable: String, scenarios: [LiveScenario] = LiveScenario.defaultSweep, paths: [BenchPath],
        windowSeconds: Int = 5, configuration: BenchConfiguration = .init()
    ) {
        self.executable = executable
        self.scenarios = scenarios
        self.paths = paths
        self.windowSeconds = windowSeconds
        self.configuration = configuration
    }

    /// Throws a `BenchError` when the live bench cannot run here: not root, no `ip` or `iperf3`, or no tshark for a
    /// tshark path.
    public func checkPrerequisites() throws(BenchError) {
        guard geteuid() == 0 else {
            throw BenchError(
                "bench live needs root: it creates network namespaces and a veth pair and captures on it (run it with sudo; nothing leaves the namespaces)"
            )
        }
        for tool in ["ip", "iperf3"] where ChildProcess.which(tool) == nil {
            throw BenchError(
                "bench live needs '\(tool)' (Debian: sudo apt-get install \(tool == "ip" ? "iproute2" : "iperf3"))")
        }
        try configuration.checkTshark(for: paths)
    }

    /// Builds the network, measures every repetition, scenario and path, and removes the network again, giving
    /// `log` a warning when offloads stay on and a line after each run. Throws a `BenchError` when the network
    /// cannot be built or a measurement fails (the measurement stops there).
    public func run(log: (String) -> Void) throws(BenchError) -> BenchResults {
        let loadAtStart = loadAverage()
        let lab: BenchNetwork
        do {
            lab = try BenchNetwork()
        } catch {
            throw BenchError("bench live: cannot build the test network: \(error)")
        }
        defer { lab.remove() }
        if !lab.offloadsDisabled {
            log("bench live: ethtool missing or refused: segmentation offloads stay on (TCP counts may differ)")
        }
        var runs: [BenchRun] = []
        do {
            try lab.startServer()
            loop: for repetition in 0..<configuration.repetitions {
                for scenario in scenarios {
                    for path in paths {
                        if interruptRequested.load(ordering: .relaxed) { break loop }
                        let run = try measure(scenario: scenario, path: path, repetition: repetition, lab: lab)
                        runs.append(run)
                        log(
                            "bench: \(run.scenario) \(run.path) #\(repetition + 1): sent \(run.packetsSent ?? 0), counted \(run.packetsCounted), loss "
                                + formatNumber(run.lossPercent ?? 0, 2) + " %, CPU " + formatNumber(run.cpuPercent, 1)
                                + " %, peak RSS " + formatNumber(Double(run.peakRSSKiB) / 1024, 1) + " MiB")
                    }
                }
            }
        } catch {
            throw BenchError("bench live: \(error)")
        }
        return BenchResults(mode: .live, runs: runs, settings: settings(loadAtStart: loadAtStart))
    }

    /// The settings recorded in results.json.
    func settings(loadAtStart: String) -> [(String, String)] {
        [
            ("mode", "live"), ("dissections", String(configuration.dissections)),
            ("window_seconds", String(windowSeconds)), ("paths", paths.map(\.name).joined(separator: ",")),
            ("repeat", String(configuration.repetitions)), ("meter_threads", "1"),
            ("cpus", configuration.cpusSetting), ("online_cores", String(onlineCores())),
            ("load_average_at_start", loadAtStart), ("snaplen", String(Self.snaplen)),
        ]
    }

    /// One scenario through one path: capture started first, traffic for the window, capture stopped after.
    func measure(scenario: LiveScenario, path: BenchPath, repetition: Int, lab: BenchNetwork) throws -> BenchRun {
        let startDelay = path.ingest == .tshark ? 3.0 : 1.0
        let tail = 1.5
        let duration = startDelay + Double(windowSeconds) + tail
        // UDP: the data datagrams only (iperf3's 4-byte handshake datagrams are shorter than any test datagram).
        let filter = scenario.tcp ? "tcp" : "udp and dst host \(lab.captureAddress) and greater 70"
        var arguments = ["netns", "exec", lab.captureNamespace, executable, "live", "-i", lab.captureInterface]
        arguments += path.arguments + ["--tshark-path", configuration.tsharkPath] + configuration.meterArguments
        arguments += [
            "--duration", formatNumber(duration, 1), "--threads", "1", "--snaplen", String(Self.snaplen), "--bpf",
            filter, "-o", "/dev/null",
        ]
        let ip = ChildProcess.which("ip")!
        let started = monotonicNow()
        let (program, programArguments) = try configuration.cpus?.wrap(ip, arguments) ?? (ip, arguments)
        let capture = try ChildProcess(executable: program, arguments: programArguments, captureOutput: false)
        sleepInterruptibly(startDelay)
        let before = lab.transmitCounters()
        let cpuBefore = ProcessTree(root: capture.pid).cpuSeconds()
        let windowStart = monotonicNow()
        let client = try lab.runClient(arguments: scenario.iperfArguments + ["-t", String(windowSeconds)])
        let cpuAfter = ProcessTree(root: capture.pid).cpuSeconds()
        let windowLength = monotonicNow() - windowStart
        let peakKiB = ProcessTree(root: capture.pid).peakRSSKiB()
        let outcome = try capture.wait()
        let wall = monotonicNow() - started
        let after = lab.transmitCounters()
        let stderrText = capture.errorText
        let lines = stderrText.split(separator: "\n").filter { $0.contains("\"packets_received\"") }
        guard case .exited(0) = outcome.termination, let last = lines.last,
            let counted = jsonNumber(String(last), "packets_received")
        else {
            throw BenchError(
                "the \(path.name) capture of \(scenario.name) failed (\(outcome.termination)): \(stderrText.suffix(800))"
            )
        }
        var sent: UInt64
        if scenario.tcp {
            sent = (after.0 &- before.0) &+ (after.1 &- before.1)
        } else {
            guard let packets = client.sentDatagrams else {
                throw BenchError("iperf3 reported no packet count for \(scenario.name): \(client.output.suffix(600))")
            }
            sent = packets
        }
        return BenchRun(
            scenario: scenario.name, path: path.name, repetition: repetition, wallSeconds: wall,
            userSeconds: outcome.userSeconds, systemSeconds: outcome.systemSeconds,
            peakRSSKiB: max(peakKiB, outcome.maxRSSKiB), packetsCounted: UInt64(counted), packetsSent: sent,
            windowCPUSeconds: cpuAfter - cpuBefore, windowSeconds: windowLength)
    }
}
