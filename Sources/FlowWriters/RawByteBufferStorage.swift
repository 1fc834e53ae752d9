import FlowPacket

/// Frees a `RawByteBuffer`'s memory when the last copy of the buffer's owner goes away.
@usableFromInline
final class RawByteBufferStorage {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    init(capacity: Int) { base = .allocate(capacity: capacity) }
    deinit { base.deallocate() }
}
