import FlowPacket
import FlowTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// glibc's text for 16 address bytes.
private func ntop6(_ bytes: [UInt8]) -> String {
    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    let ok = bytes.withUnsafeBytes { inet_ntop(AF_INET6, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
    precondition(ok != nil)
    return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// glibc's text for 4 address bytes.
private func ntop4(_ bytes: [UInt8]) -> String {
    var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
    let ok = bytes.withUnsafeBytes { inet_ntop(AF_INET, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
    precondition(ok != nil)
    return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

private func ipv6(_ bytes: [UInt8]) -> IPAddress {
    IPAddress(
        high: UInt64(bigEndianBytes: bytes[0..<8]), low: UInt64(bigEndianBytes: bytes[8..<16]), version: 6)
}

@Suite("Address text")
struct AddressTextTests {
    /// 16 bytes made of groups that are zero half the time, small or random otherwise.
    private static func randomIPv6(_ rng: inout SplitMix64) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<8 {
            let r = rng.next()
            let group: UInt16
            switch r % 8 {
            case 0, 1, 2, 3: group = 0
            case 4: group = UInt16(truncatingIfNeeded: r >> 8) & 0xF
            case 5: group = 0xFFFF
            default: group = UInt16(truncatingIfNeeded: r >> 16)
            }
            bytes.appendBE(group)
        }
        switch rng.next() % 6 {
        case 0:  // IPv4-mapped ::ffff:a.b.c.d
            bytes = [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF] + bytes[12..<16]
        case 1:  // IPv4-compatible ::a.b.c.d
            bytes = [UInt8](repeating: 0, count: 12) + bytes[12..<16]
        default:
            break
        }
        return bytes
    }

    @Test func ipv6TextMatchesInetNtopForRandomAddresses() {
        var rng = SplitMix64(seed: 6)
        var mismatches: [String] = []
        for _ in 0..<2_000 {
            let bytes = Self.randomIPv6(&rng)
            let expected = ntop6(bytes)
            let actual = ipv6(bytes).description
            if actual != expected { mismatches.append("\(actual) != \(expected)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    @Test(arguments: [
        "::", "::1", "::2", "::ffff", "::1:0", "::ffff:1.2.3.4", "::ffff:0.0.0.0", "::1.2.3.4", "::0.1.0.0",
        "::255.255.255.255", "1::", "1::1", "fe80::1", "2001:db8::1:0:0:1", "2001:db8:0:0:1::1", "0:0:1::",
        "1:0:0:1:0:0:0:1", "1:2:3:4:5:6:7:8", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::ffff:0:0",
        "::fffe:1.2.3.4", "0:1::ffff:1.2.3.4", "64:ff9b::1.2.3.4", "1:0:2:0:3:0:4:0",
    ])
    func ipv6TextMatchesInetNtopForSpecialForms(_ text: String) {
        let bytes = B.addressBytes(text)
        #expect(ipv6(bytes).description == ntop6(bytes))
    }

    @Test func ipv6MappedAndCompatibleFormsAreDottedQuads() {
        #expect(B.address("::ffff:10.0.0.1").description == "::ffff:10.0.0.1")
        #expect(B.address("::10.0.0.1").description == "::10.0.0.1")
        #expect(B.address("::1").description == "::1")
        #expect(B.address("::").description == "::")
        #expect(B.address("2001:DB8::A").description == "2001:db8::a")
    }

    @Test func ipv4TextMatchesInetNtop() {
        var rng = SplitMix64(seed: 4)
        var cases: [[UInt8]] = [
            [0, 0, 0, 0], [255, 255, 255, 255], [10, 0, 0, 1], [1, 22, 203, 4], [100, 10, 1, 0],
        ]
        for _ in 0..<2_000 { cases.append(rng.bytes(4)) }
        for bytes in cases {
            let address = IPAddress(v4: UInt32(bigEndianBytes: bytes))
            #expect(address.description == ntop4(bytes))
        }
    }

    @Test func writeAppendsToTheBuffer() {
        var out: [UInt8] = Array("ip=".utf8)
        B.address("192.168.0.254").write(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "ip=192.168.0.254")
    }

    @Test func versionOrdersAddressesBeforeBits() {
        #expect(B.address("255.255.255.255") < B.address("::"))
        #expect(B.address("10.0.0.1") < B.address("10.0.0.2"))
        #expect(B.address("::1:0:0:0:0") > B.address("::ffff:ffff:ffff:ffff"))
        #expect(B.address("1.2.3.4") != B.address("::1.2.3.4"))
    }

    @Test func macAddressIsLowerCaseHexWithColons() {
        let mac = MACAddress(0x0A1B_2C3D_4EFF)
        #expect(mac.description == "0a:1b:2c:3d:4e:ff")
        var oui: [UInt8] = []
        mac.write(into: &oui, ouiOnly: true)
        #expect(String(decoding: oui, as: UTF8.self) == "0a:1b:2c")
        #expect(MACAddress.zero.description == "00:00:00:00:00:00")
        #expect(MACAddress(0xFFFF_FFFF_FFFF).description == "ff:ff:ff:ff:ff:ff")
        #expect(B.mac("AB:CD:EF:01:23:45").description == "ab:cd:ef:01:23:45")
    }

    @Test func packetTimeTruncatesMicrosecondsTowardZero() {
        #expect(DecodedPacket.milliseconds(seconds: 1_700_000_000, microseconds: 999_999) == 1_700_000_000_999)
        #expect(DecodedPacket.milliseconds(seconds: 10, microseconds: -1) == 10_000)
        #expect(DecodedPacket.milliseconds(seconds: 10, microseconds: -1_500) == 9_999)
        #expect(DecodedPacket.milliseconds(seconds: 0, microseconds: -2_000) == UInt64.max - 1)
    }
}
