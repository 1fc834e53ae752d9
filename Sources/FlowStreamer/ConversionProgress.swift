#if canImport(Glibc)
import Glibc
#endif
import FlowCapture
import FlowIngest
import FlowMeter
import FlowPacket
import FlowWriters

/// Progress of a running conversion, for a progress line.
public struct ConversionProgress: Sendable {
    /// Bytes of the inputs read so far.
    public var bytesRead: Int64
    /// Bytes of all the inputs (nil when one is a pipe).
    public var bytesTotal: Int64?
    /// Records read so far.
    public var packetsRead: UInt64
    /// Flows held by the meters now.
    public var activeFlows: Int
}
