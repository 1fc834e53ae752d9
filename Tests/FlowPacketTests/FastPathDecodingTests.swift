@testable import FlowPacket
import FlowTestSupport
import Testing

/// `PacketDecoder.decode` takes a fast path for untagged Ethernet II frames carrying IPv4 that is no tunnel; these
/// tests hold it to the layer loop it short-cuts (`decode(…, fastPath: false)`), outcome and every decoded field,
/// on frames that take it, frames that must leave it, every cut of them, and seeded random corruptions.
@Suite("Decoding: the Ethernet/IPv4 fast path agrees with the layer loop")
struct FastPathDecodingTests {
    /// Frames on both sides of each fast-path condition.
    static let frames: [(name: String, bytes: [UInt8])] = {
        let tcp = B.tcp(sport: 40000, dport: 443, flags: TCPFlags.ack | TCPFlags.psh, window: 501, B.payload(30))
        func v4(
            _ proto: UInt8, _ payload: [UInt8], options: [UInt8] = [], fragmentOffset: UInt16 = 0,
            more: Bool = false
        ) -> [UInt8] {
            B.ipv4(
                src: "10.0.0.1", dst: "192.168.7.9", protocol: proto, moreFragments: more,
                fragmentOffset: fragmentOffset, options: options, payload)
        }
        func eth(_ ip: [UInt8]) -> [UInt8] { B.ethernet(type: 0x0800, ip) }
        var list: [(String, [UInt8])] = [
            ("TCP", eth(v4(IPProtocol.tcp, tcp))),
            ("TCP with IP options", eth(v4(IPProtocol.tcp, tcp, options: [1, 1, 1, 0, 7, 7, 4, 0]))),
            ("UDP", eth(v4(IPProtocol.udp, B.udp(sport: 53000, dport: 53, B.payload(12))))),
            ("UDP, empty", eth(v4(IPProtocol.udp, B.udp(sport: 1, dport: 2)))),
            ("ICMP", eth(v4(IPProtocol.icmp, B.icmp(type: 8, code: 0, B.payload(16))))),
            ("first fragment", eth(v4(IPProtocol.udp, B.udp(sport: 5, dport: 6, B.payload(20)), more: true))),
            ("later fragment", eth(v4(IPProtocol.udp, B.payload(20), fragmentOffset: 3))),
            ("other protocol", eth(v4(132, B.payload(24)))),
            ("IP in IP", eth(v4(4, v4(IPProtocol.tcp, tcp)))),
            ("IPv6 in IPv4", eth(v4(41, ipv6UDP()))),
            ("GRE", eth(v4(47, B.gre(protocolType: 0x0800, v4(IPProtocol.tcp, tcp))))),
            ("GTP-U", eth(v4(IPProtocol.udp, B.udp(sport: 2152, dport: 2152, B.gtpU(v4(IPProtocol.tcp, tcp)))))),
            ("TZSP", eth(v4(IPProtocol.udp, B.udp(sport: 9, dport: 37008, B.tzsp(eth(v4(IPProtocol.tcp, tcp))))))),
            ("CAPWAP port", eth(v4(IPProtocol.udp, B.udp(sport: 5247, dport: 9, B.payload(40))))),
            ("VXLAN", eth(v4(IPProtocol.udp, B.udp(sport: 9, dport: 4789, B.vxlan(eth(v4(IPProtocol.tcp, tcp))))))),
            ("VLAN", B.ethernet(type: 0x8100, B.vlan(id: 7, type: 0x0800, v4(IPProtocol.tcp, tcp)))),
            ("IPv6", B.ethernet(type: 0x86DD, ipv6UDP())),
            ("ARP", B.ethernet(type: 0x0806, B.payload(28))),
            ("version 6 in an IPv4 frame", B.ethernet(type: 0x0800, ipv6UDP())),
        ]
        // Header lengths below 20 bytes and above the captured header.
        for ihl in [0, 1, 4, 15] as [UInt8] {
            var bytes = eth(v4(IPProtocol.tcp, tcp))
            bytes[14] = 0x40 | ihl
            list.append(("IHL \(ihl)", bytes))
        }
        // Total lengths shorter and longer than the capture.
        for total in [0, 19, 20, 39, 41, 1500] as [UInt16] {
            var bytes = eth(v4(IPProtocol.udp, B.udp(sport: 7, dport: 8, B.payload(20))))
            bytes[16] = UInt8(total >> 8)
            bytes[17] = UInt8(total & 0xFF)
            list.append(("total length \(total)", bytes))
        }
        return list
    }()

    /// Decodes `bytes` both ways and expects the same outcome and packet.
    static func expectAgreement(
        _ bytes: [UInt8], tunnels: Bool, _ label: String, sourceLocation: SourceLocation = #_sourceLocation
    ) -> Bool {
        let decoder = PacketDecoder(linkType: .ethernet, decodeTunnels: tunnels)
        var fast = DecodedPacket()
        var loop = DecodedPacket()
        let wire = UInt32(bytes.count + 4)
        let (a, b) = bytes.withUnsafeBytes {
            (
                decoder.decode($0, wireLength: wire, into: &fast),
                decoder.decode($0, wireLength: wire, into: &loop, fastPath: false)
            )
        }
        #expect(a == b, "\(label): outcome", sourceLocation: sourceLocation)
        #expect(fast == loop, "\(label): decoded fields", sourceLocation: sourceLocation)
        return a == b && fast == loop
    }

    @Test(arguments: [true, false])
    func everyFrameAndEveryCutOfItDecodesAsThroughTheLayers(tunnels: Bool) {
        for (name, bytes) in Self.frames {
            for count in 0...bytes.count {
                _ = Self.expectAgreement(Array(bytes.prefix(count)), tunnels: tunnels, "\(name), \(count) bytes")
            }
        }
    }

    @Test func plainFramesTakeTheFastPathAndTheOthersDoNot() {
        let decoder = PacketDecoder(linkType: .ethernet)
        func fast(_ name: String) -> Bool {
            let bytes = Self.frames.first { $0.name == name }!.bytes
            var frame = FrameCursor(link: .ethernet)
            return bytes.withUnsafeBytes { decoder.plainEthernetIPv4(PacketView($0), &frame) }
        }
        for name in ["TCP", "TCP with IP options", "UDP", "UDP, empty", "ICMP", "first fragment", "other protocol"] {
            #expect(fast(name), "\(name)")
        }
        for name in [
            "later fragment", "IP in IP", "IPv6 in IPv4", "GRE", "GTP-U", "TZSP", "VXLAN", "CAPWAP port",
            "VLAN", "IPv6", "ARP", "version 6 in an IPv4 frame",
        ] {
            #expect(!fast(name), "\(name)")
        }
        // Without tunnel decoding, GRE and the tunnel ports are plain IPv4.
        let plain = PacketDecoder(linkType: .ethernet, decodeTunnels: false)
        let gre = Self.frames.first { $0.name == "GRE" }!.bytes
        var frame = FrameCursor(link: .ethernet)
        #expect(gre.withUnsafeBytes { plain.plainEthernetIPv4(PacketView($0), &frame) })
        #expect(frame.ipOffset == 14 && frame.ipProtocol == 47 && frame.ipLength == 20 && frame.isIPv4)
    }

    @Test(arguments: [true, false])
    func randomCorruptionsOfTheHeadersDecodeAsThroughTheLayers(tunnels: Bool) {
        var rng = SplitMix64(seed: tunnels ? 0x5EED : 0xF00D)
        var disagreements = 0
        for _ in 0..<20_000 {
            var bytes = Self.frames[Int(rng.next() % UInt64(Self.frames.count))].bytes
            // One to four bytes of the first 64 set to random values (the headers the fast path reads).
            for _ in 0...(rng.next() % 4) {
                let at = Int(rng.next() % UInt64(min(64, bytes.count)))
                bytes[at] = UInt8(truncatingIfNeeded: rng.next())
            }
            let count = rng.next() % 4 == 0 ? Int(rng.next() % UInt64(bytes.count + 1)) : bytes.count
            if !Self.expectAgreement(Array(bytes.prefix(count)), tunnels: tunnels, "corrupted frame") {
                disagreements += 1
                if disagreements > 5 { break }
            }
        }
    }
}
