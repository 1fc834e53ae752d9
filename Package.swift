// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "flowmeter",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "flowmeter", targets: ["FlowMeterCLI"]),
        .library(name: "FlowPacket", targets: ["FlowPacket"]),
        .library(name: "FlowMeter", targets: ["FlowMeter"]),
        .library(name: "FlowCapture", targets: ["FlowCapture"]),
        .library(name: "FlowWriters", targets: ["FlowWriters"]),
        .library(name: "FlowStreamer", targets: ["FlowStreamer"]),
        .library(name: "FlowFeatures", targets: ["FlowFeatures"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries from Debian's -dev packages.
        .systemLibrary(
            name: "CPcap", path: "Sources/CPcap", pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"]), .brew(["libpcap"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),

        // Pure Swift layers.
        .target(name: "FlowPacket"),
        .target(name: "FlowMeter", dependencies: ["FlowPacket"]),
        .target(name: "FlowCapture", dependencies: ["CPcap", "FlowPacket"]),
        .target(name: "FlowWriters", dependencies: ["CZlib", "FlowMeter"]),
        .target(name: "FlowStreamer", dependencies: ["FlowCapture", "FlowMeter", "FlowWriters", "FlowPacket"]),
        // Built-in feature plugins: an ordinary library that uses only the public plugin API.
        .target(name: "FlowFeatures", dependencies: ["FlowMeter", "FlowPacket"], path: "Plugins/FlowFeatures"),
        .executableTarget(
            name: "FlowMeterCLI",
            dependencies: [
                "FlowStreamer", "FlowFeatures",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Tests.
        .target(name: "FlowTestSupport", dependencies: ["FlowPacket"], path: "Tests/FlowTestSupport"),
        .testTarget(name: "FlowPacketTests", dependencies: ["FlowPacket", "FlowTestSupport"]),
        .testTarget(name: "FlowMeterTests", dependencies: ["FlowMeter", "FlowFeatures", "FlowPacket", "FlowTestSupport"]),
        .testTarget(name: "FlowWritersTests", dependencies: ["FlowWriters", "FlowMeter"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["FlowStreamer", "FlowCapture", "FlowFeatures", "FlowTestSupport", "FlowMeterCLI"],
            resources: [.copy("Golden")]),
        .testTarget(
            name: "LiveCaptureTests", dependencies: ["FlowCapture", "FlowPacket", "FlowTestSupport", "FlowMeterCLI"]),
        .testTarget(name: "ConformanceTests", dependencies: ["FlowStreamer", "FlowFeatures", "FlowTestSupport"]),
        .testTarget(name: "ReliabilityTests", dependencies: ["FlowStreamer", "FlowFeatures", "FlowTestSupport", "FlowMeterCLI"]),
        .testTarget(
            name: "FlowFeaturesTests",
            dependencies: ["FlowFeatures", "FlowMeter", "FlowPacket", "FlowStreamer", "FlowWriters", "FlowTestSupport"]),
    ]
)
