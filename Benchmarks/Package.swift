// swift-tools-version:6.1
// Benchmarks for flowmeter, as a package of their own so that `swift build` in the parent never resolves
// or builds ordo-one/benchmark. Run from this folder: `swift package benchmark` (see README.md).
import PackageDescription

let benchmarkPlugin: Target.PluginUsage = .plugin(name: "BenchmarkPlugin", package: "benchmark")
let benchmarkLibrary: Target.Dependency = .product(name: "Benchmark", package: "benchmark")

let package = Package(
    name: "flowmeter-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "flowmeter", path: ".."),
        // Only the MallocInterposer trait: it gives the malloc counters on Swift 6.3 and leaves out the
        // default RuntimeInterposer trait (and its dependency, which is not needed for malloc counts).
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        // The QUIC benchmark seals its Initial packet in setup (the version flowmeter itself resolves).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // Hand-built frames and decoded packets shared by the suites (used in setup only, never measured).
        .target(
            name: "BenchmarkFixtures",
            dependencies: [.product(name: "FlowPacket", package: "flowmeter")],
            path: "Support/BenchmarkFixtures"),
        // A meter with 10,000 warmed-up live flows, shared by the steady-state suites (setup only, plus the
        // measured metering loop itself).
        .target(
            name: "MeterFixtures",
            dependencies: [
                "BenchmarkFixtures",
                .product(name: "FlowPacket", package: "flowmeter"),
                .product(name: "FlowMeter", package: "flowmeter"),
            ],
            path: "Support/MeterFixtures"),
        .executableTarget(
            name: "Decode",
            dependencies: [
                benchmarkLibrary, "BenchmarkFixtures",
                .product(name: "FlowPacket", package: "flowmeter"),
            ],
            path: "Benchmarks/Decode",
            plugins: [benchmarkPlugin]),
        .executableTarget(
            name: "FlowUpdate",
            dependencies: [
                benchmarkLibrary, "MeterFixtures",
                .product(name: "FlowMeter", package: "flowmeter"),
                .product(name: "FlowFeatures", package: "flowmeter"),
            ],
            path: "Benchmarks/FlowUpdate",
            plugins: [benchmarkPlugin]),
        .executableTarget(
            name: "Plugins",
            dependencies: [
                benchmarkLibrary, "MeterFixtures",
                .product(name: "FlowMeter", package: "flowmeter"),
            ],
            path: "Benchmarks/Plugins",
            plugins: [benchmarkPlugin]),
        .executableTarget(
            name: "Ingest",
            dependencies: [
                benchmarkLibrary, "BenchmarkFixtures",
                .product(name: "FlowPacket", package: "flowmeter"),
                .product(name: "FlowCapture", package: "flowmeter"),
                .product(name: "FlowIngest", package: "flowmeter"),
            ],
            path: "Benchmarks/Ingest",
            plugins: [benchmarkPlugin]),
        .executableTarget(
            name: "Detection",
            dependencies: [
                benchmarkLibrary, "BenchmarkFixtures", "MeterFixtures",
                .product(name: "FlowPacket", package: "flowmeter"),
                .product(name: "FlowMeter", package: "flowmeter"),
                .product(name: "FlowDPI", package: "flowmeter"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "Benchmarks/Detection",
            plugins: [benchmarkPlugin]),
        .executableTarget(
            name: "CSVWrite",
            dependencies: [
                benchmarkLibrary, "BenchmarkFixtures",
                .product(name: "FlowPacket", package: "flowmeter"),
                .product(name: "FlowMeter", package: "flowmeter"),
                .product(name: "FlowWriters", package: "flowmeter"),
                .product(name: "FlowFeatures", package: "flowmeter"),
            ],
            path: "Benchmarks/CSVWrite",
            plugins: [benchmarkPlugin]),
    ]
)
