import FlowMeter
import FlowPacket
import FlowWriters

/// The text of an address or MAC, formatted in a buffer on the stack.
struct StackText: ByteOutput {
    /// Longer than any address or MAC text (an IPv6 address takes at most 45 characters).
    static let capacity = 64
    let base: UnsafeMutablePointer<UInt8>
    var count = 0

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        precondition(count < Self.capacity, "address text longer than \(Self.capacity) bytes")
        base[count] = byte
        count &+= 1
    }
}
