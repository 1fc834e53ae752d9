extension PacketDecoder {
    /// The tunnels a UDP port or GRE announces after an IP header: GTP-U (2152), TZSP (37008), CAPWAP data (5247)
    /// as NFStream, VXLAN (4789) and GRE version 0 as our extension. A packet that is none of them, or whose tunnel
    /// header does not check out, is the outer IP packet.
    @inline(__always)
    func tunnelLayer(_ v: PacketView, _ frame: inout FrameCursor) -> FrameStep {
        let l4 = frame.transportOffset
        if frame.ipProtocol == 17 {
            if v.count < l4 + 8 { return .stop(.truncated) }
            let sport = v.u16(l4)
            let dport = v.u16(l4 + 2)
            guard Self.isTunnelPort(sport) || Self.isTunnelPort(dport) else { return .innermostIP }
            if (sport == 2152 || dport == 2152) && l4 + 16 < v.count {
                return Self.gtpU(v, &frame, header: l4 + 8)
            } else if sport == 37008 || dport == 37008 {
                return Self.tzsp(v, &frame, header: l4 + 8)
            } else if sport == 5247 || dport == 5247 {
                return Self.capwap(v, &frame, header: l4 + 8)
            } else if sport == 4789 || dport == 4789 {
                return Self.vxlan(v, &frame, header: l4 + 8)
            }
        } else if frame.ipProtocol == 47 {
            return Self.gre(v, &frame, header: l4)
        }
        return .innermostIP
    }

    /// GTP-U version 1 carrying a T-PDU (message type 255): the optional words and the extension headers are
    /// skipped, the inner IPv4 or IPv6 packet is the one metered (tunnel id 1).
    @inline(never)
    static func gtpU(_ v: PacketView, _ frame: inout FrameCursor, header: Int) -> FrameStep {
        let caplen = v.count
        var off = header
        let flags = v.u8(off)
        let messageType = v.u8(off + 1)
        guard (flags & 0xE0) >> 5 == 1 && messageType == 0xFF else { return .innermostIP }
        off += 8
        if flags & 0x07 != 0 { off += 4 }
        if flags & 0x04 != 0 {
            while off < caplen {
                let extLen = Int(v.u8(off)) << 2
                off += extLen
                if off >= caplen || extLen == 0 { return .innermostIP }
                if v.u8(off - 1) == 0 { break }
            }
        }
        guard off < caplen else { return .innermostIP }
        frame.tunnel = TunnelKind.gtpU.rawValue
        frame.ipOffset = off
        let innerVersion = v.u8(off) >> 4
        if innerVersion == 6 {
            if caplen < off + 40 { return .stop(.truncated) }
            frame.isIPv4 = false
        } else if innerVersion != 4 {
            return .stop(.notIP)
        } else {
            if caplen < off + 20 { return .stop(.truncated) }
            frame.isIPv4 = true
        }
        return .innermostIP
    }

    /// TZSP version 1 "received" with Ethernet encapsulation: the tagged fields are skipped and the carried
    /// Ethernet frame is read from its link layer, whatever the outer link type (tunnel id 3, also kept when
    /// the header is another kind).
    @inline(never)
    static func tzsp(_ v: PacketView, _ frame: inout FrameCursor, header: Int) -> FrameStep {
        let caplen = v.count
        if caplen < header + 4 { return .stop(.truncated) }
        var off = header
        frame.tunnel = TunnelKind.tzsp.rawValue
        guard v.u8(off) == 1 && v.u8(off + 1) == 0 && v.u16(off + 2) == 1 else { return .innermostIP }
        off += 4
        guard off < caplen else { return .innermostIP }
        let tag = v.u8(off)
        var tagLen = 1
        if tag > 1 {
            if off + 1 >= caplen { return .stop(.truncated) }
            tagLen = Int(v.u8(off + 1))
        }
        off += tagLen
        if off >= caplen { return .stop(.truncated) }
        // Encapsulation 1 is Ethernet, whatever the outer link type.
        frame.link = .ethernet
        frame.linkOffset = off
        return .linkLayer
    }

    /// CAPWAP data (RFC 5415) carrying an 802.11 frame: the header length from HLEN, the MACs from the 802.11
    /// header, the type from its LLC/SNAP header (tunnel id 2); a non-IP payload ends the frame.
    @inline(never)
    static func capwap(_ v: PacketView, _ frame: inout FrameCursor, header: Int) -> FrameStep {
        let caplen = v.count
        var off = header
        guard off + 1 < caplen && v.u8(off) & 0x0F == 0 else { return .innermostIP }
        off += Int((v.u8(off + 1) & 0xF8) >> 1)
        guard off + 32 < caplen else { return .innermostIP }
        frame.sourceMAC = v.mac(off + 10)
        frame.destinationMAC = v.mac(off + 16)
        off += 24
        frame.type = v.u16(off + 6)
        frame.ipOffset = off + 8
        frame.tunnel = TunnelKind.capwap.rawValue
        if frame.type != 0x0800 && frame.type != 0x86DD { return .stop(.notIP) }
        return .ipLayer
    }

    /// VXLAN (our extension): an 8-byte header with the I flag, then an Ethernet frame (tunnel id 5).
    @inline(never)
    static func vxlan(_ v: PacketView, _ frame: inout FrameCursor, header: Int) -> FrameStep {
        guard v.u8(header) & 0x08 != 0 && header + 8 + 14 + 20 <= v.count else { return .innermostIP }
        frame.tunnel = TunnelKind.vxlan.rawValue
        frame.link = .ethernet
        frame.linkOffset = header + 8
        return .linkLayer
    }

    /// GRE version 0 (our extension): its optional words skipped, IPv4, IPv6 or transparent Ethernet bridging
    /// inside (tunnel id 6). Other versions and payloads are the outer flow.
    @inline(never)
    static func gre(_ v: PacketView, _ frame: inout FrameCursor, header: Int) -> FrameStep {
        let flags = v.u16(header)
        guard flags & 0x7 == 0 && flags & 0x4000 == 0 && v.count >= header + 4 else { return .innermostIP }
        var headerLength = 4
        if flags & 0x8000 != 0 { headerLength += 4 }
        if flags & 0x2000 != 0 { headerLength += 4 }
        if flags & 0x1000 != 0 { headerLength += 4 }
        let payloadType = v.u16(header + 2)
        if payloadType == 0x0800 || payloadType == 0x86DD {
            frame.tunnel = TunnelKind.gre.rawValue
            frame.type = payloadType
            frame.ipOffset = header + headerLength
            return .ipLayer
        } else if payloadType == 0x6558 {
            frame.tunnel = TunnelKind.gre.rawValue
            frame.link = .ethernet
            frame.linkOffset = header + headerLength
            return .linkLayer
        }
        return .innermostIP
    }
}
