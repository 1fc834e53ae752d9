import FlowPacket

/// One bidirectional flow: identity as first seen, per-direction counters and statistics.
/// src is the sender of the first packet (NFStream's rule); times are clamped packet times in ms.
public struct Flow: Sendable {
    /// The direction-free key.
    public var key: FlowKey
    /// Sender of the flow's first packet, and its peer.
    public var source: IPAddress
    /// Peer of the first packet's sender.
    public var destination: IPAddress
    /// Ports of the first packet (0 for protocols without ports).
    public var sourcePort: UInt16
    /// Destination port of the first packet (0 for protocols without ports).
    public var destinationPort: UInt16
    /// MACs of the first packet (zero for link types without MACs).
    public var sourceMAC: MACAddress
    /// Destination MAC of the first packet (zero for link types without MACs).
    public var destinationMAC: MACAddress
    /// IP protocol, IP version, innermost VLAN id and tunnel id of the flow.
    public var ipProtocol: UInt8
    /// 4 or 6.
    public var ipVersion: UInt8
    /// VID of the innermost VLAN tag (0 untagged); part of the key.
    public var vlanID: UInt16
    /// The tunnel the packets came through (`TunnelKind` raw value, 0 none); part of the key.
    public var tunnelID: UInt8
    /// Why the flow left the table (set when it expires).
    public var expirationReason: ExpirationReason = .endOfStream

    /// Times (ms, clamped packet time), packet counts and byte sums (accounting mode) in both directions,
    /// src→dst and dst→src. dst→src times are 0 while that direction has no packet.
    public var firstSeen: UInt64
    /// Time of the latest packet in either direction (`bidirectional_last_seen`).
    public var lastSeen: UInt64
    /// Packets in both directions (`bidirectional_packets`).
    public var packets: UInt64 = 1
    /// Bytes in both directions under the accounting mode (`bidirectional_bytes`).
    public var bytes: UInt64
    /// Time of the first src→dst packet, the flow's first packet (`src2dst_first_seen`).
    public var src2dstFirstSeen: UInt64
    /// Time of the latest src→dst packet (`src2dst_last_seen`).
    public var src2dstLastSeen: UInt64
    /// Packets src→dst (`src2dst_packets`); at least 1, the first packet.
    public var src2dstPackets: UInt64 = 1
    /// Bytes src→dst under the accounting mode (`src2dst_bytes`).
    public var src2dstBytes: UInt64
    /// Time of the first dst→src packet, 0 while there is none (`dst2src_first_seen`).
    public var dst2srcFirstSeen: UInt64 = 0
    /// Time of the latest dst→src packet, 0 while there is none (`dst2src_last_seen`).
    public var dst2srcLastSeen: UInt64 = 0
    /// Packets dst→src (`dst2src_packets`).
    public var dst2srcPackets: UInt64 = 0
    /// Bytes dst→src under the accounting mode (`dst2src_bytes`).
    public var dst2srcBytes: UInt64 = 0

    /// Global index (0-based, in input order) of the first and of the latest packet of the flow.
    public var firstPacketIndex: UInt64
    /// Global index of the flow's latest packet: the last tie-breaker of `FlowOrderKey`.
    public var lastPacketIndex: UInt64

    // Idle-order list links (slots), kept by the table.
    @usableFromInline var olderSlot: Int32 = -1
    @usableFromInline var newerSlot: Int32 = -1
    @usableFromInline var shard: UInt8 = 0
    /// TCP termination tracking: bit 0 FIN seen src→dst, bit 1 FIN seen dst→src, bit 2 set when the second FIN
    /// came dst→src (so the last ACK is expected src→dst).
    @usableFromInline var tcpFinState: UInt8 = 0

    /// A flow started by `packet`, whose size under the accounting mode is `size`.
    @inlinable
    init(key: FlowKey, packet p: DecodedPacket, size: UInt16, index: UInt64) {
        self.key = key
        source = p.source
        destination = p.destination
        sourcePort = p.sourcePort
        destinationPort = p.destinationPort
        sourceMAC = p.sourceMAC
        destinationMAC = p.destinationMAC
        ipProtocol = p.ipProtocol
        ipVersion = p.ipVersion
        vlanID = p.vlanID
        tunnelID = p.tunnelID
        firstSeen = p.time
        lastSeen = p.time
        bytes = UInt64(size)
        src2dstFirstSeen = p.time
        src2dstLastSeen = p.time
        src2dstBytes = UInt64(size)
        firstPacketIndex = index
        lastPacketIndex = index
    }

    /// NFStream's direction rule: 0 when ports and addresses are the flow's own src→dst, else 1.
    @inlinable
    public func direction(of p: DecodedPacket) -> UInt8 {
        if p.sourcePort != sourcePort || p.destinationPort != destinationPort { return 1 }
        if p.source != source || p.destination != destination { return 1 }
        return 0
    }

    /// `lastSeen - firstSeen`, wrapping (`bidirectional_duration`), in ticks of the time unit.
    public var duration: UInt64 { lastSeen &- firstSeen }
    /// `src2dstLastSeen - src2dstFirstSeen`, wrapping (`src2dst_duration`).
    public var src2dstDuration: UInt64 { src2dstLastSeen &- src2dstFirstSeen }
    /// `dst2srcLastSeen - dst2srcFirstSeen`, wrapping (`dst2src_duration`; 0 without dst→src packets).
    public var dst2srcDuration: UInt64 { dst2srcLastSeen &- dst2srcFirstSeen }

    /// Adds a packet that does not expire the flow, whose direction is `direction`. Returns the time since the
    /// flow's previous packet.
    @inlinable
    mutating func add(_ p: DecodedPacket, direction: UInt8, size: UInt16, index: UInt64) -> UInt64 {
        let t = p.time
        let piat = t &- lastSeen
        packets &+= 1
        lastSeen = t
        bytes &+= UInt64(size)
        lastPacketIndex = index
        if direction == 0 {
            src2dstPackets &+= 1
            src2dstLastSeen = t
            src2dstBytes &+= UInt64(size)
        } else {
            dst2srcPackets &+= 1
            dst2srcBytes &+= UInt64(size)
            if dst2srcPackets == 1 { dst2srcFirstSeen = t }
            dst2srcLastSeen = t
        }
        return piat
    }
}
