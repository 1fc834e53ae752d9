import FlowCapture
import FlowIngest
import FlowMeter
import FlowPacket
import FlowWriters

#if canImport(Glibc)
import Glibc
#endif

/// What ends a live capture besides SIGINT/SIGTERM.
public struct LiveLimits: Sendable {
    /// Stop after this many seconds (nil: no limit).
    public var durationSeconds: Double? = nil
    /// Stop after this many packets (nil: no limit).
    public var maxPackets: UInt64? = nil
    /// Report statistics every this many seconds (nil: only at the end).
    public var statsIntervalSeconds: Double? = nil
    /// No limits, statistics only at the end.
    public init() {}
}
