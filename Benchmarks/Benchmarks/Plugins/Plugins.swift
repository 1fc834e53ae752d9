// Plugins: the per-packet cost of the feature-plugin dispatch, measured as FlowUpdate is (Meter.process on
// 10,000 live flows in steady state, one measured unit is 1M packets, wall clock reads as ns per packet).
// `Steady10kFlowsCountingPlugin` meters with one trivial plugin written the way a user would write one: its
// State counts the flow's packets, it overrides only `flowStarted`, `packetObserved` and `write`, and it keeps
// the default `makeStore()`, so its states live in a `GenericPluginStore` and every hook goes through the
// plugin's protocol witnesses. `Steady10kFlowsNoPlugin` is the same without any plugin: the difference is
// the dispatch (two store calls per packet, `arriving` and `observe`) plus a counter increment.
// `Steady10kFlowsCountingPluginOwnStore` is the same plugin with a `TypedPluginStore` subclass of its own, as
// the built-in plugins have (the hooks are then specialised and inlined into the store's overrides): it
// separates the meter's per-store dispatch from the cost of going through `GenericPluginStore`. All must
// allocate nothing (mallocCountTotal threshold 0, Thresholds/Plugins.*.p90.json).
import Benchmark
import FlowMeter
import MeterFixtures

/// A minimal user plugin: one integer column, the packets the plugin itself saw in the flow.
struct PacketCounterPlugin: FeaturePlugin {
    struct State {
        var packets: UInt64 = 0
    }

    /// Whether `makeStore()` gives the plugin's own store instead of the default `GenericPluginStore`.
    var ownStore = false

    var name: String { "packet_counter" }
    var columns: [FeatureColumn] { [.init("counted_packets", .integer, "Packets seen by the counting plugin")] }

    func makeState() -> State { State() }

    func flowStarted(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext) -> PluginAction {
        state.packets = 1
        return .keep
    }

    func packetObserved(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext) -> PluginAction {
        state.packets &+= 1
        return .keep
    }

    func write<Sink: FlowFieldSink>(_ state: borrowing State, flow: borrowing Flow, to sink: inout Sink) {
        sink.appendUnsigned(state.packets)
    }

    func makeStore() -> PluginStore {
        ownStore ? PacketCounterStore(plugin: self) : GenericPluginStore(plugin: self)
    }
}

/// `PacketCounterPlugin`'s own store, written as the built-in plugins' stores are: concrete, so that every hook
/// call is specialised and inlined.
final class PacketCounterStore: TypedPluginStore<PacketCounterPlugin> {
    override func start(slot: Int32, flow: UnsafePointer<Flow>, packet: UnsafePointer<PacketContext>) -> PluginAction {
        plugin.reset(&states[Int(slot)])
        return plugin.flowStarted(&states[Int(slot)], flow: flow.pointee, packet: packet.pointee)
    }
    override func observe(slot: Int32, flow: UnsafePointer<Flow>, packet: UnsafePointer<PacketContext>) -> PluginAction {
        plugin.packetObserved(&states[Int(slot)], flow: flow.pointee, packet: packet.pointee)
    }
    override func write<Sink: FlowFieldSink>(slot: Int32, flow: UnsafePointer<Flow>, to sink: inout Sink) {
        plugin.write(states[Int(slot)], flow: flow.pointee, to: &sink)
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 1,
        scalingFactor: .mega,
        maxDuration: .seconds(3),
        maxIterations: 30,
        thresholds: [
            // Steady state: no allocation per packet, plugin or not.
            .mallocCountTotal: .init(absolute: [.p90: 0])
        ]
    )

    let cases: [(String, @Sendable () -> [any FeaturePlugin])] = [
        ("Steady10kFlowsNoPlugin", { [] }),
        ("Steady10kFlowsCountingPlugin", { [PacketCounterPlugin()] }),
        ("Steady10kFlowsCountingPluginOwnStore", { [PacketCounterPlugin(ownStore: true)] }),
    ]
    for (name, plugins) in cases {
        Benchmark(name) { benchmark, state in
            let n = benchmark.scaledIterations.count
            benchmark.startMeasurement()
            state.run(count: n)
            benchmark.stopMeasurement()
            state.check()
            // The plugin really ran on every packet: a flow's count is its packet count.
            if !state.meter.plugins.isEmpty {
                let slot = state.meter.table.allSlots()[0]
                let columns = PluginColumns(stores: state.meter.plugins, slot: slot)
                precondition(columns.state(of: PacketCounterPlugin.self)?.packets == state.meter.table[slot].packets)
            }
        } setup: {
            SteadyFlowsState(plugins: plugins())
        }
    }
}
