import FlowFeatures
import FlowMeter
import FlowPacket
import FlowStreamer
import FlowTestSupport
import FlowWriters
import Foundation
import Testing

/// The CIC set through a whole conversion: real frames built by `PacketBuilder`, decoded by the decoder (so
/// header lengths and windows come from the bytes), written as CSV.
@Suite("CICFlowMeter feature set in a conversion")
struct CICConversionTests {
    typealias B = PacketBuilder

    func capture() -> PcapFileWriter {
        var w = PcapFileWriter()
        let c = "192.168.10.5"
        let s = "104.16.207.165"
        func tcp(_ src: String, _ dst: String, _ sport: UInt16, _ dport: UInt16, flags: UInt8, window: UInt16,
            options: [UInt8] = [], payload: [UInt8] = []) -> [UInt8]
        {
            B.ethernet(
                type: EtherType.ipv4,
                B.ipv4(
                    src: src, dst: dst, protocol: IPProtocol.tcp,
                    B.tcp(sport: sport, dport: dport, flags: flags, window: window, options: options, payload)))
        }
        let ms = Int(t0)
        // SYN with 20 bytes of options (header 40), SYN-ACK with the same, then 20-byte headers.
        w.append(tcp(c, s, 54865, 443, flags: TCPFlags.syn, window: 29200, options: B.synOptions), milliseconds: ms)
        w.append(
            tcp(s, c, 443, 54865, flags: TCPFlags.syn | TCPFlags.ack, window: 65535, options: B.synOptions),
            milliseconds: ms + 2)
        w.append(tcp(c, s, 54865, 443, flags: TCPFlags.ack, window: 229), milliseconds: ms + 3)
        w.append(
            tcp(c, s, 54865, 443, flags: TCPFlags.psh | TCPFlags.ack, window: 229, payload: B.payload(517)),
            milliseconds: ms + 4)
        w.append(tcp(s, c, 443, 54865, flags: TCPFlags.ack, window: 1000), milliseconds: ms + 6)
        w.append(tcp(c, s, 54865, 443, flags: TCPFlags.rst, window: 0), milliseconds: ms + 7)
        // An IPv6 DNS exchange 5 ms long.
        let q = B.ethernet(
            type: EtherType.ipv6,
            B.ipv6(
                src: "2001:db8::10", dst: "2001:db8::53", nextHeader: IPProtocol.udp,
                B.udp(sport: 33333, dport: 53, B.payload(30))))
        let r = B.ethernet(
            type: EtherType.ipv6,
            B.ipv6(
                src: "2001:db8::53", dst: "2001:db8::10", nextHeader: IPProtocol.udp,
                B.udp(sport: 53, dport: 33333, B.payload(90))))
        w.append(q, milliseconds: ms + 10)
        w.append(r, milliseconds: ms + 15)
        return w
    }

    @Test func convertsWithTheCICColumns() throws {
        try withTemporaryDirectory { dir in
            let input = dir.file("cic.pcap")
            try capture().write(to: input)
            var configuration = StreamerConfiguration()
            configuration.plugins = try BuiltinFeatures.plugins(named: ["cic"], spltLength: 0)
            let output = dir.file("cic.csv")
            let writer = try CSVWriter(path: output, gzip: false)
            let report = try FlowStreamer(configuration: configuration).convert(inputs: [input], writer: writer)
            #expect(report.flowsWritten == 2)

            let text = try String(contentsOfFile: output, encoding: .utf8)
            let lines = text.split(separator: "\r\n").map {
                $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
            let header = try #require(lines.first)
            let core = FlowSchema(configuration: configuration.meter).columnNames
            #expect(header == core + CICFlowMeterTests.cicIDS2017Columns)
            #expect(lines.count == 3)
            let rows = lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
            let tcp = try #require(rows.first { $0["Protocol"] == "6" })
            // Ended by the RST with it; Flow ID in CICFlowMeter's endpoint order.
            #expect(tcp["Flow ID"] == "192.168.10.5-104.16.207.165-54865-443-6")
            #expect(tcp["expiration_id"] == "-1")
            #expect(tcp["Timestamp"] == "2017-07-14 02:40:00.000")
            #expect(tcp["Flow Duration"] == "7000")
            #expect(tcp["Total Fwd Packets"] == "4")
            #expect(tcp["Total Backward Packets"] == "2")
            #expect(tcp["Total Length of Fwd Packets"] == "517")
            // Headers read from the frames: SYN 40, then 20 (forward 40+20+20+20, backward 40+20).
            #expect(tcp["Fwd Header Length"] == "100")
            #expect(tcp["Fwd Header Length.1"] == "100")
            #expect(tcp["Bwd Header Length"] == "60")
            #expect(tcp["min_seg_size_forward"] == "20")
            #expect(tcp["Init_Win_bytes_forward"] == "29200")
            #expect(tcp["Init_Win_bytes_backward"] == "65535")
            #expect(tcp["Down/Up Ratio"] == "0.5")
            #expect(tcp["RST Flag Count"] == "1")
            #expect(tcp["Fwd PSH Flags"] == "1")
            #expect(tcp["Flow Bytes/s"] == "73857.14285714286")  // 517 B / 0.007 s

            let dns = try #require(rows.first { $0["Protocol"] == "17" })
            #expect(dns["Flow ID"] == "2001:db8::10-2001:db8::53-33333-53-17")
            #expect(dns["Flow Duration"] == "5000")
            #expect(dns["Total Length of Fwd Packets"] == "30")
            #expect(dns["Total Length of Bwd Packets"] == "90")
            #expect(dns["Fwd Header Length"] == "8")
            #expect(dns["Init_Win_bytes_forward"] == "-1")
            #expect(dns["Average Packet Size"] == "60.0")
        }
    }

    @Test func cicColumnsAreTheSameForAnyNumberOfThreads() throws {
        try withTemporaryDirectory { dir in
            let input = dir.file("cic.pcap")
            try capture().write(to: input)
            var outputs: [String] = []
            for threads in [1, 2] {
                var configuration = StreamerConfiguration()
                configuration.plugins = [CICFlowMeterPlugin(), StatisticsPlugin()]
                configuration.threads = threads
                let output = dir.file("cic-\(threads).csv")
                let writer = try CSVWriter(path: output, gzip: false)
                _ = try FlowStreamer(configuration: configuration).convert(inputs: [input], writer: writer)
                outputs.append(try String(contentsOfFile: output, encoding: .utf8))
            }
            #expect(outputs[0] == outputs[1])
        }
    }
}
