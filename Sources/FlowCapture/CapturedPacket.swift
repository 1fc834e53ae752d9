import FlowPacket

#if canImport(Glibc)
import Glibc
#endif

/// One record read from a capture: header fields and the captured bytes, borrowed until the next read.
public struct CapturedPacket {
    /// Capture timestamp as libpcap gives it: seconds and the nanoseconds within them (a handle opened at
    /// microsecond precision gives multiples of 1000; either part may be negative).
    public var seconds: Int
    /// Nanoseconds within `seconds` (multiples of 1000 at microsecond precision).
    public var nanoseconds: Int
    /// Bytes captured and the packet's length on the wire.
    public var capturedLength: UInt32
    /// The packet's length on the wire (at least `capturedLength`).
    public var wireLength: UInt32
    /// The captured bytes, valid until the next read.
    public var bytes: UnsafeRawBufferPointer

    /// A record with these header fields over `bytes` (borrowed, not copied).
    @inlinable
    public init(
        seconds: Int, nanoseconds: Int, capturedLength: UInt32, wireLength: UInt32, bytes: UnsafeRawBufferPointer
    ) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
        self.capturedLength = capturedLength
        self.wireLength = wireLength
        self.bytes = bytes
    }
}
