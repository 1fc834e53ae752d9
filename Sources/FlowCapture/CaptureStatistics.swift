import FlowPacket

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// libpcap's counters for a live capture, widened to 64 bits, counted since the capture was opened.
public struct CaptureStatistics: Sendable, Hashable {
    /// Packets that passed the filter (`ps_recv`; on Linux the dropped ones are included).
    public var received: UInt64
    /// Packets the kernel dropped because the capture buffer was full (`ps_drop`).
    public var droppedByKernel: UInt64
    /// Packets the interface or its driver dropped (`ps_ifdrop`; on Linux the interface's `rx_dropped`).
    public var droppedByInterface: UInt64

    /// A value with the given counts.
    public init(received: UInt64 = 0, droppedByKernel: UInt64 = 0, droppedByInterface: UInt64 = 0) {
        self.received = received
        self.droppedByKernel = droppedByKernel
        self.droppedByInterface = droppedByInterface
    }
}
