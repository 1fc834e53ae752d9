import FlowPacket

/// Unretained references to a meter's plugin stores, in raw memory.
@usableFromInline
final class PluginReferences {
    @usableFromInline let pointer: UnsafeMutablePointer<Unmanaged<_PluginStates>>
    @usableFromInline let count: Int

    init(_ stores: [_PluginStates]) {
        count = stores.count
        pointer = .allocate(capacity: max(1, stores.count))
        for (i, store) in stores.enumerated() { (pointer + i).initialize(to: .passUnretained(store)) }
    }

    deinit { pointer.deallocate() }

    /// No plugins (for ``PluginColumns/none``).
    @usableFromInline nonisolated(unsafe) static let empty = PluginReferences([])
}
