/// What the decoder made of one frame. A value, never a throw: hostile bytes are ordinary input.
public enum DecodeOutcome: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// The frame carried an IP packet; every field of `DecodedPacket` is set.
    case decoded
    /// The frame is shorter than the headers it announces (NFStream ignores such frames too).
    case truncated
    /// The link type is not one the decoder understands.
    case unsupportedLinkType
    /// The frame does not carry IPv4 or IPv6 (ARP, LLDP, STP …).
    case notIP
    /// A non-first IP fragment (no reassembly, as NFStream).
    case fragment
    /// Header fields contradict each other (lengths, extension headers, "no next header").
    case malformed

    /// A short lower-case reason ("non-first fragment", "not IP" …) for reports of ignored packets.
    public var description: String {
        switch self {
        case .decoded: return "decoded"
        case .truncated: return "truncated"
        case .unsupportedLinkType: return "unsupported link type"
        case .notIP: return "not IP"
        case .fragment: return "non-first fragment"
        case .malformed: return "malformed"
        }
    }
}
