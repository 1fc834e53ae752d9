import FlowPacket
import FlowTestSupport
import Testing

@Suite("Decoding link layers")
struct LinkLayerDecodingTests {
    @Test func dot1QTagGivesItsVlanIDIgnoringPriority() {
        let frame = B.ethernet(
            type: EtherType.vlan, B.vlan(id: 100, priority: 5, type: EtherType.ipv4, ipv4UDP()))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        #expect(p.vlanID == 100)
        #expect(p.ipOffset == 18)
        expectTuple(p, "192.168.1.10", 53000, "8.8.8.8", 53, proto: 17)
        expectSizes(p, raw: 76, ip: 58, transport: 38, payload: 30)
    }

    @Test func stackedDot1QTagsGiveTheInnermostVlanID() {
        let frame = B.ethernet(
            type: EtherType.vlan,
            B.vlan(id: 10, type: EtherType.vlan, B.vlan(id: 20, type: EtherType.ipv4, ipv4TCP())))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        #expect(p.vlanID == 20)
        #expect(p.ipOffset == 22)
        expectTuple(p, "10.0.0.1", 40000, "10.0.0.2", 80, proto: 6)
    }

    @Test func dot1adOuterTagWithDot1QInnerGivesTheInnermostVlanID() {
        let frame = B.ethernet(
            type: EtherType.qinq,
            B.vlan(id: 10, type: EtherType.vlan, B.vlan(id: 20, type: EtherType.ipv4, ipv4TCP())))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        #expect(p.vlanID == 20)
        #expect(p.ipOffset == 22)
    }

    @Test func threeStackedTagsGiveTheInnermostVlanID() {
        let frame = B.ethernet(
            type: EtherType.qinq,
            B.vlan(
                id: 4000, type: EtherType.vlan,
                B.vlan(id: 1, type: EtherType.vlan, B.vlan(id: 4095, type: EtherType.ipv6, ipv6UDP()))))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        #expect(p.vlanID == 4095)
        #expect(p.ipOffset == 26)
        #expect(p.ipVersion == 6)
    }

    @Test func mplsLabelStackIsPoppedToTheBottomOfStack() {
        let frame = B.ethernet(type: EtherType.mplsUnicast, B.mpls(labels: [100, 200], ipv4TCP()))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        #expect(p.ipOffset == 22)
        expectTuple(p, "10.0.0.1", 40000, "10.0.0.2", 80, proto: 6)
        expectSizes(p, raw: 72, ip: 50, transport: 30, payload: 10)
    }

    @Test func mplsPayloadVersionIsTakenFromTheIPHeader() {
        let frame = B.ethernet(type: EtherType.mplsMulticast, B.mpls(labels: [16], ipv6UDP()))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        #expect(p.ipOffset == 18)
        #expect(p.ipVersion == 6)
        expectTuple(p, "2001:db8::1", 5353, "2001:db8::2", 5354, proto: 17)
    }

    @Test func pppoeSessionCarriesIPv4AndIPv6() {
        let v4 = B.ethernet(type: EtherType.pppoeSession, B.pppoeSession(sessionID: 7, ipv4UDP()))
        let (o4, p4) = decode(v4)
        #expect(o4 == .decoded)
        #expect(p4.ipOffset == 22)
        expectTuple(p4, "192.168.1.10", 53000, "8.8.8.8", 53, proto: 17)

        let v6 = B.ethernet(
            type: EtherType.vlan,
            B.vlan(id: 7, type: EtherType.pppoeSession, B.pppoeSession(pppProtocol: 0x0057, ipv6UDP())))
        let (o6, p6) = decode(v6)
        #expect(o6 == .decoded)
        #expect(p6.ipOffset == 26)
        #expect(p6.vlanID == 7)
        expectTuple(p6, "2001:db8::1", 5353, "2001:db8::2", 5354, proto: 17)
    }

    @Test func llcSnapFrameCarriesIP() {
        let frame = B.ethernet8023(B.llcSnap(type: EtherType.ipv4, ipv4TCP()))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        #expect(p.ipOffset == 22)
        expectTuple(p, "10.0.0.1", 40000, "10.0.0.2", 80, proto: 6)
    }

    @Test func spanningTreeAndOtherNonIPFramesAreNotIP() {
        let stp = B.ethernet8023(dst: "01:80:c2:00:00:00", [0x42, 0x42, 0x03] + B.payload(40))
        #expect(decode(stp).outcome == .notIP)
        // 802.3 with a non-SNAP LLC whose payload happens to start like IPv4.
        let ipx = B.ethernet8023([0xE0, 0xE0, 0x03] + ipv4TCP())
        #expect(decode(ipx).outcome == .notIP)
        let arp = B.ethernet(
            dst: "ff:ff:ff:ff:ff:ff", type: EtherType.arp, [0, 1, 8, 0, 6, 4, 0, 1] + B.payload(20))
        #expect(arp.count == 42)
        #expect(decode(arp).outcome == .notIP)
        let lldp = B.ethernet(type: EtherType.lldp, ipv4TCP())
        #expect(decode(lldp).outcome == .notIP)
        // An ethertype between 1501 and 1535 is neither a length nor a type.
        let odd = B.ethernet(type: 1520, ipv4TCP())
        #expect(decode(odd).outcome == .notIP)
    }

    @Test func linuxCookedV1CarriesIPAtOffset16WithoutMACs() {
        let frame = B.linuxSLL(protocol: EtherType.ipv4, ipv4TCP())
        let (outcome, p) = decode(frame, link: .linuxSLL)
        #expect(outcome == .decoded)
        #expect(p.ipOffset == 16)
        expectTuple(p, "10.0.0.1", 40000, "10.0.0.2", 80, proto: 6)
        expectSizes(p, raw: 66, ip: 50, transport: 30, payload: 10)
        #expect(p.sourceMAC == .zero)
        #expect(p.destinationMAC == .zero)
    }

    @Test func linuxCookedV1WithVlanAndNonIPProtocols() {
        let tagged = B.linuxSLL(protocol: EtherType.vlan, B.vlan(id: 33, type: EtherType.ipv6, ipv6UDP()))
        let (outcome, p) = decode(tagged, link: .linuxSLL)
        #expect(outcome == .decoded)
        #expect(p.vlanID == 33)
        #expect(p.ipOffset == 20)
        let arp = B.linuxSLL(protocol: EtherType.arp, B.payload(28))
        #expect(decode(arp, link: .linuxSLL).outcome == .notIP)
    }

    @Test func linuxCookedV2CarriesIPAtOffset20() {
        let frame = B.linuxSLL2(protocol: EtherType.ipv6, interfaceIndex: 3, ipv6UDP())
        let (outcome, p) = decode(frame, link: .linuxSLL2)
        #expect(outcome == .decoded)
        #expect(p.ipOffset == 20)
        expectTuple(p, "2001:db8::1", 5353, "2001:db8::2", 5354, proto: 17)
        expectSizes(p, raw: 88, ip: 68, transport: 28, payload: 20)
        #expect(decode(B.linuxSLL2(protocol: EtherType.arp, B.payload(28)), link: .linuxSLL2).outcome == .notIP)
    }

    @Test func nullHeaderFamily2IsIPv4InEitherByteOrder() {
        for bigEndian in [false, true] {
            for link in [LinkType.null, .loop] {
                let (outcome, p) = decode(B.null(family: 2, bigEndian: bigEndian, ipv4TCP()), link: link)
                #expect(outcome == .decoded)
                #expect(p.ipOffset == 4)
                expectTuple(p, "10.0.0.1", 40000, "10.0.0.2", 80, proto: 6)
                #expect(p.sourceMAC == .zero)
            }
        }
    }

    @Test(arguments: [UInt32(24), 28, 30])
    func nullHeaderIPv6FamiliesCarryIPv6(_ family: UInt32) {
        for link in [LinkType.null, .loop] {
            let (outcome, p) = decode(B.null(family: family, bigEndian: link == .loop, ipv6UDP()), link: link)
            #expect(outcome == .decoded)
            #expect(p.ipOffset == 4)
            expectTuple(p, "2001:db8::1", 5353, "2001:db8::2", 5354, proto: 17)
            expectSizes(p, raw: 72, ip: 68, transport: 28, payload: 20)
        }
    }

    @Test(arguments: [LinkType.raw, .rawOpenBSD, .rawLinktype])
    func rawLinkTypesChooseTheVersionFromTheFirstNibble(_ link: LinkType) {
        let (o4, p4) = decode(ipv4TCP(), link: link)
        #expect(o4 == .decoded)
        #expect(p4.ipOffset == 0)
        expectTuple(p4, "10.0.0.1", 40000, "10.0.0.2", 80, proto: 6)
        expectSizes(p4, raw: 50, ip: 50, transport: 30, payload: 10)
        #expect(p4.sourceMAC == .zero)
        let (o6, p6) = decode(ipv6UDP(), link: link)
        #expect(o6 == .decoded)
        expectTuple(p6, "2001:db8::1", 5353, "2001:db8::2", 5354, proto: 17)
        #expect(decode([0x50] + B.payload(40), link: link).outcome == .notIP)
    }

    @Test func rawIPv4AndIPv6LinkTypes() {
        let (o4, p4) = decode(ipv4UDP(), link: .ipv4)
        #expect(o4 == .decoded)
        expectTuple(p4, "192.168.1.10", 53000, "8.8.8.8", 53, proto: 17)
        expectSizes(p4, raw: 58, ip: 58, transport: 38, payload: 30)
        let (o6, p6) = decode(ipv6UDP(), link: .ipv6)
        #expect(o6 == .decoded)
        expectTuple(p6, "2001:db8::1", 5353, "2001:db8::2", 5354, proto: 17)
        expectSizes(p6, raw: 68, ip: 68, transport: 28, payload: 20)
    }

    @Test func pppAndCiscoHDLCCarryIP() {
        let (o1, p1) = decode(B.ppp(protocol: 0x0021, ipv4TCP()), link: .ppp)
        #expect(o1 == .decoded)
        #expect(p1.ipOffset == 2)
        let (o2, p2) = decode(B.ciscoHDLC(type: EtherType.ipv4, ipv4TCP()), link: .cHDLC)
        #expect(o2 == .decoded)
        #expect(p2.ipOffset == 4)
        expectTuple(p2, "10.0.0.1", 40000, "10.0.0.2", 80, proto: 6)
        let (o3, p3) = decode(B.ciscoHDLC(address: 0x8F, type: EtherType.ipv6, ipv6UDP()), link: .ppp)
        #expect(o3 == .decoded)
        #expect(p3.ipOffset == 4)
        #expect(p3.ipVersion == 6)
        let (o4, p4) = decode(B.ciscoHDLC(type: EtherType.ipv4, ipv4TCP()), link: .pppSerial)
        #expect(o4 == .decoded)
        #expect(p4.ipOffset == 4)
        // Cisco SLARP is not IP.
        #expect(decode(B.ciscoHDLC(type: 0x8035, ipv4TCP()), link: .cHDLC).outcome == .notIP)
    }

    @Test func pppSerialWithRFC1662FramingCarriesIP() throws {
        // DLT_PPP_SERIAL frames starting FF 03 carry a PPP protocol number (0x0021 IPv4, 0x0057 IPv6), not an
        // ethertype. NFStream reads the IP header by its version nibble and counts these packets.
        let (o4, p4) = decode(B.pppHDLC(protocol: 0x0021, ipv4TCP()), link: .pppSerial)
        try #require(o4 == .decoded)
        #expect(p4.ipOffset == 4)
        let (o6, _) = decode(B.pppHDLC(protocol: 0x0057, ipv6UDP()), link: .pppSerial)
        #expect(o6 == .decoded)
    }

    @Test func unknownLinkTypeIsUnsupported() {
        let frame = B.ethernet(type: EtherType.ipv4, ipv4TCP())
        #expect(decode(frame, link: LinkType(rawValue: 147)).outcome == .unsupportedLinkType)
        #expect(LinkType(rawValue: 147).isSupported == false)
        #expect(LinkType.linuxSLL2.isSupported)
        #expect(LinkType(rawValue: 276) == .linuxSLL2)
        #expect(LinkType.ethernet.description == "EN10MB")
    }
}
