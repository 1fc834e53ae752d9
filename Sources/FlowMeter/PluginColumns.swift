import FlowPacket

/// The plugin columns of one expiring flow, for the writer (valid only during the export call).
public struct PluginColumns {
    /// Every plugin's states in the meter, in column order, unretained (the meter keeps them alive): writing a
    /// flow's columns does no reference counting.
    @usableFromInline let stores: UnsafePointer<Unmanaged<_PluginStates>>
    /// How many plugins `stores` holds.
    @usableFromInline let count: Int
    /// The flow's slot in the meter's table, which indexes every plugin's states.
    public let slot: Int32

    /// The columns of the flow in `slot` of a meter's plugins.
    @inlinable
    init(references: PluginReferences, slot: Int32) {
        self.stores = UnsafePointer(references.pointer)
        self.count = references.count
        self.slot = slot
    }

    /// The plugin columns of the flow in `slot` of `meter`'s table, valid while `meter` lives.
    @inlinable
    public init(meter: borrowing Meter, slot: Int32) {
        self.init(references: meter.pluginRefs, slot: slot)
    }

    /// Writes every plugin's columns. Into a ``FlowRecordBuffer`` (what meters do) the plugins write directly; into
    /// another sink their values are encoded first and replayed.
    @inlinable
    public func write<Sink: FlowFieldSink>(flow: borrowing Flow, to sink: inout Sink) {
        withUnsafePointer(to: flow) { f in
            if Sink.self == FlowRecordBuffer.self {
                withUnsafeMutablePointer(to: &sink) { p in
                    let buffer = UnsafeMutableRawPointer(p).assumingMemoryBound(to: FlowRecordBuffer.self)
                    for i in 0..<count {
                        stores[i]._withUnsafeGuaranteedRef { $0.write(slot, f, &buffer.pointee) }
                    }
                }
            } else {
                for i in 0..<count {
                    stores[i]._withUnsafeGuaranteedRef { $0.writeReplaying(slot: slot, flow: f, into: &sink) }
                }
            }
        }
    }

    /// The state `P` keeps for this flow (for tests and user code that inspects flows); nil when no plugin of
    /// type `P` runs.
    public func state<P: FeaturePlugin>(of plugin: P.Type) -> P.State? {
        for i in 0..<count {
            let store = stores[i].takeUnretainedValue()
            if store.plugin is P { return store.state(slot) as? P.State }
        }
        return nil
    }

    /// No plugin columns.
    public static var none: PluginColumns { PluginColumns(references: PluginReferences.empty, slot: 0) }
}
