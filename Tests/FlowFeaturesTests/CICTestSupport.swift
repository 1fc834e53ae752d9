import FlowFeatures
import FlowMeter
import FlowPacket
import FlowTestSupport
import Testing

/// One written value, as the sink received it.
enum Value: Equatable, CustomStringConvertible {
    case unsigned(UInt64)
    case signed(Int64)
    case double(Double)
    case text(String)

    var description: String {
        switch self {
        case .unsigned(let v): return "\(v)"
        case .signed(let v): return "\(v)"
        case .double(let v): return "\(v)"
        case .text(let v): return "'\(v)'"
        }
    }

    /// The value as a number (text: nil).
    var number: Double? {
        switch self {
        case .unsigned(let v): return Double(v)
        case .signed(let v): return Double(v)
        case .double(let v): return v
        case .text: return nil
        }
    }
}

/// Records the values a plugin writes (addresses as their text).
struct RecordingSink: FlowFieldSink {
    var values: [Value] = []
    mutating func appendUnsigned(_ value: UInt64) { values.append(.unsigned(value)) }
    mutating func appendSigned(_ value: Int64) { values.append(.signed(value)) }
    mutating func appendDouble(_ value: Double) { values.append(.double(value)) }
    mutating func appendAddress(_ address: IPAddress) { values.append(.text("\(address)")) }
    mutating func appendMAC(_ mac: MACAddress, ouiOnly: Bool) { values.append(.text("\(mac)")) }
    mutating func appendText(_ text: String) { values.append(.text(text)) }
    mutating func appendList(_ values: [Int8]) { self.values.append(.text("\(values)")) }
    mutating func appendList(_ values: [Int32]) { self.values.append(.text("\(values)")) }
    mutating func appendList(_ values: [Int64]) { self.values.append(.text("\(values)")) }
    mutating func appendList<Values: Collection>(_ values: Values)
    where Values.Element: FixedWidthInteger & SignedInteger {
        self.values.append(.text("\(values.map { Int64($0) })"))
    }
}

/// A flow as it left the meter, with the CIC columns by name.
struct CICRow {
    var flow: Flow
    var columns: [String: Value]

    subscript(_ name: String) -> Value {
        guard let v = columns[name] else {
            Issue.record("no column '\(name)'")
            return .text("")
        }
        return v
    }

    /// The column as a number (fails the test for text).
    func number(_ name: String) -> Double {
        guard let n = self[name].number else {
            Issue.record("column '\(name)' is not a number: \(self[name])")
            return .nan
        }
        return n
    }

    func text(_ name: String) -> String {
        if case .text(let t) = self[name] { return t }
        Issue.record("column '\(name)' is not text: \(self[name])")
        return ""
    }
}

/// Collects every exported flow with its CIC columns (the only plugin of the meter).
final class CICCollector: FlowExporter {
    var rows: [CICRow] = []
    func export(_ flow: borrowing Flow, columns: PluginColumns, event: FlowEvent) {
        var sink = RecordingSink()
        columns.write(flow: flow, to: &sink)
        let names = CICFlowMeterPlugin.columnNames
        #expect(sink.values.count == names.count)
        var byName: [String: Value] = [:]
        for (name, value) in zip(names, sink.values) { byName[name] = value }
        rows.append(CICRow(flow: copy flow, columns: byName))
    }
}

/// A meter running the CIC plugin alone, fed packet by packet.
struct CICHarness: ~Copyable {
    var meter: Meter
    let collector = CICCollector()

    init(options: CICFlowMeterPlugin.Options = .init(), idleTimeout: UInt64 = 120_000) {
        var c = MeterConfiguration()
        c.idleTimeoutMilliseconds = idleTimeout
        meter = Meter(configuration: c, plugins: [CICFlowMeterPlugin(options: options)])
    }

    mutating func feed(_ packets: DecodedPacket...) {
        for p in packets {
            var q = p
            meter.process(&q, exporter: collector)
        }
    }

    mutating func flush() { meter.flush(exporter: collector) }

    var rows: [CICRow] { collector.rows }
}

/// 2017-07-14 02:40:00.000 UTC in ms.
let t0: UInt64 = 1_500_000_000_000

/// A decoded TCP packet as the decoder would describe it: `header` bytes of TCP header (20 + options) and
/// `payload` bytes of payload over a 20-byte IPv4 (40-byte IPv6) header on Ethernet.
func tcp(
    _ t: UInt64, _ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, flags: UInt8, payload: UInt16 = 0,
    window: UInt16 = 1000, header: UInt16 = 20
) -> DecodedPacket {
    var p = ip(t, src, sport, dst, dport, proto: 6, l4: header + payload, payload: payload)
    p.tcpFlags = flags
    p.tcpWindow = window
    return p
}

/// A decoded UDP packet with `payload` bytes.
func udp(_ t: UInt64, _ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, payload: UInt16) -> DecodedPacket
{
    ip(t, src, sport, dst, dport, proto: 17, l4: 8 + payload, payload: payload)
}

func ip(
    _ t: UInt64, _ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, proto: UInt8, l4: UInt16,
    payload: UInt16
) -> DecodedPacket {
    var p = DecodedPacket()
    p.time = t
    p.source = PacketBuilder.address(src)
    p.destination = PacketBuilder.address(dst)
    p.sourcePort = sport
    p.destinationPort = dport
    p.ipProtocol = proto
    p.ipVersion = src.contains(":") ? 6 : 4
    let ipHeader: UInt16 = p.ipVersion == 6 ? 40 : 20
    p.transportSize = l4
    p.payloadSize = payload
    p.ipSize = ipHeader + l4
    p.rawSize = 14 + p.ipSize
    return p
}

/// `a` and `b` equal to 1e-9 relative (or 1e-9 absolute near 0).
func close(_ a: Double, _ b: Double) -> Bool {
    abs(a - b) <= 1e-9 * max(1, abs(a), abs(b))
}

/// Expects every named numeric column of `row` to equal the value given (1e-9 relative).
func expectColumns(
    _ row: CICRow, _ expected: KeyValuePairs<String, Double>, sourceLocation: SourceLocation = #_sourceLocation
) {
    for (name, value) in expected {
        let got = row.number(name)
        #expect(close(got, value), "\(name): got \(got), expected \(value)", sourceLocation: sourceLocation)
    }
}
