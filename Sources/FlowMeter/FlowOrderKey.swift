import FlowPacket

/// The total order of output rows: event position, then event kind, then the flow's last packet index
/// (unique per flow). It depends only on the input, so any number of meters produce the same order.
public struct FlowOrderKey: Comparable, Sendable {
    /// The event's packet index.
    public var index: UInt64
    /// The event's `Kind` raw value (arrival before scan before end at the same index).
    public var kind: UInt8
    /// The flow's `lastPacketIndex`, which breaks ties between flows of one event.
    public var lastPacket: UInt64

    /// The key of a flow with last packet `lastPacket` that left at `event`.
    @inlinable
    public init(event: FlowEvent, lastPacket: UInt64) {
        index = event.index
        kind = event.kind.rawValue
        self.lastPacket = lastPacket
    }

    /// Event index, then kind, then last packet index.
    @inlinable
    public static func < (a: FlowOrderKey, b: FlowOrderKey) -> Bool {
        if a.index != b.index { return a.index < b.index }
        if a.kind != b.kind { return a.kind < b.kind }
        return a.lastPacket < b.lastPacket
    }
}
