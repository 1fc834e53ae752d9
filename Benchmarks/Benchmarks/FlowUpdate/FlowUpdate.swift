// FlowUpdate: Meter.process on pre-decoded packets of 10,000 live flows, in steady state: setup creates
// the flows and warms them up, so the measured packets only update existing flows (no flow is created or
// expired while measuring, so no plugin state is reset either). One measured unit is 1M packets
// (scalingFactor .mega): wall clock reads as ns per packet. Updating a flow must not allocate, with or
// without the built-in feature plugins: mallocCountTotal has an absolute threshold of 0
// (Thresholds/FlowUpdate.*.p90.json, checked by `swift package benchmark thresholds check`). Every built-in
// plugin is measured alone too (Statistics, SPLT10, CIC), so a regression points at its plugin.
import Benchmark
import FlowFeatures
import FlowMeter
import MeterFixtures

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 1,
        scalingFactor: .mega,
        maxDuration: .seconds(3),
        maxIterations: 30,
        thresholds: [
            // Steady state: no allocation per packet or per flow update.
            .mallocCountTotal: .init(absolute: [.p90: 0])
        ]
    )

    // Plugins are made inside setup (a plugin array is not Sendable across the benchmark closures).
    let cases: [(String, @Sendable () -> [any FeaturePlugin])] = [
        ("Steady10kFlows", { [] }),
        // `--features statistics,splt --splt 10`: the 48 statistical columns and SPLT 10, as built-in plugins.
        ("Steady10kFlowsStatisticsSPLT10", { [StatisticsPlugin(), SPLTPlugin(length: 10)] }),
        // Each built-in plugin alone (`--features statistics`, `--splt 10`, `--features cic`).
        ("Steady10kFlowsStatistics", { [StatisticsPlugin()] }),
        ("Steady10kFlowsSPLT10", { [SPLTPlugin(length: 10)] }),
        ("Steady10kFlowsCIC", { [CICFlowMeterPlugin()] }),
    ]
    for (name, plugins) in cases {
        Benchmark(name) { benchmark, state in
            let n = benchmark.scaledIterations.count
            benchmark.startMeasurement()
            state.run(count: n)
            benchmark.stopMeasurement()
            state.check()
        } setup: {
            SteadyFlowsState(plugins: plugins())
        }
    }
}
