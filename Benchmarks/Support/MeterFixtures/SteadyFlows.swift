import BenchmarkFixtures
import FlowMeter
import FlowPacket

/// An exporter that drops every flow (none leaves the table in steady state anyway).
public final class NoOpExporter: FlowExporter {
    public var exported = 0
    public init() {}
    public func export(_ flow: borrowing Flow, columns: PluginColumns, event: FlowEvent) { exported += 1 }
}

/// Number of live flows in the steady-state suites (FlowUpdate, Plugins).
public let steadyFlowCount = 10_000

/// Both directions of `steadyFlowCount` flows, decoded once: 80 % IPv4 TCP, 10 % VLAN UDP, 10 % IPv6 TCP,
/// laid out in a scattered order (stride 7919, coprime to the count) so consecutive packets hit distant slots.
public func makeSteadyPackets() -> [DecodedPacket] {
    var byFlow: [DecodedPacket] = []
    byFlow.reserveCapacity(2 * steadyFlowCount)
    for i in 0..<steadyFlowCount {
        let host = UInt32(i)
        let port = UInt16(10_000 + i % 50_000)
        let forward: [UInt8]
        let reverse: [UInt8]
        switch i % 10 {
        case 8:
            forward = Frames.vlanIPv4UDP(
                vlan: UInt16(i % 4000 + 1), source: 0x0A00_0000 | host, destination: 0xC000_0201,
                sourcePort: port, destinationPort: 53)
            reverse = Frames.vlanIPv4UDP(
                vlan: UInt16(i % 4000 + 1), source: 0xC000_0201, destination: 0x0A00_0000 | host,
                sourcePort: 53, destinationPort: port, payload: 120)
        case 9:
            forward = Frames.ethernetIPv6TCP(
                source: UInt64(i) + 0x100, destination: 1, sourcePort: port, destinationPort: 443)
            reverse = Frames.ethernetIPv6TCP(
                source: 1, destination: UInt64(i) + 0x100, sourcePort: 443, destinationPort: port, payload: 1200)
        default:
            forward = Frames.ethernetIPv4TCP(
                source: 0x0A00_0000 | host, destination: 0x5DB8_D822, sourcePort: port, destinationPort: 443)
            reverse = Frames.ethernetIPv4TCP(
                source: 0x5DB8_D822, destination: 0x0A00_0000 | host, sourcePort: 443, destinationPort: port,
                flags: 0x10, payload: 1400)
        }
        byFlow.append(Frames.decoded(forward))
        byFlow.append(Frames.decoded(reverse))
    }
    var scattered: [DecodedPacket] = []
    scattered.reserveCapacity(byFlow.count)
    var k = 0
    for _ in 0..<byFlow.count {
        scattered.append(byFlow[k])
        k = (k + 7919) % byFlow.count
    }
    return scattered
}

/// A meter holding `steadyFlowCount` live flows, warmed up so that metering more of the same packets only
/// updates existing flows: no flow is created or expired, no plugin state is reset.
public final class SteadyFlowsState {
    public var meter: Meter
    let packets: [DecodedPacket]
    let exporter = NoOpExporter()
    var next = 0
    var packetNumber: UInt64 = 0
    /// Packet time starts here (ms) and advances 1 ms every 1000 packets (1 Mpps of packet time).
    let startTime: UInt64 = 1_700_000_000_000

    public init(configuration: MeterConfiguration = MeterConfiguration(), plugins: [any FeaturePlugin]) {
        meter = Meter(configuration: configuration, plugins: plugins)
        packets = makeSteadyPackets()
        // Warm-up, unmeasured: every flow is created by its first forward packet (which sizes the plugin
        // stores and starts every plugin state), then every packet of the set is metered 10 times, so the
        // table has grown to its final size and SPLT sequences are full.
        run(count: 10 * packets.count)
        check()
    }

    /// Traps unless the meter still holds exactly the steady flows and none has left.
    public func check() {
        precondition(
            meter.table.count == steadyFlowCount && meter.statistics.flowsExpired == 0 && exporter.exported == 0,
            "expected \(steadyFlowCount) live flows and none expired, have \(meter.table.count) live, "
                + "\(meter.statistics.flowsExpired) expired")
    }

    /// The number of packets metered so far (warm-up included).
    public var packetsMetered: UInt64 { meter.statistics.packets }

    /// Meters the next `count` packets of the set.
    public func run(count: Int) {
        // One exclusive access to each property for the whole loop: the loop itself works on locals.
        runLoop(&meter, &next, &packetNumber, count: count)
    }

    @inline(__always)
    func runLoop(_ meter: inout Meter, _ next: inout Int, _ number: inout UInt64, count: Int) {
        let n = packets.count
        let start = startTime
        let exporter = exporter
        packets.withUnsafeBufferPointer { packets in
            var i = next
            var k = number
            for _ in 0..<count {
                var p = packets[i]
                p.time = start &+ k / 1000
                meter.process(&p, exporter: exporter)
                k &+= 1
                i += 1
                if i == n { i = 0 }
            }
            next = i
            number = k
        }
    }
}
