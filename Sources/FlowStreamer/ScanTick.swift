import FlowMeter
import FlowPacket
import FlowWriters
import Synchronization

/// An idle scan at `clock`, after packet `index` (broadcast to every meter).
struct ScanTick {
    var index: UInt64
    var clock: UInt64
}
