import FlowPacket

/// Memory of a ``FlowRecordBuffer``, freed with its last owner.
@usableFromInline
final class FlowRecordStorage {
    @usableFromInline var base: UnsafeMutableRawPointer
    init(capacity: Int) { base = .allocate(byteCount: capacity, alignment: 16) }
    deinit { base.deallocate() }
}
