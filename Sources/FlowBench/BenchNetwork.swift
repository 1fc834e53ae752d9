import FlowCapture
import FlowIngest
import FlowStreamer

#if canImport(Glibc)
import Glibc
#endif

/// The bench's private network: namespace `fmbench-<pid>-s` (iperf3 client) and `fmbench-<pid>-c` (iperf3 server
/// and the capture) joined by a veth pair, 192.0.2.1/30 and 192.0.2.2/30 (TEST-NET-1), static neighbours, IPv6
/// and offloads off. Only the namespaces' own loopbacks and the veth ends exist inside: nothing can leave.
///
/// Everything goes through `ip` (iproute2), `ethtool` (when installed) and `iperf3`; the namespaces are removed by
/// `remove()`, when the object goes away, and (after a run killed with SIGKILL) by the next one.
public final class BenchNetwork {
    /// The start of the namespaces' names.
    public static let prefix = "fmbench-"
    /// The namespace of the iperf3 client.
    public let senderNamespace: String
    /// The namespace of the iperf3 server and the capture.
    public let captureNamespace: String
    /// The veth end in the sender namespace.
    public let senderInterface: String
    /// The veth end in the capture namespace, the one the capture reads.
    public let captureInterface: String
    /// The sender's address.
    public let senderAddress = "192.0.2.1"
    /// The capture side's address (the iperf3 server's).
    public let captureAddress = "192.0.2.2"
    /// False when ethtool is missing or refused: segmentation offloads stay on (TCP counts may differ).
    public private(set) var offloadsDisabled = true
    private var server: ChildProcess?
    private var removed = false

    /// Builds the network (first removing what killed runs left). Needs root and `ip`; throws a `BenchError`
    /// quoting the `ip` command that failed, or the error of starting it (what was built is removed again).
    public init() throws {
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
                    try run(
                        ["netns", "exec", ns, "ethtool", "-K", interface, "gro", "off", "gso", "off", "tso", "off"],
                        quiet: true)
                } catch {
                    offloadsDisabled = false
                }
            }
        }
    }

    /// Starts the iperf3 server in the capture namespace (port 5201) and gives it half a second.
    public func startServer() throws {
        server = try ChildProcess(
            executable: ChildProcess.which("ip")!,
            arguments: ["netns", "exec", captureNamespace, "iperf3", "-s", "-B", captureAddress, "-p", "5201"],
            captureOutput: false)
        sleepInterruptibly(0.5)
    }

    /// What the iperf3 client reported.
    public struct ClientResult: Sendable {
        /// iperf3's JSON report.
        public var output: String
        /// UDP: the datagrams the client sent, `end.sum_sent.packets` of iperf3's report (`end.sum.packets`, the
        /// sender's in a client's report, for an iperf3 older than 3.9 that has no `sum_sent`).
        ///
        /// Not `end.sum_received.packets`: that is the highest sequence number the server read before the test
        /// ended, which misses the datagrams still queued on its socket at the end. At unlimited rates that was a
        /// few hundred datagrams that every capture had seen, so "counted" came out above "sent".
        public var sentDatagrams: UInt64? { Self.sentDatagrams(inReport: output) }

        /// The datagrams sent according to an iperf3 client's JSON report (see `sentDatagrams`).
        public static func sentDatagrams(inReport report: String) -> UInt64? {
            guard let end = report.firstRange(of: "\"end\":") else { return nil }
            let rest = String(report[end.upperBound...])
            let packets =
                jsonNumber(rest, "packets", after: "\"sum_sent\":") ?? jsonNumber(rest, "packets", after: "\"sum\":")
            return packets.map { UInt64($0) }
        }
    }

    /// Runs the iperf3 client (in the sender namespace) with `arguments` to its end; on SIGINT/SIGTERM it is
    /// stopped. Throws a `BenchError` when it fails (other than stopped so).
    public func runClient(arguments: [String]) throws -> ClientResult {
        let client = try ChildProcess(
            executable: ChildProcess.which("ip")!,
            arguments: ["netns", "exec", senderNamespace, "iperf3", "-c", captureAddress, "-p", "5201", "--json"]
                + arguments, captureOutput: true)
        let output = readAll(client.outputDescriptor) {
            if interruptRequested.load(ordering: .relaxed) { client.signal(SIGTERM) }
        }
        let outcome = try client.wait()
        let text = String(decoding: output, as: UTF8.self)
        guard outcome.termination == .exited(0) || interruptRequested.load(ordering: .relaxed) else {
            throw BenchError("iperf3 client failed (\(outcome.termination)): \(text.suffix(400)) \(client.errorText)")
        }
        return ClientResult(output: text)
    }

    /// Transmit packet counters of the two veth ends: the sender's, the capture side's (0 when unreadable).
    public func transmitCounters() -> (UInt64, UInt64) {
        func counter(_ ns: String, _ interface: String) -> UInt64 {
            guard
                let child = try? ChildProcess(
                    executable: ChildProcess.which("ip")!,
                    arguments: ["netns", "exec", ns, "cat", "/sys/class/net/\(interface)/statistics/tx_packets"],
                    captureOutput: true)
            else { return 0 }
            var chunk = [UInt8](repeating: 0, count: 64)
            let n = chunk.withUnsafeMutableBytes { read(child.outputDescriptor, $0.baseAddress, $0.count) }
            _ = try? child.wait()
            return n > 0
                ? UInt64(String(decoding: chunk[0..<n], as: UTF8.self).trimmingSpaces.filter(\.isNumber)) ?? 0 : 0
        }
        return (counter(senderNamespace, senderInterface), counter(captureNamespace, captureInterface))
    }

    /// Stops the server and deletes both namespaces (which deletes the veth pair). Idempotent.
    public func remove() {
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
    public static func removeStale() {
        guard
            let child = try? ChildProcess(
                executable: ChildProcess.which("ip")!, arguments: ["netns", "list"], captureOutput: true)
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
            guard let pidText = rest.split(separator: "-").first, let pid = pid_t(pidText), pid != getpid() else {
                continue
            }
            if kill(pid, 0) == -1 && errno == ESRCH {
                if let del = try? ChildProcess(
                    executable: ChildProcess.which("ip")!, arguments: ["netns", "del", name], captureOutput: false)
                {
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
            throw BenchError(
                "ip \(arguments.joined(separator: " ")) failed (\(outcome.termination)): \(child.errorText)")
        }
    }
}
