import FlowPacket
import FlowTestSupport
import Testing

/// The inner packet used in every tunnel: IPv4 TCP 10.1.1.1:1234 → 10.2.2.2:443 with 10 bytes of data (50 bytes).
private let innerTCP = ipv4TCP(src: "10.1.1.1", dst: "10.2.2.2", sport: 1234, dport: 443, payload: 10)

/// Ethernet + IPv4 172.16.0.1 → 172.16.0.2 + UDP `sport` → `dport` around `body`.
private func outerUDP(sport: UInt16, dport: UInt16, _ body: [UInt8]) -> [UInt8] {
    B.ethernet(
        src: "00:00:00:aa:aa:aa", dst: "00:00:00:bb:bb:bb", type: EtherType.ipv4,
        B.ipv4(src: "172.16.0.1", dst: "172.16.0.2", protocol: IPProtocol.udp, B.udp(sport: sport, dport: dport, body)))
}

/// Checks that `p` is the inner TCP packet, seen through tunnel `id`.
private func expectInner(_ p: DecodedPacket, tunnel id: UInt8, sourceLocation: SourceLocation = #_sourceLocation) {
    expectTuple(p, "10.1.1.1", 1234, "10.2.2.2", 443, proto: 6, sourceLocation: sourceLocation)
    #expect(p.tunnelID == id, sourceLocation: sourceLocation)
    #expect(p.ipSize == 50, sourceLocation: sourceLocation)
    #expect(p.transportSize == 30, sourceLocation: sourceLocation)
    #expect(p.payloadSize == 10, sourceLocation: sourceLocation)
}

@Suite("Decoding tunnels")
struct TunnelDecodingTests {
    // MARK: GTP-U

    @Test func gtpUIsDecodedToTheInnerPacketWithTunnelID1() {
        let frame = outerUDP(sport: 2152, dport: 2152, B.gtpU(teid: 0x1234, innerTCP))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        expectInner(p, tunnel: 1)
        #expect(p.rawSize == 100)
        #expect(p.ipOffset == 50)
        #expect(p.sourceMAC == B.mac("00:00:00:aa:aa:aa"))
    }

    @Test func gtpUWithoutTunnelDecodingIsTheOuterUDPFlow() {
        let frame = outerUDP(sport: 2152, dport: 2152, B.gtpU(innerTCP))
        let (outcome, p) = decode(frame, tunnels: false)
        #expect(outcome == .decoded)
        expectTuple(p, "172.16.0.1", 2152, "172.16.0.2", 2152, proto: 17)
        #expect(p.tunnelID == 0)
        expectSizes(p, raw: 100, ip: 86, transport: 66, payload: 58)
    }

    @Test func gtpUSequenceNumberAndExtensionHeadersAreSkipped() {
        let withSequence = outerUDP(sport: 40000, dport: 2152, B.gtpU(sequence: 9, innerTCP))
        let (o1, p1) = decode(withSequence)
        #expect(o1 == .decoded)
        expectInner(p1, tunnel: 1)
        #expect(p1.ipOffset == 54)

        let pduSession: [UInt8] = [0x00, 0x09]
        let withExtension = outerUDP(sport: 2152, dport: 40000, B.gtpU(extensions: [pduSession], innerTCP))
        let (o2, p2) = decode(withExtension)
        #expect(o2 == .decoded)
        expectInner(p2, tunnel: 1)
        #expect(p2.ipOffset == 58)

        let twoExtensions = outerUDP(
            sport: 2152, dport: 2152, B.gtpU(sequence: 1, extensions: [pduSession, B.payload(6)], innerTCP))
        let (o3, p3) = decode(twoExtensions)
        #expect(o3 == .decoded)
        expectInner(p3, tunnel: 1)
        #expect(p3.ipOffset == 50 + 4 + 4 + 8)
    }

    @Test func gtpUCarriesIPv6() {
        let frame = outerUDP(sport: 2152, dport: 2152, B.gtpU(ipv6UDP()))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        #expect(p.tunnelID == 1)
        expectTuple(p, "2001:db8::1", 5353, "2001:db8::2", 5354, proto: 17)
        #expect(p.ipSize == 68)
    }

    @Test func gtpUMessageOtherThanTPDUIsTheOuterFlow() {
        let echo = outerUDP(sport: 2152, dport: 2152, B.gtpU(messageType: 1, innerTCP))
        let (outcome, p) = decode(echo)
        #expect(outcome == .decoded)
        #expect(p.tunnelID == 0)
        expectTuple(p, "172.16.0.1", 2152, "172.16.0.2", 2152, proto: 17)
    }

    // MARK: CAPWAP

    @Test func capwapDataIsDecodedWith80211MACsAndTunnelID2() {
        let frame = outerUDP(
            sport: 12222, dport: 5247,
            B.capwap80211(transmitter: "02:00:00:00:00:b1", destination: "02:00:00:00:00:c1", innerTCP))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        expectInner(p, tunnel: 2)
        #expect(p.ipOffset == 14 + 20 + 8 + 8 + 24 + 8)
        #expect(p.sourceMAC == B.mac("02:00:00:00:00:b1"))
        #expect(p.destinationMAC == B.mac("02:00:00:00:00:c1"))
    }

    @Test func capwapWithoutTunnelDecodingIsTheOuterUDPFlowWithEthernetMACs() {
        let frame = outerUDP(sport: 12222, dport: 5247, B.capwap80211(innerTCP))
        let (outcome, p) = decode(frame, tunnels: false)
        #expect(outcome == .decoded)
        expectTuple(p, "172.16.0.1", 12222, "172.16.0.2", 5247, proto: 17)
        #expect(p.tunnelID == 0)
        #expect(p.sourceMAC == B.mac("00:00:00:aa:aa:aa"))
        #expect(p.destinationMAC == B.mac("00:00:00:bb:bb:bb"))
    }

    @Test func capwapHeaderLengthComesFromHLEN() {
        let frame = outerUDP(sport: 5247, dport: 5247, B.capwap80211(headerWords: 4, innerTCP))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        expectInner(p, tunnel: 2)
        #expect(p.ipOffset == 14 + 20 + 8 + 16 + 24 + 8)
    }

    @Test func capwapCarryingARPIsNotIP() {
        let frame = outerUDP(sport: 5247, dport: 5247, B.capwap80211(type: EtherType.arp, B.payload(28)))
        #expect(decode(frame).outcome == .notIP)
        #expect(decode(frame, tunnels: false).outcome == .decoded)
    }

    // MARK: TZSP

    @Test func tzspEthernetIsDecodedWithInnerMACsAndTunnelID3() {
        let inner = B.ethernet(src: "0a:00:00:00:00:01", dst: "0b:00:00:00:00:02", type: EtherType.ipv4, innerTCP)
        let frame = outerUDP(sport: 40000, dport: 37008, B.tzsp(inner))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        expectInner(p, tunnel: 3)
        #expect(p.ipOffset == 14 + 20 + 8 + 4 + 1 + 14)
        #expect(p.sourceMAC == B.mac("0a:00:00:00:00:01"))
        #expect(p.destinationMAC == B.mac("0b:00:00:00:00:02"))
        #expect(p.rawSize == UInt16(frame.count))
    }

    @Test func tzspWithoutTunnelDecodingIsTheOuterUDPFlow() {
        let frame = outerUDP(sport: 40000, dport: 37008, B.tzsp(B.ethernet(type: EtherType.ipv4, innerTCP)))
        let (outcome, p) = decode(frame, tunnels: false)
        #expect(outcome == .decoded)
        expectTuple(p, "172.16.0.1", 40000, "172.16.0.2", 37008, proto: 17)
        #expect(p.tunnelID == 0)
    }

    @Test func tzspWithAnotherEncapsulationIsTheOuterFlowWithTunnelID3() {
        let frame = outerUDP(sport: 37008, dport: 37008, B.tzsp(encapsulation: 18, B.payload(60)))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        expectTuple(p, "172.16.0.1", 37008, "172.16.0.2", 37008, proto: 17)
        #expect(p.tunnelID == 3)
    }

    @Test func tzspInALinuxCookedCaptureIsDecodedAsEthernetInside() throws {
        // TZSP encapsulation 1 means the inner frame is Ethernet, whatever the capture's own link type.
        let inner = B.ethernet(src: "0a:00:00:00:00:01", dst: "0b:00:00:00:00:02", type: EtherType.ipv4, innerTCP)
        let frame = B.linuxSLL(
            protocol: EtherType.ipv4,
            B.ipv4(
                src: "172.16.0.1", dst: "172.16.0.2", protocol: IPProtocol.udp,
                B.udp(sport: 40000, dport: 37008, B.tzsp(inner))))
        let (outcome, p) = decode(frame, link: .linuxSLL)
        try #require(outcome == .decoded)
        expectInner(p, tunnel: 3)
    }

    // MARK: VXLAN

    @Test func vxlanIsDecodedToTheInnerEthernetFrameWithTunnelID5() {
        let inner = B.ethernet(src: "0a:00:00:00:00:01", dst: "0b:00:00:00:00:02", type: EtherType.ipv4, innerTCP)
        let frame = outerUDP(sport: 49152, dport: 4789, B.vxlan(vni: 42, inner))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        expectInner(p, tunnel: 5)
        #expect(p.ipOffset == 14 + 20 + 8 + 8 + 14)
        #expect(p.sourceMAC == B.mac("0a:00:00:00:00:01"))
    }

    @Test func vxlanWithoutTunnelDecodingIsTheOuterUDPFlow() {
        let frame = outerUDP(sport: 49152, dport: 4789, B.vxlan(B.ethernet(type: EtherType.ipv4, innerTCP)))
        let (outcome, p) = decode(frame, tunnels: false)
        #expect(outcome == .decoded)
        expectTuple(p, "172.16.0.1", 49152, "172.16.0.2", 4789, proto: 17)
        #expect(p.tunnelID == 0)
        #expect(p.sourceMAC == B.mac("00:00:00:aa:aa:aa"))
    }

    @Test func vxlanInnerVlanTagAndIPv6OuterAreHandled() {
        let inner = B.ethernet(type: EtherType.vlan, B.vlan(id: 300, type: EtherType.ipv4, innerTCP))
        let frame = B.ethernet(
            type: EtherType.ipv6,
            B.ipv6(
                src: "2001:db8::a", dst: "2001:db8::b", nextHeader: IPProtocol.udp,
                B.udp(sport: 50000, dport: 4789, B.vxlan(inner))))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        expectInner(p, tunnel: 5)
        #expect(p.vlanID == 300)
    }

    @Test func vxlanWithoutTheIFlagIsTheOuterFlow() {
        let frame = outerUDP(sport: 49152, dport: 4789, B.vxlan(flags: 0, B.ethernet(type: EtherType.ipv4, innerTCP)))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        #expect(p.tunnelID == 0)
        #expect(p.destinationPort == 4789)
    }

    // MARK: GRE

    private func outerGRE(_ gre: [UInt8]) -> [UInt8] {
        B.ethernet(type: EtherType.ipv4, B.ipv4(src: "172.16.0.1", dst: "172.16.0.2", protocol: IPProtocol.gre, gre))
    }

    @Test func greIPv4IsDecodedWithTunnelID6() {
        let frame = outerGRE(B.gre(protocolType: EtherType.ipv4, innerTCP))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        expectInner(p, tunnel: 6)
        #expect(p.ipOffset == 38)
    }

    @Test func greWithoutTunnelDecodingIsProtocol47WithoutPortsOrTransportSize() {
        let frame = outerGRE(B.gre(protocolType: EtherType.ipv4, innerTCP))
        let (outcome, p) = decode(frame, tunnels: false)
        #expect(outcome == .decoded)
        expectTuple(p, "172.16.0.1", 0, "172.16.0.2", 0, proto: 47)
        #expect(p.tunnelID == 0)
        expectSizes(p, raw: 88, ip: 74, transport: 0, payload: 0)
    }

    @Test func greOptionalWordsAreSkipped() {
        let keyed = outerGRE(B.gre(protocolType: EtherType.ipv4, key: 77, sequence: 5, innerTCP))
        let (o1, p1) = decode(keyed)
        #expect(o1 == .decoded)
        expectInner(p1, tunnel: 6)
        #expect(p1.ipOffset == 46)
        let all = outerGRE(B.gre(protocolType: EtherType.ipv4, checksum: true, key: 1, sequence: 2, innerTCP))
        let (o2, p2) = decode(all)
        #expect(o2 == .decoded)
        expectInner(p2, tunnel: 6)
        #expect(p2.ipOffset == 50)
    }

    @Test func greCarriesIPv6AndTransparentEthernet() {
        let (o1, p1) = decode(outerGRE(B.gre(protocolType: EtherType.ipv6, ipv6UDP())))
        #expect(o1 == .decoded)
        #expect(p1.tunnelID == 6)
        expectTuple(p1, "2001:db8::1", 5353, "2001:db8::2", 5354, proto: 17)

        let bridged = B.ethernet(src: "0a:00:00:00:00:01", dst: "0b:00:00:00:00:02", type: EtherType.ipv4, innerTCP)
        let (o2, p2) = decode(outerGRE(B.gre(protocolType: EtherType.transparentEthernetBridging, bridged)))
        #expect(o2 == .decoded)
        expectInner(p2, tunnel: 6)
        #expect(p2.ipOffset == 14 + 20 + 4 + 14)
        #expect(p2.sourceMAC == B.mac("0a:00:00:00:00:01"))
    }

    @Test func greOverIPv6IsDecoded() {
        let frame = B.ethernet(
            type: EtherType.ipv6,
            B.ipv6(
                src: "2001:db8::a", dst: "2001:db8::b", nextHeader: IPProtocol.gre,
                B.gre(protocolType: EtherType.ipv4, innerTCP)))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        expectInner(p, tunnel: 6)
    }

    @Test func greVersion1IsTheOuterFlow() {
        let (outcome, p) = decode(outerGRE(B.gre(protocolType: EtherType.ipv4, version: 1, innerTCP)))
        #expect(outcome == .decoded)
        #expect(p.tunnelID == 0)
        expectTuple(p, "172.16.0.1", 0, "172.16.0.2", 0, proto: 47)
    }

    // MARK: IP in IP

    struct IPinIPCase: Sendable, CustomTestStringConvertible {
        var name: String
        var frame: [UInt8]
        var innerOffset: Int32
        var innerIsIPv6: Bool
        var testDescription: String { name }
    }

    static let ipInIPCases: [IPinIPCase] = [
        .init(
            name: "4in4",
            frame: B.ethernet(
                type: EtherType.ipv4,
                B.ipv4(src: "198.51.100.1", dst: "198.51.100.2", protocol: IPProtocol.ipv4, innerTCP)),
            innerOffset: 34, innerIsIPv6: false),
        .init(
            name: "6in4",
            frame: B.ethernet(
                type: EtherType.ipv4,
                B.ipv4(src: "198.51.100.1", dst: "198.51.100.2", protocol: IPProtocol.ipv6, ipv6UDP())),
            innerOffset: 34, innerIsIPv6: true),
        .init(
            name: "4in6",
            frame: B.ethernet(
                type: EtherType.ipv6,
                B.ipv6(src: "2001:db8::a", dst: "2001:db8::b", nextHeader: IPProtocol.ipv4, innerTCP)),
            innerOffset: 54, innerIsIPv6: false),
        .init(
            name: "6in6",
            frame: B.ethernet(
                type: EtherType.ipv6,
                B.ipv6(src: "2001:db8::a", dst: "2001:db8::b", nextHeader: IPProtocol.ipv6, ipv6UDP())),
            innerOffset: 54, innerIsIPv6: true),
        .init(
            name: "4in6 after destination options",
            frame: B.ethernet(
                type: EtherType.ipv6,
                B.ipv6(
                    src: "2001:db8::a", dst: "2001:db8::b", nextHeader: IPProtocol.ipv4,
                    extensions: [.destinationOptions()], innerTCP)),
            innerOffset: 62, innerIsIPv6: false),
        .init(
            name: "4in4 with outer IPv4 options",
            frame: B.ethernet(
                type: EtherType.ipv4,
                B.ipv4(
                    src: "198.51.100.1", dst: "198.51.100.2", protocol: IPProtocol.ipv4,
                    options: [0x94, 4, 0, 0], innerTCP)),
            innerOffset: 38, innerIsIPv6: false),
    ]

    @Test(arguments: ipInIPCases, [true, false])
    func ipInIPIsAlwaysStrippedWithTunnelID0(_ c: IPinIPCase, tunnels: Bool) {
        let (outcome, p) = decode(c.frame, tunnels: tunnels)
        #expect(outcome == .decoded)
        #expect(p.tunnelID == 0)
        #expect(p.ipOffset == c.innerOffset)
        if c.innerIsIPv6 {
            expectTuple(p, "2001:db8::1", 5353, "2001:db8::2", 5354, proto: 17)
            expectSizes(p, raw: UInt16(c.frame.count), ip: 68, transport: 28, payload: 20)
        } else {
            expectInner(p, tunnel: 0)
            #expect(p.rawSize == UInt16(c.frame.count))
        }
    }
}

@Suite struct TunnelKindTests {
    @Test func tunnelIdsKeepNFStreamsNumbersAndTheLegendNamesThemAll() {
        #expect(TunnelKind.allCases.map(\.rawValue) == [0, 1, 2, 3, 5, 6])
        #expect(TunnelKind.legend == "0 none, 1 GTP-U, 2 CAPWAP, 3 TZSP, 5 VXLAN, 6 GRE")
    }
}
