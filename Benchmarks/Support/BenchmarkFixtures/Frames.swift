import FlowPacket

/// Frames built byte by byte, as a capture would hand them over: Ethernet II, optional 802.1Q tag,
/// IPv4 or IPv6, TCP or UDP, and a payload of zeros. Checksums are left at 0 (the decoder ignores them).
public enum Frames {
    /// Ethernet + IPv4 + TCP, 20-byte TCP header.
    public static func ethernetIPv4TCP(
        source: UInt32, destination: UInt32, sourcePort: UInt16, destinationPort: UInt16,
        flags: UInt8 = 0x18, payload: Int = 100
    ) -> [UInt8] {
        var f = ethernet(type: 0x0800)
        f += ipv4(protocol: 6, source: source, destination: destination, l4Length: 20 + payload)
        f += tcp(sourcePort: sourcePort, destinationPort: destinationPort, flags: flags)
        f += [UInt8](repeating: 0, count: payload)
        return f
    }

    /// Ethernet + 802.1Q (VID `vlan`) + IPv4 + UDP.
    public static func vlanIPv4UDP(
        vlan: UInt16, source: UInt32, destination: UInt32, sourcePort: UInt16, destinationPort: UInt16,
        payload: Int = 60
    ) -> [UInt8] {
        var f = ethernet(type: 0x8100)
        f += be16(vlan & 0x0FFF) + be16(0x0800)
        f += ipv4(protocol: 17, source: source, destination: destination, l4Length: 8 + payload)
        f += be16(sourcePort) + be16(destinationPort) + be16(UInt16(8 + payload)) + be16(0)
        f += [UInt8](repeating: 0, count: payload)
        return f
    }

    /// Ethernet + IPv6 (no extension headers) + TCP; addresses are 2001:db8::`source` and 2001:db8::`destination`.
    public static func ethernetIPv6TCP(
        source: UInt64, destination: UInt64, sourcePort: UInt16, destinationPort: UInt16,
        flags: UInt8 = 0x10, payload: Int = 40
    ) -> [UInt8] {
        var f = ethernet(type: 0x86DD)
        f += [0x60, 0, 0, 0] + be16(UInt16(20 + payload)) + [6, 64]
        f += be64(0x2001_0db8_0000_0000) + be64(source)
        f += be64(0x2001_0db8_0000_0000) + be64(destination)
        f += tcp(sourcePort: sourcePort, destinationPort: destinationPort, flags: flags)
        f += [UInt8](repeating: 0, count: payload)
        return f
    }

    /// Decodes `frame` as Ethernet with NFStream's defaults; traps if it does not decode (fixtures must).
    public static func decoded(_ frame: [UInt8], timeMilliseconds: UInt64 = 0) -> DecodedPacket {
        var packet = DecodedPacket()
        let decoder = PacketDecoder(linkType: .ethernet)
        let outcome = frame.withUnsafeBytes {
            decoder.decode($0, wireLength: UInt32($0.count), into: &packet)
        }
        precondition(outcome == .decoded, "fixture frame did not decode: \(outcome)")
        packet.time = timeMilliseconds
        return packet
    }

    static func ethernet(type: UInt16) -> [UInt8] {
        [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB] + be16(type)
    }

    static func ipv4(protocol p: UInt8, source: UInt32, destination: UInt32, l4Length: Int) -> [UInt8] {
        [0x45, 0x00] + be16(UInt16(20 + l4Length)) + [0x12, 0x34, 0x40, 0x00, 64, p, 0, 0]
            + be32(source) + be32(destination)
    }

    static func tcp(sourcePort: UInt16, destinationPort: UInt16, flags: UInt8) -> [UInt8] {
        be16(sourcePort) + be16(destinationPort) + be32(0x1000_0000) + be32(0x2000_0000)
            + [0x50, flags] + be16(501) + [0, 0, 0, 0]
    }

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func be32(_ v: UInt32) -> [UInt8] { be16(UInt16(v >> 16)) + be16(UInt16(v & 0xFFFF)) }
    static func be64(_ v: UInt64) -> [UInt8] { be32(UInt32(v >> 32)) + be32(UInt32(v & 0xFFFF_FFFF)) }
}

/// Frames laid end to end in one buffer (one allocation, made before measuring), with their offsets.
public final class FrameSet: @unchecked Sendable {
    public let storage: UnsafeMutableRawBufferPointer
    public let offsets: [Int]
    public let lengths: [Int]

    public init(_ frames: [[UInt8]]) {
        let total = frames.reduce(0) { $0 + $1.count }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: total, alignment: 16)
        var offsets: [Int] = []
        var at = 0
        for f in frames {
            offsets.append(at)
            f.withUnsafeBytes { buffer.baseAddress!.advanced(by: at).copyMemory(from: $0.baseAddress!, byteCount: f.count) }
            at += f.count
        }
        storage = buffer
        self.offsets = offsets
        self.lengths = frames.map(\.count)
    }

    /// The bytes of frame `i` (valid while the set lives).
    @inlinable
    public func frame(_ i: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage[offsets[i]..<offsets[i] + lengths[i]])
    }

    deinit { storage.deallocate() }
}
