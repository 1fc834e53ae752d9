import FlowPacket

#if canImport(Glibc)
import Glibc
#endif

/// The result of one read.
public enum ReadResult {
    case packet(CapturedPacket)
    case endOfFile
    case failed(String)
    /// Live capture only: the read timed out without a packet.
    case timeout
}
