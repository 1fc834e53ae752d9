import ArgumentParser
import FlowCapture
import FlowStreamer

#if canImport(Glibc)
import Glibc
#endif

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

    @Option(help: ArgumentHelp("Scenarios, comma separated (default: the study's sweep, see --list-scenarios).", valueName: "A,B,…"))
    var scenarios: String?

    @Option(help: ArgumentHelp("Paths to measure: direct, tshark (PDML), tshark-fields, object.", valueName: "A,B,…"))
    var paths: String = "direct,tshark,object"

    @Option(help: ArgumentHelp("Seconds of traffic per scenario and path.", valueName: "SECONDS"))
    var window: Int = 5

    @OptionGroup var common: BenchCommonOptions

    @Flag(help: "Print the default scenarios and exit.")
    var listScenarios = false

    func validate() throws {
        _ = try BenchPath.parseList(paths)
        _ = try scenarioList()
        guard (1...3600).contains(window) else { throw ValidationError("--window must be 1 to 3600 seconds (got \(window))") }
    }

    func scenarioList() throws -> [LiveScenario] {
        guard let scenarios else { return LiveScenario.defaultSweep }
        let list = try scenarios.split(separator: ",").map { try LiveScenario.parse(String($0).trimmingSpaces) }
        if list.isEmpty { throw ValidationError("--scenarios names no scenario") }
        return list
    }

    func run() throws {
        if listScenarios {
            print(LiveScenario.defaultSweep.map(\.name).joined(separator: "\n"))
            return
        }
        guard geteuid() == 0 else {
            fail(
                "bench live needs root: it creates network namespaces and a veth pair and captures on it (run it with sudo; nothing leaves the namespaces)",
                code: 1)
        }
        for tool in ["ip", "iperf3"] where ChildProcess.which(tool) == nil {
            fail("bench live needs '\(tool)' (Debian: sudo apt-get install \(tool == "ip" ? "iproute2" : "iperf3"))", code: 1)
        }
        let benchPaths = try BenchPath.parseList(paths)
        if benchPaths.contains(where: { $0.ingest == .tshark }) && ChildProcess.which(common.tsharkPath) == nil {
            fail("\(PcapError.tsharkMissing(path: common.tsharkPath))", code: 1)
        }
        installInterruptHandlers()
        let lab: BenchNetwork
        do {
            lab = try BenchNetwork()
        } catch {
            fail("bench live: cannot build the test network: \(error)", code: 1)
        }
        defer { lab.remove() }
        if !lab.offloadsDisabled {
            printError("bench live: ethtool missing or refused: segmentation offloads stay on (TCP counts may differ)")
        }
        let executable = currentExecutable()
        var runs: [BenchRun] = []
        do {
            try lab.startServer()
            loop: for repetition in 0..<common.repeat {
                for scenario in try scenarioList() {
                    for path in benchPaths {
                        if interruptRequested.load(ordering: .relaxed) { break loop }
                        let run = try measure(
                            scenario: scenario, path: path, repetition: repetition, lab: lab, executable: executable)
                        runs.append(run)
                        printError(
                            "bench: \(run.scenario) \(run.path) #\(repetition + 1): sent \(run.packetsSent ?? 0), counted \(run.packetsCounted), loss "
                                + formatNumber(run.lossPercent ?? 0, 2) + " %, CPU " + formatNumber(run.cpuPercent, 1)
                                + " %, peak RSS " + formatNumber(Double(run.peakRSSKiB) / 1024, 1) + " MiB")
                    }
                }
            }
        } catch {
            lab.remove()
            fail("bench live: \(error)", code: 1)
        }
        let settings: [(String, String)] = [
            ("mode", "live"), ("dissections", String(common.dissections)), ("window_seconds", String(window)), ("paths", benchPaths.map(\.name).joined(separator: ",")),
            ("repeat", String(common.repeat)), ("meter_threads", "1"), ("cpus", common.cpus ?? "all"),
            ("online_cores", String(sysconf(Int32(_SC_NPROCESSORS_ONLN)))), ("load_average_at_start", loadAverage()),
            ("snaplen", "1536"),
        ]
        let results = BenchResults(mode: .live, runs: runs, settings: settings)
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

    /// One scenario through one path: capture started first, traffic for the window, capture stopped after.
    func measure(scenario: LiveScenario, path: BenchPath, repetition: Int, lab: BenchNetwork, executable: String)
        throws -> BenchRun
    {
        let startDelay = path.ingest == .tshark ? 3.0 : 1.0
        let tail = 1.5
        let duration = startDelay + Double(window) + tail
        // UDP: the data datagrams only (iperf3's 4-byte handshake datagrams are shorter than any test datagram).
        let filter = scenario.tcp ? "tcp" : "udp and dst host \(lab.captureAddress) and greater 70"
        var arguments = ["netns", "exec", lab.captureNamespace, executable, "live", "-i", lab.captureInterface]
        arguments += path.arguments + ["--tshark-path", common.tsharkPath] + common.meterArguments
        arguments += [
            "--duration", formatNumber(duration, 1), "--threads", "1", "--snaplen", "1536", "--bpf", filter, "-o",
            "/dev/null",
        ]
        let ip = ChildProcess.which("ip")!
        let started = monotonicNow()
        let capture: ChildProcess
        let (program, programArguments) = try common.cpuSet?.wrap(ip, arguments) ?? (ip, arguments)
        capture = try ChildProcess(executable: program, arguments: programArguments, captureOutput: false)
        sleepInterruptibly(startDelay)
        let before = lab.transmitCounters()
        let cpuBefore = ProcessTree(root: capture.pid).cpuSeconds()
        let windowStart = monotonicNow()
        let client = try lab.runClient(arguments: scenario.iperfArguments + ["-t", String(window)])
        let cpuAfter = ProcessTree(root: capture.pid).cpuSeconds()
        let windowSeconds = monotonicNow() - windowStart
        let peakKiB = ProcessTree(root: capture.pid).peakRSSKiB()
        let outcome = try capture.wait()
        let wall = monotonicNow() - started
        let after = lab.transmitCounters()
        let stderrText = capture.errorText
        let lines = stderrText.split(separator: "\n").filter { $0.contains("\"packets_received\"") }
        guard case .exited(0) = outcome.termination, let last = lines.last,
            let counted = jsonNumber(String(last), "packets_received")
        else {
            throw BenchError("the \(path.name) capture of \(scenario.name) failed (\(outcome.termination)): \(stderrText.suffix(800))")
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
            windowCPUSeconds: cpuAfter - cpuBefore, windowSeconds: windowSeconds)
    }
}

/// Sleeps `seconds`, returning early on SIGINT/SIGTERM.
func sleepInterruptibly(_ seconds: Double) {
    let end = monotonicNow() + seconds
    while !interruptRequested.load(ordering: .relaxed) {
        let left = end - monotonicNow()
        if left <= 0 { return }
        var ts = timespec(tv_sec: Int(left), tv_nsec: Int((left - Double(Int(left))) * 1e9))
        _ = nanosleep(&ts, nil)
    }
}

extension String {
    func lastRange(of target: String) -> Range<String.Index>? {
        var found: Range<String.Index>? = nil
        var rest = self[...]
        while let r = rest.firstRange(of: target) {
            found = r
            rest = rest[r.upperBound...]
        }
        return found
    }
}
