extension PacketDecoder {
    /// The IP header at `frame.ipOffset`: its protocol and length, IPv6's extension headers, and IP-in-IP (4 and
    /// 41 in either version), which is always stripped. A non-first fragment ends the frame.
    @inline(__always)
    func ipLayer(_ v: PacketView, _ frame: inout FrameCursor) -> FrameStep {
        frame.layers += 1
        if frame.layers > 32 { return .stop(.malformed) }
        let caplen = v.count
        let at = frame.ipOffset
        if caplen < at + 20 { return .stop(.truncated) }
        let b0 = v.u8(at)
        let version = b0 >> 4
        if version == 4 {
            let fragmentField = v.u16(at + 6)
            frame.ipProtocol = v.u8(at + 9)
            let ihl4 = Int(b0 & 0xF) * 4
            if frame.ipProtocol == 41 || frame.ipProtocol == 4 {
                frame.ipOffset += ihl4
                if ihl4 > 0 { return .ipLayer }
            }
            if fragmentField & 0x1FFF != 0 { return .stop(.fragment) }
            frame.ipLength = ihl4
            frame.isIPv4 = true
        } else if version == 6 {
            if caplen < at + 40 { return .stop(.truncated) }
            frame.ipProtocol = v.u8(at + 6)
            let plen = v.u16(at + 4)
            if caplen < at + 40 + Int(plen) { return .stop(.truncated) }
            var l4ptr = at + 40
            var l4len = plen
            let ipsize = UInt16(truncatingIfNeeded: caplen - at)
            let walked = Self.walkIPv6Extensions(
                v, l3len: ipsize &- 40, l4ptr: &l4ptr, l4len: &l4len, next: &frame.ipProtocol)
            if walked != .decoded { return .stop(walked) }
            if frame.ipProtocol == 41 || frame.ipProtocol == 4 {
                frame.ipOffset = l4ptr
                return .ipLayer
            }
            frame.ipLength = Int(l4len)
            frame.isIPv4 = false
            frame.ipv6TransportOffset = l4ptr
        } else {
            return .stop(.notIP)
        }
        return decodeTunnels ? .tunnels : .innermostIP
    }

    /// Walks IPv6 extension headers as nDPI's `ndpi_handle_ipv6_extension_headers` does.
    /// Returns `.decoded` on success, `.fragment` for a non-first fragment, `.malformed` otherwise.
    @inline(never)
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
}
