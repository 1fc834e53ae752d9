import FlowCapture
import FlowIngest
import FlowPacket

/// Turns a captured record into the `DecodedPacket` the meter consumes, and hands both to the consumer. The read
/// loops are generic over it, so the choice of ingestion path costs nothing per packet.
protocol FrameDissector {
    /// Dissects `captured` into `packet` (time in `unit`) and, when it is an IP packet, notes its time in `order`
    /// and gives it to `consumer`; the outcome says why a record was ignored.
    func meter<Consumer: PacketConsumer & ~Copyable>(
        _ captured: CapturedPacket, into consumer: inout Consumer, packet: inout DecodedPacket,
        order: inout TimeOrder, unit: TimeUnit
    ) -> DecodeOutcome
}

/// The direct and tshark paths: the decoder in place, on the borrowed bytes.
extension PacketDecoder: FrameDissector {
    @inline(__always)
    func meter<Consumer: PacketConsumer & ~Copyable>(
        _ captured: CapturedPacket, into consumer: inout Consumer, packet: inout DecodedPacket,
        order: inout TimeOrder, unit: TimeUnit
    ) -> DecodeOutcome {
        let outcome = decode(captured.bytes, wireLength: captured.wireLength, into: &packet)
        if outcome == .decoded {
            packet.time = unit.time(seconds: captured.seconds, nanoseconds: captured.nanoseconds)
            order.observe(packet.time)  // before the consumer clamps it
            consumer.consume(&packet, frame: captured.bytes)
        }
        return outcome
    }
}

/// The object path: heap objects per layer, and the packet read back from their fields.
extension ObjectDissector: FrameDissector {
    func meter<Consumer: PacketConsumer & ~Copyable>(
        _ captured: CapturedPacket, into consumer: inout Consumer, packet: inout DecodedPacket,
        order: inout TimeOrder, unit: TimeUnit
    ) -> DecodeOutcome {
        let (object, outcome) = dissect(
            captured.bytes, wireLength: captured.wireLength, seconds: captured.seconds,
            microseconds: captured.nanoseconds / 1000)
        guard let object else { return outcome }
        packet = decodedPacket(from: object, unit: unit)
        order.observe(packet.time)
        object.original.withUnsafeBytes { consumer.consume(&packet, frame: $0) }
        return .decoded
    }
}
