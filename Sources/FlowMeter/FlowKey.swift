import FlowPacket

/// Direction-free flow key: both endpoints in canonical order, protocol, VLAN and tunnel id (NFStream's key;
/// the IP version is part of it because NFStream keys on address text, where 1.2.3.4 and ::1.2.3.4 differ).
public struct FlowKey: Hashable, Sendable {
    /// The endpoint address that sorts first (with its port as tie-breaker): the key forgets direction.
    public var lowAddress: IPAddress
    /// The other endpoint's address.
    public var highAddress: IPAddress
    /// The port that goes with `lowAddress`.
    public var lowPort: UInt16
    /// The port that goes with `highAddress`.
    public var highPort: UInt16
    /// IP protocol number.
    public var ipProtocol: UInt8
    /// Tunnel id (`TunnelKind` raw value, 0 none).
    public var tunnelID: UInt8
    /// VID of the innermost VLAN tag (0 untagged).
    public var vlanID: UInt16

    /// The key of `p`'s flow: the same for both directions of a conversation.
    @inlinable
    public init(_ p: DecodedPacket) {
        let s = p.source
        let d = p.destination
        // Both addresses of a packet have the same version: order on (high, low, port).
        let sourceFirst =
            s.high != d.high ? s.high < d.high : (s.low != d.low ? s.low < d.low : p.sourcePort <= p.destinationPort)
        if sourceFirst {
            lowAddress = s; highAddress = d; lowPort = p.sourcePort; highPort = p.destinationPort
        } else {
            lowAddress = d; highAddress = s; lowPort = p.destinationPort; highPort = p.sourcePort
        }
        ipProtocol = p.ipProtocol
        tunnelID = p.tunnelID
        vlanID = p.vlanID
    }

    /// A 64-bit hash of the (already canonical, so direction-free) key, well mixed in every bit.
    @inlinable
    public var hashValue64: UInt64 {
        var h = lowAddress.high &* 0x9E37_79B9_7F4A_7C15
        h = (h ^ lowAddress.low) &* 0xC2B2_AE3D_27D4_EB4F
        h = (h ^ highAddress.high) &* 0x1656_67B1_9E37_79F9
        h = (h ^ highAddress.low) &* 0x9E37_79B9_7F4A_7C15
        let small =
            UInt64(lowPort) << 48 | UInt64(highPort) << 32 | UInt64(ipProtocol) << 24 | UInt64(tunnelID) << 16
            | UInt64(vlanID) << 4 | UInt64(lowAddress.version)
        h ^= small
        // MurmurHash3's 64-bit finaliser.
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }
}
