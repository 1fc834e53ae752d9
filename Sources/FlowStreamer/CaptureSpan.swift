#if canImport(Glibc)
import Glibc
#endif
import FlowCapture
import FlowIngest
import FlowMeter
import FlowPacket
import FlowWriters

/// The capture times of the first and last packet read from an input, for its summary (kept as libpcap gives
/// them; converted once, at the end).
struct CaptureSpan {
    var first: (seconds: Int, nanoseconds: Int)? = nil
    var last = (seconds: 0, nanoseconds: 0)

    @inline(__always)
    mutating func note(_ packet: CapturedPacket) {
        last = (packet.seconds, packet.nanoseconds)
        if first == nil { first = last }
    }

    /// Writes the span, in microseconds since the epoch, when a packet was read.
    func record(into summary: inout ConversionReport.InputSummary) {
        guard let first else { return }
        summary.firstMicroseconds = Int64(first.seconds) &* 1_000_000 &+ Int64(first.nanoseconds / 1000)
        summary.lastMicroseconds = Int64(last.seconds) &* 1_000_000 &+ Int64(last.nanoseconds / 1000)
    }
}
