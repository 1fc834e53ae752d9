import FlowPacket

/// The captured frame as an object: timestamp, wire length, its own copy of the bytes, and the first layer.
public final class PacketObject {
    /// Capture time: whole seconds since the epoch.
    public let seconds: Int
    /// Capture time: microseconds within the second.
    public let microseconds: Int
    /// The packet's length on the wire.
    public let wireLength: UInt32
    /// A copy of the captured bytes (scapy keeps the original bytes with the packet).
    public let original: [UInt8]
    /// The outermost layer (the link layer); each layer's `payload` is the next one in.
    public var firstLayer: PacketLayer?

    /// A packet object with a copy of the captured bytes and no layers yet.
    public init(seconds: Int, microseconds: Int, wireLength: UInt32, original: [UInt8]) {
        self.seconds = seconds
        self.microseconds = microseconds
        self.wireLength = wireLength
        self.original = original
    }

    /// The first layer called `name`, searched from the outside in.
    public func layer(named name: String) -> PacketLayer? { firstLayer?.layer(named: name) }
}
