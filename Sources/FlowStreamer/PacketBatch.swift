import FlowMeter
import FlowPacket
import FlowWriters
import Synchronization

/// A batch of routed packets and scan ticks for one meter thread, each in input order. Batches belong to their
/// meter's pool: the dispatcher fills one, the meter empties it and hands it back, so their memory (which grows to
/// the largest batch seen) is reused and nothing is allocated per packet. `watermark`: every packet with a smaller
/// index has been sent.
final class PacketBatch: @unchecked Sendable {
    @exclusivity(unchecked) private(set) var items: PodBuffer<RoutedPacket>
    /// The copied frames, back to back (empty when no plugin reads packet bytes).
    @exclusivity(unchecked) private(set) var frames: RawByteBuffer
    @exclusivity(unchecked) private(set) var ticks = PodBuffer<ScanTick>(capacity: 64)
    var watermark: UInt64 = 0
    var isLast = false

    init(items: Int, frameBytes: Int) {
        self.items = PodBuffer(capacity: items)
        frames = RawByteBuffer(capacity: frameBytes)
    }

    /// Packets in the batch.
    var count: Int { items.count }

    /// Appends a packet (with a copy of `frame` when `frame` is not empty).
    @inline(__always)
    func append(_ packet: DecodedPacket, hash: UInt64, index: UInt64, frame: UnsafeRawBufferPointer) {
        let start = frames.count
        if frame.count > 0 { frames.append(contentsOf: frame) }
        items.append(
            RoutedPacket(
                packet: packet, hash: hash, index: index, frameStart: Int32(truncatingIfNeeded: start),
                frameLength: Int32(truncatingIfNeeded: frame.count)))
    }

    /// Whether `bytes` more frame bytes fit without growing the frame arena.
    @inline(__always)
    func hasRoom(forFrame bytes: Int) -> Bool { frames.count + bytes <= frames.bytesReserved }

    /// Appends a scan tick after packet `index` at `clock`.
    @inline(__always)
    func appendTick(clock: UInt64, index: UInt64) {
        ticks.append(ScanTick(index: index, clock: clock))
    }

    /// Forgets the content, keeping the memory.
    func clear() {
        items.removeAll()
        frames.removeAll()
        ticks.removeAll()
        isLast = false
    }
}
