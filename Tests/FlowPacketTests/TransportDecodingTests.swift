import FlowPacket
import FlowTestSupport
import Testing

@Suite("Decoding IP and transport headers")
struct TransportDecodingTests {
    @Test func tcpSynReportsPortsFlagsWindowAndAllFourSizes() {
        let frame = B.ethernet(
            src: "00:11:22:33:44:55", dst: "66:77:88:99:AA:BB", type: EtherType.ipv4,
            B.ipv4(
                src: "10.0.0.1", dst: "10.0.0.2", protocol: IPProtocol.tcp,
                B.tcp(sport: 40000, dport: 443, flags: TCPFlags.syn, window: 64240, options: B.synOptions)))
        #expect(frame.count == 74)
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        expectTuple(p, "10.0.0.1", 40000, "10.0.0.2", 443, proto: 6)
        #expect(p.tcpFlags == 0x02)
        #expect(p.tcpWindow == 64240)
        expectSizes(p, raw: 74, ip: 60, transport: 40, payload: 0)
        #expect(p.sourceMAC == B.mac("00:11:22:33:44:55"))
        #expect(p.destinationMAC == B.mac("66:77:88:99:aa:bb"))
        #expect(p.vlanID == 0)
        #expect(p.tunnelID == 0)
        #expect(p.ipOffset == 14)
        #expect(p.payloadOffset == 74)
        #expect(p.capturedLength == 74)
    }

    @Test func tcpFlagsByteIsCopiedWholeIncludingEceAndCwr() {
        let frame = B.ethernet(
            type: EtherType.ipv4, ipv4TCP(flags: TCPFlags.syn | TCPFlags.ack | TCPFlags.ece | TCPFlags.cwr, payload: 0))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        #expect(p.tcpFlags == 0xD2)
    }

    @Test func tcpPayloadExcludesHeaderAndOptions() {
        let timestamps: [UInt8] = [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2]
        let frame = B.ethernet(
            type: EtherType.ipv4,
            B.ipv4(
                src: "10.0.0.2", dst: "10.0.0.1", protocol: IPProtocol.tcp,
                B.tcp(
                    sport: 443, dport: 40000, flags: TCPFlags.ack | TCPFlags.psh, options: timestamps,
                    B.payload(100))))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        expectSizes(p, raw: 166, ip: 152, transport: 132, payload: 100)
        #expect(p.payloadOffset == 14 + 20 + 32)
    }

    @Test func ethernetPaddingCountsInRawSizeOnly() {
        let frame =
            B.ethernet(type: EtherType.ipv4, ipv4TCP(flags: TCPFlags.ack, payload: 0))
            + [UInt8](
                repeating: 0, count: 6)
        #expect(frame.count == 60)
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        expectSizes(p, raw: 60, ip: 40, transport: 20, payload: 0)
    }

    @Test func rawSizeIsTheWireLengthTruncatedTo16Bits() {
        let frame = B.ethernet(type: EtherType.ipv4, ipv4UDP())
        let (outcome, p) = decode(frame, wireLength: 70_000)
        #expect(outcome == .decoded)
        #expect(p.rawSize == UInt16(70_000 - 65_536))
        #expect(p.ipSize == 58)
    }

    @Test func udpReportsPortsAndEightByteHeader() {
        let frame = B.ethernet(type: EtherType.ipv4, ipv4UDP(payload: 30))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        expectTuple(p, "192.168.1.10", 53000, "8.8.8.8", 53, proto: 17)
        expectSizes(p, raw: 72, ip: 58, transport: 38, payload: 30)
        #expect(p.tcpFlags == 0)
        #expect(p.tcpWindow == 0)
        #expect(p.payloadOffset == 42)
    }

    @Test func icmpHasZeroPortsWhateverTheEchoIdentifier() {
        for identifier: UInt16 in [1, 2, 0xBEEF] {
            let frame = B.ethernet(
                type: EtherType.ipv4,
                B.ipv4(
                    src: "10.0.0.1", dst: "10.0.0.2", protocol: IPProtocol.icmp,
                    B.icmp(type: 8, identifier: identifier, sequence: 7, B.payload(56))))
            let (outcome, p) = decode(frame)
            #expect(outcome == .decoded)
            expectTuple(p, "10.0.0.1", 0, "10.0.0.2", 0, proto: 1)
            expectSizes(p, raw: 98, ip: 84, transport: 64, payload: 56)
            #expect(p.payloadOffset == 42)
        }
    }

    @Test func icmpv6EchoHasZeroPortsAndIPv6Sizes() {
        let frame = B.ethernet(
            type: EtherType.ipv6,
            B.ipv6(
                src: "fe80::1", dst: "ff02::1", nextHeader: IPProtocol.icmpv6,
                B.icmpv6(type: 128, identifier: 9, B.payload(56))))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        expectTuple(p, "fe80::1", 0, "ff02::1", 0, proto: 58)
        expectSizes(p, raw: 118, ip: 104, transport: 64, payload: 56)
    }

    @Test func unknownProtocolHasZeroTransportAndPayloadSizes() {
        let frame = B.ethernet(
            type: EtherType.ipv4, B.ipv4(src: "10.0.0.1", dst: "10.0.0.2", protocol: IPProtocol.sctp, B.payload(40)))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        expectTuple(p, "10.0.0.1", 0, "10.0.0.2", 0, proto: 132)
        expectSizes(p, raw: 74, ip: 60, transport: 0, payload: 0)
    }

    @Test func tcpSegmentShorterThanItsHeaderHasNoPortsAndNoTransportSize() {
        let frame = B.ethernet(
            type: EtherType.ipv4,
            B.ipv4(src: "10.0.0.1", dst: "10.0.0.2", protocol: IPProtocol.tcp, B.payload(10, seed: 1)))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        expectTuple(p, "10.0.0.1", 0, "10.0.0.2", 0, proto: 6)
        #expect(p.tcpFlags == 0)
        expectSizes(p, raw: 44, ip: 30, transport: 0, payload: 0)
    }

    @Test func ipv4OptionsMoveTheTransportHeader() {
        let routerAlert: [UInt8] = [0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00]
        let frame = B.ethernet(
            type: EtherType.ipv4,
            B.ipv4(
                src: "10.0.0.1", dst: "224.0.0.22", protocol: IPProtocol.udp, options: routerAlert,
                B.udp(sport: 1111, dport: 2222, B.payload(20))))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        expectTuple(p, "10.0.0.1", 1111, "224.0.0.22", 2222, proto: 17)
        expectSizes(p, raw: 70, ip: 56, transport: 28, payload: 20)
        #expect(p.payloadOffset == 14 + 28 + 8)
    }

    @Test func maximalIPv4OptionsStillFindTheTCPHeader() {
        let frame = B.ethernet(
            type: EtherType.ipv4,
            B.ipv4(
                src: "10.0.0.1", dst: "10.0.0.2", protocol: IPProtocol.tcp,
                options: [UInt8](repeating: 1, count: 40),
                B.tcp(sport: 1, dport: 2, flags: TCPFlags.fin | TCPFlags.ack, B.payload(10))))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        expectTuple(p, "10.0.0.1", 1, "10.0.0.2", 2, proto: 6)
        #expect(p.tcpFlags == 0x11)
        expectSizes(p, raw: 104, ip: 90, transport: 30, payload: 10)
    }

    @Test func ipv6IPSizeIsFortyPlusPayloadLength() {
        let frame = B.ethernet(
            type: EtherType.ipv6,
            B.ipv6(
                src: "2001:db8::1", dst: "2001:db8::2", nextHeader: IPProtocol.tcp,
                B.tcp(sport: 50000, dport: 443, flags: TCPFlags.syn, options: B.synOptions)))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        expectTuple(p, "2001:db8::1", 50000, "2001:db8::2", 443, proto: 6)
        expectSizes(p, raw: 94, ip: 80, transport: 40, payload: 0)
        #expect(p.ipOffset == 14)
    }

    struct ExtensionCase: Sendable, CustomTestStringConvertible {
        var name: String
        var extensions: [PacketBuilder.IPv6Extension]
        var length: Int
        var testDescription: String { name }
    }

    static let extensionCases: [ExtensionCase] = [
        .init(name: "hop-by-hop", extensions: [.hopByHop()], length: 8),
        .init(name: "routing", extensions: [.routing()], length: 24),
        .init(name: "destination options", extensions: [.destinationOptions(units: 1)], length: 16),
        .init(name: "first fragment", extensions: [.fragment(offset: 0, moreFragments: true)], length: 8),
        .init(
            name: "all four",
            extensions: [
                .hopByHop(), .destinationOptions(), .routing(addresses: ["2001:db8::7", "2001:db8::8"]),
                .fragment(offset: 0, moreFragments: true),
            ],
            length: 8 + 8 + 40 + 8),
    ]

    @Test(arguments: extensionCases)
    func ipv6ExtensionHeadersAreWalkedToTheTransportHeader(_ c: ExtensionCase) {
        let frame = B.ethernet(type: EtherType.ipv6, ipv6UDP(extensions: c.extensions, payload: 20))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        expectTuple(p, "2001:db8::1", 5353, "2001:db8::2", 5354, proto: 17)
        expectSizes(p, raw: UInt16(14 + 40 + c.length + 28), ip: UInt16(40 + c.length + 28), transport: 28, payload: 20)
        #expect(p.payloadOffset == Int32(14 + 40 + c.length + 8))
    }

    @Test func ipv6NonFirstFragmentIsAFragment() {
        for (offset, more) in [(UInt16(1), true), (185, false), (8191, true)] {
            let frame = B.ethernet(
                type: EtherType.ipv6, ipv6UDP(extensions: [.fragment(offset: offset, moreFragments: more)]))
            #expect(decode(frame).outcome == .fragment)
        }
    }

    @Test func ipv6NoNextHeaderWithBytesAfterItIsMalformed() {
        let frame = B.ethernet(
            type: EtherType.ipv6,
            B.ipv6(src: "2001:db8::1", dst: "2001:db8::2", nextHeader: IPProtocol.noNextHeader, B.payload(16)))
        #expect(decode(frame).outcome == .malformed)
    }

    @Test func ipv6ExtensionHeaderLongerThanThePacketIsMalformed() {
        let frame = B.ethernet(
            type: EtherType.ipv6,
            B.ipv6(
                src: "2001:db8::1", dst: "2001:db8::2", nextHeader: IPProtocol.udp,
                extensions: [.raw(number: 60, body: [200] + B.payload(6))], B.udp(sport: 1, dport: 2)))
        #expect(decode(frame).outcome == .malformed)
    }

    @Test func ipv4NonFirstFragmentIsAFragment() {
        for (offset, more) in [(UInt16(185), false), (1, true), (0x1FFF, false)] {
            let frame = B.ethernet(
                type: EtherType.ipv4,
                B.ipv4(
                    src: "10.0.0.1", dst: "10.0.0.2", protocol: IPProtocol.udp, moreFragments: more,
                    fragmentOffset: offset, B.payload(100)))
            #expect(decode(frame).outcome == .fragment)
            #expect(decode(frame, tunnels: false).outcome == .fragment)
        }
    }

    @Test func ipv4FirstFragmentIsDecodedWithPortsAndFragmentSizes() {
        var datagram = B.udp(sport: 5000, dport: 6000, B.payload(100))
        datagram[4] = 0x05  // the UDP length names the whole datagram (1408), not this fragment
        datagram[5] = 0x80
        let frame = B.ethernet(
            type: EtherType.ipv4,
            B.ipv4(src: "10.0.0.1", dst: "10.0.0.2", protocol: IPProtocol.udp, moreFragments: true, datagram))
        let (outcome, p) = decode(frame)
        #expect(outcome == .decoded)
        expectTuple(p, "10.0.0.1", 5000, "10.0.0.2", 6000, proto: 17)
        expectSizes(p, raw: 142, ip: 128, transport: 108, payload: 100)
    }

    @Test func dontFragmentFlagDoesNotMakeAFragment() {
        let frame = B.ethernet(
            type: EtherType.ipv4,
            B.ipv4(
                src: "10.0.0.1", dst: "10.0.0.2", protocol: IPProtocol.udp, dontFragment: true,
                B.udp(sport: 1, dport: 2, B.payload(4))))
        #expect(decode(frame).outcome == .decoded)
    }

    @Test func ipv4TotalLengthShorterThanItsHeaderIsMalformed() {
        var packet = ipv4TCP(payload: 0)
        packet[2] = 0
        packet[3] = 10
        #expect(decode(B.ethernet(type: EtherType.ipv4, packet)).outcome == .malformed)
    }
}
