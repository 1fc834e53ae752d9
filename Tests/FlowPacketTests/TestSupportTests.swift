import FlowPacket
import FlowTestSupport
import Foundation
import Testing

@Suite("Test support: builder and pcap writer")
struct TestSupportTests {
    private func le32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    @Test func ipv4HeaderAndTransportChecksumsVerify() {
        let packet = B.ipv4(
            src: "10.0.0.1", dst: "10.0.0.2", protocol: IPProtocol.tcp, options: [0x94, 4, 0, 0],
            B.tcp(sport: 1, dport: 2, flags: TCPFlags.syn, options: B.synOptions, B.payload(7)))
        #expect(B.internetChecksum(Array(packet[0..<24])) == 0)
        var pseudo = B.addressBytes("10.0.0.1") + B.addressBytes("10.0.0.2") + [0, 6]
        pseudo.appendBE(UInt16(packet.count - 24))
        #expect(B.internetChecksum(pseudo + packet[24...]) == 0)
    }

    @Test func ipv6UDPChecksumVerifiesOverThePseudoHeader() {
        let packet = ipv6UDP(payload: 13)
        var pseudo = B.addressBytes("2001:db8::1") + B.addressBytes("2001:db8::2")
        pseudo.appendBE(UInt32(21))
        pseudo += [0, 0, 0, 17]
        #expect(B.internetChecksum(pseudo + packet[40...]) == 0)
        #expect(packet[4] == 0 && packet[5] == 21)
    }

    @Test func pcapWriterLaysOutHeaderAndRecords() throws {
        var w = PcapFileWriter(linkType: .linuxSLL2, snaplen: 64)
        let frame = B.payload(100)
        w.append(frame, seconds: 1_700_000_000, microseconds: -5)
        w.append(frame, milliseconds: 1_234, capturedLength: 10, wireLength: 1500)
        let b = w.bytes
        #expect(Array(b[0..<4]) == [0xD4, 0xC3, 0xB2, 0xA1])
        #expect(Array(b[4..<8]) == [2, 0, 4, 0])
        #expect(le32(b, 16) == 64)
        #expect(le32(b, 20) == 276)
        #expect(w.recordOffsets == [24, 24 + 16 + 64])
        #expect(le32(b, 24) == 1_700_000_000)
        #expect(le32(b, 28) == UInt32(bitPattern: -5))
        #expect(le32(b, 32) == 64)  // cut to the snaplen
        #expect(le32(b, 36) == 100)
        let second = 24 + 16 + 64
        #expect(le32(b, second) == 1)
        #expect(le32(b, second + 4) == 234_000)
        #expect(le32(b, second + 8) == 10)
        #expect(le32(b, second + 12) == 1500)
        #expect(b.count == second + 16 + 10)
        #expect(w.truncatedBytes(keepingInLastRecord: 3).count == second + 16 + 3)
        #expect(w.truncatedBytes(keepingInLastRecord: -10).count == second + 6)

        let dir = try TemporaryDirectory()
        let path = dir.file("x.pcap")
        try w.write(to: path)
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == b)
        try w.writeTruncated(to: dir.file("cut.pcap"), keepingInLastRecord: 5)
        #expect(try dir.contents() == ["cut.pcap", "x.pcap"])
        let where_ = dir.path
        dir.remove()
        #expect(!FileManager.default.fileExists(atPath: where_))
    }

    @Test func nanosecondPcapUsesItsMagic() {
        let w = PcapFileWriter(rawLinkType: 147, nanosecond: true)
        #expect(Array(w.bytes[0..<4]) == [0x4D, 0x3C, 0xB2, 0xA1])
        #expect(le32(w.bytes, 20) == 147)
    }

    @Test func splitMixIsDeterministic() {
        var a = SplitMix64(seed: 1)
        var b = SplitMix64(seed: 1)
        #expect(a.bytes(37) == b.bytes(37))
        #expect(a.next() == b.next())
        var c = SplitMix64(seed: 0)
        #expect(c.next() == 0xE220_A839_7B1D_CDAF)  // reference value of SplitMix64 for seed 0
    }
}
