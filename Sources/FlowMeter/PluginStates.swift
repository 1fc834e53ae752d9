import FlowPacket

/// The per-flow states of one plugin in one meter, indexed by flow slot, with the plugin's hooks. Made only by
/// ``FeaturePlugin/_makeStates()``, whose closures are compiled for the plugin's concrete type; the meter calls
/// them with the flow and the packet by address (valid only during the call), so no hook copies either. Nothing
/// in it is public: plugins neither see nor make one.
public final class _PluginStates {
    /// The plugin value this meter works with (its ``FeaturePlugin/copyForMeter()``).
    @usableFromInline let plugin: any FeaturePlugin
    @usableFromInline let ensureCapacity: (Int) -> Void
    @usableFromInline let start: (Int32, UnsafePointer<Flow>, UnsafePointer<PacketContext>) -> PluginAction
    @usableFromInline let arriving: (Int32, UnsafePointer<Flow>, UnsafePointer<PacketContext>) -> PluginAction
    @usableFromInline let observe: (Int32, UnsafePointer<Flow>, UnsafePointer<PacketContext>) -> PluginAction
    @usableFromInline let expire: (Int32, UnsafePointer<Flow>) -> Void
    @usableFromInline let write: (Int32, UnsafePointer<Flow>, inout FlowRecordBuffer) -> Void
    @usableFromInline let cleanup: () -> Void
    /// The state of a slot, boxed (for ``PluginColumns/state(of:)``: tests and inspection, not the hot path).
    @usableFromInline let state: (Int32) -> Any
    /// Where columns go first when the sink is not a ``FlowRecordBuffer`` (made on first use, then reused).
    @usableFromInline var scratch: FlowRecordBuffer? = nil

    @usableFromInline
    init(
        plugin: any FeaturePlugin,
        ensureCapacity: @escaping (Int) -> Void,
        start: @escaping (Int32, UnsafePointer<Flow>, UnsafePointer<PacketContext>) -> PluginAction,
        arriving: @escaping (Int32, UnsafePointer<Flow>, UnsafePointer<PacketContext>) -> PluginAction,
        observe: @escaping (Int32, UnsafePointer<Flow>, UnsafePointer<PacketContext>) -> PluginAction,
        expire: @escaping (Int32, UnsafePointer<Flow>) -> Void,
        write: @escaping (Int32, UnsafePointer<Flow>, inout FlowRecordBuffer) -> Void,
        cleanup: @escaping () -> Void,
        state: @escaping (Int32) -> Any
    ) {
        self.plugin = plugin
        self.ensureCapacity = ensureCapacity
        self.start = start
        self.arriving = arriving
        self.observe = observe
        self.expire = expire
        self.write = write
        self.cleanup = cleanup
        self.state = state
    }

    /// Writes the plugin's columns for the flow in `slot` into any sink: encoded into `scratch`, then replayed.
    @inlinable
    func writeReplaying<Sink: FlowFieldSink>(slot: Int32, flow: UnsafePointer<Flow>, into sink: inout Sink) {
        if scratch == nil { scratch = FlowRecordBuffer(capacity: 4096) }
        scratch!.removeAll()
        scratch!.beginRecord()
        write(slot, flow, &scratch!)
        let range = scratch!.endRecord()
        scratch!.record(at: range).replay(into: &sink)
    }
}
