import FlowPacket
import FlowTestSupport
import Testing

typealias B = PacketBuilder

/// Decodes `frame` (cut to `capturedLength` bytes if given) with a fresh packet.
func decode(
    _ frame: [UInt8], link: LinkType = .ethernet, tunnels: Bool = true, capturedLength: Int? = nil,
    wireLength: Int? = nil
) -> (outcome: DecodeOutcome, packet: DecodedPacket) {
    let captured = Array(frame.prefix(capturedLength ?? frame.count))
    var packet = DecodedPacket()
    let decoder = PacketDecoder(linkType: link, decodeTunnels: tunnels)
    let outcome = captured.withUnsafeBytes {
        decoder.decode($0, wireLength: UInt32(wireLength ?? frame.count), into: &packet)
    }
    return (outcome, packet)
}

/// The 20-byte IPv4 + 20-byte TCP (no options) carrying `payload` bytes, from 10.0.0.1:40000 to 10.0.0.2:80.
func ipv4TCP(
    src: String = "10.0.0.1", dst: String = "10.0.0.2", sport: UInt16 = 40000, dport: UInt16 = 80,
    flags: UInt8 = TCPFlags.ack | TCPFlags.psh, payload: Int = 10
) -> [UInt8] {
    B.ipv4(
        src: src, dst: dst, protocol: IPProtocol.tcp,
        B.tcp(sport: sport, dport: dport, flags: flags, window: 501, B.payload(payload)))
}

/// IPv4 + UDP (8 + `payload` bytes) from `src`:`sport` to `dst`:`dport`.
func ipv4UDP(
    src: String = "192.168.1.10", dst: String = "8.8.8.8", sport: UInt16 = 53000, dport: UInt16 = 53,
    payload: Int = 30
) -> [UInt8] {
    B.ipv4(src: src, dst: dst, protocol: IPProtocol.udp, B.udp(sport: sport, dport: dport, B.payload(payload)))
}

/// IPv6 + UDP (8 + `payload` bytes).
func ipv6UDP(
    src: String = "2001:db8::1", dst: String = "2001:db8::2", sport: UInt16 = 5353, dport: UInt16 = 5354,
    extensions: [PacketBuilder.IPv6Extension] = [], payload: Int = 20
) -> [UInt8] {
    B.ipv6(
        src: src, dst: dst, nextHeader: IPProtocol.udp, extensions: extensions,
        B.udp(sport: sport, dport: dport, B.payload(payload)))
}

/// Checks the 5-tuple and version of a decoded packet.
func expectTuple(
    _ p: DecodedPacket, _ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, proto: UInt8,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(p.source == B.address(src), sourceLocation: sourceLocation)
    #expect(p.destination == B.address(dst), sourceLocation: sourceLocation)
    #expect(p.sourcePort == sport, sourceLocation: sourceLocation)
    #expect(p.destinationPort == dport, sourceLocation: sourceLocation)
    #expect(p.ipProtocol == proto, sourceLocation: sourceLocation)
    #expect(p.ipVersion == (src.contains(":") ? 6 : 4), sourceLocation: sourceLocation)
}

/// Checks the four sizes of a decoded packet.
func expectSizes(
    _ p: DecodedPacket, raw: UInt16, ip: UInt16, transport: UInt16, payload: UInt16,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(p.rawSize == raw, "rawSize", sourceLocation: sourceLocation)
    #expect(p.ipSize == ip, "ipSize", sourceLocation: sourceLocation)
    #expect(p.transportSize == transport, "transportSize", sourceLocation: sourceLocation)
    #expect(p.payloadSize == payload, "payloadSize", sourceLocation: sourceLocation)
}
