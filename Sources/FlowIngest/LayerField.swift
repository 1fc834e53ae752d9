import FlowPacket

/// One field value of a layer object, as scapy keeps field values in a dictionary per layer.
public enum LayerField: Sendable, Equatable {
    case int(Int)
    case mac(MACAddress)
    case address(IPAddress)
    case bytes([UInt8])
}
