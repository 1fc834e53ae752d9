import ArgumentParser
import FlowCapture
import FlowStreamer

#if canImport(Glibc)
import Glibc
#endif

/// One traffic pattern of the live sweep: iperf3 UDP at a rate (bits/s, 0 unlimited) and datagram length, or TCP
/// unlimited.
struct LiveScenario: Hashable {
    var tcp: Bool
    var bitsPerSecond: UInt64
    var length: Int

    var name: String {
        if tcp { return "tcp-unlimited" }
        let rate = bitsPerSecond == 0 ? "unlimited" : "\(bitsPerSecond / 1_000_000)M"
        return "udp-\(rate)-\(length)"
    }

    /// The study's sweep: UDP 1, 2, 3, 4, 5, 10 Mb/s at 1448 bytes, UDP unlimited at 148, 724 and 1448 bytes, TCP
    /// unlimited.
    static let defaultSweep =
        [1, 2, 3, 4, 5, 10].map { LiveScenario(tcp: false, bitsPerSecond: UInt64($0) * 1_000_000, length: 1448) }
        + [148, 724, 1448].map { LiveScenario(tcp: false, bitsPerSecond: 0, length: $0) }
        + [LiveScenario(tcp: true, bitsPerSecond: 0, length: 0)]

    static func parse(_ word: String) throws -> LiveScenario {
        if word == "tcp-unlimited" || word == "tcp" { return LiveScenario(tcp: true, bitsPerSecond: 0, length: 0) }
        let parts = word.split(separator: "-")
        guard parts.count == 3, parts[0] == "udp", let length = Int(parts[2]), (32...1472).contains(length) else {
            throw ValidationError(
                "--scenarios: '\(word)' is not a scenario: use udp-RATE-LENGTH (RATE like 1M, 10M or unlimited; LENGTH 32-1472 bytes) or tcp-unlimited"
            )
        }
        if parts[1] == "unlimited" { return LiveScenario(tcp: false, bitsPerSecond: 0, length: length) }
        guard parts[1].hasSuffix("M"), let megabits = UInt64(parts[1].dropLast()), (1...100_000).contains(megabits) else {
            throw ValidationError("--scenarios: rate '\(parts[1])' in '\(word)' must be like 1M, 10M (Mb/s) or unlimited")
        }
        return LiveScenario(tcp: false, bitsPerSecond: megabits * 1_000_000, length: length)
    }

    var iperfArguments: [String] {
        tcp ? [] : ["-u", "-b", bitsPerSecond == 0 ? "0" : String(bitsPerSecond), "-l", String(length)]
    }
}

struct BenchLive: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Generate the study's traffic in a private network namespace and capture it through each path.",
        discussion: """
            Needs root. Builds two network namespaces joined by a veth pair (offloads and IPv6 off, static \
            neighbours), runs an iperf3 server in one and, for every scenario and path, a capture ('flowmeter live \
            --ingest PATH') on the server's veth end, then the iperf3 client for --window seconds. Packets sent is \
            iperf3's own count for UDP and the veth pair's transmit counters for TCP (iperf3 does not count TCP \
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
            ("mode", "live"), ("window_seconds", String(window)), ("paths", benchPaths.map(\.name).joined(separator: ",")),
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
        arguments += path.arguments + ["--tshark-path", common.tsharkPath]
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

/// A process and its descendants, read from /proc: CPU time and peak resident memory (VmHWM).
struct ProcessTree {
    var root: pid_t

    var pids: [pid_t] {
        var result: [pid_t] = []
        var queue = [root]
        while let pid = queue.popLast() {
            result.append(pid)
            let children = readText("/proc/\(pid)/task/\(pid)/children") ?? ""
            queue += children.split(separator: " ").compactMap { pid_t(String($0).trimmingSpaces) }
        }
        return result
    }

    func cpuSeconds() -> Double {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var total = 0.0
        for pid in pids {
            guard let stat = readText("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // After the command: state(0) ppid(1) … utime(11) stime(12).
            if fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) {
                total += (user + system) / ticks
            }
        }
        return total
    }

    func peakRSSKiB() -> Int {
        var total = 0
        for pid in pids {
            guard let status = readText("/proc/\(pid)/status") else { continue }
            for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                total += Int(line.dropFirst(6).split(separator: " ").first ?? "") ?? 0
            }
        }
        return total
    }
}

func readText(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        bytes += chunk[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// The bench's private network: namespace `fmbench-<pid>-s` (iperf3 client) and `fmbench-<pid>-c` (iperf3 server
/// and the capture) joined by a veth pair, 192.0.2.1/30 and 192.0.2.2/30 (TEST-NET-1), static neighbours, IPv6
/// and offloads off. Only the namespaces' own loopbacks and the veth ends exist inside: nothing can leave.
final class BenchNetwork {
    static let prefix = "fmbench-"
    let senderNamespace: String
    let captureNamespace: String
    let senderInterface: String
    let captureInterface: String
    let senderAddress = "192.0.2.1"
    let captureAddress = "192.0.2.2"
    private(set) var offloadsDisabled = true
    private var server: ChildProcess?
    private var removed = false

    init() throws {
        Self.removeStale()
        let pid = getpid()
        senderNamespace = "\(Self.prefix)\(pid)-s"
        captureNamespace = "\(Self.prefix)\(pid)-c"
        senderInterface = "fmb\(pid)s"
        captureInterface = "fmb\(pid)c"
        do {
            try setUp()
        } catch {
            remove()
            throw error
        }
    }

    private func setUp() throws {
        try ip(["netns", "add", senderNamespace])
        try ip(["netns", "add", captureNamespace])
        try ip([
            "link", "add", senderInterface, "netns", senderNamespace, "address", "02:66:62:00:00:01", "type", "veth",
            "peer", "name", captureInterface, "netns", captureNamespace, "address", "02:66:62:00:00:02",
        ])
        for (ns, interface, address, peerAddress, peerMAC) in [
            (senderNamespace, senderInterface, senderAddress, captureAddress, "02:66:62:00:00:02"),
            (captureNamespace, captureInterface, captureAddress, senderAddress, "02:66:62:00:00:01"),
        ] {
            for key in ["all", "default", "lo"] {
                try? run(["netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.\(key).disable_ipv6=1"], quiet: true)
            }
            try ip(["-n", ns, "addr", "add", "\(address)/30", "dev", interface])
            try ip(["-n", ns, "link", "set", "lo", "up"])
            try ip(["-n", ns, "link", "set", interface, "up"])
            try ip(["-n", ns, "neigh", "replace", peerAddress, "lladdr", peerMAC, "dev", interface, "nud", "permanent"])
            if ChildProcess.which("ethtool") == nil {
                offloadsDisabled = false
            } else {
                do {
                    try run(["netns", "exec", ns, "ethtool", "-K", interface, "gro", "off", "gso", "off", "tso", "off"], quiet: true)
                } catch {
                    offloadsDisabled = false
                }
            }
        }
    }

    /// Starts the iperf3 server in the capture namespace.
    func startServer() throws {
        server = try ChildProcess(
            executable: ChildProcess.which("ip")!,
            arguments: ["netns", "exec", captureNamespace, "iperf3", "-s", "-B", captureAddress, "-p", "5201"],
            captureOutput: false)
        sleepInterruptibly(0.5)
    }

    struct ClientResult {
        var output: String
        /// UDP: the datagrams the client sent (iperf3's end.sum.packets).
        var sentDatagrams: UInt64? {
            guard let r = output.lastRange(of: "\"packets\":") else { return nil }
            return jsonNumber(String(output[r.lowerBound...]), "packets").map { UInt64($0) }
        }
    }

    /// Runs the iperf3 client (in the sender namespace) to its end.
    func runClient(arguments: [String]) throws -> ClientResult {
        let client = try ChildProcess(
            executable: ChildProcess.which("ip")!,
            arguments: ["netns", "exec", senderNamespace, "iperf3", "-c", captureAddress, "-p", "5201", "--json"]
                + arguments, captureOutput: true)
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(client.outputDescriptor, $0.baseAddress, $0.count) }
            if n > 0 {
                output += chunk[0..<n]
            } else if n < 0 && errno == EINTR {
                if interruptRequested.load(ordering: .relaxed) { client.signal(SIGTERM) }
            } else {
                break
            }
        }
        let outcome = try client.wait()
        let text = String(decoding: output, as: UTF8.self)
        guard outcome.termination == .exited(0) || interruptRequested.load(ordering: .relaxed) else {
            throw BenchError("iperf3 client failed (\(outcome.termination)): \(text.suffix(400)) \(client.errorText)")
        }
        return ClientResult(output: text)
    }

    /// Transmit packet counters of the two veth ends.
    func transmitCounters() -> (UInt64, UInt64) {
        func counter(_ ns: String, _ interface: String) -> UInt64 {
            guard let child = try? ChildProcess(
                executable: ChildProcess.which("ip")!,
                arguments: ["netns", "exec", ns, "cat", "/sys/class/net/\(interface)/statistics/tx_packets"],
                captureOutput: true)
            else { return 0 }
            var chunk = [UInt8](repeating: 0, count: 64)
            let n = chunk.withUnsafeMutableBytes { read(child.outputDescriptor, $0.baseAddress, $0.count) }
            _ = try? child.wait()
            return n > 0 ? UInt64(String(decoding: chunk[0..<n], as: UTF8.self).trimmingSpaces.filter(\.isNumber)) ?? 0 : 0
        }
        return (counter(senderNamespace, senderInterface), counter(captureNamespace, captureInterface))
    }

    /// Stops the server and deletes both namespaces (which deletes the veth pair). Idempotent.
    func remove() {
        if removed { return }
        removed = true
        if let server {
            server.signal(SIGTERM)
            _ = try? server.wait()
        }
        try? run(["netns", "del", senderNamespace], quiet: true)
        try? run(["netns", "del", captureNamespace], quiet: true)
    }

    deinit { remove() }

    /// Deletes the namespaces of bench runs whose process is gone (killed with SIGKILL).
    static func removeStale() {
        guard let child = try? ChildProcess(executable: ChildProcess.which("ip")!, arguments: ["netns", "list"], captureOutput: true)
        else { return }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(child.outputDescriptor, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            output += chunk[0..<n]
        }
        _ = try? child.wait()
        for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix(prefix) else { continue }
            let rest = name.dropFirst(prefix.count)
            guard let pidText = rest.split(separator: "-").first, let pid = pid_t(pidText), pid != getpid() else { continue }
            if kill(pid, 0) == -1 && errno == ESRCH {
                if let del = try? ChildProcess(executable: ChildProcess.which("ip")!, arguments: ["netns", "del", name], captureOutput: false) {
                    _ = try? del.wait()
                }
            }
        }
    }

    private func ip(_ arguments: [String]) throws { try run(arguments, quiet: false) }

    private func run(_ arguments: [String], quiet: Bool) throws {
        let child = try ChildProcess(executable: ChildProcess.which("ip")!, arguments: arguments, captureOutput: false)
        let outcome = try child.wait()
        guard outcome.termination == .exited(0) else {
            throw BenchError("ip \(arguments.joined(separator: " ")) failed (\(outcome.termination)): \(child.errorText)")
        }
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
