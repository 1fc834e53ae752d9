import FlowMeter
import FlowPacket
import FlowWriters
import Synchronization

/// One packet routed to a meter thread.
struct RoutedPacket {
    var packet: DecodedPacket
    var hash: UInt64
    var index: UInt64
    /// The frame's bytes in the batch's frame arena (copied only when a plugin reads packet bytes).
    var frameStart: Int32
    var frameLength: Int32
}
