import FlowMeter
import FlowPacket

/// NFStream's early-packet sequences (`splt_analysis=N`): for the first N packets of a flow, the direction
/// (0 src→dst, 1 dst→src), the size under the accounting mode and the inter-arrival time in the meter's time unit
/// (ms by default; 0 for the first packet), padded with -1. Three list columns.
public struct SPLTPlugin: FeaturePlugin {
    /// The first N packets' directions, sizes and inter-arrival times, each -1 where no packet came.
    public struct State: Sendable {
        /// 0 src→dst, 1 dst→src, -1 none (`splt_direction`).
        public var directions: [Int8]
        /// Sizes under the accounting mode, -1 none (`splt_ps`).
        public var sizes: [Int32]
        /// Times since the flow's previous packet in the meter's unit, 0 for the first, -1 none (`splt_piat_*`).
        public var piats: [Int64]
    }

    /// N, the number of packets recorded.
    public let length: Int

    /// The unit of `splt_piat_*` (the meter's).
    public let timeUnit: TimeUnit

    /// Records the first `length` packets (> 0; `--splt N`) with times in `timeUnit`.
    public init(length: Int, timeUnit: TimeUnit = .milliseconds) {
        precondition(length > 0, "SPLT length must be positive")
        self.length = length
        self.timeUnit = timeUnit
    }

    /// `splt`.
    public var name: String { "splt" }

    /// `splt_direction`, `splt_ps` and `splt_piat_<unit>`.
    public var columns: [FeatureColumn] {
        [
            .init("splt_direction", .list, "Directions of the first \(length) packets (0 src→dst, 1 dst→src, -1 none)"),
            .init("splt_ps", .list, "Sizes of the first \(length) packets under the accounting mode (-1 none)"),
            .init(
                "splt_piat_\(timeUnit.suffix)", .list,
                "Inter-arrival times in \(timeUnit.suffix) of the first \(length) packets (first 0, -1 none)"),
        ]
    }

    /// Three arrays of `length` entries, all -1.
    public func makeState() -> State {
        State(
            directions: Array(repeating: -1, count: length), sizes: Array(repeating: -1, count: length),
            piats: Array(repeating: -1, count: length))
    }

    /// Clears in place: no allocation when a slot is reused.
    public func reset(_ state: inout State) {
        for i in 0..<length {
            state.directions[i] = -1
            state.sizes[i] = -1
            state.piats[i] = -1
        }
    }

    /// Records the first packet: direction 0, its size, time 0.
    @inlinable @inline(__always)
    public func flowStarted(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext)
        -> PluginAction
    {
        state.directions[0] = 0
        state.sizes[0] = Int32(packet.size)
        state.piats[0] = 0
        return .keep
    }

    /// Records the packet when it is among the first `length`.
    @inlinable @inline(__always)
    public func packetObserved(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext)
        -> PluginAction
    {
        record(
            &state, position: flow.packets &- 1, direction: packet.direction, size: packet.size, piat: packet.deltaTime)
        return .keep
    }

    @inlinable
    func record(_ state: inout State, position: UInt64, direction: UInt8, size: UInt16, piat: UInt64) {
        if position < UInt64(length) {
            let i = Int(position)
            state.directions[i] = Int8(direction)
            state.sizes[i] = Int32(size)
            state.piats[i] = Int64(bitPattern: piat)
        }
    }

    /// Writes the three lists.
    @inlinable
    public func write<Sink: FlowFieldSink>(_ state: borrowing State, flow: borrowing Flow, to sink: inout Sink) {
        sink.appendList(state.directions)
        sink.appendList(state.sizes)
        sink.appendList(state.piats)
    }
}
