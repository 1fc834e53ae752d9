import FlowDPI
import FlowFeatures
import FlowMeter
import FlowStreamer
import FlowParquet
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

    /// `flows` flows with distinct keys (IPv4 and IPv6, some VLAN-tagged, TCP and UDP), two or three packets each,
    /// about 100 µs apart, with a 2-second pause after every 20,000 flows: with a 1-second idle timeout each pause
    /// makes one scan expire some 20,000 flows at once, which meters produce far faster than a writer formats.
    static func largeTrace(flows: Int, seed: UInt64 = 3) -> PcapFileWriter {
        var rng = SplitMix64(seed: seed)
        var pcap = PcapFileWriter(linkType: .ethernet)
        var time = 1_700_000_000_000_000  // µs
        for f in 0..<flows {
            let v6 = f % 9 == 0
            let client =
                v6
                ? "2001:db8::\(String(f >> 16, radix: 16)):\(String(f & 0xFFFF, radix: 16))"
                : "10.\(f >> 16 & 255).\(f >> 8 & 255).\(f & 255)"
            let server = v6 ? "2001:db8:ffff::\(f % 7 + 1)" : "192.0.2.\(f % 13 + 1)"
            let sport = UInt16(1024 + (f * 7919) % 60_000)
            let dport: UInt16 = [53, 80, 443, 8080][f % 4]
            let udp = f % 4 == 0
            let type: UInt16 = v6 ? EtherType.ipv6 : EtherType.ipv4
            for p in 0..<(2 + f % 2) {
                let reply = p == 1
                let (src, dst) = reply ? (server, client) : (client, server)
                let (ps, pd) = reply ? (dport, sport) : (sport, dport)
                let body = B.payload(Int(rng.next() % 300), seed: UInt8(truncatingIfNeeded: f))
                let l4 = udp ? B.udp(sport: ps, dport: pd, body) : B.tcp(sport: ps, dport: pd, flags: TCPFlags.ack, body)
                let proto = udp ? IPProtocol.udp : IPProtocol.tcp
                let ip = v6 ? B.ipv6(src: src, dst: dst, nextHeader: proto, l4) : B.ipv4(src: src, dst: dst, protocol: proto, l4)
                let frame = f % 10 == 3 ? B.ethernet(type: EtherType.vlan, B.vlan(id: 7, type: type, ip)) : B.ethernet(type: type, ip)
                pcap.append(frame, seconds: time / 1_000_000, microseconds: time % 1_000_000)
                time += Int(rng.next() % 60)
            }
            time += Int(rng.next() % 100)
            if f % 20_000 == 19_999 { time += 2_000_000 }
        }
        return pcap
    }

    func convert(
        _ path: String, threads: Int, gzip: Bool = false, parquet: Bool = false,
        configure: (inout StreamerConfiguration) -> Void
    ) throws -> Data {
        let dir = try ScratchDirectory()
        let out = dir.path(parquet ? "out.parquet" : gzip ? "out.csv.gz" : "out.csv")
        var configuration = StreamerConfiguration()
        configure(&configuration)
        configuration.threads = threads
        var options = ParquetFileWriter.Options()
        options.rowGroupRows = 16384  // several row groups
        let writer: any FlowWriter =
            parquet ? try ParquetFlowWriter(path: out, options: options) : try CSVWriter(path: out, gzip: gzip)
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

    @Test(arguments: [false, true])
    func hundredThousandFlowsGiveTheSameBytesForAnyThreadCountInCSVGzipAndParquet(detection: Bool) throws {
        let dir = try ScratchDirectory()
        let path = dir.path("large.pcap")
        try Self.largeTrace(flows: 100_000).write(to: path)
        let application = detection ? try? ApplicationPlugin(dissections: 20) : nil
        if detection && application == nil {
            #expect(!ApplicationDetection.isAvailable)
            return
        }
        let configure: (inout StreamerConfiguration) -> Void = {
            $0.plugins = [StatisticsPlugin(), SPLTPlugin(length: 10)] + (application.map { [$0] } ?? [])
            $0.meter.idleTimeoutMilliseconds = 1000
        }
        let one = try convert(path, threads: 1, configure: configure)
        let rows = String(decoding: one, as: UTF8.self).split(separator: "\r\n").count - 1
        #expect(rows == 100_000)
        let gzipped = try convert(path, threads: 1, gzip: true, configure: configure)
        #expect(gzipped.starts(with: [0x1F, 0x8B]))
        for threads in [2, 3, 4, 16] {
            #expect(try convert(path, threads: threads, configure: configure) == one, "CSV, threads \(threads)")
            #expect(
                try convert(path, threads: threads, gzip: true, configure: configure) == gzipped,
                "gzip, threads \(threads)")
        }
        // Parquet once (its writer is slow in a debug build; scripts/test-readers.sh compares 1, 2 and 4 threads too).
        if !detection {
            let parquet = try convert(path, threads: 1, parquet: true, configure: configure)
            #expect(parquet.starts(with: Array("PAR1".utf8)) && parquet.suffix(4).elementsEqual("PAR1".utf8))
            #expect(try convert(path, threads: 4, parquet: true, configure: configure) == parquet, "Parquet, threads 4")
        }
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
            for threads in [2, 3, 4, 16] where try convert(path, threads: threads, configure: configure) != one {
                differing.append("\(name) (threads \(threads))")
            }
        }
        #expect(differing.isEmpty, "\(differing)")
    }
}
