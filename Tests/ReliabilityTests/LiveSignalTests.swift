#if os(Linux)

import FlowTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM are the normal way to stop `flowmeter live` (README, "Live capture"): sent before any
/// traffic, in the middle of a steady stream, or after it, the run ends with status 0, a valid gzip file holding
/// every flow seen, and the final statistics line on stderr.
// Time limit: 10 minutes. Swift Testing counts it from when the test is scheduled, and on two cores the long
// synchronous suites (threading, ingest, conformance, example builds) can hold every worker thread for minutes
// before this suite runs (a 1-minute limit failed that way once with every test idle). A hang is still caught:
// each test waits for its children with deadlines, and CI's step deadline prints the process tree.
@Suite(.serialized, .timeLimit(.minutes(10)))
struct LiveSignalTests {
    enum Point: String, CaseIterable, Sendable { case beforeTraffic, duringTraffic, afterTraffic }

    static var requirements: String? {
        if !Flowmeter.isRoot { return "needs root (capture, namespaces)" }
        if !NetworkNamespace.isSupported { return NetworkNamespace.skipMessage }
        return nil
    }

    @Test(
        .enabled(if: requirements == nil, Comment(rawValue: requirements ?? "")),
        arguments: [(Point.beforeTraffic, SIGTERM), (Point.duringTraffic, SIGINT), (Point.afterTraffic, SIGTERM)])
    func signalStopsALiveRunCleanly(point: Point, signal: Int32) throws {
        let flowmeter = try Flowmeter.require()
        let network = try NetworkNamespace()
        defer { network.remove() }
        let sink = try TrafficGenerator.Sink(.udp, address: network.hostAddress)
        defer { sink.stop() }
        let directory = try TemporaryDirectory()
        let output = directory.file("flows.csv.gz")
        let live = try Subprocess(
            flowmeter,
            ["live", "-i", network.hostInterface, "-o", output, "--bpf", "udp port \(sink.port)", "--threads", "2",
             "--statistics"])
        let started = live.wait(
            until: { process in LeastPrivilegeTests.packetSockets(onHost: network.hostInterface) >= 1 || !process.isRunning },
            timeout: 10)
        try #require(started && live.isRunning, "flowmeter live did not start capturing: \(live.standardError)")

        let generator = try TrafficGenerator(namespace: network)
        let count = 600
        var sent = 0
        switch point {
        case .beforeTraffic:
            live.signal(signal)
        case .duringTraffic:
            // 600 datagrams at 1 000/s from one socket; the signal comes once 50 have arrived.
            let done = DispatchSemaphore(value: 0)
            let box = SentBox()
            DispatchQueue.global().async {
                box.value = (try? generator.sendUDP(toPort: sink.port, count: count, payloadSize: 64, packetsPerSecond: 1000))?.datagrams ?? -1
                done.signal()
            }
            #expect(sink.wait(until: { $0.datagrams >= 50 }, timeout: 5))
            live.signal(signal)
            #expect(done.wait(timeout: .now() + 60) == .success, "the sender did not finish")
            sent = box.value
        case .afterTraffic:
            sent = try generator.sendUDP(toPort: sink.port, count: count, payloadSize: 64, packetsPerSecond: 2000).datagrams
            _ = sink.wait(until: { $0.datagrams == count }, timeout: 5)
            usleep(300_000)
            live.signal(signal)
        }
        let result = live.finish(timeout: 15)
        #expect(!result.timedOut)
        #expect(result.status == 0, "\(point): \(result.stderr)")
        #expect(result.stderr.contains("\"packets_received\""), "no final statistics line: \(result.stderr)")

        let data = try #require(try CSVCheck.gunzip(output), "\(point): not valid gzip")
        let lines = try #require(CSVCheck.lines(data))
        let header = lines.first?.split(separator: ",") ?? []
        let packets = try #require(header.firstIndex(of: "bidirectional_packets"))
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let metered = rows.reduce(0) { $0 + (Int($1[packets]) ?? 0) }
        switch point {
        case .beforeTraffic:
            #expect(rows.isEmpty)
        case .duringTraffic:
            // Part of the stream was captured before the signal, and none after the run ended.
            #expect(rows.count <= 1, "\(lines)")
            #expect(metered > 0 && metered < count, "\(metered) of \(sent) datagrams metered")
        case .afterTraffic:
            #expect(rows.count == 1)
            #expect(metered == sent && sent == count, "\(metered) of \(sent) datagrams metered")
        }
    }
}

/// The datagram count the sending thread reports.
private final class SentBox: @unchecked Sendable {
    var value = 0
}

extension LeastPrivilegeTests {
    /// Packet sockets bound to `interface` of the test's own namespace, from /proc/net/packet.
    static func packetSockets(onHost interface: String) -> Int {
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
}

#endif
