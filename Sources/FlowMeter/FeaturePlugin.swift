import FlowPacket

/// What a plugin asks of the meter after a hook.
public enum PluginAction: Sendable {
    /// Go on metering the flow.
    case keep
    /// Expire the flow now (expiration_id -1, reason `plugin`). From `flowStarted` the flow leaves with its one
    /// packet; from `packetObserved` it leaves with the current packet; from `packetArriving` it leaves *without*
    /// the current packet, which then starts a new flow.
    case expire
}

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

/// A feature plugin: declares its columns before any flow exists, keeps one value-type `State` per flow, sees
/// every packet of the flow and the flow when it ends, and writes its columns. Plugins run inside the meter
/// threads; a plugin value is shared by them and must not change (each flow's state is its own).
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
    /// The run is over (called once per meter).
    func cleanup()
    /// The store that keeps this plugin's per-flow states in a meter (default: `GenericPluginStore`).
    func makeStore() -> PluginStore
}

extension FeaturePlugin {
    /// Default: the plugin reads no packet bytes, so the meter need not copy frames to its threads for it.
    public var needsPacketBytes: Bool { false }
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
}

extension FeaturePlugin {
    /// The default store for this plugin's per-flow states. A plugin may return its own `PluginStore` subclass
    /// from a `makeStore()` of its own (the built-ins do, so the compiler specialises every hook call).
    public func makeStore() -> PluginStore { GenericPluginStore(plugin: self) }
}

/// The per-flow states of one plugin in one meter, indexed by flow slot (type-erased). Subclass it with a concrete
/// plugin type to get fully specialised hook calls; `GenericPluginStore` works for any plugin.
open class PluginStore {
    /// An empty store; subclasses allocate their states in `ensureCapacity`.
    public init() {}
    /// Makes room for states of slots below `slots`.
    open func ensureCapacity(_ slots: Int) { fatalError("PluginStore subclasses must override ensureCapacity") }
    // The meter passes the flow and the packet by address (valid only during the call): no copy per hook.
    /// The flow in `slot` starts with `packet` (state to be reset for it).
    open func start(slot: Int32, flow: UnsafePointer<Flow>, packet: UnsafePointer<PacketContext>) -> PluginAction {
        .keep
    }
    /// A packet arrives for the flow in `slot`, before it is counted.
    open func arriving(slot: Int32, flow: UnsafePointer<Flow>, packet: UnsafePointer<PacketContext>) -> PluginAction {
        .keep
    }
    /// A packet was counted into the flow in `slot`.
    open func observe(slot: Int32, flow: UnsafePointer<Flow>, packet: UnsafePointer<PacketContext>) -> PluginAction {
        .keep
    }
    /// The flow in `slot` is leaving.
    open func expire(slot: Int32, flow: UnsafePointer<Flow>) {}
    /// Writes the plugin's columns for the flow in `slot`.
    open func write<Sink: FlowFieldSink>(slot: Int32, flow: UnsafePointer<Flow>, to sink: inout Sink) {}
    /// The run is over.
    open func cleanup() {}
    /// The plugin's columns.
    open var columns: [FeatureColumn] { [] }
    /// Whether the plugin reads packet bytes.
    open var needsPacketBytes: Bool { false }
    /// The state of the flow in `slot`, if this store holds `P`'s states.
    open func state<P: FeaturePlugin>(of plugin: P.Type, slot: Int32) -> P.State? { nil }
}

/// States of one plugin in raw memory indexed by slot, reused from flow to flow (`reset`).
open class TypedPluginStore<P: FeaturePlugin>: PluginStore {
    /// The plugin whose states this store keeps.
    public let plugin: P
    /// One state per slot, `capacity` of them initialised. Only the owning meter's thread touches it, one hook at
    /// a time, so the dynamic exclusivity check on this class property (about a fifth of a hook's cost) is off.
    @exclusivity(unchecked) public var states: UnsafeMutablePointer<P.State>
    /// How many slots of `states` are initialised (grown by `ensureCapacity`, never shrunk).
    public var capacity = 0

    /// A store for `plugin` with no slots yet (the meter calls `ensureCapacity` before the first flow).
    public init(plugin: P) {
        self.plugin = plugin
        states = .allocate(capacity: 1)
    }

    deinit {
        states.deinitialize(count: capacity)
        states.deallocate()
    }

    /// Grows `states` to `slots` entries, each new one initialised with `plugin.makeState()`; existing states move.
    open override func ensureCapacity(_ slots: Int) {
        if capacity >= slots { return }
        let grown = UnsafeMutablePointer<P.State>.allocate(capacity: slots)
        grown.moveInitialize(from: states, count: capacity)
        for i in capacity..<slots { (grown + i).initialize(to: plugin.makeState()) }
        states.deallocate()
        states = grown
        capacity = slots
    }

    /// Calls the plugin's `cleanup()`.
    open override func cleanup() { plugin.cleanup() }
    /// The plugin's `columns`.
    open override var columns: [FeatureColumn] { plugin.columns }
    /// The plugin's `needsPacketBytes`.
    open override var needsPacketBytes: Bool { plugin.needsPacketBytes }

    /// The state in `slot` when `Q.State` is this store's state type (a dynamic cast), else nil.
    open override func state<Q: FeaturePlugin>(of plugin: Q.Type, slot: Int32) -> Q.State? {
        (states[Int(slot)] as Any) as? Q.State
    }
}

/// The store `makeStore()` gives any plugin: every hook goes through the plugin's protocol witnesses.
public final class GenericPluginStore<P: FeaturePlugin>: TypedPluginStore<P> {
    /// Resets the slot's state for the new flow, then calls the plugin's `flowStarted`.
    public override func start(slot: Int32, flow: UnsafePointer<Flow>, packet: UnsafePointer<PacketContext>)
        -> PluginAction
    {
        plugin.reset(&states[Int(slot)])
        return plugin.flowStarted(&states[Int(slot)], flow: flow.pointee, packet: packet.pointee)
    }

    /// Calls the plugin's `packetArriving` with the slot's state.
    public override func arriving(slot: Int32, flow: UnsafePointer<Flow>, packet: UnsafePointer<PacketContext>)
        -> PluginAction
    {
        plugin.packetArriving(&states[Int(slot)], flow: flow.pointee, packet: packet.pointee)
    }

    /// Calls the plugin's `packetObserved` with the slot's state.
    public override func observe(slot: Int32, flow: UnsafePointer<Flow>, packet: UnsafePointer<PacketContext>)
        -> PluginAction
    {
        plugin.packetObserved(&states[Int(slot)], flow: flow.pointee, packet: packet.pointee)
    }

    /// Calls the plugin's `flowExpired` with the slot's state.
    public override func expire(slot: Int32, flow: UnsafePointer<Flow>) {
        plugin.flowExpired(&states[Int(slot)], flow: flow.pointee)
    }

    /// Calls the plugin's `write` with the slot's state.
    public override func write<Sink: FlowFieldSink>(slot: Int32, flow: UnsafePointer<Flow>, to sink: inout Sink) {
        plugin.write(states[Int(slot)], flow: flow.pointee, to: &sink)
    }
}

/// The plugin columns of one expiring flow, for the writer (valid only during the export call).
public struct PluginColumns {
    /// Every plugin's store, in column order, and the flow's slot in them.
    public let stores: [PluginStore]
    /// The flow's slot in the meter's table, which indexes every store's states.
    public let slot: Int32

    /// The columns of the flow in `slot` of `stores` (a meter's stores, in plugin order).
    @inlinable
    public init(stores: [PluginStore], slot: Int32) {
        self.stores = stores
        self.slot = slot
    }

    /// Writes every plugin's columns.
    @inlinable
    public func write<Sink: FlowFieldSink>(flow: borrowing Flow, to sink: inout Sink) {
        withUnsafePointer(to: flow) { f in
            for store in stores { store.write(slot: slot, flow: f, to: &sink) }
        }
    }

    /// The state `P` keeps for this flow (for tests and user code that inspects flows).
    public func state<P: FeaturePlugin>(of plugin: P.Type) -> P.State? {
        for store in stores {
            if let s = store.state(of: plugin, slot: slot) { return s }
        }
        return nil
    }

    /// No plugin columns.
    public static var none: PluginColumns { PluginColumns(stores: [], slot: 0) }
}
