import FlowPacket

/// A feature plugin: declares its columns before any flow exists, keeps one value-type `State` per flow, sees
/// every packet of the flow and the flow when it ends, and writes its columns.
///
/// This is the one plugin API: flowmeter's own plugins (statistics, SPLT, CIC, application detection) are written
/// against it exactly as a user's plugin is. The meter calls the hooks of each plugin type through code the
/// compiler specialises for that type, so a plugin written in another module costs what a built-in one does.
///
/// Threads: each meter calls ``copyForMeter()`` once and runs every hook of its flows, and ``cleanup()``, on that
/// copy, from its own thread, one hook at a time. A copy must not change after it is made (a hook gets it
/// immutable); per-flow data lives in the flow's `State`.
///
/// States are reused: when a flow ends, its slot's state is kept and handed to `reset` for the next flow, so a
/// plugin whose state holds arrays can clear them in place and allocate nothing in steady state.
public protocol FeaturePlugin: Sendable {
    associatedtype State
    /// A short identifier (used by `--features`).
    var name: String { get }
    /// The columns this plugin writes, in order.
    var columns: [FeatureColumn] { get }
    /// Whether hooks need `PacketContext.frame` (the meter then copies frame bytes to its threads).
    var needsPacketBytes: Bool { get }
    /// The plugin one meter works with, made once per meter on the meter's thread before its first flow (default:
    /// `self`). A plugin that needs a resource of its own in every meter thread (a library handle that is not
    /// thread-safe, a scratch buffer) returns a copy holding it; the copy lives as long as the meter.
    func copyForMeter() -> Self
    /// A fresh state.
    func makeState() -> State
    /// Prepares a used state for a new flow (default: replace it with `makeState()`).
    func reset(_ state: inout State)
    /// The flow's first packet (the flow's counters already include it).
    func flowStarted(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext) -> PluginAction
    /// A later packet, before it is counted (only `.expire` here means "expire without this packet").
    func packetArriving(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext) -> PluginAction
    /// A later packet, after it is counted.
    func packetObserved(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext) -> PluginAction
    /// The flow is leaving (its `expirationReason` is set); last chance to finish the state.
    func flowExpired(_ state: inout State, flow: borrowing Flow)
    /// Writes this plugin's columns, in `columns` order.
    func write<Sink: FlowFieldSink>(_ state: borrowing State, flow: borrowing Flow, to sink: inout Sink)
    /// The run is over (called once per meter, on the meter's copy).
    func cleanup()
    /// The meter's storage of this plugin's states, with every hook call specialised for the plugin's type. An
    /// implementation detail of the meter: do not implement it (the default is the only one) and do not call it.
    func _makeStates() -> _PluginStates
}

extension FeaturePlugin {
    /// Default: the plugin reads no packet bytes, so the meter need not copy frames to its threads for it.
    public var needsPacketBytes: Bool { false }
    /// Default: every meter shares this value.
    public func copyForMeter() -> Self { self }
    /// Default: replaces the used state with a fresh `makeState()` (plugins with arrays override it to clear in place).
    public func reset(_ state: inout State) { state = makeState() }
    /// Default: does nothing and keeps the flow.
    public func flowStarted(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext)
        -> PluginAction
    { .keep }
    /// Default: does nothing and keeps the flow.
    public func packetArriving(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext)
        -> PluginAction
    { .keep }
    /// Default: does nothing and keeps the flow.
    public func packetObserved(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext)
        -> PluginAction
    { .keep }
    /// Default: does nothing.
    public func flowExpired(_ state: inout State, flow: borrowing Flow) {}
    /// Default: does nothing.
    public func cleanup() {}

    /// The only implementation. It is inlinable, so the compiler specialises it, and the hook calls in it, in the
    /// module that declares the conformance, for the plugin's concrete type: the meter then reaches every hook
    /// through one indirect call into code that knows the plugin and its `State`.
    @inlinable
    public func _makeStates() -> _PluginStates {
        let plugin = copyForMeter()
        let slots = PluginStateSlots<State>()
        return _PluginStates(
            plugin: plugin,
            ensureCapacity: { count in slots.ensureCapacity(count, makeState: plugin.makeState) },
            start: { slot, flow, packet in
                let state = slots.states + Int(slot)
                plugin.reset(&state.pointee)
                return plugin.flowStarted(&state.pointee, flow: flow.pointee, packet: packet.pointee)
            },
            arriving: { slot, flow, packet in
                plugin.packetArriving(&slots.states[Int(slot)], flow: flow.pointee, packet: packet.pointee)
            },
            observe: { slot, flow, packet in
                plugin.packetObserved(&slots.states[Int(slot)], flow: flow.pointee, packet: packet.pointee)
            },
            expire: { slot, flow in plugin.flowExpired(&slots.states[Int(slot)], flow: flow.pointee) },
            write: { slot, flow, sink in
                // Moved out for the call and back: reading it in place would copy it (a retain and a release of
                // every array it holds, for every flow).
                let state = (slots.states + Int(slot)).move()
                plugin.write(state, flow: flow.pointee, to: &sink)
                (slots.states + Int(slot)).initialize(to: state)
            },
            cleanup: { plugin.cleanup() },
            state: { slot in slots.states[Int(slot)] })
    }
}
