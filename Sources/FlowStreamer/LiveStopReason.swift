import FlowCapture
import FlowIngest
import FlowMeter
import FlowPacket
import FlowWriters

#if canImport(Glibc)
import Glibc
#endif

/// Why a live capture stopped.
public enum LiveStopReason: Sendable, Equatable {
    case signal, duration, maxPackets
    case captureFailed(String)
    case outputFailed
}
