import FlowMeter
import FlowPacket

/// NFStream's 48 statistical columns (`statistical_analysis=True`): per direction (bidirectional, src2dst,
/// dst2src) min/mean/stddev/max of the packet size and of the inter-arrival time, then TCP flag counts.
/// Means and sample standard deviations follow NFStream's Welford update order, so they match it bit for bit.
public struct StatisticsPlugin: FeaturePlugin {
    /// Size, inter-arrival and flag statistics of both directions together and of each one.
    public struct State: Sendable {
        /// Every packet of the flow (`bidirectional_*`).
        public var bidirectional = DirectionalStatistics()
        /// The src→dst packets (`src2dst_*`).
        public var src2dst = DirectionalStatistics()
        /// The dst→src packets (`dst2src_*`).
        public var dst2src = DirectionalStatistics()
        @usableFromInline var src2dstLastSeen: UInt64 = 0
        @usableFromInline var dst2srcLastSeen: UInt64 = 0
        /// Empty statistics.
        public init() {}
    }

    /// The unit of the inter-arrival columns (the meter's: packet times arrive in its ticks).
    public let timeUnit: TimeUnit

    /// The plugin for a meter whose times are in `timeUnit` (it names the `*_piat_*` columns).
    public init(timeUnit: TimeUnit = .milliseconds) {
        self.timeUnit = timeUnit
    }

    /// `statistics`.
    public var name: String { "statistics" }

    /// TCP flag columns, in NFStream's order.
    public static let flagColumnOrder = ["syn", "cwr", "ece", "urg", "ack", "psh", "rst", "fin"]

    /// The 48 columns: min/mean/stddev/max of size and inter-arrival time per direction, then flag counts.
    public var columns: [FeatureColumn] {
        var cols: [FeatureColumn] = []
        for (metric, unit) in [
            ("ps", "packet size (accounting mode)"),
            ("piat_\(timeUnit.suffix)", "inter-arrival time in \(timeUnit.suffix)"),
        ] {
            for d in ["bidirectional", "src2dst", "dst2src"] {
                cols.append(.init("\(d)_min_\(metric)", .integer, "Minimum \(unit), \(d)"))
                cols.append(.init("\(d)_mean_\(metric)", .float, "Mean \(unit), \(d)"))
                cols.append(.init("\(d)_stddev_\(metric)", .float, "Sample standard deviation of the \(unit), \(d)"))
                cols.append(.init("\(d)_max_\(metric)", .integer, "Maximum \(unit), \(d)"))
            }
        }
        for d in ["bidirectional", "src2dst", "dst2src"] {
            for flag in Self.flagColumnOrder {
                cols.append(.init("\(d)_\(flag)_packets", .integer, "Packets with TCP \(flag.uppercased()) set, \(d)"))
            }
        }
        return cols
    }

    /// Empty statistics.
    public func makeState() -> State { State() }

    /// Starts the bidirectional and src→dst statistics with the first packet.
    @inlinable @inline(__always)
    public func flowStarted(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext)
        -> PluginAction
    {
        state.bidirectional.start(size: packet.size, flags: packet.packet.tcpFlags)
        state.src2dst.start(size: packet.size, flags: packet.packet.tcpFlags)
        state.src2dstLastSeen = packet.packet.time
        return .keep
    }

    /// Adds the packet to the bidirectional statistics and to its direction's.
    @inlinable @inline(__always)
    public func packetObserved(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext)
        -> PluginAction
    {
        Self.observe(
            &state, packets: flow.packets, src2dstPackets: flow.src2dstPackets, dst2srcPackets: flow.dst2srcPackets,
            time: packet.packet.time, flags: packet.packet.tcpFlags, size: packet.size,
            deltaTime: packet.deltaTime, direction: packet.direction)
        return .keep
    }

    /// The update of `packetObserved` on plain values.
    @inlinable
    static func observe(
        _ state: inout State, packets: UInt64, src2dstPackets: UInt64, dst2srcPackets: UInt64, time t: UInt64,
        flags: UInt8, size: UInt16, deltaTime: UInt64, direction: UInt8
    ) {
        state.bidirectional.add(size: size, flags: flags, piat: deltaTime, count: packets)
        if direction == 0 {
            state.src2dst.add(size: size, flags: flags, piat: t &- state.src2dstLastSeen, count: src2dstPackets)
            state.src2dstLastSeen = t
        } else {
            if dst2srcPackets == 1 {
                state.dst2src.start(size: size, flags: flags)
            } else {
                state.dst2src.add(size: size, flags: flags, piat: t &- state.dst2srcLastSeen, count: dst2srcPackets)
            }
            state.dst2srcLastSeen = t
        }
    }

    /// Writes the sizes, then the inter-arrival times, then the flag counts, each for both, src→dst, dst→src.
    @inlinable
    public func write<Sink: FlowFieldSink>(_ state: borrowing State, flow: borrowing Flow, to sink: inout Sink) {
        let counts = (flow.packets, flow.src2dstPackets, flow.dst2srcPackets)
        func sizes(_ s: DirectionalStatistics, _ n: UInt64) {
            sink.appendUnsigned(UInt64(s.minSize))
            sink.appendDouble(s.meanSize)
            sink.appendDouble(s.sizeStandardDeviation(count: n))
            sink.appendUnsigned(UInt64(s.maxSize))
        }
        func piats(_ s: DirectionalStatistics, _ n: UInt64) {
            sink.appendUnsigned(s.minPiat)
            sink.appendDouble(s.meanPiat)
            sink.appendDouble(s.piatStandardDeviation(count: n))
            sink.appendUnsigned(s.maxPiat)
        }
        func flags(_ s: DirectionalStatistics) {
            for i in 0..<8 { sink.appendUnsigned(UInt64(s.flagCount(columnIndex: i))) }
        }
        sizes(state.bidirectional, counts.0)
        sizes(state.src2dst, counts.1)
        sizes(state.dst2src, counts.2)
        piats(state.bidirectional, counts.0)
        piats(state.src2dst, counts.1)
        piats(state.dst2src, counts.2)
        flags(state.bidirectional)
        flags(state.src2dst)
        flags(state.dst2src)
    }
}
