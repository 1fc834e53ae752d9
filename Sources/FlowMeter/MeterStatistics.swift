import FlowPacket

/// Counters a meter keeps about its own work.
public struct MeterStatistics: Sendable, Equatable {
    /// Packets metered.
    public var packets: UInt64 = 0
    /// Flows created (each first packet of a flow).
    public var flowsCreated: UInt64 = 0
    /// Flows exported, whatever the reason (evicted ones included).
    public var flowsExpired: UInt64 = 0
    /// Flows expired early because their shard of the table was full (`--max-flows`).
    public var flowsEvicted: UInt64 = 0
    /// Flows in the table now.
    public var activeFlows: Int = 0
    /// Most flows the table held at once.
    public var peakActiveFlows: Int = 0
    /// All counters zero.
    public init() {}

    /// Adds another meter's counters; active and peak flows are summed too (for peaks an upper bound of the total).
    public mutating func add(_ other: MeterStatistics) {
        packets += other.packets
        flowsCreated += other.flowsCreated
        flowsExpired += other.flowsExpired
        flowsEvicted += other.flowsEvicted
        activeFlows += other.activeFlows
        peakActiveFlows += other.peakActiveFlows
    }
}
