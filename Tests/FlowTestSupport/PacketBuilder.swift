import FlowPacket

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Builds frames as `[UInt8]`, innermost layer first: every function takes the already-built bytes of the
/// layer it carries and returns them wrapped in its own header, with lengths (and IP/L4 checksums) filled in.
///
///     let frame = PacketBuilder.ethernet(type: EtherType.ipv4,
///         PacketBuilder.ipv4(src: "10.0.0.1", dst: "10.0.0.2", protocol: IPProtocol.tcp,
///             PacketBuilder.tcp(sport: 40000, dport: 80, flags: TCPFlags.syn, options: PacketBuilder.synOptions)))
public enum PacketBuilder {

    // MARK: - Small helpers

    /// `count` bytes of a recognisable pattern (`seed, seed+1, …`, wrapping).
    public static func payload(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0) &+ seed }
    }

    /// The 6 bytes of a MAC written `aa:bb:cc:dd:ee:ff` (or with `-`).
    public static func macBytes(_ text: String) -> [UInt8] {
        let parts = text.split(whereSeparator: { $0 == ":" || $0 == "-" })
        precondition(parts.count == 6, "bad MAC \(text)")
        return parts.map { UInt8($0, radix: 16)! }
    }

    /// The `MACAddress` value of a MAC written `aa:bb:cc:dd:ee:ff`.
    public static func mac(_ text: String) -> MACAddress {
        MACAddress(macBytes(text).reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    }

    /// The 4 or 16 network-order bytes of an IPv4 or IPv6 address in text form (parsed by `inet_pton`).
    public static func addressBytes(_ text: String) -> [UInt8] {
        if text.contains(":") {
            var out = [UInt8](repeating: 0, count: 16)
            let ok = out.withUnsafeMutableBytes { inet_pton(AF_INET6, text, $0.baseAddress) }
            precondition(ok == 1, "bad IPv6 address \(text)")
            return out
        }
        var out = [UInt8](repeating: 0, count: 4)
        let ok = out.withUnsafeMutableBytes { inet_pton(AF_INET, text, $0.baseAddress) }
        precondition(ok == 1, "bad IPv4 address \(text)")
        return out
    }

    /// The `IPAddress` value (as the decoder would produce it) of an address in text form.
    public static func address(_ text: String) -> IPAddress {
        let b = addressBytes(text)
        if b.count == 4 { return IPAddress(v4: UInt32(bigEndianBytes: b[0..<4])) }
        return IPAddress(high: UInt64(bigEndianBytes: b[0..<8]), low: UInt64(bigEndianBytes: b[8..<16]), version: 6)
    }

    // MARK: - Link layers

    /// Ethernet II header (`type` ≥ 0x0600) followed by `payload`.
    public static func ethernet(
        src: String = "02:00:00:00:00:01", dst: String = "02:00:00:00:00:02", type: UInt16, _ payload: [UInt8]
    ) -> [UInt8] {
        var out = macBytes(dst) + macBytes(src)
        out.appendBE(type)
        return out + payload
    }

    /// IEEE 802.3 header with a length field (the LLC payload's size) followed by `llcPayload`.
    public static func ethernet8023(
        src: String = "02:00:00:00:00:01", dst: String = "02:00:00:00:00:02", _ llcPayload: [UInt8]
    ) -> [UInt8] {
        var out = macBytes(dst) + macBytes(src)
        out.appendBE(UInt16(llcPayload.count))
        return out + llcPayload
    }

    /// LLC/SNAP header (AA AA 03, OUI 0) naming `type`, followed by `payload` (8 bytes of header).
    public static func llcSnap(type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0xAA, 0xAA, 0x03, 0, 0, 0]
        out.appendBE(type)
        return out + payload
    }

    /// The 4 bytes after an 802.1Q/802.1ad TPID: TCI (priority, VID) and the next ethertype, then `payload`.
    /// Use after `ethernet(type: EtherType.vlan)` (or `.qinq`, or another `vlan` naming a TPID as `type`).
    public static func vlan(id: UInt16, priority: UInt8 = 0, type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.appendBE(UInt16(priority & 7) << 13 | (id & 0x0FFF))
        out.appendBE(type)
        return out + payload
    }

    /// An MPLS label stack (bottom-of-stack set on the last label), then `payload`.
    public static func mpls(labels: [UInt32], ttl: UInt8 = 64, _ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for (i, label) in labels.enumerated() {
            let bottom: UInt32 = i == labels.count - 1 ? 0x100 : 0
            out.appendBE((label & 0xFFFFF) << 12 | bottom | UInt32(ttl))
        }
        return out + payload
    }

    /// PPPoE session header (6 bytes) and PPP protocol (2 bytes; 0x0021 IPv4, 0x0057 IPv6), then `payload`.
    public static func pppoeSession(sessionID: UInt16 = 1, pppProtocol: UInt16 = 0x0021, _ payload: [UInt8])
        -> [UInt8]
    {
        var out: [UInt8] = [0x11, 0x00]
        out.appendBE(sessionID)
        out.appendBE(UInt16(truncatingIfNeeded: payload.count + 2))
        out.appendBE(pppProtocol)
        return out + payload
    }

    /// Linux cooked capture v1 header (16 bytes), then `payload`.
    public static func linuxSLL(
        packetType: UInt16 = 0, addressType: UInt16 = 1, address: String = "02:00:00:00:00:01",
        protocol proto: UInt16, _ payload: [UInt8]
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.appendBE(packetType)
        out.appendBE(addressType)
        out.appendBE(UInt16(6))
        out += macBytes(address) + [0, 0]
        out.appendBE(proto)
        return out + payload
    }

    /// Linux cooked capture v2 header (20 bytes), then `payload`.
    public static func linuxSLL2(
        protocol proto: UInt16, interfaceIndex: UInt32 = 1, addressType: UInt16 = 1, packetType: UInt8 = 0,
        address: String = "02:00:00:00:00:01", _ payload: [UInt8]
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.appendBE(proto)
        out.appendBE(UInt16(0))
        out.appendBE(interfaceIndex)
        out.appendBE(addressType)
        out.append(packetType)
        out.append(6)
        out += macBytes(address) + [0, 0]
        return out + payload
    }

    /// BSD NULL/LOOP header: the 4-byte address family (2 IPv4; 24, 28 or 30 IPv6), little-endian (DLT_NULL as
    /// written on x86) unless `bigEndian` (DLT_LOOP, or a big-endian capturing host), then `payload`.
    public static func null(family: UInt32, bigEndian: Bool = false, _ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.appendBE(bigEndian ? family : family.byteSwapped)
        return out + payload
    }

    /// PPP without framing (DLT_PPP): 2-byte protocol, then `payload`.
    public static func ppp(protocol proto: UInt16 = 0x0021, _ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.appendBE(proto)
        return out + payload
    }

    /// PPP in HDLC-like framing (RFC 1662: FF 03 + protocol), as in DLT_PPP_SERIAL captures, then `payload`.
    public static func pppHDLC(protocol proto: UInt16 = 0x0021, _ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0xFF, 0x03]
        out.appendBE(proto)
        return out + payload
    }

    /// Cisco HDLC (address 0x0F unicast / 0x8F multicast, control 0, ethertype), then `payload`.
    public static func ciscoHDLC(address: UInt8 = 0x0F, type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [address, 0x00]
        out.appendBE(type)
        return out + payload
    }

    // MARK: - IP

    /// IPv4 header (options padded to a multiple of 4 bytes) with total length and header checksum, then
    /// `payload`. `fragmentOffset` is in 8-byte units. With `checksums`, a TCP, UDP or ICMP payload of an
    /// unfragmented packet gets its checksum filled in too.
    public static func ipv4(
        src: String, dst: String, protocol proto: UInt8, ttl: UInt8 = 64, identification: UInt16 = 0x1234,
        tos: UInt8 = 0, dontFragment: Bool = false, moreFragments: Bool = false, fragmentOffset: UInt16 = 0,
        options: [UInt8] = [], checksums: Bool = true, _ payload: [UInt8]
    ) -> [UInt8] {
        var opts = options
        while opts.count % 4 != 0 { opts.append(0) }
        precondition(opts.count <= 40, "IPv4 options longer than 40 bytes")
        let headerLength = 20 + opts.count
        let s = addressBytes(src)
        let d = addressBytes(dst)
        var out: [UInt8] = [0x40 | UInt8(headerLength / 4), tos]
        out.appendBE(UInt16(truncatingIfNeeded: headerLength + payload.count))
        out.appendBE(identification)
        out.appendBE((dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0) | (fragmentOffset & 0x1FFF))
        out += [ttl, proto, 0, 0]
        out += s + d + opts
        let sum = internetChecksum(out)
        out[10] = UInt8(sum >> 8)
        out[11] = UInt8(sum & 0xFF)
        var body = payload
        if checksums && fragmentOffset == 0 && !moreFragments {
            var pseudo = s + d + [0, proto]
            pseudo.appendBE(UInt16(truncatingIfNeeded: payload.count))
            fillTransportChecksum(&body, protocol: proto, pseudoHeader: pseudo, icmpHasPseudoHeader: false)
        }
        return out + body
    }

    /// One IPv6 extension header.
    public enum IPv6Extension: Sendable {
        /// Hop-by-hop options (next header 0), `8 * (units + 1)` bytes of PadN.
        case hopByHop(units: UInt8 = 0)
        /// Routing header (43) of `routingType` listing `addresses`.
        case routing(routingType: UInt8 = 4, segmentsLeft: UInt8 = 0, addresses: [String] = ["2001:db8::99"])
        /// Destination options (60), `8 * (units + 1)` bytes of PadN.
        case destinationOptions(units: UInt8 = 0)
        /// Fragment header (44); `offset` in 8-byte units.
        case fragment(offset: UInt16 = 0, moreFragments: Bool = true, identification: UInt32 = 0xABCD)
        /// Any header: its protocol number, and its body after the next-header byte (length byte included).
        case raw(number: UInt8, body: [UInt8])

        var number: UInt8 {
            switch self {
            case .hopByHop: return 0
            case .routing: return 43
            case .destinationOptions: return 60
            case .fragment: return 44
            case .raw(let number, _): return number
            }
        }

        var isFragment: Bool {
            if case .fragment = self { return true }
            return false
        }

        func bytes(next: UInt8) -> [UInt8] {
            switch self {
            case .hopByHop(let units), .destinationOptions(let units):
                let padding = Int(units) * 8 + 6
                var out: [UInt8] = [next, units, 1, UInt8(padding - 2)]
                out += [UInt8](repeating: 0, count: padding - 2)
                return out
            case .routing(let type, let left, let addresses):
                var out: [UInt8] = [next, UInt8(addresses.count * 2), type, left, 0, 0, 0, 0]
                for a in addresses { out += PacketBuilder.addressBytes(a) }
                return out
            case .fragment(let offset, let more, let id):
                var out: [UInt8] = [next, 0]
                out.appendBE(offset << 3 | (more ? 1 : 0))
                out.appendBE(id)
                return out
            case .raw(_, let body):
                return [next] + body
            }
        }
    }

    /// IPv6 header with payload length, `extensions` in order, then `payload` (whose protocol is `nextHeader`).
    /// With `checksums`, a TCP, UDP or ICMPv6 payload of an unfragmented packet gets its checksum filled in.
    public static func ipv6(
        src: String, dst: String, nextHeader: UInt8, hopLimit: UInt8 = 64, trafficClass: UInt8 = 0,
        flowLabel: UInt32 = 0, extensions: [IPv6Extension] = [], checksums: Bool = true, _ payload: [UInt8]
    ) -> [UInt8] {
        var chain: [UInt8] = []
        for (i, e) in extensions.enumerated() {
            let next = i + 1 < extensions.count ? extensions[i + 1].number : nextHeader
            chain += e.bytes(next: next)
        }
        let s = addressBytes(src)
        let d = addressBytes(dst)
        var out: [UInt8] = []
        out.appendBE(UInt32(6) << 28 | UInt32(trafficClass) << 20 | (flowLabel & 0xFFFFF))
        out.appendBE(UInt16(truncatingIfNeeded: chain.count + payload.count))
        out += [extensions.first?.number ?? nextHeader, hopLimit]
        out += s + d
        var body = payload
        if checksums && !extensions.contains(where: \.isFragment) {
            var pseudo = s + d
            pseudo.appendBE(UInt32(payload.count))
            pseudo += [0, 0, 0, nextHeader]
            fillTransportChecksum(&body, protocol: nextHeader, pseudoHeader: pseudo, icmpHasPseudoHeader: true)
        }
        return out + chain + body
    }

    // MARK: - Transport

    /// TCP header (options padded to a multiple of 4 bytes, data offset computed unless given), then `payload`.
    /// The checksum is left 0; the enclosing `ipv4`/`ipv6` fills it in.
    public static func tcp(
        sport: UInt16, dport: UInt16, seq: UInt32 = 1000, ack: UInt32 = 0, flags: UInt8, window: UInt16 = 65535,
        options: [UInt8] = [], urgentPointer: UInt16 = 0, dataOffset: UInt8? = nil, _ payload: [UInt8] = []
    ) -> [UInt8] {
        var opts = options
        while opts.count % 4 != 0 { opts.append(1) }  // NOP
        precondition(opts.count <= 40, "TCP options longer than 40 bytes")
        var out: [UInt8] = []
        out.appendBE(sport)
        out.appendBE(dport)
        out.appendBE(seq)
        out.appendBE(ack)
        out += [(dataOffset ?? UInt8(5 + opts.count / 4)) << 4, flags]
        out.appendBE(window)
        out += [0, 0]
        out.appendBE(urgentPointer)
        return out + opts + payload
    }

    /// A typical SYN's 20 bytes of options: MSS 1460, SACK permitted, timestamps, NOP, window scale 7.
    public static let synOptions: [UInt8] = [
        0x02, 0x04, 0x05, 0xB4, 0x04, 0x02, 0x08, 0x0A, 0x00, 0x01, 0x02, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03,
        0x03, 0x07,
    ]

    /// UDP header with length, then `payload` (checksum filled in by the enclosing IP layer).
    public static func udp(sport: UInt16, dport: UInt16, _ payload: [UInt8] = []) -> [UInt8] {
        var out: [UInt8] = []
        out.appendBE(sport)
        out.appendBE(dport)
        out.appendBE(UInt16(truncatingIfNeeded: 8 + payload.count))
        out += [0, 0]
        return out + payload
    }

    /// ICMP header (type, code, checksum, identifier, sequence), then `payload`. Echo request by default.
    public static func icmp(
        type: UInt8 = 8, code: UInt8 = 0, identifier: UInt16 = 1, sequence: UInt16 = 1, _ payload: [UInt8] = []
    ) -> [UInt8] {
        var out: [UInt8] = [type, code, 0, 0]
        out.appendBE(identifier)
        out.appendBE(sequence)
        return out + payload
    }

    /// ICMPv6 header in the echo layout, then `payload`. Echo request (128) by default.
    public static func icmpv6(
        type: UInt8 = 128, code: UInt8 = 0, identifier: UInt16 = 1, sequence: UInt16 = 1, _ payload: [UInt8] = []
    ) -> [UInt8] {
        icmp(type: type, code: code, identifier: identifier, sequence: sequence, payload)
    }

    // MARK: - Tunnels

    /// GTP-U v1 T-PDU header (8 bytes; +4 with a sequence number or extension headers), then the inner IP
    /// packet. Each extension is its content without the length and next-type bytes; it is zero-padded so
    /// that length byte + content + next-type byte is a multiple of 4. Carry it in `udp(… 2152 …)`.
    public static func gtpU(
        teid: UInt32 = 1, messageType: UInt8 = 0xFF, sequence: UInt16? = nil, extensions: [[UInt8]] = [],
        _ inner: [UInt8]
    ) -> [UInt8] {
        var optional: [UInt8] = []
        var flags: UInt8 = 0x30  // version 1, protocol type GTP
        if sequence != nil || !extensions.isEmpty {
            if sequence != nil { flags |= 0x02 }
            if !extensions.isEmpty { flags |= 0x04 }
            optional.appendBE(sequence ?? 0)
            optional.append(0)  // N-PDU number
            optional.append(extensions.isEmpty ? 0 : 0x85)  // next extension type (PDU session container)
            for (i, e) in extensions.enumerated() {
                var content = e
                while (content.count + 2) % 4 != 0 { content.append(0) }
                optional.append(UInt8((content.count + 2) / 4))
                optional += content
                optional.append(i + 1 < extensions.count ? 0x85 : 0)
            }
        }
        var out: [UInt8] = [flags, messageType]
        out.appendBE(UInt16(truncatingIfNeeded: optional.count + inner.count))
        out.appendBE(teid)
        return out + optional + inner
    }

    /// IEEE 802.11 data frame header (24 bytes: frame control, duration, addr1 receiver, addr2 transmitter,
    /// addr3 destination, sequence), then `payload` (normally `llcSnap(type:…)`).
    public static func ieee80211Data(
        receiver: String = "02:00:00:00:00:a1", transmitter: String = "02:00:00:00:00:b1",
        destination: String = "02:00:00:00:00:c1", toDS: Bool = true, _ payload: [UInt8]
    ) -> [UInt8] {
        var out: [UInt8] = [0x08, toDS ? 0x01 : 0x02, 0, 0]
        out += macBytes(receiver) + macBytes(transmitter) + macBytes(destination)
        out += [0x10, 0x00]
        return out + payload
    }

    /// CAPWAP data header (preamble 0, `headerWords` × 4 bytes in all, native 802.11 frame, WBID 1), then
    /// the wireless frame. Carry it in `udp(… 5247 …)`.
    public static func capwapData(headerWords: UInt8 = 2, radioID: UInt8 = 1, _ wirelessFrame: [UInt8]) -> [UInt8] {
        precondition(headerWords >= 2 && headerWords < 32)
        var out: [UInt8] = [0x00]
        let wbid: UInt8 = 1
        out.append(headerWords << 3 | (radioID >> 2))
        out.append((radioID & 3) << 6 | wbid << 1 | 1)  // T = 1: native frame format
        out.append(0)
        out += [0, 0, 0, 0]  // fragment id, fragment offset
        out += [UInt8](repeating: 0, count: Int(headerWords) * 4 - 8)
        return out + wirelessFrame
    }

    /// CAPWAP data packet carrying an 802.11 data frame with LLC/SNAP naming `type`, then `inner` (the IP
    /// packet). 8 + 24 + 8 bytes of headers with the defaults.
    public static func capwap80211(
        headerWords: UInt8 = 2, transmitter: String = "02:00:00:00:00:b1", destination: String = "02:00:00:00:00:c1",
        type: UInt16 = EtherType.ipv4, _ inner: [UInt8]
    ) -> [UInt8] {
        capwapData(
            headerWords: headerWords,
            ieee80211Data(transmitter: transmitter, destination: destination, llcSnap(type: type, inner)))
    }

    /// TZSP header (version, type, encapsulation), `tags` (default: just the END tag 0x01), then `inner`
    /// (an Ethernet frame for encapsulation 1). Carry it in `udp(… 37008 …)`.
    public static func tzsp(
        version: UInt8 = 1, type: UInt8 = 0, encapsulation: UInt16 = 1, tags: [UInt8] = [0x01], _ inner: [UInt8]
    ) -> [UInt8] {
        var out: [UInt8] = [version, type]
        out.appendBE(encapsulation)
        return out + tags + inner
    }

    /// VXLAN header (flags with the I bit, 24-bit VNI), then `inner` (an Ethernet frame). Carry it in
    /// `udp(… 4789 …)`.
    public static func vxlan(vni: UInt32 = 42, flags: UInt8 = 0x08, _ inner: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [flags, 0, 0, 0]
        out.appendBE(vni << 8)
        return out + inner
    }

    /// GRE header (version `version`; optional checksum, key and sequence words), then `inner`.
    /// `protocolType`: 0x0800 IPv4, 0x86DD IPv6, 0x6558 transparent Ethernet bridging. Carry it in IP protocol 47.
    public static func gre(
        protocolType: UInt16, checksum: Bool = false, key: UInt32? = nil, sequence: UInt32? = nil, version: UInt8 = 0,
        _ inner: [UInt8]
    ) -> [UInt8] {
        var flags: UInt16 = UInt16(version & 7)
        if checksum { flags |= 0x8000 }
        if key != nil { flags |= 0x2000 }
        if sequence != nil { flags |= 0x1000 }
        var out: [UInt8] = []
        out.appendBE(flags)
        out.appendBE(protocolType)
        if checksum { out += [0, 0, 0, 0] }
        if let key { out.appendBE(key) }
        if let sequence { out.appendBE(sequence) }
        if checksum {
            let sum = internetChecksum(out + inner)
            out[4] = UInt8(sum >> 8)
            out[5] = UInt8(sum & 0xFF)
        }
        return out + inner
    }

    // MARK: - Checksums

    /// The Internet checksum (RFC 1071) of `bytes`, ready to store.
    public static func internetChecksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i + 1 < bytes.count {
            sum &+= UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
            i += 2
        }
        if i < bytes.count { sum &+= UInt32(bytes[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    static func fillTransportChecksum(
        _ body: inout [UInt8], protocol proto: UInt8, pseudoHeader: [UInt8], icmpHasPseudoHeader: Bool
    ) {
        let field: Int
        var pseudo = pseudoHeader
        switch proto {
        case IPProtocol.tcp where body.count >= 20: field = 16
        case IPProtocol.udp where body.count >= 8: field = 6
        case IPProtocol.icmp where body.count >= 4:
            field = 2
            pseudo = []
        case IPProtocol.icmpv6 where body.count >= 4 && icmpHasPseudoHeader: field = 2
        default: return
        }
        body[field] = 0
        body[field + 1] = 0
        var sum = internetChecksum(pseudo + body)
        if proto == IPProtocol.udp && sum == 0 { sum = 0xFFFF }
        body[field] = UInt8(sum >> 8)
        body[field + 1] = UInt8(sum & 0xFF)
    }
}

/// Ethertypes used by the builder.
public enum EtherType {
    public static let ipv4: UInt16 = 0x0800
    public static let arp: UInt16 = 0x0806
    public static let vlan: UInt16 = 0x8100
    public static let qinq: UInt16 = 0x88A8
    public static let ipv6: UInt16 = 0x86DD
    public static let mplsUnicast: UInt16 = 0x8847
    public static let mplsMulticast: UInt16 = 0x8848
    public static let pppoeSession: UInt16 = 0x8864
    public static let transparentEthernetBridging: UInt16 = 0x6558
    public static let lldp: UInt16 = 0x88CC
}

/// IP protocol numbers used by the builder.
public enum IPProtocol {
    public static let hopByHop: UInt8 = 0
    public static let icmp: UInt8 = 1
    public static let ipv4: UInt8 = 4
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
    public static let ipv6: UInt8 = 41
    public static let gre: UInt8 = 47
    public static let esp: UInt8 = 50
    public static let icmpv6: UInt8 = 58
    public static let noNextHeader: UInt8 = 59
    public static let sctp: UInt8 = 132
}

/// TCP flag bits, as the decoder names them (`TCPFlags.syn | TCPFlags.ack`).
public typealias TCPFlags = DecodedPacket.TCPFlag

extension Array where Element == UInt8 {
    /// Appends `value` in network byte order.
    public mutating func appendBE<T: FixedWidthInteger>(_ value: T) {
        var v = value.bigEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }
}

extension FixedWidthInteger {
    /// The integer stored big-endian in `bytes` (exactly `bitWidth / 8` of them).
    public init<C: Collection>(bigEndianBytes bytes: C) where C.Element == UInt8 {
        precondition(bytes.count == Self.bitWidth / 8)
        self = bytes.reduce(Self.zero) { $0 << 8 | Self($1) }
    }
}
