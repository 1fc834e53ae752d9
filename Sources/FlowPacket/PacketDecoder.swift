/// Decodes one captured frame into a `DecodedPacket`, following NFStream's engine field for field
/// (see `nfstream-semantics.md` §2), with the documented extensions listed in the README
/// ("Differences from NFStream"). No allocation, no traps: every read is bounds-checked.
public struct PacketDecoder: Sendable {
    /// The link type of the frames this decoder reads.
    public var linkType: LinkType
    /// Decode GTP-U, CAPWAP and TZSP (NFStream), VXLAN and GRE (our extension). IP-in-IP is always stripped.
    public var decodeTunnels: Bool

    public init(linkType: LinkType, decodeTunnels: Bool = true) {
        self.linkType = linkType
        self.decodeTunnels = decodeTunnels
    }

    @inline(__always)
    static func isVLANTag(_ type: UInt16) -> Bool {
        type == 0x8100 || type == 0x88A8 || type == 0x9100
    }

    /// Walks IPv6 extension headers as nDPI's `ndpi_handle_ipv6_extension_headers` does.
    /// Returns `.decoded` on success, `.fragment` for a non-first fragment, `.malformed` otherwise.
    @inline(__always)
    static func walkIPv6Extensions(
        _ v: PacketView, l3len initialL3: UInt16, l4ptr: inout Int, l4len: inout UInt16, next: inout UInt8
    ) -> DecodeOutcome {
        var l3len = initialL3
        while l3len > 1 {
            switch next {
            case 59:
                return .malformed
            case 44:
                if l4len < 8 || l3len < 5 { return .malformed }
                l3len -= 5
                next = v.u8(l4ptr)
                if v.u16(l4ptr + 2) >> 3 != 0 { return .fragment }
                l4len -= 8
                l4ptr += 8
            case 0, 43, 60, 135:
                if l4len < 2 { return .malformed }
                let extLen = UInt16(v.u8(l4ptr + 1)) * 8 + 8
                if extLen > l3len { return .malformed }
                l3len -= extLen
                if l4len < extLen { return .malformed }
                next = v.u8(l4ptr)
                l4len -= extLen
                l4ptr += Int(extLen)
            default:
                return .decoded
            }
        }
        return .decoded
    }

    /// Decodes `bytes` (the captured part of a frame whose wire length is `wireLength`) into `packet`.
    /// `packet.time` is left for the caller to set.
    public func decode(_ bytes: UnsafeRawBufferPointer, wireLength: UInt32, into packet: inout DecodedPacket)
        -> DecodeOutcome
    {
        let v = PacketView(bytes)
        let caplen = v.count
        var link = linkType
        var ethOffset = 0
        var type: UInt16 = 0
        var ipOffset = 0
        var vlan: UInt16 = 0
        var tunnel: UInt8 = 0
        var srcMAC = MACAddress.zero
        var dstMAC = MACAddress.zero
        var proto: UInt8 = 0
        var fragOff: UInt16 = 0
        var ipLen = 0
        var isV4 = true
        var l4AfterExtensions = 0
        var steps = 0

        datalink: while true {
            steps += 1
            if steps > 32 { return .malformed }
            if caplen < ethOffset + 28 { return .truncated }
            var pyldEthLen = 0
            switch link {
            case .null, .loop:
                // Address family 2 (AF_INET) in either byte order is IPv4; the version nibble decides anyway.
                let family = v.u32(ethOffset)
                type = (family == 2 || family.byteSwapped == 2) ? 0x0800 : 0x86DD
                ipOffset = ethOffset + 4
            case .pppSerial:
                type = v.u16(ethOffset + 2)
                ipOffset = ethOffset + 4
            case .ppp, .cHDLC:
                if v.u8(ethOffset) == 0x0F || v.u8(ethOffset) == 0x8F {
                    type = v.u16(ethOffset + 2)
                    ipOffset = ethOffset + 4
                } else {
                    type = v.u16(ethOffset)
                    ipOffset = ethOffset + 2
                }
            case .ipv4:
                type = 0x0800
                ipOffset = ethOffset
            case .ipv6:
                type = 0x86DD
                ipOffset = ethOffset
            case .raw, .rawOpenBSD, .rawLinktype:
                ipOffset = ethOffset
                let version = v.u8(ethOffset) >> 4
                if version == 4 { type = 0x0800 } else if version == 6 { type = 0x86DD }
            case .ethernet:
                dstMAC = v.mac(ethOffset)
                srcMAC = v.mac(ethOffset + 6)
                ipOffset = ethOffset + 14
                let check = v.u16(ethOffset + 12)
                if check <= 1500 { pyldEthLen = Int(check) } else if check >= 1536 { type = check }
                if pyldEthLen != 0 {
                    let dsap = v.u8(ipOffset)
                    let ssap = v.u8(ipOffset + 1)
                    if dsap == 0xAA || ssap == 0xAA {
                        type = v.u16(ipOffset + 6)
                        ipOffset += 8
                    } else if dsap == 0x42 || ssap == 0x42 {
                        return .notIP
                    }
                }
            case .linuxSLL:
                type = v.u16(ethOffset + 14)
                ipOffset = ethOffset + 16
            case .linuxSLL2:
                type = v.u16(ethOffset)
                ipOffset = ethOffset + 20
            case .ieee80211Radiotap:
                let radioLen = Int(v.u8(ethOffset + 2)) | Int(v.u8(ethOffset + 3)) << 8
                if v.u8(ethOffset + 16) & 0x50 == 0x50 { return .malformed }
                let wifi = ethOffset + radioLen
                if caplen < wifi + 24 { return .truncated }
                let fc0 = v.u8(wifi)
                let fc1 = v.u8(wifi + 1)
                if (fc0 >> 2) & 0x3 != 2 { return .notIP }
                let toDS = fc1 & 0x01 != 0
                let fromDS = fc1 & 0x02 != 0
                let qos = (fc0 >> 4) & 0x8 != 0
                let wifiLen = 24 + (toDS && fromDS ? 6 : 0) + (qos ? 2 : 0)
                srcMAC = v.mac(wifi + 10)
                dstMAC = v.mac(wifi + 16)
                let llc = wifi + wifiLen
                if caplen < llc + 8 { return .truncated }
                if v.u8(llc) == 0xAA { type = v.u16(llc + 6) }
                ipOffset = llc + 8
            default:
                return .unsupportedLinkType
            }

            ether: while true {
                if Self.isVLANTag(type) {
                    if ipOffset + 4 >= caplen { return .truncated }
                    vlan = v.u16(ipOffset) & 0xFFF
                    type = v.u16(ipOffset + 2)
                    ipOffset += 4
                    while Self.isVLANTag(type) && ipOffset + 4 < caplen {
                        vlan = v.u16(ipOffset) & 0xFFF
                        type = v.u16(ipOffset + 2)
                        ipOffset += 4
                    }
                    continue ether
                }
                switch type {
                case 0x8847, 0x8848:
                    if ipOffset + 4 >= caplen { return .truncated }
                    var label = v.u32(ipOffset)
                    type = 0x0800
                    ipOffset += 4
                    while label & 0x100 == 0 && ipOffset + 4 < caplen {
                        label = v.u32(ipOffset)
                        ipOffset += 4
                    }
                    continue ether
                case 0x8864:
                    type = 0x0800
                    ipOffset += 8
                    continue ether
                default:
                    break ether
                }
            }
            // Unlike NFStream, a frame whose link layer names a non-IP payload type is not read as IP
            // (NFStream reads any payload whose first nibble is 4 or 6, which turns e.g. FabricPath or
            // 802.11 management frames into flows of garbage addresses).
            if carriesEthertype(link, firstByte: v.u8(ethOffset)) && type != 0x0800 && type != 0x86DD {
                return .notIP
            }

            ip: while true {
                steps += 1
                if steps > 32 { return .malformed }
                if caplen < ipOffset + 20 { return .truncated }
                let b0 = v.u8(ipOffset)
                let version = b0 >> 4
                if version == 4 {
                    fragOff = v.u16(ipOffset + 6)
                    proto = v.u8(ipOffset + 9)
                    let ihl4 = Int(b0 & 0xF) * 4
                    if proto == 41 || proto == 4 {
                        ipOffset += ihl4
                        if ihl4 > 0 { continue ip }
                    }
                    if fragOff & 0x1FFF != 0 { return .fragment }
                    ipLen = ihl4
                    isV4 = true
                } else if version == 6 {
                    if caplen < ipOffset + 40 { return .truncated }
                    proto = v.u8(ipOffset + 6)
                    let plen = v.u16(ipOffset + 4)
                    if caplen < ipOffset + 40 + Int(plen) { return .truncated }
                    var l4ptr = ipOffset + 40
                    var l4len = plen
                    let ipsize = UInt16(truncatingIfNeeded: caplen - ipOffset)
                    let walked = Self.walkIPv6Extensions(
                        v, l3len: ipsize &- 40, l4ptr: &l4ptr, l4len: &l4len, next: &proto)
                    if walked != .decoded { return walked }
                    if proto == 41 || proto == 4 {
                        ipOffset = l4ptr
                        continue ip
                    }
                    ipLen = Int(l4len)
                    isV4 = false
                    l4AfterExtensions = l4ptr
                } else {
                    return .notIP
                }
                _ = type

                guard decodeTunnels else { break ip }
                let l4Start = isV4 ? ipOffset + ipLen : l4AfterExtensions
                if proto == 17 {
                    if caplen < l4Start + 8 { return .truncated }
                    let sport = v.u16(l4Start)
                    let dport = v.u16(l4Start + 2)
                    if (sport == 2152 || dport == 2152) && l4Start + 16 < caplen {
                        var off = l4Start + 8
                        let flags = v.u8(off)
                        let messageType = v.u8(off + 1)
                        if (flags & 0xE0) >> 5 == 1 && messageType == 0xFF {
                            off += 8
                            if flags & 0x07 != 0 { off += 4 }
                            var extensionError = false
                            if flags & 0x04 != 0 {
                                while off < caplen {
                                    let extLen = Int(v.u8(off)) << 2
                                    off += extLen
                                    if off >= caplen || extLen == 0 {
                                        extensionError = true
                                        break
                                    }
                                    if v.u8(off - 1) == 0 { break }
                                }
                            }
                            if off < caplen && !extensionError {
                                tunnel = TunnelKind.gtpU.rawValue
                                ipOffset = off
                                let innerVersion = v.u8(off) >> 4
                                if innerVersion == 6 {
                                    if caplen < off + 40 { return .truncated }
                                    isV4 = false
                                } else if innerVersion != 4 {
                                    return .notIP
                                } else {
                                    if caplen < off + 20 { return .truncated }
                                    isV4 = true
                                }
                                break ip
                            }
                        }
                    } else if sport == 37008 || dport == 37008 {
                        if caplen < l4Start + 12 { return .truncated }
                        var off = l4Start + 8
                        tunnel = TunnelKind.tzsp.rawValue
                        if v.u8(off) == 1 && v.u8(off + 1) == 0 && v.u16(off + 2) == 1 {
                            off += 4
                            if off < caplen {
                                let tag = v.u8(off)
                                var tagLen = 1
                                if tag > 1 {
                                    if off + 1 >= caplen { return .truncated }
                                    tagLen = Int(v.u8(off + 1))
                                }
                                off += tagLen
                                if off >= caplen { return .truncated }
                                // Encapsulation 1 is Ethernet, whatever the outer link type.
                                link = .ethernet
                                ethOffset = off
                                continue datalink
                            }
                        }
                    } else if sport == 5247 || dport == 5247 {
                        var off = l4Start + 8
                        if off + 1 < caplen && v.u8(off) & 0x0F == 0 {
                            off += Int((v.u8(off + 1) & 0xF8) >> 1)
                            if off + 32 < caplen {
                                srcMAC = v.mac(off + 10)
                                dstMAC = v.mac(off + 16)
                                off += 24
                                type = v.u16(off + 6)
                                ipOffset = off + 8
                                tunnel = TunnelKind.capwap.rawValue
                                if type != 0x0800 && type != 0x86DD { return .notIP }
                                continue ip
                            }
                        }
                    } else if sport == 4789 || dport == 4789 {
                        // VXLAN (our extension): 8-byte header with the I flag, then an Ethernet frame.
                        let off = l4Start + 8
                        if v.u8(off) & 0x08 != 0 && off + 8 + 14 + 20 <= caplen {
                            tunnel = TunnelKind.vxlan.rawValue
                            link = .ethernet
                            ethOffset = off + 8
                            continue datalink
                        }
                    }
                } else if proto == 47 {
                    // GRE version 0 (our extension): IPv4, IPv6 or transparent Ethernet bridging inside.
                    let flags = v.u16(l4Start)
                    if flags & 0x7 == 0 && flags & 0x4000 == 0 && caplen >= l4Start + 4 {
                        var headerLength = 4
                        if flags & 0x8000 != 0 { headerLength += 4 }
                        if flags & 0x2000 != 0 { headerLength += 4 }
                        if flags & 0x1000 != 0 { headerLength += 4 }
                        let payloadType = v.u16(l4Start + 2)
                        if payloadType == 0x0800 || payloadType == 0x86DD {
                            tunnel = TunnelKind.gre.rawValue
                            type = payloadType
                            ipOffset = l4Start + headerLength
                            continue ip
                        } else if payloadType == 0x6558 {
                            tunnel = TunnelKind.gre.rawValue
                            link = .ethernet
                            ethOffset = l4Start + headerLength
                            continue datalink
                        }
                    }
                }
                break ip
            }
            break datalink
        }

        // NFStream's packet_parse / packet_get_ip_info.
        let ipsize = UInt16(truncatingIfNeeded: caplen - ipOffset)
        var l4Offset: Int
        var l4Length: UInt16
        if isV4 {
            if ipsize < 20 { return .truncated }
            let ihl4 = Int(v.u8(ipOffset) & 0xF) * 4
            if ihl4 > Int(ipsize) { return .truncated }
            let totalLength = v.u16(ipOffset + 2)
            l4Length = UInt16(truncatingIfNeeded: Int(totalLength) - ihl4)
            l4Offset = ihl4
            if max(Int(totalLength), Int(ipsize)) < l4Offset + Int(l4Length) { return .malformed }
            proto = v.u8(ipOffset + 9)
            packet.source = IPAddress(v4: v.u32(ipOffset + 12))
            packet.destination = IPAddress(v4: v.u32(ipOffset + 16))
            packet.ipSize = totalLength
            packet.ipVersion = 4
        } else {
            if ipsize < 40 { return .truncated }
            let plen = v.u16(ipOffset + 4)
            var next = v.u8(ipOffset + 6)
            if Int(ipsize) < 40 + Int(plen) { return .truncated }
            var l4ptr = ipOffset + 40
            l4Length = plen
            let walked = Self.walkIPv6Extensions(v, l3len: ipsize - 40, l4ptr: &l4ptr, l4len: &l4Length, next: &next)
            if walked != .decoded { return walked }
            l4Offset = l4ptr - ipOffset
            if l4Offset > Int(ipsize) { return .malformed }
            proto = next
            packet.source = IPAddress(high: v.u64(ipOffset + 8), low: v.u64(ipOffset + 16), version: 6)
            packet.destination = IPAddress(high: v.u64(ipOffset + 24), low: v.u64(ipOffset + 32), version: 6)
            packet.ipSize = UInt16(truncatingIfNeeded: 40 + Int(plen))
            packet.ipVersion = 6
        }

        let l4 = ipOffset + l4Offset
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
            dport = v.u16(l4 + 2)
            flags = v.u8(l4 + 13)
            window = v.u16(l4 + 14)
            let dataOffset = l4 + 12 < caplen ? Int(v.u8(l4 + 12) >> 4) * 4 : 20
            payload = UInt16(max(0, Int(l4Length) - dataOffset))
            transport = l4Length
            payloadOffset = l4 + min(dataOffset, Int(l4Length))
        case 17 where l4Length >= 8:
            sport = v.u16(l4)
            dport = v.u16(l4 + 2)
            payload = l4Length > 8 ? l4Length - 8 : 0
            transport = l4Length
            payloadOffset = l4 + 8
        case 1, 58:
            payload = l4Length > 8 ? l4Length - 8 : 0
            transport = l4Length
            payloadOffset = l4 + 8
        default:
            break
        }
        packet.sourceMAC = srcMAC
        packet.destinationMAC = dstMAC
        packet.sourcePort = sport
        packet.destinationPort = dport
        packet.ipProtocol = proto
        packet.vlanID = vlan
        packet.tunnelID = tunnel
        packet.tcpFlags = flags
        packet.tcpWindow = window
        packet.rawSize = UInt16(truncatingIfNeeded: wireLength)
        packet.transportSize = transport
        packet.payloadSize = payload
        packet.ipOffset = Int32(truncatingIfNeeded: ipOffset)
        packet.payloadOffset = Int32(truncatingIfNeeded: payloadOffset)
        packet.capturedLength = Int32(truncatingIfNeeded: caplen)
        return .decoded
    }

    /// Whether the link layer names its payload with an ethertype (so a non-IP type means "not IP").
    @inline(__always)
    func carriesEthertype(_ link: LinkType, firstByte: UInt8) -> Bool {
        switch link {
        case .ethernet, .linuxSLL, .linuxSLL2, .ieee80211Radiotap: return true
        case .ppp, .cHDLC, .pppSerial: return firstByte == 0x0F || firstByte == 0x8F
        default: return false
        }
    }
}
