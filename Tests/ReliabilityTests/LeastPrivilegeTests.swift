#if os(Linux)

import FlowTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Live capture as a non-root user given only capabilities through `setcap` (README, "Live capture"): a copy of
/// the built binary gets the file capabilities and runs inside a network namespace made by `NetworkNamespace`
/// (`ip netns exec`) as `nobody` (setpriv: other uid and gid, no groups, no capabilities of its own), capturing
/// on the namespace's end of the veth pair the traffic sent from that namespace to the test's end. Without the
/// capabilities the same copy fails with the message naming setcap.
// Time limit: 10 minutes. Swift Testing counts it from when the test is scheduled, and on two cores the long
// synchronous suites (threading, ingest, conformance, example builds) can hold every worker thread for minutes
// before this suite runs (a 1-minute limit failed that way once with every test idle). A hang is still caught:
// each test waits for its children with deadlines, and CI's step deadline prints the process tree.
@Suite(.serialized, .timeLimit(.minutes(10)))
struct LeastPrivilegeTests {
    static var requirements: String? {
        if !Flowmeter.isRoot { return "needs root (setcap, setpriv, namespaces)" }
        if !NetworkNamespace.isSupported { return NetworkNamespace.skipMessage }
        if Subprocess.find("setcap") == nil { return "setcap (libcap2-bin) is not installed" }
        if Subprocess.find("setpriv") == nil { return "setpriv (util-linux) is not installed" }
        if getpwnam("nobody") == nil { return "there is no user nobody" }
        return nil
    }

    static var nobodyGroup: String { getgrnam("nogroup") != nil ? "nogroup" : "nobody" }

    /// Packet sockets bound to `interface` inside `network`'s namespace (a capture on it has started), from that
    /// namespace's /proc/net/packet.
    static func packetSockets(on interface: String, in network: NetworkNamespace) -> Int {
        let script = "i=$(cat /sys/class/net/\(interface)/ifindex) && awk -v i=$i 'NR > 1 && $5 == i' /proc/net/packet | wc -l"
        guard let result = try? network.run(["sh", "-c", script], timeout: 5), result.status == 0 else { return 0 }
        return Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// A copy of the binary nobody can run (file capabilities need a file of our own; the build directory may
    /// not be reachable by nobody), in a directory nobody can also write its output to.
    static func binaryCopy(in directory: TemporaryDirectory, capabilities: String?) throws -> String {
        // File capabilities are ignored on a filesystem mounted nosuid (a hardened /tmp).
        var fs = statvfs()
        if statvfs(directory.path, &fs) == 0 && fs.f_flag & UInt(ST_NOSUID) != 0 {
            try Test.cancel("\(directory.path) is on a nosuid filesystem: file capabilities would be ignored")
        }
        let copy = directory.file("flowmeter")
        try FileManager.default.copyItem(atPath: try Flowmeter.require(), toPath: copy)
        chmod(directory.path, 0o777)
        chmod(copy, 0o755)
        if let capabilities {
            let result = try sh("setcap \(capabilities)=eip '\(copy)' && getcap '\(copy)'")
            try #require(result.status == 0, "setcap failed: \(result.output)")
        }
        return copy
    }

    func asNobody(_ arguments: [String]) -> [String] {
        ["--reuid", "nobody", "--regid", Self.nobodyGroup, "--clear-groups", "--"] + arguments
    }

    @Test(
        .enabled(if: requirements == nil, Comment(rawValue: requirements ?? "")),
        arguments: [("cap_net_raw", [String]()), ("cap_net_raw", ["--no-promisc"]), ("cap_net_raw,cap_net_admin", [])])
    func liveCaptureAsNobodyWithFileCapabilities(capabilities: String, options: [String]) throws {
        let setpriv = try #require(Subprocess.find("setpriv"))
        let directory = try TemporaryDirectory()
        let binary = try Self.binaryCopy(in: directory, capabilities: capabilities)
        let network = try NetworkNamespace()
        defer { network.remove() }
        let sink = try TrafficGenerator.Sink(.udp, address: network.hostAddress)
        defer { sink.stop() }
        let output = directory.file("flows.csv.gz")
        let live = try network.start(
            [setpriv]
                + asNobody([
                    binary, "live", "-i", network.namespaceInterface, "-o", output, "--bpf", "udp port \(sink.port)",
                    "--threads", "2",
                ] + options))
        let started = live.wait(
            until: { process in
                Self.packetSockets(on: network.namespaceInterface, in: network) >= 1 || !process.isRunning
            }, timeout: 10)
        try #require(started && live.isRunning, "flowmeter live did not start capturing: \(live.standardError)")

        let generator = try TrafficGenerator(namespace: network)
        let sent = try generator.sendUDP(toPort: sink.port, count: 50, payloadSize: 64, packetsPerSecond: 1000)
        #expect(sent.datagrams == 50)
        #expect(sink.wait(until: { $0.datagrams == 50 }, timeout: 5))
        usleep(300_000)
        live.signal(SIGTERM)
        let result = live.finish(timeout: 10)
        #expect(!result.timedOut)
        #expect(result.status == 0, "\(capabilities) \(options): \(result.stderr)")

        // Written by nobody, and the flow is there with its 50 packets.
        var st = stat()
        #expect(stat(output, &st) == 0 && st.st_uid == getpwnam("nobody").pointee.pw_uid, "output not owned by nobody")
        let data = try #require(try CSVCheck.gunzip(output), "not valid gzip")
        let lines = try #require(CSVCheck.lines(data))
        let header = lines.first?.split(separator: ",") ?? []
        let packets = try #require(header.firstIndex(of: "bidirectional_packets"))
        let dstPort = try #require(header.firstIndex(of: "dst_port"))
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.count == 1, "\(lines)")
        #expect(rows.first?[dstPort] == Substring("\(sink.port)"))
        #expect(rows.first?[packets] == "50")
    }

    @Test(.enabled(if: requirements == nil, Comment(rawValue: requirements ?? "")))
    func liveCaptureAsNobodyWithoutCapabilitiesNamesSetcap() throws {
        let setpriv = try #require(Subprocess.find("setpriv"))
        let directory = try TemporaryDirectory()
        let binary = try Self.binaryCopy(in: directory, capabilities: nil)
        let network = try NetworkNamespace()
        defer { network.remove() }
        let output = directory.file("flows.csv")
        let result = try network.run(
            [setpriv] + asNobody([binary, "live", "-i", network.namespaceInterface, "-o", output, "--duration", "1"]),
            timeout: 15)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("needs privileges"), "\(result.stderr)")
        #expect(result.stderr.contains("setcap cap_net_raw=eip"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}

#endif
