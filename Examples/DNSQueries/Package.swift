// swift-tools-version:6.0
// A feature plugin written as a user would: the query name and answer count of DNS over UDP.
import PackageDescription

let package = Package(
    name: "DNSQueries",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "DNSQueriesPlugin", targets: ["DNSQueriesPlugin"]),
        .executable(name: "dns-queries", targets: ["dns-queries"]),
    ],
    dependencies: [
        .package(name: "flowmeter", path: "../.."),
    ],
    targets: [
        .target(
            name: "DNSQueriesPlugin",
            dependencies: [
                .product(name: "FlowMeter", package: "flowmeter"),
                .product(name: "FlowPacket", package: "flowmeter"),
            ]),
        .executableTarget(
            name: "dns-queries",
            dependencies: [
                "DNSQueriesPlugin",
                .product(name: "FlowStreamer", package: "flowmeter"),
                .product(name: "FlowWriters", package: "flowmeter"),
            ]),
    ]
)
