extension PacketDecoder {
    /// The link-layer header at `frame.linkOffset`, then its VLAN, MPLS and PPPoE shims: the payload's ethertype
    /// and where the IP header starts. A link layer that names a non-IP payload ends the frame as not IP.
    @inline(__always)
    func linkLayer(_ v: PacketView, _ frame: inout FrameCursor) -> FrameStep {
        frame.layers += 1
        if frame.layers > 32 { return .stop(.malformed) }
        if v.count < frame.linkOffset + 28 { return .stop(.truncated) }
        // Ethernet inline, the other link types through one call.
        if frame.link == .ethernet {
            if let outcome = Self.ethernetHeader(v, &frame) { return .stop(outcome) }
        } else if let outcome = Self.linkHeader(v, &frame) {
            return .stop(outcome)
        }
        if let outcome = Self.skipShims(v, &frame) { return .stop(outcome) }
        // Unlike NFStream, a frame whose link layer names a non-IP payload type is not read as IP
        // (NFStream reads any payload whose first nibble is 4 or 6, which turns e.g. FabricPath or
        // 802.11 management frames into flows of garbage addresses).
        if Self.carriesEthertype(frame.link, firstByte: v.u8(frame.linkOffset)) && frame.type != 0x0800
            && frame.type != 0x86DD
        {
            return .stop(.notIP)
        }
        return .ipLayer
    }

    /// One link-layer header by link type (NFStream's datalink switch): MACs, the payload type, the IP offset.
    /// Nil when the header was read.
    @inline(never)
    static func linkHeader(_ v: PacketView, _ frame: inout FrameCursor) -> DecodeOutcome? {
        let at = frame.linkOffset
        switch frame.link {
        case .null, .loop:
            // Address family 2 (AF_INET) in either byte order is IPv4; the version nibble decides anyway.
            let family = v.u32(at)
            frame.type = (family == 2 || family.byteSwapped == 2) ? 0x0800 : 0x86DD
            frame.ipOffset = at + 4
        case .pppSerial:
            frame.type = v.u16(at + 2)
            frame.ipOffset = at + 4
        case .ppp, .cHDLC:
            if v.u8(at) == 0x0F || v.u8(at) == 0x8F {
                frame.type = v.u16(at + 2)
                frame.ipOffset = at + 4
            } else {
                frame.type = v.u16(at)
                frame.ipOffset = at + 2
            }
        case .ipv4:
            frame.type = 0x0800
            frame.ipOffset = at
        case .ipv6:
            frame.type = 0x86DD
            frame.ipOffset = at
        case .raw, .rawOpenBSD, .rawLinktype:
            frame.ipOffset = at
            let version = v.u8(at) >> 4
            if version == 4 { frame.type = 0x0800 } else if version == 6 { frame.type = 0x86DD }
        case .ethernet:
            return ethernetHeader(v, &frame)
        case .linuxSLL:
            frame.type = v.u16(at + 14)
            frame.ipOffset = at + 16
        case .linuxSLL2:
            frame.type = v.u16(at)
            frame.ipOffset = at + 20
        case .ieee80211Radiotap:
            return radiotapHeader(v, &frame)
        default:
            return .unsupportedLinkType
        }
        return nil
    }

    /// Ethernet II, or 802.3 with an LLC/SNAP header naming the type; 802.3 with STP's LLC is not IP.
    @inline(__always)
    static func ethernetHeader(_ v: PacketView, _ frame: inout FrameCursor) -> DecodeOutcome? {
        let at = frame.linkOffset
        frame.destinationMAC = v.mac(at)
        frame.sourceMAC = v.mac(at + 6)
        frame.ipOffset = at + 14
        let check = v.u16(at + 12)
        var payloadLength = 0
        if check <= 1500 { payloadLength = Int(check) } else if check >= 1536 { frame.type = check }
        if payloadLength != 0 {
            let dsap = v.u8(frame.ipOffset)
            let ssap = v.u8(frame.ipOffset + 1)
            if dsap == 0xAA || ssap == 0xAA {
                frame.type = v.u16(frame.ipOffset + 6)
                frame.ipOffset += 8
            } else if dsap == 0x42 || ssap == 0x42 {
                return .notIP
            }
        }
        return nil
    }

    /// A radiotap header, then an 802.11 data frame (addresses by the DS bits, QoS) and its LLC/SNAP header.
    @inline(never)
    static func radiotapHeader(_ v: PacketView, _ frame: inout FrameCursor) -> DecodeOutcome? {
        let at = frame.linkOffset
        let radioLen = Int(v.u8(at + 2)) | Int(v.u8(at + 3)) << 8
        if v.u8(at + 16) & 0x50 == 0x50 { return .malformed }
        let wifi = at + radioLen
        if v.count < wifi + 24 { return .truncated }
        let fc0 = v.u8(wifi)
        let fc1 = v.u8(wifi + 1)
        if (fc0 >> 2) & 0x3 != 2 { return .notIP }
        let toDS = fc1 & 0x01 != 0
        let fromDS = fc1 & 0x02 != 0
        let qos = (fc0 >> 4) & 0x8 != 0
        let wifiLen = 24 + (toDS && fromDS ? 6 : 0) + (qos ? 2 : 0)
        frame.sourceMAC = v.mac(wifi + 10)
        frame.destinationMAC = v.mac(wifi + 16)
        let llc = wifi + wifiLen
        if v.count < llc + 8 { return .truncated }
        if v.u8(llc) == 0xAA { frame.type = v.u16(llc + 6) }
        frame.ipOffset = llc + 8
        return nil
    }

    /// VLAN tags (the innermost id is kept), MPLS labels to the bottom of the stack, PPPoE session headers.
    @inline(__always)
    static func skipShims(_ v: PacketView, _ frame: inout FrameCursor) -> DecodeOutcome? {
        let caplen = v.count
        while true {
            if isVLANTag(frame.type) {
                if frame.ipOffset + 4 >= caplen { return .truncated }
                frame.vlan = v.u16(frame.ipOffset) & 0xFFF
                frame.type = v.u16(frame.ipOffset + 2)
                frame.ipOffset += 4
                while isVLANTag(frame.type) && frame.ipOffset + 4 < caplen {
                    frame.vlan = v.u16(frame.ipOffset) & 0xFFF
                    frame.type = v.u16(frame.ipOffset + 2)
                    frame.ipOffset += 4
                }
                continue
            }
            switch frame.type {
            case 0x8847, 0x8848:
                if frame.ipOffset + 4 >= caplen { return .truncated }
                var label = v.u32(frame.ipOffset)
                frame.type = 0x0800
                frame.ipOffset += 4
                while label & 0x100 == 0 && frame.ipOffset + 4 < caplen {
                    label = v.u32(frame.ipOffset)
                    frame.ipOffset += 4
                }
            case 0x8864:
                frame.type = 0x0800
                frame.ipOffset += 8
            default:
                return nil
            }
        }
    }

    @inline(__always)
    static func isVLANTag(_ type: UInt16) -> Bool {
        type == 0x8100 || type == 0x88A8 || type == 0x9100
    }

    /// Whether the link layer names its payload with an ethertype (so a non-IP type means "not IP").
    @inline(__always)
    static func carriesEthertype(_ link: LinkType, firstByte: UInt8) -> Bool {
        switch link {
        case .ethernet, .linuxSLL, .linuxSLL2, .ieee80211Radiotap: return true
        case .ppp, .cHDLC, .pppSerial: return firstByte == 0x0F || firstByte == 0x8F
        default: return false
        }
    }
}
