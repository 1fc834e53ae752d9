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

/// Live capture on a veth pair the test creates (see `NetworkNamespace`): traffic goes only from the test's
/// namespace to the address of the veth end in the test's own namespace.
// Time limit: 10 minutes. Swift Testing counts it from when the test is scheduled, and on two cores the long
// synchronous suites (threading, ingest, conformance, example builds) can hold every worker thread for minutes
// before this suite runs (a 1-minute limit failed that way once with every test idle). A hang is still caught:
// each test waits for its children with deadlines, and CI's step deadline prints the process tree.
@Suite(.timeLimit(.minutes(10)))
struct LiveCaptureTests {

    @Test(.enabled(if: NetworkNamespace.isSupported, Comment(rawValue: NetworkNamespace.skipMessage)))
    func capturesEveryUDPDatagramSentFromTheNamespace() throws {
        let network = try NetworkNamespace()
        let sink = try TrafficGenerator.Sink(.udp, address: network.hostAddress)
        let capture = try LiveCapture(interface: network.hostInterface)
        #expect(capture.linkType == .ethernet)
        #expect(capture.options.snapshotLength == 1536)

        let report = try TrafficGenerator(namespace: network).sendUDP(
            toPort: sink.port, count: 200, payloadSize: 100, packetsPerSecond: 2000)
        #expect(report.datagrams == 200 && report.errors == 0)
        #expect(report.sourceAddress == network.namespaceAddress)

        let frames = capture.collect(silenceMilliseconds: 1000)
        let source = PacketBuilder.address(network.namespaceAddress)
        let destination = PacketBuilder.address(network.hostAddress)
        let flow = frames.filter {
            $0.outcome == .decoded && $0.packet.ipProtocol == IPProtocol.udp && $0.packet.source == source
                && $0.packet.destination == destination && $0.packet.sourcePort == report.sourcePort
                && $0.packet.destinationPort == sink.port
        }
        #expect(flow.count == 200)
        #expect(flow.allSatisfy { $0.packet.ipSize == 128 && $0.packet.payloadSize == 100 && $0.wireLength == 142 })
        #expect(flow.allSatisfy { $0.packet.sourceMAC == PacketBuilder.mac(network.namespaceMAC) })
        // The link carries nothing else: no ARP (static neighbours), no IPv6, no ICMP (the sink listens).
        #expect(frames.count == 200, "other frames: \(frames.filter { $0.packet.ipProtocol != IPProtocol.udp }.count)")
        let statistics = capture.statistics()
        #expect(statistics.received == 200)
        #expect(statistics.droppedByKernel == 0)
        #expect(statistics.droppedByInterface == 0)
        #expect(sink.wait(until: { $0.datagrams == 200 }, timeout: 2))
    }

    @Test(.enabled(if: NetworkNamespace.isSupported, Comment(rawValue: NetworkNamespace.skipMessage)))
    func tcpConnectionsMatchAReferenceCaptureByTcpdump() throws {
        let network = try NetworkNamespace()
        let sink = try TrafficGenerator.Sink(.tcp, address: network.hostAddress)
        let filter = "tcp port \(sink.port)"
        let capture = try LiveCapture(interface: network.hostInterface, options: .init(filter: filter))

        // tcpdump, if installed, captures the same interface as a reference (-Z root: it keeps the right to
        // write into the root-only temporary directory; immediate mode: without it, packets still in libpcap's
        // unfinished buffer block are lost when tcpdump stops).
        let directory = try TemporaryDirectory()
        let referenceFile = directory.file("reference.pcap")
        var tcpdump: Subprocess? = nil
        if let path = Subprocess.find("tcpdump") {
            let process = try Subprocess(
                path,
                [
                    "-i", network.hostInterface, "-n", "--immediate-mode", "-U", "-Z", "root", "-s", "1536", "-w",
                    referenceFile, filter,
                ])
            let listening = process.wait(until: { $0.standardError.contains("listening on") }, timeout: 5)
            try #require(listening, "tcpdump did not start: \(process.standardError)")
            tcpdump = process
        }

        let connections = 3
        let bytes = 20_000
        let report = try TrafficGenerator(namespace: network).sendTCP(
            toPort: sink.port, connections: connections, bytesPerConnection: bytes)
        #expect(report.connections.count == connections)
        #expect(sink.wait(until: { $0.connectionBytes.count == connections }, timeout: 5))
        #expect(sink.received.connectionBytes == Array(repeating: bytes, count: connections))

        let frames = capture.collect(silenceMilliseconds: 500)
        let client = PacketBuilder.address(network.namespaceAddress)
        let ports = Set(report.connections.map(\.sourcePort))
        #expect(frames.allSatisfy { $0.outcome == .decoded && $0.packet.ipProtocol == IPProtocol.tcp })
        // One flow per connection, each with its B payload bytes from the client and a clean open and close.
        let clientPorts = Set(
            frames.map { $0.packet.source == client ? $0.packet.sourcePort : $0.packet.destinationPort })
        #expect(clientPorts == ports)
        for port in ports {
            let fromClient = frames.filter { $0.packet.source == client && $0.packet.sourcePort == port }
            let toClient = frames.filter { $0.packet.destination == client && $0.packet.destinationPort == port }
            #expect(fromClient.reduce(0) { $0 + Int($1.packet.payloadSize) } == bytes, "client port \(port)")
            #expect(toClient.reduce(0) { $0 + Int($1.packet.payloadSize) } == 0)
            #expect(fromClient.filter { $0.packet.tcpFlags & TCPFlags.syn != 0 }.count == 1)
            #expect(fromClient.contains { $0.packet.tcpFlags & TCPFlags.fin != 0 })
            #expect(toClient.contains { $0.packet.tcpFlags & TCPFlags.fin != 0 })
        }
        if network.offloadsDisabled {
            // No segment merged by the kernel: nothing larger than the link's MTU.
            #expect(frames.allSatisfy { $0.packet.ipSize <= 1500 })
        }
        let statistics = capture.statistics()
        #expect(statistics.droppedByKernel == 0)
        #expect(statistics.received == UInt64(frames.count))

        if let tcpdump {
            tcpdump.signal(SIGINT)
            let result = tcpdump.finish(timeout: 5)
            #expect(!result.timedOut)
            let reference = try decodeCaptureFile(referenceFile)
            // The same packets, in the same order, by (direction, client port, flags, payload size).
            func summary(_ f: [CapturedFrame]) -> [String] {
                f.map {
                    "\($0.packet.source) \($0.packet.sourcePort)>\($0.packet.destinationPort) \($0.packet.tcpFlags) \($0.packet.payloadSize)"
                }
            }
            #expect(summary(frames) == summary(reference))
        }
    }

    @Test(.enabled(if: LiveCaptureRequirements.isRoot, LiveCaptureRequirements.notRoot))
    func nextReturnsTimeoutWhenNoPacketArrives() throws {
        // A filter no packet can match: the loopback stays silent for this capture whatever else runs.
        let capture = try LiveCapture(
            interface: "lo",
            options: .init(readTimeoutMilliseconds: 5000, filter: "udp and host 127.0.0.1 and port 9 and port 7"))
        for timeout in [200, 0] {
            let start = monotonicSeconds()
            let result = capture.next(timeoutMilliseconds: timeout)
            let elapsed = monotonicSeconds() - start
            guard case .timeout = result else {
                Issue.record("expected .timeout, got \(result)")
                return
            }
            #expect(elapsed >= Double(timeout) / 1000 * 0.95 && elapsed < Double(timeout) / 1000 + 0.8, "\(elapsed) s")
        }
    }

    @Test(.enabled(if: LiveCaptureRequirements.isRoot, LiveCaptureRequirements.notRoot))
    func breakLoopWakesAWaitingReadAndStopsLaterOnes() throws {
        let capture = try LiveCapture(interface: "lo", options: .init(filter: "udp and port 9 and port 7"))
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { capture.breakLoop() }
        let start = monotonicSeconds()
        let first = capture.next(timeoutMilliseconds: 5000)
        let elapsed = monotonicSeconds() - start
        guard case .endOfFile = first else {
            Issue.record("expected .endOfFile after breakLoop, got \(first)")
            return
        }
        #expect(elapsed < 2, "\(elapsed) s")
        guard case .endOfFile = capture.next(timeoutMilliseconds: 5000) else {
            Issue.record("a read after breakLoop should return .endOfFile at once")
            return
        }
    }

    @Test(.enabled(if: LiveCaptureRequirements.isRoot, LiveCaptureRequirements.notRoot))
    func missingInterfaceNamesTheInterfacesThatExist() throws {
        do {
            _ = try LiveCapture(interface: "fmnosuch0")
            Issue.record("opening a missing interface succeeded")
        } catch let error as PcapError {
            guard case .noSuchInterface(let name, let available) = error else {
                Issue.record("expected noSuchInterface, got \(error)")
                return
            }
            #expect(name == "fmnosuch0")
            #expect(available.contains("lo"))
            #expect(error.description.contains("no interface 'fmnosuch0'"))
            #expect(error.description.contains("lo"))
        }
    }

    @Test(.enabled(if: NetworkNamespace.isSupported, Comment(rawValue: NetworkNamespace.skipMessage)))
    func interfaceThatIsDownGivesAnErrorSayingSo() throws {
        let network = try NetworkNamespace()
        try network.setHostInterface(up: false)
        #expect {
            _ = try LiveCapture(interface: network.hostInterface)
        } throws: { error in
            guard let e = error as? PcapError, case .interfaceDown(let name) = e else { return false }
            return name == network.hostInterface && e.description.contains("ip link set \(network.hostInterface) up")
        }
    }

    @Test(.enabled(if: NetworkNamespace.isSupported, Comment(rawValue: NetworkNamespace.skipMessage)))
    func captureOutlivesTheInterfaceGoingDownAndComingBackUp() throws {
        // libpcap 1.10 does not treat an interface taken down as an error (tcpdump keeps running): reads time
        // out, and packets come again once the interface is back up.
        let network = try NetworkNamespace()
        let sink = try TrafficGenerator.Sink(.udp, address: network.hostAddress)
        let capture = try LiveCapture(interface: network.hostInterface)
        try network.setHostInterface(up: false)
        let start = monotonicSeconds()
        let result = capture.next(timeoutMilliseconds: 300)
        let elapsed = monotonicSeconds() - start
        guard case .timeout = result else {
            Issue.record("expected .timeout while the interface is down, got \(result)")
            return
        }
        #expect(elapsed < 1.3, "\(elapsed) s")
        try network.setHostInterface(up: true)
        let report = try TrafficGenerator(namespace: network).sendUDP(
            toPort: sink.port, count: 10, payloadSize: 50, packetsPerSecond: 0)
        #expect(report.datagrams == 10)
        let frames = capture.collect(silenceMilliseconds: 300)
        #expect(frames.filter { $0.packet.ipProtocol == IPProtocol.udp && $0.packet.payloadSize == 50 }.count == 10)
    }

    @Test(.enabled(if: NetworkNamespace.isSupported, Comment(rawValue: NetworkNamespace.skipMessage)))
    func interfaceDisappearingEndsTheReadWithAFailure() throws {
        let network = try NetworkNamespace()
        let capture = try LiveCapture(interface: network.hostInterface)
        network.remove()
        let start = monotonicSeconds()
        let result = capture.next(timeoutMilliseconds: 3000)
        let elapsed = monotonicSeconds() - start
        guard case .failed(let message) = result else {
            Issue.record("expected .failed, got \(result) after \(elapsed) s")
            return
        }
        #expect(elapsed < 1, "\(elapsed) s")
        #expect(!message.isEmpty)
        print("interface removed during capture:", message)
    }

    @Test(.enabled(if: LiveCaptureRequirements.isRoot, LiveCaptureRequirements.notRoot))
    func badFilterIsReportedWithLibpcapsMessage() throws {
        #expect {
            _ = try LiveCapture(interface: "lo", options: .init(filter: "udp and port banana"))
        } throws: { error in
            guard let e = error as? PcapError, case .badFilter(let expression, _) = e else { return false }
            return expression == "udp and port banana"
        }
    }
}

#endif
