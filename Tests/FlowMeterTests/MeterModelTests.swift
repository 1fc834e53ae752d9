import FlowMeter
import FlowPacket
import FlowTestSupport
import Testing

/// A deliberately simple meter (dictionaries and an activity log) to check the real one against.
private struct ReferenceMeter {
    struct RefFlow {
        var first: DecodedPacket
        var firstSeen: UInt64
        var lastSeen: UInt64
        var packets: UInt64 = 1
        var bytes: UInt64
        var src2dstPackets: UInt64 = 1
        var directions: [Int8]
        var sizes: [Int32]
        var piats: [Int64]
        var reason: ExpirationReason = .endOfStream
    }

    let idle: UInt64
    let active: UInt64
    let spltLength: Int
    var clock: UInt64 = 0
    var lastScan: UInt64 = 0
    var flows: [FlowKey: RefFlow] = [:]
    /// Activity log: (stamp, key), oldest first; an entry is current while the flow's stamp equals it.
    var log: [(stamp: Int, key: FlowKey)] = []
    var head = 0
    var stamps: [FlowKey: Int] = [:]
    var exported: [RefFlow] = []

    mutating func start(_ key: FlowKey, _ p: DecodedPacket) {
        var f = RefFlow(
            first: p, firstSeen: p.time, lastSeen: p.time, bytes: UInt64(p.rawSize),
            directions: [0], sizes: [Int32(p.rawSize)], piats: [0])
        f.directions = Array(f.directions.prefix(spltLength))
        f.sizes = Array(f.sizes.prefix(spltLength))
        f.piats = Array(f.piats.prefix(spltLength))
        flows[key] = f
        touch(key)
    }

    mutating func touch(_ key: FlowKey) {
        stamps[key] = log.count
        log.append((log.count, key))
    }

    /// The least recently active flow.
    mutating func oldest() -> FlowKey? {
        while head < log.count {
            let entry = log[head]
            if stamps[entry.key] == entry.stamp { return entry.key }
            head += 1
        }
        return nil
    }

    mutating func expire(_ key: FlowKey, _ reason: ExpirationReason) {
        var f = flows.removeValue(forKey: key)!
        f.reason = reason
        stamps[key] = nil
        exported.append(f)
    }

    mutating func process(_ packet: DecodedPacket) {
        var p = packet
        if p.time > clock { clock = p.time } else { p.time = clock }
        let scan = clock - lastScan >= 10
        if scan { lastScan = clock }
        let key = FlowKey(p)
        let t = p.time
        if var f = flows[key] {
            if t - f.lastSeen >= idle {
                expire(key, .idle)
                start(key, p)
            } else if t - f.firstSeen >= active {
                expire(key, .active)
                start(key, p)
            } else {
                let forward =
                    p.sourcePort == f.first.sourcePort && p.destinationPort == f.first.destinationPort
                    && p.source == f.first.source && p.destination == f.first.destination
                if f.directions.count < spltLength {
                    f.directions.append(forward ? 0 : 1)
                    f.sizes.append(Int32(p.rawSize))
                    f.piats.append(Int64(t - f.lastSeen))
                }
                f.packets += 1
                f.bytes += UInt64(p.rawSize)
                if forward { f.src2dstPackets += 1 }
                f.lastSeen = t
                flows[key] = f
                touch(key)
            }
        } else {
            start(key, p)
        }
        if scan {
            while let oldest = oldest(), clock - flows[oldest]!.lastSeen >= idle { expire(oldest, .idle) }
        }
    }

    mutating func flush() {
        while let oldest = oldest() { expire(oldest, .endOfStream) }
    }
}

@Suite("Meter against a reference model")
struct MeterModelTests {
    @Test(arguments: [UInt64(99), 12_345, 0xDEAD_BEEF])
    func randomTrafficMatchesTheReferenceMeterFlowForFlow(seed: UInt64) {
        let idle: UInt64 = 30_000
        let active: UInt64 = 2_000
        let splt = 4
        var h = MeterHarness(idle: idle, active: active, splt: splt)
        var reference = ReferenceMeter(idle: idle, active: active, spltLength: splt)
        var rng = SplitMix64(seed: seed)
        var t: UInt64 = 1_000_000
        for i in 0..<24_000 {
            // Mostly forward time, sometimes back in time (clamped), and two long silences.
            if i == 8_000 || i == 16_000 {
                t += 31_000
            } else if rng.next() % 50 == 0 {
                t -= min(t, rng.next() % 40)
            } else {
                t += rng.next() % 3
            }
            let host = rng.next() % (i < 12_000 ? 6_000 : 300)
            let client = "10.\(host / 250).\(host % 250).1"
            let sport = UInt16(1024 + host % 7)
            var p =
                rng.next() % 3 == 0
                ? packet(t, "192.0.2.1", 443, client, sport) : packet(t, client, sport, "192.0.2.1", 443)
            p.rawSize = UInt16(40 + rng.next() % 1460)
            h.feed(p)
            reference.process(p)
        }
        h.flush()
        reference.flush()
        #expect(h.meter.statistics.peakActiveFlows > 4_096)  // the table had to grow
        #expect(h.exporter.exported.count == reference.exported.count)
        var mismatches: [String] = []
        for (i, (real, ref)) in zip(h.exporter.exported, reference.exported).enumerated() {
            let f = real.flow
            let same =
                f.key == FlowKey(ref.first) && f.source == ref.first.source && f.sourcePort == ref.first.sourcePort
                && f.expirationReason == ref.reason && f.packets == ref.packets && f.bytes == ref.bytes
                && f.src2dstPackets == ref.src2dstPackets && f.firstSeen == ref.firstSeen
                && f.lastSeen == ref.lastSeen
                && real.directions == ref.directions + Array(repeating: -1, count: splt - ref.directions.count)
                && real.sizes == ref.sizes + Array(repeating: -1, count: splt - ref.sizes.count)
                && real.piats == ref.piats + Array(repeating: -1, count: splt - ref.piats.count)
            if !same { mismatches.append("flow \(i): \(f.packets) vs \(ref.packets) packets") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        let reasons = Set(reference.exported.map(\.reason))
        #expect(reasons == [.idle, .active, .endOfStream])
    }
}
