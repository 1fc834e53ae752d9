import FlowPacket

/// One packet as a plugin sees it, borrowed for the duration of a hook.
public struct PacketContext {
    /// Every decoded field: time (ms, clamped), the four sizes, addresses, ports, protocol, IP version, VLAN,
    /// tunnel id, TCP flags and window, offsets of the IP header and the payload.
    public var packet: DecodedPacket
    /// 0 when the packet goes src→dst of its flow, 1 otherwise.
    public var direction: UInt8
    /// Milliseconds since the flow's previous packet in either direction (0 for a flow's first packet).
    public var deltaTime: UInt64
    /// The packet's size under the accounting mode.
    public var size: UInt16
    /// The captured frame, when the meter has it (always for `convert` and `live`; empty when a plugin does not
    /// declare `needsPacketBytes` and the meter runs on several threads).
    public var frame: UnsafeRawBufferPointer

    /// A packet as the meter hands it to the hooks: its decoded fields, direction (0 src→dst, 1 dst→src), time since
    /// the flow's previous packet, size under the accounting mode and captured bytes (borrowed, valid during the hook).
    @inlinable
    public init(
        packet: DecodedPacket, direction: UInt8, deltaTime: UInt64, size: UInt16, frame: UnsafeRawBufferPointer
    ) {
        self.packet = packet
        self.direction = direction
        self.deltaTime = deltaTime
        self.size = size
        self.frame = frame
    }

    /// The captured bytes from the (inner) IP header to the end of the capture.
    public var ipPacket: UnsafeRawBufferPointer {
        let start = min(Int(packet.ipOffset), frame.count)
        return UnsafeRawBufferPointer(rebasing: frame[start...])
    }

    /// The captured part of the L4 payload (it may be shorter than `packet.payloadSize` when the capture was cut).
    public var payload: UnsafeRawBufferPointer {
        let start = min(Int(packet.payloadOffset), frame.count)
        let end = min(frame.count, start + Int(packet.payloadSize))
        return UnsafeRawBufferPointer(rebasing: frame[start..<end])
    }
}
