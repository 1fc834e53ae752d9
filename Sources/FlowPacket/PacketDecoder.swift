/// Decodes one captured frame into a `DecodedPacket`, following NFStream's engine field for field
/// (see `nfstream-semantics.md` §2), with the documented extensions listed in the README
/// ("Differences from NFStream"). No allocation, no traps: every read is bounds-checked.
///
/// One function per layer: the link layer with its VLAN, MPLS and PPPoE shims (PacketDecoder+LinkLayer.swift),
/// IP and IP-in-IP (PacketDecoder+IPLayer.swift), each tunnel (PacketDecoder+Tunnels.swift), then the innermost
/// IP header and the transport header (below). `decode` steps from layer to layer with a `FrameCursor`.
public struct PacketDecoder: Sendable {
    /// The link type of the frames this decoder reads.
    public var linkType: LinkType
    /// Decode GTP-U, CAPWAP and TZSP (NFStream), VXLAN and GRE (our extension). IP-in-IP is always stripped.
    public var decodeTunnels: Bool

    /// A decoder for frames of `linkType`; `decodeTunnels` as NFStream's `decode_tunnels` (on by default).
    public init(linkType: LinkType, decodeTunnels: Bool = true) {
        self.linkType = linkType
        self.decodeTunnels = decodeTunnels
    }

    /// Decodes `bytes` (the captured part of a frame whose wire length is `wireLength`) into `packet`.
    /// `packet.time` is left for the caller to set.
    public func decode(_ bytes: UnsafeRawBufferPointer, wireLength: UInt32, into packet: inout DecodedPacket)
        -> DecodeOutcome
    {
        decode(bytes, wireLength: wireLength, into: &packet, fastPath: true)
    }

    /// `decode`, with or without the fast path (`plainEthernetIPv4`); tests compare the two.
    @inline(__always)
    func decode(_ bytes: UnsafeRawBufferPointer, wireLength: UInt32, into packet: inout DecodedPacket, fastPath: Bool)
        -> DecodeOutcome
    {
        let v = PacketView(bytes)
        var frame = FrameCursor(link: linkType)
        let fast = fastPath && linkType == .ethernet && plainEthernetIPv4(v, &frame)
        if !fast, let outcome = findInnermostIP(v, &frame) { return outcome }
        return innermostIP(v, &frame, wireLength: wireLength, into: &packet)
    }

    /// The fast path of most frames: an untagged Ethernet II frame carrying a first (or only) IPv4 fragment that is
    /// no IP-in-IP, GRE or tunnel port, whose UDP header (if UDP) was captured. Sets `frame` exactly as the layer
    /// loop (`findInnermostIP`) would and returns true; false leaves the frame to the loop, which also words every
    /// outcome other than `.decoded`.
    @inline(__always)
    func plainEthernetIPv4(_ v: PacketView, _ frame: inout FrameCursor) -> Bool {
        // The loop's first checks: 28 bytes of link layer, then 20 of IPv4 after the 14-byte Ethernet header.
        guard v.count >= 34, v.u16(12) == 0x0800 else { return false }
        let b0 = v.u8(14)
        let proto = v.u8(23)
        guard b0 >> 4 == 4, v.u16(20) & 0x1FFF == 0, proto != 4, proto != 41 else { return false }
        let l4 = 14 &+ Int(b0 & 0xF) &* 4
        if decodeTunnels {
            if proto == 47 { return false }
            if proto == 17 {
                guard v.count >= l4 &+ 8 else { return false }
                let sport = v.u16(l4)
                let dport = v.u16(l4 &+ 2)
                if Self.isTunnelPort(sport) || Self.isTunnelPort(dport) { return false }
            }
        }
        frame.destinationMAC = v.mac(0)
        frame.sourceMAC = v.mac(6)
        frame.type = 0x0800
        frame.ipOffset = 14
        frame.ipProtocol = proto
        frame.ipLength = l4 &- 14
        frame.isIPv4 = true
        frame.layers = 2
        return true
    }

    /// The UDP ports `tunnelLayer` looks into (GTP-U, TZSP, CAPWAP data, VXLAN); it reads no other, so the fast path
    /// and the tunnels agree on which packets are plain.
    @inline(__always)
    static func isTunnelPort(_ port: UInt16) -> Bool {
        port == 2152 || port == 37008 || port == 5247 || port == 4789
    }

    /// Reads the link layers, IP layers and tunnels down to the innermost IP header; nil when it is found.
    @inline(never)
    func findInnermostIP(_ v: PacketView, _ frame: inout FrameCursor) -> DecodeOutcome? {
        link: while true {
            if case .stop(let outcome) = linkLayer(v, &frame) { return outcome }
            ip: while true {
                switch ipLayer(v, &frame) {
                case .ipLayer: continue ip
                case .stop(let outcome): return outcome
                case .innermostIP: return nil
                default: break
                }
                switch tunnelLayer(v, &frame) {
                case .linkLayer: continue link
                case .ipLayer: continue ip
                case .stop(let outcome): return outcome
                default: return nil
                }
            }
        }
    }

    /// NFStream's `packet_parse` / `packet_get_ip_info` on the innermost IP header, then the transport header's
    /// ports, flags, window and sizes; fills `packet`.
    @inline(__always)
    func innermostIP(_ v: PacketView, _ frame: inout FrameCursor, wireLength: UInt32, into packet: inout DecodedPacket)
        -> DecodeOutcome
    {
        let caplen = v.count
        let ipOffset = frame.ipOffset
        let ipsize = UInt16(truncatingIfNeeded: caplen - ipOffset)
        let l4Offset: Int
        var l4Length: UInt16
        let proto: UInt8
        if frame.isIPv4 {
            if ipsize < 20 { return .truncated }
            let ihl4 = Int(v.u8(ipOffset) & 0xF) * 4
            if ihl4 > Int(ipsize) { return .truncated }
            let totalLength = v.u16(ipOffset &+ 2)
            l4Length = UInt16(truncatingIfNeeded: Int(totalLength) - ihl4)
            l4Offset = ihl4
            if max(Int(totalLength), Int(ipsize)) < l4Offset + Int(l4Length) { return .malformed }
            proto = v.u8(ipOffset &+ 9)
            packet.source = IPAddress(v4: v.u32(ipOffset &+ 12))
            packet.destination = IPAddress(v4: v.u32(ipOffset &+ 16))
            packet.ipSize = totalLength
            packet.ipVersion = 4
        } else {
            if ipsize < 40 { return .truncated }
            let plen = v.u16(ipOffset &+ 4)
            var next = v.u8(ipOffset &+ 6)
            if Int(ipsize) < 40 + Int(plen) { return .truncated }
            var l4ptr = ipOffset &+ 40
            l4Length = plen
            let walked = Self.walkIPv6Extensions(v, l3len: ipsize - 40, l4ptr: &l4ptr, l4len: &l4Length, next: &next)
            if walked != .decoded { return walked }
            l4Offset = l4ptr - ipOffset
            if l4Offset > Int(ipsize) { return .malformed }
            proto = next
            packet.source = IPAddress(high: v.u64(ipOffset &+ 8), low: v.u64(ipOffset &+ 16), version: 6)
            packet.destination = IPAddress(high: v.u64(ipOffset &+ 24), low: v.u64(ipOffset &+ 32), version: 6)
            packet.ipSize = UInt16(truncatingIfNeeded: 40 + Int(plen))
            packet.ipVersion = 6
        }
        readTransport(v, at: ipOffset &+ l4Offset, length: l4Length, protocol: proto, into: &packet)
        packet.sourceMAC = frame.sourceMAC
        packet.destinationMAC = frame.destinationMAC
        packet.ipProtocol = proto
        packet.vlanID = frame.vlan
        packet.tunnelID = frame.tunnel
        packet.rawSize = UInt16(truncatingIfNeeded: wireLength)
        packet.ipOffset = Int32(truncatingIfNeeded: ipOffset)
        packet.capturedLength = Int32(truncatingIfNeeded: caplen)
        return .decoded
    }

    /// The transport header at `l4` (`length` bytes by the IP header): TCP and UDP ports, TCP flags and window,
    /// and the transport and payload sizes NFStream counts (ICMP and ICMPv6 have an 8-byte header, no ports).
    @inline(__always)
    func readTransport(
        _ v: PacketView, at l4: Int, length l4Length: UInt16, protocol proto: UInt8, into packet: inout DecodedPacket
    ) {
        var sport: UInt16 = 0
        var dport: UInt16 = 0
        var flags: UInt8 = 0
        var window: UInt16 = 0
        var transport: UInt16 = 0
        var payload: UInt16 = 0
        var payloadOffset = l4
        switch proto {
        case 6 where l4Length >= 20:
            sport = v.u16(l4)
            dport = v.u16(l4 &+ 2)
            flags = v.u8(l4 &+ 13)
            window = v.u16(l4 &+ 14)
            let dataOffset = l4 &+ 12 < v.count ? Int(v.u8(l4 &+ 12) >> 4) * 4 : 20
            payload = UInt16(max(0, Int(l4Length) - dataOffset))
            transport = l4Length
            payloadOffset = l4 &+ min(dataOffset, Int(l4Length))
        case 17 where l4Length >= 8:
            sport = v.u16(l4)
            dport = v.u16(l4 &+ 2)
            payload = l4Length > 8 ? l4Length - 8 : 0
            transport = l4Length
            payloadOffset = l4 &+ 8
        case 1, 58:
            payload = l4Length > 8 ? l4Length - 8 : 0
            transport = l4Length
            payloadOffset = l4 &+ 8
        default:
            break
        }
        packet.sourcePort = sport
        packet.destinationPort = dport
        packet.tcpFlags = flags
        packet.tcpWindow = window
        packet.transportSize = transport
        packet.payloadSize = payload
        packet.payloadOffset = Int32(truncatingIfNeeded: payloadOffset)
    }
}
