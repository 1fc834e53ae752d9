import FlowDPI
import FlowFeatures
import FlowMeter
import FlowStreamer
import FlowTestSupport
import FlowWriters
import Foundation
import Testing

/// The output must be byte-identical whatever the number of meter threads (README, "Row order and id").
@Suite struct ThreadingTests {
    typealias B = PacketBuilder

    /// A trace of several thousand flows: TCP, UDP and ICMP over IPv4 and IPv6, two VLANs, bursts and pauses
    /// (idle and active expiry, idle scans that expire many flows at once) and a few packets going back in time.
    static func syntheticTrace(flows: Int = 6000, packets: Int = 40_000, seed: UInt64 = 11) -> PcapFileWriter {
        var rng = SplitMix64(seed: seed)
        var pcap = PcapFileWriter(linkType: .ethernet)
        var time = 1_700_000_000_000_000  // µs
        for _ in 0..<packets {
            let f = Int(rng.next() % UInt64(flows))
            let reverse = rng.next() % 3 == 0
            let v6 = f % 7 == 0
            let a = v6 ? "2001:db8::\(f % 251 + 1)" : "10.\(f % 200).\((f / 200) % 250).1"
            let b = v6 ? "2001:db8:1::\(f % 13 + 1)" : "192.0.2.\(f % 97 + 1)"
            let (src, dst) = reverse ? (b, a) : (a, b)
            let sport = UInt16(1024 + f % 50_000)
            let dport: UInt16 = [80, 443, 53, 123][f % 4]
            let (ps, pd) = reverse ? (dport, sport) : (sport, dport)
            let l4: [UInt8]
            let proto: UInt8
            switch f % 5 {
            case 0, 1, 2:
                proto = IPProtocol.tcp
                l4 = B.tcp(sport: ps, dport: pd, flags: TCPFlags.ack | (rng.next() % 9 == 0 ? TCPFlags.psh : 0), B.payload(Int(rng.next() % 400)))
            case 3:
                proto = IPProtocol.udp
                l4 = B.udp(sport: ps, dport: pd, B.payload(Int(rng.next() % 200)))
            default:
                proto = v6 ? IPProtocol.icmpv6 : IPProtocol.icmp
                l4 = v6 ? B.icmpv6(type: 128, code: 0, B.payload(16)) : B.icmp(type: 8, code: 0, B.payload(16))
            }
            let ip = v6 ? B.ipv6(src: src, dst: dst, nextHeader: proto, l4) : B.ipv4(src: src, dst: dst, protocol: proto, l4)
            let type: UInt16 = v6 ? EtherType.ipv6 : EtherType.ipv4
            let frame = f % 11 == 0 ? B.ethernet(type: EtherType.vlan, B.vlan(id: UInt16(f % 2 + 5), type: type, ip)) : B.ethernet(type: type, ip)
            // Mostly small steps, sometimes pauses past the idle timeout, rarely a step back in time.
            let r = rng.next() % 1000
            if r < 5 { time += 1_500_000 } else if r < 8 { time -= 3_000 } else { time += Int(rng.next() % 2_000) }
            pcap.append(frame, seconds: time / 1_000_000, microseconds: time % 1_000_000)
        }
        return pcap
    }

    func convert(_ path: String, threads: Int, configure: (inout StreamerConfiguration) -> Void) throws -> Data {
        let dir = try ScratchDirectory()
        let out = dir.path("out.csv")
        var configuration = StreamerConfiguration()
        configure(&configuration)
        configuration.threads = threads
        let writer = try CSVWriter(path: out, gzip: false)
        _ = try FlowStreamer(configuration: configuration).convert(inputs: [path], writer: writer)
        return try Data(contentsOf: URL(fileURLWithPath: out))
    }

    @Test func syntheticTraceGivesTheSameBytesForOneTwoAndSixteenThreads() throws {
        let dir = try ScratchDirectory()
        let path = dir.path("trace.pcap")
        try Self.syntheticTrace().write(to: path)
        let configure: (inout StreamerConfiguration) -> Void = {
            $0.plugins = [StatisticsPlugin(), SPLTPlugin(length: 5)]
            $0.meter.idleTimeoutMilliseconds = 1000
            $0.meter.activeTimeoutMilliseconds = 5000
        }
        let one = try convert(path, threads: 1, configure: configure)
        let rows = String(decoding: one, as: UTF8.self).split(separator: "\r\n").count - 1
        #expect(rows > 5000, "the trace should make thousands of flows, made \(rows)")
        for threads in [2, 3, 16] {
            #expect(try convert(path, threads: threads, configure: configure) == one, "threads \(threads)")
        }
        #expect(try convert(path, threads: 2, configure: configure) == one, "a second run")
    }

    @Test func boundedTableEvictsTheSameFlowsForAnyThreadCount() throws {
        let dir = try ScratchDirectory()
        let path = dir.path("trace.pcap")
        try Self.syntheticTrace(flows: 3000, packets: 20_000, seed: 5).write(to: path)
        let configure: (inout StreamerConfiguration) -> Void = { $0.meter.maxFlows = 640 }
        let one = try convert(path, threads: 1, configure: configure)
        let text = String(decoding: one, as: UTF8.self)
        let evicted = text.split(separator: "\r\n").dropFirst().filter { $0.split(separator: ",")[1] == "2" }.count
        #expect(evicted > 100, "the bound should evict flows (expiration_id 2), evicted \(evicted)")
        for threads in [2, 5] {
            #expect(try convert(path, threads: threads, configure: configure) == one, "threads \(threads)")
        }
    }

    @Test func conformanceCapturesGiveTheSameBytesForAnyThreadCount() throws {
        let pcaps = CLIRunner.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance/pcaps")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: pcaps.path).sorted() else {
            print("conformance captures not found; skipping")
            return
        }
        // With application detection (one nDPI module per meter thread) when this build has it.
        let application = try? ApplicationPlugin(dissections: 20)
        #expect(application != nil || !ApplicationDetection.isAvailable)
        let configure: (inout StreamerConfiguration) -> Void = {
            $0.plugins = [StatisticsPlugin(), SPLTPlugin(length: 10)] + (application.map { [$0] } ?? [])
            $0.meter.idleTimeoutMilliseconds = 1000
            $0.meter.activeTimeoutMilliseconds = 5000
        }
        var differing: [String] = []
        for name in names {
            let path = pcaps.appendingPathComponent(name).path
            let one = try convert(path, threads: 1, configure: configure)
            for threads in [2, 16] where try convert(path, threads: threads, configure: configure) != one {
                differing.append("\(name) (threads \(threads))")
            }
        }
        #expect(differing.isEmpty, "\(differing)")
    }
}
