import FlowPacket

/// The kind of one value in a ``FlowRecord``: the ``FlowFieldSink`` call that wrote it.
public enum FlowValueKind: UInt8, Sendable {
    case unsigned = 1
    case signed = 2
    case double = 3
    case address = 4
    /// A whole MAC address (`appendMAC(_:ouiOnly: false)`).
    case mac = 5
    /// The first three bytes of a MAC address (`appendMAC(_:ouiOnly: true)`).
    case oui = 6
    case text = 7
    /// A list of integers (any signed width; stored as 64-bit values).
    case list = 8
}
