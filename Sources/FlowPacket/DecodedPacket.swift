/// The fixed-size result of decoding one frame: everything the meter and the plugins need, no references.
public struct DecodedPacket: Sendable, Equatable {
    /// Packet time since the epoch in the meter's ``TimeUnit`` (milliseconds unless `--time-unit` says otherwise),
    /// computed as NFStream does for milliseconds (`sec*1000 + usec/1000`, wrapping, unsigned): see
    /// ``TimeUnit/time(seconds:nanoseconds:)``.
    public var time: UInt64 = 0
    /// Source and destination MAC (zero for link types without MACs).
    public var sourceMAC: MACAddress = .zero
    /// Destination MAC (zero for link types without MACs).
    public var destinationMAC: MACAddress = .zero
    /// Source and destination IP of the (inner, for tunnels) IP header.
    public var source: IPAddress = .zero
    /// Destination IP of the (inner, for tunnels) IP header.
    public var destination: IPAddress = .zero
    /// TCP/UDP ports (0 for every other protocol).
    public var sourcePort: UInt16 = 0
    /// Destination TCP/UDP port (0 for every other protocol).
    public var destinationPort: UInt16 = 0
    /// IP protocol number (IPv6: the last next-header after extension headers).
    public var ipProtocol: UInt8 = 0
    /// 4 or 6.
    public var ipVersion: UInt8 = 0
    /// VID of the innermost VLAN tag, 0 when untagged.
    public var vlanID: UInt16 = 0
    /// The tunnel stripped (`TunnelKind`'s raw value): 0 none, 1 GTP-U, 2 CAPWAP, 3 TZSP (NFStream's values); 5 VXLAN,
    /// 6 GRE (our extension).
    public var tunnelID: UInt8 = 0
    /// TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80); 0 otherwise.
    public var tcpFlags: UInt8 = 0
    /// TCP receive window (0 for non-TCP).
    public var tcpWindow: UInt16 = 0
    /// Wire length from the capture header, truncated to 16 bits (NFStream's `raw_size`).
    public var rawSize: UInt16 = 0
    /// IP length from the header (IPv4 total length; IPv6 40 + payload length).
    public var ipSize: UInt16 = 0
    /// L4 length for TCP, UDP, ICMP and ICMPv6; 0 otherwise.
    public var transportSize: UInt16 = 0
    /// L4 payload length (TCP after its header, UDP/ICMP/ICMPv6 after 8 bytes); 0 otherwise.
    public var payloadSize: UInt16 = 0
    /// Offset of the (inner) IP header in the frame, and of the L4 payload (captured bytes may end earlier).
    public var ipOffset: Int32 = 0
    /// Offset of the L4 payload in the frame (may lie past `capturedLength` when the capture was cut short).
    public var payloadOffset: Int32 = 0
    /// Captured bytes of the frame.
    public var capturedLength: Int32 = 0

    /// An all-zero packet, filled in field by field by `PacketDecoder`.
    public init() {}

    /// TCP flag bits as named constants.
    public enum TCPFlag {
        /// FIN: the sender has no more data.
        public static let fin: UInt8 = 0x01
        /// SYN: opens a connection (NFStream's `syn_packets` counts it).
        public static let syn: UInt8 = 0x02
        /// RST: aborts the connection.
        public static let rst: UInt8 = 0x04
        /// PSH: push the buffered data to the application.
        public static let psh: UInt8 = 0x08
        /// ACK: the acknowledgement number is valid.
        public static let ack: UInt8 = 0x10
        /// URG: the urgent pointer is valid.
        public static let urg: UInt8 = 0x20
        /// ECE: ECN echo (RFC 3168).
        public static let ece: UInt8 = 0x40
        /// CWR: congestion window reduced (RFC 3168).
        public static let cwr: UInt8 = 0x80
    }

    /// The size this accounting mode counts: 0 raw, 1 IP, 2 transport, 3 payload.
    @inlinable
    public func size(accountingMode: UInt8) -> UInt16 {
        switch accountingMode {
        case 0: return rawSize
        case 1: return ipSize
        case 2: return transportSize
        default: return payloadSize
        }
    }
}

extension DecodedPacket {
    /// Computes packet time in ms from a capture timestamp the way NFStream's engine does.
    @inlinable
    public static func milliseconds(seconds: Int, microseconds: Int) -> UInt64 {
        UInt64(bitPattern: Int64(seconds) &* 1000 &+ Int64(microseconds) / 1000)
    }
}
