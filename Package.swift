// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "flowmeter",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "flowmeter", targets: ["FlowMeterCLI"]),
        .library(name: "FlowPacket", targets: ["FlowPacket"]),
        .library(name: "FlowMeter", targets: ["FlowMeter"]),
        .library(name: "FlowCapture", targets: ["FlowCapture"]),
        .library(name: "FlowIngest", targets: ["FlowIngest"]),
        .library(name: "FlowPresets", targets: ["FlowPresets"]),
        .library(name: "FlowWriters", targets: ["FlowWriters"]),
        .library(name: "FlowStreamer", targets: ["FlowStreamer"]),
        .library(name: "FlowFeatures", targets: ["FlowFeatures"]),
        .library(name: "FlowDPI", targets: ["FlowDPI"]),
        .library(name: "FlowParquet", targets: ["FlowParquet"]),
        .library(name: "FlowIPFIX", targets: ["FlowIPFIX"]),
        .library(name: "FlowConvert", targets: ["FlowConvert"]),
    ],
    // NDPI (on by default): application detection with Debian's libndpi-dev 4.2. Build without it with
    // `swift build --disable-default-traits`; everything else works, and the CLI says detection is unavailable.
    traits: [
        .trait(name: "NDPI", description: "Application detection (the nine application_* columns) with libndpi"),
        .default(enabledTraits: ["NDPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // SHA-256 of inputs and outputs for the convert manifest (FlowConvert), Crypto-PAn (FlowDataset) and the QUIC
        // Initial reader (FlowDPI).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // C libraries from Debian's -dev packages.
        .systemLibrary(
            name: "CPcap", path: "Sources/CPcap", pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"]), .brew(["libpcap"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .systemLibrary(
            name: "CNDPI", path: "Sources/CNDPI", pkgConfig: "libndpi",
            providers: [.apt(["libndpi-dev"]), .brew(["ndpi"])]),
        .systemLibrary(
            name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
        .systemLibrary(
            name: "CSnappy", path: "Sources/CSnappy", pkgConfig: "snappy",
            providers: [.apt(["libsnappy-dev"]), .brew(["snappy"])]),
        // GNU extensions of the C library that Swift's Glibc module does not show (sendmmsg, fopencookie, pipe2,
        // posix_spawn's closefrom).
        .systemLibrary(name: "CLibc", path: "Sources/CLibc"),

        // Pure Swift layers.
        .target(name: "FlowPacket"),
        .target(name: "FlowMeter", dependencies: ["FlowPacket"]),
        .target(name: "FlowCapture", dependencies: ["CLibc", "CPcap", "FlowPacket"]),
        .target(name: "FlowWriters", dependencies: ["CZlib", "FlowMeter"]),
        // Parquet output, written from the Apache Parquet specification (no Swift or Debian Parquet library exists).
        .target(name: "FlowParquet", dependencies: ["FlowMeter", "FlowPacket", "FlowWriters", "CZstd", "CSnappy"]),
        // IPFIX export (RFC 7011) to collectors and files, written from the RFCs.
        .target(name: "FlowIPFIX", dependencies: ["CLibc", "FlowMeter", "FlowPacket", "FlowWriters"]),
        // Dataset preparation: ground-truth labels.
        .target(
            name: "FlowDataset",
            dependencies: [
                "FlowMeter", "FlowPacket", "FlowWriters", "FlowCapture", "FlowStreamer",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]),
        // The ingestion paths `flowmeter bench` compares with libpcap's direct one: a tshark child whose output is
        // parsed back into packets (as pyshark), heap objects per layer (as scapy); child processes.
        .target(name: "FlowIngest", dependencies: ["CLibc", "FlowCapture", "FlowPacket"]),
        .target(
            name: "FlowStreamer", dependencies: ["CLibc", "FlowCapture", "FlowIngest", "FlowMeter", "FlowWriters", "FlowPacket"]),
        // The harness of `flowmeter bench` (the CLI keeps its commands): the bench runs (offline, live, the measured
        // child), measured children (wait4, monotonic clock), the offline and live runners, the live network
        // (namespaces, veth, iperf3), /proc, CPU pinning, peer tools, results (table, CSV, JSON) and SVG charts.
        .target(
            name: "FlowBench", dependencies: ["FlowCapture", "FlowConvert", "FlowIngest", "FlowStreamer", "FlowWriters"]),
        // flowmeter's defaults for programs using the library: the CLI's plugins, detection and threads.
        .target(name: "FlowPresets", dependencies: ["FlowDPI", "FlowFeatures", "FlowMeter", "FlowPacket", "FlowStreamer"]),
        // Built-in feature plugins: an ordinary library that uses only the public plugin API.
        .target(
            name: "FlowFeatures", dependencies: ["FlowMeter", "FlowPacket"], path: "Plugins/FlowFeatures",
            exclude: ["CIC.md"]),
        // Application detection: the nDPI plugin (only NDPIDetector.swift calls nDPI) and our own JA4. Without the
        // NDPI trait the target builds without libndpi and offers no plugin (`ApplicationDetection.isAvailable`).
        .target(
            name: "FlowDPI",
            dependencies: [
                "FlowMeter", "FlowPacket", .target(name: "CNDPI", condition: .when(traits: ["NDPI"])),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]),
        // What `flowmeter convert` and the other commands do once their options are parsed: the inputs (directories
        // searched, outputs that are inputs refused), the output settings and writers, each-file and --output-dir
        // conversion with resume, the manifest (SHA-256 through swift-crypto), live capture, the packet table,
        // progress, messages and signals. Nothing of the benchmark harness (FlowBench).
        .target(
            name: "FlowConvert",
            dependencies: [
                "FlowCapture", "FlowDPI", "FlowDataset", "FlowFeatures", "FlowIPFIX", "FlowIngest",
                "FlowMeter", "FlowPacket", "FlowParquet", "FlowPresets", "FlowStreamer", "FlowWriters",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // The command line only: commands, option groups and their checks; the work is FlowConvert's and FlowBench's.
        .executableTarget(
            name: "FlowMeterCLI",
            dependencies: [
                "FlowConvert", "FlowStreamer", "FlowFeatures", "FlowDPI", "FlowParquet", "FlowIPFIX", "FlowDataset", "FlowBench", "FlowIngest", "FlowPresets",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Tests.
        .target(name: "FlowTestSupport", dependencies: ["CLibc", "FlowPacket"], path: "Tests/FlowTestSupport"),
        .testTarget(name: "FlowPacketTests", dependencies: ["FlowPacket", "FlowTestSupport"]),
        .testTarget(name: "FlowMeterTests", dependencies: ["FlowMeter", "FlowFeatures", "FlowPacket", "FlowTestSupport"]),
        .testTarget(name: "FlowWritersTests", dependencies: ["FlowWriters", "FlowMeter", "FlowTestSupport"]),
        .testTarget(name: "FlowIPFIXTests", dependencies: ["FlowIPFIX", "FlowWriters", "FlowMeter", "FlowPacket"]),
        .testTarget(name: "FlowDatasetTests", dependencies: ["FlowDataset", "FlowMeter", "FlowPacket"]),
        .testTarget(name: "FlowParquetTests", dependencies: ["FlowParquet", "FlowWriters", "FlowMeter", "FlowPacket"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "FlowStreamer", "FlowCapture", "FlowIngest", "FlowFeatures", "FlowDPI", "FlowParquet", "FlowTestSupport", "FlowMeterCLI", "FlowDataset", "FlowConvert",
            ],
            exclude: ["Fixtures/regressions"],
            resources: [.copy("Golden")]),
        .testTarget(
            name: "LiveCaptureTests", dependencies: ["FlowCapture", "FlowIngest", "FlowPacket", "FlowTestSupport", "FlowMeterCLI"]),
        .testTarget(name: "ConformanceTests", dependencies: ["FlowStreamer", "FlowFeatures", "FlowDPI", "FlowTestSupport"]),
        .testTarget(
            name: "FlowDPITests",
            dependencies: [
                "FlowDPI", "FlowMeter", "FlowPacket", "FlowStreamer", "FlowWriters", "FlowTestSupport",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]),
        .testTarget(name: "ReliabilityTests", dependencies: ["CLibc", "FlowStreamer", "FlowFeatures", "FlowTestSupport", "FlowMeterCLI"]),
        .testTarget(
            name: "FlowFeaturesTests",
            dependencies: ["FlowFeatures", "FlowMeter", "FlowPacket", "FlowStreamer", "FlowWriters", "FlowTestSupport"]),
    ]
)
