import FlowCapture
import FlowMeter
import FlowPacket

/// What a conversion did: packets read and ignored by reason, flows written, and whether input ended early.
public struct ConversionReport: Sendable {
    public var packetsRead: UInt64 = 0
    public var packetsMetered: UInt64 = 0
    /// Packets the decoder ignored, by reason (indexed by `DecodeOutcome.rawValue`).
    public var ignored = [UInt64](repeating: 0, count: DecodeOutcome.allCases.count)
    public var flowsWritten: UInt64 = 0
    public var peakActiveFlows: Int = 0
    /// Flows expired early because their shard of a bounded table was full.
    public var flowsEvicted: UInt64 = 0
    /// Set when a capture could not be read to its end; the flows metered before were still written.
    public var inputError: PcapError? = nil
    /// Set when the run was stopped by SIGINT/SIGTERM.
    public var interrupted = false

    public init() {}

    public var packetsIgnored: UInt64 { ignored.reduce(0, +) }
}
