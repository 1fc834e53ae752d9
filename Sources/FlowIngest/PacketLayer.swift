import FlowPacket

/// A decoded layer as its own heap object, the way scapy builds packets: a class instance per layer with a
/// name, a dictionary of fields read from the header bytes, and the next layer chained as its payload.
/// This is the `object` ingestion path's deliberate cost (allocation, hashing, indirection per packet); the
/// meter is then fed a `DecodedPacket` built only from these objects' fields.
public class PacketLayer {
    /// The layer's name ("Ether", "Dot1Q", "Encapsulation", "IP", "IPv6", "TCP", "UDP", "ICMP", "Raw" …).
    public let name: String
    /// Field values by name (header fields, plus the lengths and offsets the decoder derived: `_offset`,
    /// `_l4len`, `_payload_len` …, as scapy exposes computed attributes next to its fields).
    public var fields: [String: LayerField] = [:]
    /// The layer inside this one.
    public var payload: PacketLayer?
    /// The layer around this one.
    public weak var underlayer: PacketLayer?

    /// An empty layer called `name` (scapy's class name: `Ether`, `IP`, `TCP` …).
    public init(name: String) {
        self.name = name
    }

    /// Chains `layer` as this layer's payload and returns it.
    @discardableResult
    public func add(_ layer: PacketLayer) -> PacketLayer {
        payload = layer
        layer.underlayer = self
        return layer
    }

    /// The integer field `key`, nil when the layer has none.
    public func int(_ key: String) -> Int? {
        if case .int(let v)? = fields[key] { return v }
        return nil
    }

    /// This layer or the first layer below it named `name`.
    public func layer(named name: String) -> PacketLayer? {
        var current: PacketLayer? = self
        while let layer = current {
            if layer.name == name { return layer }
            current = layer.payload
        }
        return nil
    }
}
