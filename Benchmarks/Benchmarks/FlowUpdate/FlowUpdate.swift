// FlowUpdate: Meter.process on pre-decoded packets of 10,000 live flows, in steady state: setup creates
// the flows and warms them up, so the measured packets only update existing flows (no flow is created or
// expired while measuring). One measured unit is 1M packets (scalingFactor .mega): wall clock reads as ns
// per packet. Updating a flow must not allocate: mallocCountTotal has an absolute threshold of 0
// (Thresholds/FlowUpdate.*.p90.json, checked by `swift package benchmark thresholds check`).
import Benchmark
import BenchmarkFixtures
import FlowMeter
import FlowPacket

/// An exporter that drops every flow (none leaves the table in steady state anyway).
final class NoOpExporter: FlowExporter {
    var exported = 0
    func export(_ flow: borrowing Flow, splt: SPLTView) { exported += 1 }
}

let flowCount = 10_000

/// Both directions of `flowCount` flows, decoded once: 80 % IPv4 TCP, 10 % VLAN UDP, 10 % IPv6 TCP,
/// laid out in a scattered order (stride 7919, coprime to the count) so consecutive packets hit distant slots.
func makePackets() -> [DecodedPacket] {
    var byFlow: [DecodedPacket] = []
    byFlow.reserveCapacity(2 * flowCount)
    for i in 0..<flowCount {
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

/// Everything one benchmark keeps between measured units.
final class FlowUpdateState {
    var meter: Meter
    let packets: [DecodedPacket]
    let exporter = NoOpExporter()
    var next = 0
    var packetNumber: UInt64 = 0
    /// Packet time starts here (ms) and advances 1 ms every 1000 packets (1 Mpps of packet time).
    let startTime: UInt64 = 1_700_000_000_000

    init(configuration: MeterConfiguration) {
        meter = Meter(configuration: configuration)
        packets = makePackets()
        // Warm-up, unmeasured: every flow is created by its first forward packet, then every packet of the
        // set is metered 10 times, so the table has grown to its final size and SPLT rows are filled.
        run(count: 10 * packets.count)
        precondition(meter.table.count == flowCount, "expected \(flowCount) flows, have \(meter.table.count)")
    }

    func run(count: Int) {
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
                p.timeMilliseconds = start &+ k / 1000
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

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 1,
        scalingFactor: .mega,
        maxDuration: .seconds(3),
        maxIterations: 30,
        thresholds: [
            // Steady state: no allocation per packet or per flow update.
            .mallocCountTotal: .init(absolute: [.p90: 0])
        ]
    )

    var defaults = MeterConfiguration()
    defaults.statistics = false
    var full = MeterConfiguration()
    full.statistics = true
    full.spltLength = 10

    for (name, configuration) in [("Steady10kFlows", defaults), ("Steady10kFlowsStatisticsSPLT10", full)] {
        Benchmark(name) { benchmark, state in
            let n = benchmark.scaledIterations.count
            benchmark.startMeasurement()
            state.run(count: n)
            benchmark.stopMeasurement()
            precondition(state.meter.statistics.flowsExpired == 0 && state.meter.table.count == flowCount)
        } setup: {
            FlowUpdateState(configuration: configuration)
        }
    }
}
