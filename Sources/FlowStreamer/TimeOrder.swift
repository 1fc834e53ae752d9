#if canImport(Glibc)
import Glibc
#endif
import FlowCapture
import FlowIngest
import FlowMeter
import FlowPacket
import FlowWriters

/// The latest packet time seen so far (as the meter's clock sees it: decoded packets, in its time unit) and, for
/// the input being read, how many packets were stamped before it and by how much at most.
struct TimeOrder {
    var latest: UInt64 = 0
    var behind: UInt64 = 0
    var most: UInt64 = 0

    /// Notes a decoded packet's time, exactly as `Meter` moves its clock.
    @inline(__always)
    mutating func observe(_ time: UInt64) {
        if time > latest {
            latest = time
        } else if time < latest {
            behind &+= 1
            if latest &- time > most { most = latest &- time }
        }
    }

    /// Starts counting for the next input (the latest time carries over).
    mutating func startInput() {
        behind = 0
        most = 0
    }
}
