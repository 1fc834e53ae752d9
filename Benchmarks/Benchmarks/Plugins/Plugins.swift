// Plugins: the per-packet cost of the feature-plugin dispatch, measured as FlowUpdate is (Meter.process on
// 10,000 live flows in steady state, one measured unit is 1M packets, wall clock reads as ns per packet).
// `Steady10kFlowsCountingPlugin` meters with one trivial plugin written the way a user writes one, in a module
// of its own (this one): its State counts the flow's packets, and it implements only `flowStarted`,
// `packetObserved` and `write`. The meter reaches its hooks through the same path as the built-in plugins' (the
// `FeaturePlugin` default `_makeStates()`, specialised for this type in this module). `Steady10kFlowsNoPlugin` is
// the same without any plugin: the difference is the dispatch (three hook calls per packet: `arriving` and
// `observe`, whose defaults do nothing, and the counter) plus the increment. Issue 13's target: at most 15 ns per
// packet. Both must allocate nothing (mallocCountTotal threshold 0, Thresholds/Plugins.*.p90.json).
import Benchmark
import FlowMeter
import MeterFixtures

/// A minimal user plugin: one integer column, the packets the plugin itself saw in the flow.
struct PacketCounterPlugin: FeaturePlugin {
    struct State {
        var packets: UInt64 = 0
    }

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
    ]
    for (name, plugins) in cases {
        Benchmark(name) { benchmark, state in
            let n = benchmark.scaledIterations.count
            benchmark.startMeasurement()
            state.run(count: n)
            benchmark.stopMeasurement()
            state.check()
            // The plugin really ran on every packet: a flow's count is its packet count.
            let slot = state.meter.table.allSlots()[0]
            let counted = PluginColumns(meter: state.meter, slot: slot).state(of: PacketCounterPlugin.self)
            if name.contains("Counting") {
                precondition(counted?.packets == state.meter.table[slot].packets, "the plugin missed packets")
            } else {
                precondition(counted == nil)
            }
        } setup: {
            SteadyFlowsState(plugins: plugins())
        }
    }
}
