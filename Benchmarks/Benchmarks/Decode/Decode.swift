// Decode: PacketDecoder.decode on hand-built frames. One measured unit is 1M decodes (scalingFactor .mega),
// so wall clock per unit reads as ns per decode and throughput as decodes per second. Decoding fills a
// caller-owned DecodedPacket and must not allocate: mallocCountTotal has an absolute threshold of 0
// (Thresholds/Decode.*.p90.json, checked by `swift package benchmark thresholds check`).
import Benchmark
import BenchmarkFixtures
import FlowPacket

/// The frames of the suite: Ethernet+IPv4+TCP (154 bytes), Ethernet+802.1Q+IPv4+UDP (106 bytes),
/// Ethernet+IPv6+TCP (114 bytes).
let frameSet = FrameSet([
    Frames.ethernetIPv4TCP(
        source: 0xC0A8_010A, destination: 0x5DB8_D822, sourcePort: 51_000, destinationPort: 443),
    Frames.vlanIPv4UDP(
        vlan: 42, source: 0x0A00_0001, destination: 0x0A00_0035, sourcePort: 53_000, destinationPort: 53),
    Frames.ethernetIPv6TCP(source: 1, destination: 2, sourcePort: 40_000, destinationPort: 80),
])

/// Decodes `frames` round robin, `count` times in all; returns a checksum so nothing is optimised away.
@inline(never)
func decodeLoop(_ frames: [UnsafeRawBufferPointer], count: Int) -> UInt64 {
    let decoder = PacketDecoder(linkType: .ethernet)
    var packet = DecodedPacket()
    var sum: UInt64 = 0
    var i = 0
    let n = frames.count
    for _ in 0..<count {
        let bytes = frames[i]
        let outcome = decoder.decode(bytes, wireLength: UInt32(bytes.count), into: &packet)
        sum &+= UInt64(outcome.rawValue) &+ UInt64(packet.sourcePort) &+ UInt64(packet.payloadSize)
        i += 1
        if i == n { i = 0 }
    }
    return sum
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 2,
        scalingFactor: .mega,
        maxDuration: .seconds(2),
        maxIterations: 50,
        thresholds: [
            // No allocation at all while decoding: any malloc in a measured unit is a regression.
            .mallocCountTotal: .init(absolute: [.p90: 0])
        ]
    )

    let all = (0..<frameSet.offsets.count).map { frameSet.frame($0) }
    let cases: [(String, [UnsafeRawBufferPointer])] = [
        ("Mixed", all),
        ("IPv4TCP", [all[0]]),
        ("VLANUDP", [all[1]]),
        ("IPv6TCP", [all[2]]),
    ]
    for (name, frames) in cases {
        Benchmark(name) { benchmark in
            let n = benchmark.scaledIterations.count
            benchmark.startMeasurement()
            blackHole(decodeLoop(frames, count: n))
            benchmark.stopMeasurement()
        }
    }
}
