import FlowPacket

/// The `object` ingestion path: builds a `PacketObject` with one heap object per layer from a frame, then builds
/// the `DecodedPacket` the meter sees from those objects' fields alone. `PacketDecoder` finds the layer
/// boundaries (so the semantics are NFStream's, identical to the direct path); the header fields are read again
/// from the bytes into the objects.
public struct ObjectDissector {
    /// The decoder whose NFStream semantics the objects reproduce (link type, tunnel decoding).
    public let decoder: PacketDecoder

    /// A dissector building objects for frames `decoder` reads.
    public init(decoder: PacketDecoder) {
        self.decoder = decoder
    }

    /// Builds the objects of one frame; nil with the reason when the decoder ignores the frame.
    public func dissect(
        _ bytes: UnsafeRawBufferPointer, wireLength: UInt32, seconds: Int, microseconds: Int
    ) -> (PacketObject?, DecodeOutcome) {
        var boundaries = DecodedPacket()
        let outcome = decoder.decode(bytes, wireLength: wireLength, into: &boundaries)
        guard outcome == .decoded else { return (nil, outcome) }
        let packet = PacketObject(
            seconds: seconds, microseconds: microseconds, wireLength: wireLength, original: Array(bytes))
        let v = PacketView(bytes)
        let ipOffset = Int(boundaries.ipOffset)

        // Link layer.
        let link: PacketLayer
        var linkEnd = 0
        if decoder.linkType == .ethernet {
            link = PacketLayer(name: "Ether")
            link.fields["dst"] = .mac(v.mac(0))
            link.fields["src"] = .mac(v.mac(6))
            link.fields["type"] = .int(Int(v.u16(12)))
            linkEnd = 14
        } else {
            link = PacketLayer(name: "Link")
            link.fields["linktype"] = .int(Int(decoder.linkType.rawValue))
        }
        // The MACs the flow sees (the innermost Ethernet header's, for VXLAN, TZSP or CAPWAP).
        link.fields["_src_mac"] = .mac(boundaries.sourceMAC)
        link.fields["_dst_mac"] = .mac(boundaries.destinationMAC)
        packet.firstLayer = link
        var last = link

        // VLAN tags, MPLS labels and tunnel headers between the link layer and the (inner) IP header.
        if boundaries.vlanID != 0 {
            let tag = PacketLayer(name: "Dot1Q")
            tag.fields["vlan"] = .int(Int(boundaries.vlanID))
            last = last.add(tag)
        }
        if ipOffset > linkEnd {
            let encapsulation = PacketLayer(name: "Encapsulation")
            encapsulation.fields["tunnel_id"] = .int(Int(boundaries.tunnelID))
            encapsulation.fields["load"] = .bytes(Array(UnsafeRawBufferPointer(rebasing: bytes[linkEnd..<ipOffset])))
            last = last.add(encapsulation)
        }

        // IP.
        let ip: PacketLayer
        var l4 = ipOffset
        if boundaries.ipVersion == 4 {
            ip = PacketLayer(name: "IP")
            let b0 = v.u8(ipOffset)
            ip.fields["version"] = .int(Int(b0 >> 4))
            ip.fields["ihl"] = .int(Int(b0 & 0xF))
            ip.fields["tos"] = .int(Int(v.u8(ipOffset + 1)))
            ip.fields["len"] = .int(Int(v.u16(ipOffset + 2)))
            ip.fields["id"] = .int(Int(v.u16(ipOffset + 4)))
            ip.fields["frag"] = .int(Int(v.u16(ipOffset + 6)))
            ip.fields["ttl"] = .int(Int(v.u8(ipOffset + 8)))
            ip.fields["proto"] = .int(Int(v.u8(ipOffset + 9)))
            ip.fields["chksum"] = .int(Int(v.u16(ipOffset + 10)))
            ip.fields["src"] = .address(IPAddress(v4: v.u32(ipOffset + 12)))
            ip.fields["dst"] = .address(IPAddress(v4: v.u32(ipOffset + 16)))
            l4 = ipOffset + Int(b0 & 0xF) * 4
        } else {
            ip = PacketLayer(name: "IPv6")
            let word = v.u32(ipOffset)
            ip.fields["version"] = .int(Int(word >> 28))
            ip.fields["tc"] = .int(Int((word >> 20) & 0xFF))
            ip.fields["fl"] = .int(Int(word & 0xFFFFF))
            ip.fields["plen"] = .int(Int(v.u16(ipOffset + 4)))
            ip.fields["nh"] = .int(Int(v.u8(ipOffset + 6)))
            ip.fields["hlim"] = .int(Int(v.u8(ipOffset + 7)))
            ip.fields["src"] = .address(IPAddress(high: v.u64(ipOffset + 8), low: v.u64(ipOffset + 16), version: 6))
            ip.fields["dst"] = .address(IPAddress(high: v.u64(ipOffset + 24), low: v.u64(ipOffset + 32), version: 6))
            // Extension headers end where the transport layer's length starts counting.
            l4 = ipOffset + Int(boundaries.ipSize) - Int(boundaries.transportSize)
        }
        ip.fields["_offset"] = .int(ipOffset)
        ip.fields["_size"] = .int(Int(boundaries.ipSize))
        ip.fields["_l4proto"] = .int(Int(boundaries.ipProtocol))
        last = last.add(ip)

        // Transport.
        let proto = boundaries.ipProtocol
        var transport: PacketLayer? = nil
        if proto == 6 && boundaries.transportSize >= 20 {
            let tcp = PacketLayer(name: "TCP")
            tcp.fields["sport"] = .int(Int(v.u16(l4)))
            tcp.fields["dport"] = .int(Int(v.u16(l4 + 2)))
            tcp.fields["seq"] = .int(Int(v.u32(l4 + 4)))
            tcp.fields["ack"] = .int(Int(v.u32(l4 + 8)))
            tcp.fields["dataofs"] = .int(Int(v.u8(l4 + 12) >> 4))
            tcp.fields["flags"] = .int(Int(v.u8(l4 + 13)))
            tcp.fields["window"] = .int(Int(v.u16(l4 + 14)))
            tcp.fields["chksum"] = .int(Int(v.u16(l4 + 16)))
            tcp.fields["urgptr"] = .int(Int(v.u16(l4 + 18)))
            transport = tcp
        } else if proto == 17 && boundaries.transportSize >= 8 {
            let udp = PacketLayer(name: "UDP")
            udp.fields["sport"] = .int(Int(v.u16(l4)))
            udp.fields["dport"] = .int(Int(v.u16(l4 + 2)))
            udp.fields["len"] = .int(Int(v.u16(l4 + 4)))
            udp.fields["chksum"] = .int(Int(v.u16(l4 + 6)))
            transport = udp
        } else if proto == 1 || proto == 58 {
            let icmp = PacketLayer(name: proto == 1 ? "ICMP" : "ICMPv6")
            icmp.fields["type"] = .int(Int(v.u8(l4)))
            icmp.fields["code"] = .int(Int(v.u8(l4 + 1)))
            icmp.fields["chksum"] = .int(Int(v.u16(l4 + 2)))
            transport = icmp
        }
        if let transport {
            transport.fields["_l4len"] = .int(Int(boundaries.transportSize))
            transport.fields["_payload_len"] = .int(Int(boundaries.payloadSize))
            last = last.add(transport)
        }
        let payloadOffset = Int(boundaries.payloadOffset)
        let raw = PacketLayer(name: "Raw")
        raw.fields["_offset"] = .int(payloadOffset)
        raw.fields["load"] = .bytes(
            payloadOffset < bytes.count ? Array(UnsafeRawBufferPointer(rebasing: bytes[payloadOffset...])) : [])
        last.add(raw)
        return (packet, .decoded)
    }

    /// The `DecodedPacket` the objects describe, read from their fields only.
    public func decodedPacket(from object: PacketObject, unit: TimeUnit = .milliseconds) -> DecodedPacket {
        var packet = DecodedPacket()
        packet.time = unit.time(seconds: object.seconds, nanoseconds: object.microseconds &* 1000)
        packet.rawSize = UInt16(truncatingIfNeeded: object.wireLength)
        packet.capturedLength = Int32(truncatingIfNeeded: object.original.count)
        if let link = object.firstLayer {
            if case .mac(let m)? = link.fields["_src_mac"] { packet.sourceMAC = m }
            if case .mac(let m)? = link.fields["_dst_mac"] { packet.destinationMAC = m }
        }
        if let tag = object.layer(named: "Dot1Q") { packet.vlanID = UInt16(tag.int("vlan") ?? 0) }
        if let encapsulation = object.layer(named: "Encapsulation") {
            packet.tunnelID = UInt8(encapsulation.int("tunnel_id") ?? 0)
        }
        if let ip = object.layer(named: "IP") ?? object.layer(named: "IPv6") {
            packet.ipVersion = ip.name == "IP" ? 4 : 6
            if case .address(let a)? = ip.fields["src"] { packet.source = a }
            if case .address(let a)? = ip.fields["dst"] { packet.destination = a }
            packet.ipSize = UInt16(truncatingIfNeeded: ip.int("_size") ?? 0)
            packet.ipProtocol = UInt8(truncatingIfNeeded: ip.int("_l4proto") ?? 0)
            packet.ipOffset = Int32(truncatingIfNeeded: ip.int("_offset") ?? 0)
            if let transport = ip.payload, transport.name != "Raw" {
                packet.transportSize = UInt16(truncatingIfNeeded: transport.int("_l4len") ?? 0)
                packet.payloadSize = UInt16(truncatingIfNeeded: transport.int("_payload_len") ?? 0)
                if transport.name == "TCP" || transport.name == "UDP" {
                    packet.sourcePort = UInt16(truncatingIfNeeded: transport.int("sport") ?? 0)
                    packet.destinationPort = UInt16(truncatingIfNeeded: transport.int("dport") ?? 0)
                }
                if transport.name == "TCP" {
                    packet.tcpFlags = UInt8(truncatingIfNeeded: transport.int("flags") ?? 0)
                    packet.tcpWindow = UInt16(truncatingIfNeeded: transport.int("window") ?? 0)
                }
            }
        }
        if let raw = object.layer(named: "Raw") {
            packet.payloadOffset = Int32(truncatingIfNeeded: raw.int("_offset") ?? 0)
        }
        return packet
    }
}
