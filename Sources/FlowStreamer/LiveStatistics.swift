import FlowCapture
import FlowIngest
import FlowMeter
import FlowPacket
import FlowWriters

#if canImport(Glibc)
import Glibc
#endif

/// Counters of a live capture, reported every `--stats-interval` seconds and at the end.
public struct LiveStatistics: Sendable {
    /// Packets libpcap delivered to us.
    public var packetsReceived: UInt64 = 0
    /// Dropped by the kernel (socket buffer full) and by the interface, as libpcap reports them.
    public var droppedByKernel: UInt64 = 0
    /// Dropped by the interface, as libpcap reports it.
    public var droppedByInterface: UInt64 = 0
    /// Dropped by us because a meter thread's ring was full.
    public var droppedRingFull: UInt64 = 0
    /// Packets the decoder ignored (not IP, truncated, non-first fragments …).
    public var packetsIgnored: UInt64 = 0
    /// Flows the meters hold now.
    public var flowsActive: Int = 0
    /// Rows written so far.
    public var flowsWritten: UInt64 = 0
    /// Flows expired early because their shard of the table was full (`--max-flows`; known at the end).
    public var flowsEvicted: UInt64 = 0
    /// Seconds since the capture started.
    public var elapsedSeconds: Double = 0

    /// All counters at zero.
    public init() {}

    /// One JSON object on one line; `final` marks the line written at the end of the capture.
    public func jsonLine(final: Bool) -> String {
        let ms = Int((elapsedSeconds * 1000).rounded())
        let fraction = String(ms % 1000)
        let elapsed = "\(ms / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
        return "{\"elapsed_s\":\(elapsed),\"packets_received\":\(packetsReceived),"
            + "\"packets_ignored\":\(packetsIgnored),\"dropped_by_kernel\":\(droppedByKernel),"
            + "\"dropped_by_interface\":\(droppedByInterface),\"dropped_ring_full\":\(droppedRingFull),"
            + "\"flows_active\":\(flowsActive),\"flows_written\":\(flowsWritten),\"flows_evicted\":\(flowsEvicted),"
            + "\"final\":\(final)}"
    }
}
