#if canImport(Glibc)
import Glibc
#endif
import FlowMeter
import FlowPacket
import FlowWriters

/// Where decoded packets go: one meter on the reading thread, or a dispatcher feeding meter threads.
protocol PacketConsumer: ~Copyable {
    mutating func consume(_ packet: inout DecodedPacket, frame: UnsafeRawBufferPointer)
    /// Set once output has failed: reading stops.
    var failed: Bool { get }
    var activeFlows: Int { get }
    /// Rows written so far.
    var rowsWritten: UInt64 { get }
    /// Packets dropped because a meter's ring was full (live capture only; offline input waits instead).
    var droppedRingFull: UInt64 { get }
    /// A wall-clock tick: idle flows leave even when no packet arrives.
    mutating func tick(clock: UInt64)
    /// Ends the input: every remaining flow is written. Returns the meters' counters.
    mutating func finish() -> MeterStatistics
    /// The writer's first error, if any (complete once `finish()` has returned).
    var outputError: Error? { get }
}
