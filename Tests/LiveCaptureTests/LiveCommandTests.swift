// Linux only, like the namespaces and veth pairs they use.
#if os(Linux)

import FlowCapture
import FlowPacket
import FlowTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `flowmeter live` as a user runs it, on a veth pair the test creates: known traffic in, SIGINT, the CSV checked.
// Time limit: 10 minutes. Swift Testing counts it from when the test is scheduled, and on two cores the long
// synchronous suites (threading, ingest, conformance, example builds) can hold every worker thread for minutes
// before this suite runs (a 1-minute limit failed that way once with every test idle). A hang is still caught:
// each test waits for its children with deadlines, and CI's step deadline prints the process tree.
@Suite(.timeLimit(.minutes(10)))
struct LiveCommandTests {
    /// The built `flowmeter`, next to the test bundle.
    static var executable: String? {
        guard let me = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        let here = URL(fileURLWithPath: me).deletingLastPathComponent()
        for candidate in [here, here.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("flowmeter").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// True once a packet socket is bound to `interface` (a capture on it has started): /proc/net/packet lists
    /// every packet socket of the namespace with the index of the interface it is bound to.
    static func packetSockets(on interface: String) -> Int {
        guard
            let index = (try? String(contentsOfFile: "/sys/class/net/\(interface)/ifindex", encoding: .utf8))
                .flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }),
            let table = try? String(contentsOfFile: "/proc/net/packet", encoding: .utf8)
        else { return 0 }
        return table.split(separator: "\n").dropFirst().filter { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            return fields.count > 4 && Int(fields[4]) == index
        }.count
    }

    @Test(.enabled(if: NetworkNamespace.isSupported, Comment(rawValue: NetworkNamespace.skipMessage)))
    func liveCommandWritesTheFlowsOfTheTrafficSentWhenInterrupted() throws {
        guard let flowmeter = Self.executable else { try Test.cancel("the flowmeter executable is not built") }
        let network = try NetworkNamespace()
        let udpSink = try TrafficGenerator.Sink(.udp, address: network.hostAddress)
        let tcpSink = try TrafficGenerator.Sink(.tcp, address: network.hostAddress)
        let directory = try TemporaryDirectory()
        let output = directory.file("flows.csv")
        let filter = "udp port \(udpSink.port) or tcp port \(tcpSink.port)"
        let live = try Subprocess(
            flowmeter, ["live", "-i", network.hostInterface, "-o", output, "--bpf", filter, "--threads", "2"])
        let started = live.wait(until: { _ in Self.packetSockets(on: network.hostInterface) >= 1 }, timeout: 10)
        try #require(started, "flowmeter live did not start capturing: \(live.standardError)")
        // A reference capture in the test, to know how many packets the kernel made of the TCP connections.
        let reference = try LiveCapture(interface: network.hostInterface, options: .init(filter: filter))

        let generator = try TrafficGenerator(namespace: network)
        let udp = try generator.sendUDP(toPort: udpSink.port, count: 200, payloadSize: 100, packetsPerSecond: 2000)
        let tcp = try generator.sendTCP(toPort: tcpSink.port, connections: 3, bytesPerConnection: 20_000)
        #expect(udp.datagrams == 200)
        #expect(udpSink.wait(until: { $0.datagrams == 200 }, timeout: 5))
        #expect(tcpSink.wait(until: { $0.connectionBytes.count == 3 }, timeout: 5))
        let frames = reference.collect(silenceMilliseconds: 300)

        live.signal(SIGINT)
        let result = live.finish(timeout: 10)
        #expect(!result.timedOut)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("\"dropped_by_kernel\":0"), "\(result.stderr)")

        let text = try String(contentsOfFile: output, encoding: .utf8)
        let lines = text.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let header = try #require(lines.first).map(String.init)
        func column(_ name: String) throws -> Int { try #require(header.firstIndex(of: name), "no column \(name)") }
        let (srcIP, srcPort, dstIP, dstPort, proto) = (
            try column("src_ip"), try column("src_port"), try column("dst_ip"), try column("dst_port"),
            try column("protocol")
        )
        let (packets, bytes, forward, backward, expiration) = (
            try column("bidirectional_packets"), try column("bidirectional_bytes"), try column("src2dst_packets"),
            try column("dst2src_packets"), try column("expiration_id")
        )
        let rows = lines.dropFirst()
        #expect(rows.count == 4, "\(text)")

        let udpRows = rows.filter { $0[proto] == "17" }
        #expect(udpRows.count == 1)
        if let row = udpRows.first {
            #expect(row[srcIP] == Substring(network.namespaceAddress) && row[dstIP] == Substring(network.hostAddress))
            #expect(row[srcPort] == Substring("\(udp.sourcePort)") && row[dstPort] == Substring("\(udpSink.port)"))
            #expect(row[packets] == "200" && row[forward] == "200" && row[backward] == "0")
            #expect(row[bytes] == "28400")  // 200 × 142-byte frames (accounting mode 0)
            #expect(row[expiration] == "0")
        }
        let client = PacketBuilder.address(network.namespaceAddress)
        for connection in tcp.connections {
            let seen = frames.filter {
                $0.packet.ipProtocol == IPProtocol.tcp
                    && ($0.packet.source == client ? $0.packet.sourcePort : $0.packet.destinationPort)
                        == connection.sourcePort
            }
            let row = rows.first { $0[proto] == "6" && $0[srcPort] == Substring("\(connection.sourcePort)") }
            #expect(row?[packets] == Substring("\(seen.count)"), "client port \(connection.sourcePort)")
            #expect(row?[bytes] == Substring("\(seen.reduce(0) { $0 + Int($1.wireLength) })"))
            #expect(row?[srcIP] == Substring(network.namespaceAddress))
        }
    }

    @Test(.enabled(if: NetworkNamespace.isSupported, Comment(rawValue: NetworkNamespace.skipMessage)))
    func liveCommandInNanosecondsKeepsTheSubMicrosecondDigits() throws {
        guard let flowmeter = Self.executable else { try Test.cancel("the flowmeter executable is not built") }
        let network = try NetworkNamespace()
        let sink = try TrafficGenerator.Sink(.udp, address: network.hostAddress)
        let directory = try TemporaryDirectory()
        let output = directory.file("flows.csv")
        let live = try Subprocess(
            flowmeter,
            ["live", "-i", network.hostInterface, "-o", output, "--bpf", "udp port \(sink.port)", "--time-unit", "ns",
             "--statistics", "-q"])
        let started = live.wait(until: { _ in Self.packetSockets(on: network.hostInterface) >= 1 }, timeout: 10)
        try #require(started, "flowmeter live did not start capturing: \(live.standardError)")
        let generator = try TrafficGenerator(namespace: network)
        for _ in 0..<5 { _ = try generator.sendUDP(toPort: sink.port, count: 20, payloadSize: 50, packetsPerSecond: 1000) }
        #expect(sink.wait(until: { $0.datagrams == 100 }, timeout: 5))
        live.signal(SIGINT)
        let result = live.finish(timeout: 10)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\r\n")
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = try #require(lines.first)
        let first = try #require(header.firstIndex(of: "bidirectional_first_seen_ns"))
        let last = try #require(header.firstIndex(of: "bidirectional_last_seen_ns"))
        #expect(header.contains("bidirectional_mean_piat_ns") && !header.contains { $0.hasSuffix("_ms") })
        let rows = lines.dropFirst()
        #expect(rows.count == 5)
        // Nanosecond time stamps from the kernel: ten times, not all whole microseconds (1 in 10^30 by chance).
        let times: [UInt64] = rows.flatMap { row -> [UInt64] in [UInt64(row[first]) ?? 0, UInt64(row[last]) ?? 0] }
        #expect(times.allSatisfy { $0 > 1_000_000_000_000_000_000 })
        #expect(times.contains { $0 % 1000 != 0 }, "\(times)")
    }

    @Test(.enabled(if: LiveCaptureRequirements.isRoot, LiveCaptureRequirements.notRoot))
    func liveCommandOnAMissingInterfaceListsTheInterfaces() throws {
        guard let flowmeter = Self.executable else { try Test.cancel("the flowmeter executable is not built") }
        let directory = try TemporaryDirectory()
        let result = try Subprocess.run(
            flowmeter, ["live", "-i", "fmnosuch0", "-o", directory.file("x.csv")], timeout: 10)
        #expect(result.status == 1)
        #expect(result.stderr.contains("no interface 'fmnosuch0'"), "\(result.stderr)")
        #expect(result.stderr.contains("lo"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("x.csv")))
    }
}

#endif
