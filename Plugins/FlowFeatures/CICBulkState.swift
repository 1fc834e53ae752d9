/// CICFlowMeter's bulk detection for one direction: a bulk is at least 4 consecutive packets with payload in
/// that direction, each within 1 s of the previous one, with no payload packet of the other direction in
/// between. Times in milliseconds.
public struct CICBulkState: Sendable, Equatable {
    /// Whether a candidate bulk is open, its start, its packets and bytes so far.
    public var candidateOpen = false
    /// Time (ms) of the open candidate's first packet.
    public var candidateStart: UInt64 = 0
    /// Payload packets in the open candidate.
    public var candidatePackets: UInt64 = 0
    /// Payload bytes in the open candidate.
    public var candidateBytes: UInt64 = 0
    /// Time of the latest payload packet of this direction (valid when `hasLast`).
    public var hasLast = false
    /// Time (ms) of the latest payload packet of this direction.
    public var last: UInt64 = 0
    /// Completed bulks, their packets, bytes and duration (ms).
    public var bulks: UInt64 = 0
    /// Packets in completed bulks.
    public var packets: UInt64 = 0
    /// Payload bytes in completed bulks.
    public var bytes: UInt64 = 0
    /// Total duration (ms) of the bulks, first to last packet of each.
    public var duration: UInt64 = 0

    /// No bulk, no candidate.
    public init() {}

    /// Gap (ms) above which a candidate bulk restarts.
    public static let maximumGap: UInt64 = 1_000
    /// Packets that make a candidate a bulk.
    public static let minimumPackets: UInt64 = 4

    /// A packet of this direction with `payload` bytes at `time`; `otherLast` is the time of the opposite
    /// direction's latest payload packet, if any.
    @inlinable
    public mutating func add(payload: UInt64, time: UInt64, otherHasLast: Bool, otherLast: UInt64) {
        // A payload packet of the other direction after the candidate started breaks it.
        if candidateOpen && otherHasLast && otherLast > candidateStart { candidateOpen = false }
        if payload == 0 { return }
        if !candidateOpen || time &- last > Self.maximumGap {
            candidateOpen = true
            candidateStart = time
            candidatePackets = 1
            candidateBytes = payload
        } else {
            candidatePackets &+= 1
            candidateBytes &+= payload
            if candidatePackets == Self.minimumPackets {
                bulks &+= 1
                packets &+= candidatePackets
                bytes &+= candidateBytes
                duration &+= time &- candidateStart
            } else if candidatePackets > Self.minimumPackets {
                packets &+= 1
                bytes &+= payload
                duration &+= time &- last
            }
        }
        hasLast = true
        last = time
    }

    /// Mean bytes per bulk (0 without bulks).
    @inlinable
    public var averageBytes: Double { bulks > 0 ? Double(bytes) / Double(bulks) : 0 }
    /// Mean packets per bulk (0 without bulks).
    @inlinable
    public var averagePackets: Double { bulks > 0 ? Double(packets) / Double(bulks) : 0 }
    /// Bytes per second over the bulks' total duration (0 when that duration is 0).
    @inlinable
    public var rate: Double { duration > 0 ? Double(bytes) / (Double(duration) / 1000) : 0 }
}
