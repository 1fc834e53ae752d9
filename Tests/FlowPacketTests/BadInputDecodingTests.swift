import FlowPacket
import FlowTestSupport
import Testing

/// Every link type the decoder knows, plus one it does not.
let allLinkTypes: [LinkType] = [
    .null, .ethernet, .ppp, .raw, .rawOpenBSD, .pppSerial, .rawLinktype, .cHDLC, .loop, .linuxSLL,
    .ieee80211Radiotap, .ipv4, .ipv6, .linuxSLL2, LinkType(rawValue: 147),
]

@Suite("Decoding short, cut and hostile frames")
struct BadInputDecodingTests {
    @Test(arguments: allLinkTypes)
    func frameShorterThan28BytesFromTheLinkHeaderIsTruncated(_ link: LinkType) {
        let full = ipv4TCP(payload: 40)
        for count in 0..<28 {
            #expect(decode(Array(full.prefix(count)), link: link).outcome == .truncated, "\(count) bytes")
        }
    }

    @Test func ethernetFrameCutInsideTheUDPHeaderIsTruncated() {
        // 14 + 28 bytes: the shortest Ethernet frame that holds an IPv4 and a UDP header.
        let frame = B.ethernet(type: EtherType.ipv4, ipv4UDP(payload: 30))
        #expect(decode(frame, capturedLength: 41, wireLength: 72).outcome == .truncated)
        let (outcome, p) = decode(frame, capturedLength: 42, wireLength: 72)
        #expect(outcome == .decoded)
        expectTuple(p, "192.168.1.10", 53000, "8.8.8.8", 53, proto: 17)
        expectSizes(p, raw: 72, ip: 58, transport: 38, payload: 30)
        #expect(p.capturedLength == 42)
    }

    @Test func shortLinkHeaderPlusIPIsTruncated() {
        let sll = B.linuxSLL(protocol: EtherType.ipv4, ipv4UDP())
        #expect(decode(sll, link: .linuxSLL, capturedLength: 16 + 19).outcome == .truncated)
        let sll2 = B.linuxSLL2(protocol: EtherType.ipv4, ipv4UDP())
        #expect(decode(sll2, link: .linuxSLL2, capturedLength: 20 + 19).outcome == .truncated)
        let vlan = B.ethernet(type: EtherType.vlan, B.vlan(id: 5, type: EtherType.ipv4, ipv4UDP()))
        #expect(decode(vlan, capturedLength: 18 + 19).outcome == .truncated)
    }

    @Test func snaplenTruncatedIPv4StillReportsItsSizesFromTheHeaders() {
        let frame = B.ethernet(type: EtherType.ipv4, ipv4TCP(payload: 1000))
        #expect(frame.count == 1054)
        let (outcome, p) = decode(frame, capturedLength: 100, wireLength: 1054)
        #expect(outcome == .decoded)
        expectTuple(p, "10.0.0.1", 40000, "10.0.0.2", 80, proto: 6)
        #expect(p.tcpFlags == TCPFlags.ack | TCPFlags.psh)
        expectSizes(p, raw: 1054, ip: 1040, transport: 1020, payload: 1000)
        #expect(p.capturedLength == 100)
        #expect(p.payloadOffset == 54)
    }

    @Test func ipv4HeaderCutInsideItsOptionsIsTruncated() {
        let frame = B.ethernet(
            type: EtherType.ipv4,
            B.ipv4(
                src: "10.0.0.1", dst: "10.0.0.2", protocol: IPProtocol.tcp, options: [UInt8](repeating: 1, count: 40),
                B.tcp(sport: 1, dport: 2, flags: TCPFlags.syn)))
        #expect(decode(frame, capturedLength: 14 + 40).outcome == .truncated)
    }

    @Test func truncatedIPv6IsTruncated() {
        let frame = B.ethernet(type: EtherType.ipv6, ipv6UDP(payload: 500))
        #expect(frame.count == 562)
        #expect(decode(frame, capturedLength: 100, wireLength: 562).outcome == .truncated)
        #expect(decode(frame, capturedLength: 561, wireLength: 562).outcome == .truncated)
        #expect(decode(frame, capturedLength: 14 + 39).outcome == .truncated)
        #expect(decode(frame).outcome == .decoded)
        #expect(decode(frame, tunnels: false, capturedLength: 100).outcome == .truncated)
    }

    @Test func versionNibbleOtherThan4Or6IsNotIP() {
        var packet = ipv4TCP()
        packet[0] = 0x55
        #expect(decode(B.ethernet(type: EtherType.ipv4, packet)).outcome == .notIP)
    }

    @Test(arguments: allLinkTypes)
    func randomGarbageNeverTraps(_ link: LinkType) {
        var rng = SplitMix64(seed: 0xF10E_0000 &+ UInt64(bitPattern: Int64(link.rawValue)))
        var outcomes: [DecodeOutcome: Int] = [:]
        for _ in 0..<10_000 {
            let count = Int(rng.next() % 160)
            var frame = rng.bytes(count)
            // Steer some frames past the first checks so the deeper code runs too.
            if count > 20 && rng.next() % 2 == 0 {
                let ipStart = [0, 2, 4, 14, 16, 18, 20][Int(rng.next() % 7)]
                if ipStart < count { frame[ipStart] = rng.next() % 2 == 0 ? 0x45 : 0x60 }
                if count > 13 && rng.next() % 2 == 0 {
                    frame[12] = 0x08
                    frame[13] = 0x00
                }
            }
            let (outcome, p) = decode(
                frame, link: link, tunnels: rng.next() % 4 != 0, wireLength: Int(rng.next() % 70_000))
            outcomes[outcome, default: 0] += 1
            if outcome == .decoded {
                #expect(p.ipVersion == 4 || p.ipVersion == 6)
                #expect(p.capturedLength == Int32(count))
                #expect(p.ipOffset >= 0 && p.ipOffset < Int32(count))
            }
        }
        if !link.isSupported {
            #expect(Set(outcomes.keys).isSubset(of: [.truncated, .unsupportedLinkType]))
        }
        #expect(outcomes.values.reduce(0, +) == 10_000)
    }

    @Test func mutatedValidFramesNeverTrap() {
        let inner = B.ethernet(type: EtherType.ipv4, ipv4TCP(src: "10.1.1.1", dst: "10.2.2.2"))
        let corpus: [[UInt8]] = [
            B.ethernet(type: EtherType.ipv4, ipv4TCP()),
            B.ethernet(type: EtherType.ipv6, ipv6UDP(extensions: [.hopByHop(), .routing(), .fragment()])),
            B.ethernet(
                type: EtherType.qinq,
                B.vlan(id: 1, type: EtherType.vlan, B.vlan(id: 2, type: EtherType.ipv4, ipv4UDP()))),
            B.ethernet(type: EtherType.mplsUnicast, B.mpls(labels: [1, 2, 3], ipv4TCP())),
            B.ethernet(type: EtherType.pppoeSession, B.pppoeSession(ipv4UDP())),
            B.ethernet(
                type: EtherType.ipv4,
                B.ipv4(
                    src: "1.1.1.1", dst: "2.2.2.2", protocol: IPProtocol.udp,
                    B.udp(sport: 2152, dport: 2152, B.gtpU(sequence: 1, extensions: [[0, 9]], ipv4TCP())))),
            B.ethernet(
                type: EtherType.ipv4,
                B.ipv4(
                    src: "1.1.1.1", dst: "2.2.2.2", protocol: IPProtocol.udp,
                    B.udp(sport: 5247, dport: 5247, B.capwap80211(ipv4TCP())))),
            B.ethernet(
                type: EtherType.ipv4,
                B.ipv4(
                    src: "1.1.1.1", dst: "2.2.2.2", protocol: IPProtocol.udp,
                    B.udp(sport: 37008, dport: 37008, B.tzsp(inner)))),
            B.ethernet(
                type: EtherType.ipv4,
                B.ipv4(
                    src: "1.1.1.1", dst: "2.2.2.2", protocol: IPProtocol.udp,
                    B.udp(sport: 1, dport: 4789, B.vxlan(inner)))),
            B.ethernet(
                type: EtherType.ipv4,
                B.ipv4(
                    src: "1.1.1.1", dst: "2.2.2.2", protocol: IPProtocol.gre,
                    B.gre(protocolType: EtherType.transparentEthernetBridging, key: 1, inner))),
            B.ethernet(type: EtherType.ipv6, B.ipv6(src: "::1", dst: "::2", nextHeader: IPProtocol.ipv4, ipv4TCP())),
            B.ethernet(
                type: EtherType.ipv4, B.ipv4(src: "1.1.1.1", dst: "2.2.2.2", protocol: IPProtocol.ipv6, ipv6UDP())),
        ]
        var rng = SplitMix64(seed: 42)
        var decoded = 0
        for _ in 0..<1_000 {
            for frame in corpus {
                var f = frame
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    f[Int(rng.next() % UInt64(f.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
                let cut = rng.next() % 3 == 0 ? Int(rng.next() % UInt64(f.count + 1)) : f.count
                let (outcome, p) = decode(f, tunnels: rng.next() % 4 != 0, capturedLength: cut)
                if outcome == .decoded {
                    decoded += 1
                    #expect(p.ipOffset >= 0 && p.ipOffset < Int32(cut))
                }
            }
        }
        #expect(decoded > 1_000)
    }
}
