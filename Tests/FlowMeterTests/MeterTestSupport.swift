import FlowFeatures
import FlowMeter
import FlowPacket
import FlowTestSupport
import Testing

typealias B = PacketBuilder

/// An exported flow with what the built-in plugins kept for it; reads like a `Flow` (dynamic member lookup).
@dynamicMemberLookup
struct ExportedFlow {
    var flow: Flow
    var statistics: StatisticsPlugin.State?
    var event: FlowEvent

    subscript<T>(dynamicMember keyPath: KeyPath<Flow, T>) -> T { flow[keyPath: keyPath] }

    var bidirectionalStatistics: DirectionalStatistics { statistics!.bidirectional }
    var src2dstStatistics: DirectionalStatistics { statistics!.src2dst }
    var dst2srcStatistics: DirectionalStatistics { statistics!.dst2src }
}

/// Collects every exported flow (a copy) with its plugin states, in export order.
final class CollectingExporter: FlowExporter {
    struct Exported {
        var flow: Flow
        var directions: [Int8]
        var sizes: [Int32]
        var piats: [Int64]
        var statistics: StatisticsPlugin.State?
        var event: FlowEvent
    }

    var exported: [Exported] = []
    var flows: [ExportedFlow] { exported.map { ExportedFlow(flow: $0.flow, statistics: $0.statistics, event: $0.event) } }

    func export(_ flow: borrowing Flow, columns: PluginColumns, event: FlowEvent) {
        let splt = columns.state(of: SPLTPlugin.self)
        exported.append(
            Exported(
                flow: copy flow, directions: splt?.directions ?? [], sizes: splt?.sizes ?? [],
                piats: splt?.piats ?? [], statistics: columns.state(of: StatisticsPlugin.self), event: event))
    }
}

/// A meter and its exporter, fed packet by packet.
struct MeterHarness: ~Copyable {
    var meter: Meter
    let exporter = CollectingExporter()

    init(
        idle: UInt64 = 120_000, active: UInt64 = 1_800_000, accountingMode: UInt8 = 0, statistics: Bool = false,
        splt: Int = 0, tcpTermination: Bool = false, plugins extra: [any FeaturePlugin] = []
    ) {
        var c = MeterConfiguration()
        c.idleTimeoutMilliseconds = idle
        c.activeTimeoutMilliseconds = active
        c.accountingMode = accountingMode
        var plugins: [any FeaturePlugin] = []
        if statistics { plugins.append(StatisticsPlugin()) }
        if splt > 0 { plugins.append(SPLTPlugin(length: splt)) }
        c.tcpTermination = tcpTermination
        meter = Meter(configuration: c, plugins: plugins + extra)
    }

    /// Processes `packet`; returns it as the meter left it (time clamped).
    @discardableResult
    mutating func feed(_ packet: DecodedPacket) -> DecodedPacket {
        var p = packet
        meter.process(&p, exporter: exporter)
        return p
    }

    mutating func flush() { meter.flush(exporter: exporter) }

    var flows: [ExportedFlow] { exporter.flows }
}

/// A decoded packet at `t` ms from `src`:`sport` to `dst`:`dport`. Its four sizes differ so the
/// accounting mode shows: raw `size`, IP `size - 14`, transport `size - 34`, payload `size - 54` (floored at 0).
func packet(
    _ t: UInt64, _ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, proto: UInt8 = 6,
    flags: UInt8 = 0, size: UInt16 = 60, vlan: UInt16 = 0, tunnel: UInt8 = 0
) -> DecodedPacket {
    var p = DecodedPacket()
    p.time = t
    p.source = B.address(src)
    p.destination = B.address(dst)
    p.sourcePort = sport
    p.destinationPort = dport
    p.ipProtocol = proto
    p.ipVersion = src.contains(":") ? 6 : 4
    p.tcpFlags = flags
    p.rawSize = size
    p.ipSize = size > 14 ? size - 14 : 0
    p.transportSize = size > 34 ? size - 34 : 0
    p.payloadSize = size > 54 ? size - 54 : 0
    p.vlanID = vlan
    p.tunnelID = tunnel
    return p
}

/// Welford mean and M2 of `xs`, in NFStream's update order (§5.4 of the semantics).
func welford(_ xs: [Double]) -> (mean: Double, m2: Double) {
    guard let first = xs.first else { return (0, 0) }
    var mean = first
    var m2 = 0.0
    for (i, x) in xs.enumerated().dropFirst() {
        let previous = mean
        mean = previous + (x - previous) / Double(i + 1)
        m2 += (x - previous) * (x - mean)
    }
    return (mean, m2)
}

/// Sample standard deviation from Welford's M2 over `n` values (0 for fewer than 2).
func sampleStandardDeviation(m2: Double, n: Int) -> Double {
    n > 1 ? (m2 / Double(n - 1)).squareRoot() : 0
}
