// Ingest: what the non-direct ingestion paths add per packet (`--ingest object`, `--ingest tshark`), measured
// apart from the meter. One measured unit is 1000 packets (scalingFactor .kilo): wall clock reads as ns per
// packet. `ObjectDissect` builds the per-layer heap objects of the object path for a round robin of three frames
// (Ethernet+IPv4+TCP, Ethernet+802.1Q+IPv4+UDP, Ethernet+IPv6+TCP) and then the DecodedPacket from them; it
// allocates on purpose, and its threshold records how much (an exact count per unit: more is a regression).
// `TsharkFieldsParse` and `TsharkPDMLParse` parse tshark's text for those frames (fields line and PDML as
// tshark 4.0 writes them, with the flowmeter_raw.frame field), the parsing half of the tshark path (tshark's
// own cost is not in it); they must not allocate.
import Benchmark
import BenchmarkFixtures
import FlowCapture
import FlowIngest
import FlowPacket

let frames: [[UInt8]] = [
    Frames.ethernetIPv4TCP(source: 0xC0A8_010A, destination: 0x5DB8_D822, sourcePort: 51_234, destinationPort: 443, flags: 0x18, payload: 100),
    Frames.vlanIPv4UDP(vlan: 7, source: 0x0A00_0001, destination: 0x0A00_0002, sourcePort: 5353, destinationPort: 53),
    Frames.ethernetIPv6TCP(source: 0x2001_0DB8_0000_0001, destination: 0x2001_0DB8_0000_0002, sourcePort: 40_000, destinationPort: 80),
]

func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
}

/// tshark's text for the three frames, repeated to 1000 packets.
func tsharkText(_ format: TsharkFormat) -> [UInt8] {
    var text = ""
    for i in 0..<1000 {
        let frame = frames[i % 3]
        let time = "1700000000.\(100_000 + i)000"
        switch format {
        case .fields:
            text += "\(time)\t\(frame.count)\t\(frame.count)\t1\t\(hex(frame))\n"
        case .pdml:
            text += """
                <packet>
                  <proto name="geninfo" pos="0" showname="General information" size="\(frame.count)">
                    <field name="num" pos="0" show="\(i + 1)" showname="Number" value="\(i + 1)" size="\(frame.count)"/>
                  </proto>
                  <proto name="frame" showname="Frame \(i + 1)" size="\(frame.count)" pos="0">
                    <field name="frame.encap_type" showname="Encapsulation type: Ethernet (1)" size="0" pos="0" show="1"/>
                    <field name="frame.time_epoch" showname="Epoch Time: \(time) seconds" size="0" pos="0" show="\(time)"/>
                    <field name="frame.len" showname="Frame Length: \(frame.count) bytes" size="0" pos="0" show="\(frame.count)"/>
                    <field name="frame.cap_len" showname="Capture Length: \(frame.count) bytes" size="0" pos="0" show="\(frame.count)"/>
                    <field name="frame.protocols" showname="Protocols in frame: eth:ethertype:ip:tcp" size="0" pos="0" show="eth:ethertype:ip:tcp"/>
                  </proto>
                  <proto name="eth" showname="Ethernet II" size="14" pos="0">
                    <field name="eth.dst" showname="Destination" size="6" pos="0" show="02:00:00:00:00:02" value="020000000002"/>
                    <field name="eth.src" showname="Source" size="6" pos="6" show="02:00:00:00:00:01" value="020000000001"/>
                    <field name="eth.type" showname="Type: IPv4 (0x0800)" size="2" pos="12" show="0x0800" value="0800"/>
                  </proto>
                  <proto name="flowmeter_raw" showname="flowmeter raw frame" size="\(frame.count)" pos="0">
                    <field name="flowmeter_raw.frame" showname="Frame bytes" size="\(frame.count)" pos="0" show="x" value="\(hex(frame))"/>
                  </proto>
                </packet>

                """
        }
    }
    return Array(text.utf8)
}

final class ParseState {
    let text: [UInt8]
    var parser: TsharkOutputParser
    var checksum = 0

    init(_ format: TsharkFormat) {
        text = tsharkText(format)
        parser = TsharkOutputParser(format: format)
        precondition(parseAll() == 1000)
    }

    /// Parses the 1000 packets of the text; returns how many were found.
    func parseAll() -> Int {
        var found = 0
        text.withUnsafeBytes { all in
            var offset = 0
            while offset < all.count {
                guard case .frame(let consumed) = parser.parse(UnsafeRawBufferPointer(rebasing: all[offset...])) else {
                    break
                }
                offset += consumed
                found += 1
                checksum &+= Int(parser.frame.bytes[20]) &+ parser.frame.microseconds
            }
        }
        return found
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 2,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000,
        thresholds: [.mallocCountTotal: .init(absolute: [.p90: 0])]
    )

    Benchmark("ObjectDissect") { benchmark in
        let dissector = ObjectDissector(decoder: PacketDecoder(linkType: .ethernet))
        benchmark.startMeasurement()
        for i in 0..<benchmark.scaledIterations.count {
            let frame = frames[i % 3]
            frame.withUnsafeBytes { bytes in
                let (object, _) = dissector.dissect(bytes, wireLength: UInt32(bytes.count), seconds: 1, microseconds: i)
                var packet = dissector.decodedPacket(from: object!)
                blackHole(packet.sourcePort)
                packet.tcpFlags = 0
            }
        }
        benchmark.stopMeasurement()
    }

    for format in TsharkFormat.allCases {
        Benchmark(format == .fields ? "TsharkFieldsParse" : "TsharkPDMLParse") { benchmark, state in
            // One unit is the 1000 packets of the text.
            benchmark.startMeasurement()
            for _ in 0..<(benchmark.scaledIterations.count / 1000) {
                blackHole(state.parseAll())
            }
            benchmark.stopMeasurement()
        } setup: {
            ParseState(format)
        }
    }
}
