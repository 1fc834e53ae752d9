// swift-tools-version:6.0
// A feature plugin written as a user would: byte entropy of the payload in each direction.
import PackageDescription

let package = Package(
    name: "PayloadEntropy",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "PayloadEntropyPlugin", targets: ["PayloadEntropyPlugin"]),
        .executable(name: "payload-entropy", targets: ["payload-entropy"]),
    ],
    dependencies: [
        .package(name: "flowmeter", path: "../.."),
    ],
    targets: [
        // The plugin: needs only the public plugin API.
        .target(
            name: "PayloadEntropyPlugin",
            dependencies: [
                .product(name: "FlowMeter", package: "flowmeter"),
                .product(name: "FlowPacket", package: "flowmeter"),
            ]),
        // A ten-line program that converts a capture with the plugin.
        .executableTarget(
            name: "payload-entropy",
            dependencies: [
                "PayloadEntropyPlugin",
                .product(name: "FlowPresets", package: "flowmeter"),
                .product(name: "FlowStreamer", package: "flowmeter"),
                .product(name: "FlowWriters", package: "flowmeter"),
            ]),
    ]
)
