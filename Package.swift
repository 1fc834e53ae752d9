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
        .executableTarget(
            name: "FlowMeterCLI",
            dependencies: [
                "FlowStreamer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Tests.
        .target(name: "FlowTestSupport", dependencies: ["FlowPacket"], path: "Tests/FlowTestSupport"),
        .testTarget(name: "FlowPacketTests", dependencies: ["FlowPacket", "FlowTestSupport"]),
        .testTarget(name: "FlowMeterTests", dependencies: ["FlowMeter", "FlowPacket", "FlowTestSupport"]),
        .testTarget(name: "FlowWritersTests", dependencies: ["FlowWriters", "FlowMeter"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["FlowStreamer", "FlowCapture", "FlowTestSupport", "FlowMeterCLI"],
            resources: [.copy("Golden")]),
        .testTarget(name: "ConformanceTests", dependencies: ["FlowStreamer", "FlowTestSupport"]),
    ]
)
