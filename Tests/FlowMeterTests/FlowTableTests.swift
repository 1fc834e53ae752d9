import FlowMeter
import FlowPacket
import FlowTestSupport
import Testing

@Suite("Flow table")
struct FlowTableTests {
    /// A flow value to store under arbitrary keys (the table only looks at its key and list links).
    static func templateFlow() -> Flow {
        var h = MeterHarness()
        h.feed(packet(1, "10.0.0.1", 1, "10.0.0.2", 2))
        h.flush()
        return h.flows[0].flow
    }

    static func randomKey(_ rng: inout SplitMix64) -> FlowKey {
        var p = DecodedPacket()
        // A small address and port space so that keys share addresses and collide in the index.
        if rng.next() % 4 == 0 {
            p.source = IPAddress(high: 0x2001_0DB8_0000_0000, low: rng.next() % 512, version: 6)
            p.destination = IPAddress(high: 0x2001_0DB8_0000_0000, low: rng.next() % 512, version: 6)
        } else {
            p.source = IPAddress(v4: 0x0A00_0000 | UInt32(rng.next() % 4096))
            p.destination = IPAddress(v4: 0x0A00_0000 | UInt32(rng.next() % 4096))
        }
        p.sourcePort = UInt16(truncatingIfNeeded: rng.next())
        p.destinationPort = UInt16(rng.next() % 16)
        p.ipProtocol = [1, 6, 17][Int(rng.next() % 3)]
        p.vlanID = UInt16(rng.next() % 3)
        p.tunnelID = UInt8(rng.next() % 2)
        return FlowKey(p)
    }

    @Test func keyIsTheSameInBothDirectionsAndIncludesVlanAndTunnel() {
        let forward = packet(0, "10.0.0.9", 1234, "10.0.0.1", 80)
        let backward = packet(0, "10.0.0.1", 80, "10.0.0.9", 1234)
        #expect(FlowKey(forward) == FlowKey(backward))
        #expect(FlowKey(forward).hashValue64 == FlowKey(backward).hashValue64)
        #expect(FlowKey(forward) != FlowKey(packet(0, "10.0.0.9", 1234, "10.0.0.1", 80, vlan: 1)))
        #expect(FlowKey(forward) != FlowKey(packet(0, "10.0.0.9", 1234, "10.0.0.1", 80, tunnel: 5)))
        #expect(FlowKey(forward) != FlowKey(packet(0, "10.0.0.9", 1234, "10.0.0.1", 80, proto: 17)))
        let sameHost = packet(0, "10.0.0.1", 9000, "10.0.0.1", 80)
        #expect(FlowKey(sameHost) == FlowKey(packet(0, "10.0.0.1", 80, "10.0.0.1", 9000)))
    }

    @Test func randomInsertsAndRemovalsKeepEveryRemainingKeyFindable() {
        var rng = SplitMix64(seed: 2024)
        let template = Self.templateFlow()
        var table = FlowTable(initialCapacity: 1)
        var present: [FlowKey: Int32] = [:]
        var keys: [FlowKey] = []  // present keys, for random picks
        var removed: [FlowKey] = []
        var operations = 0
        var removals = 0
        while operations < 100_000 {
            operations += 1
            if !keys.isEmpty && rng.next() % 10 < 3 {
                let i = Int(rng.next() % UInt64(keys.count))
                let key = keys[i]
                let slot = table.find(key, hash: key.hashValue64)
                #expect(slot == present[key])
                guard let slot else { continue }
                table.remove(slot: slot, hash: key.hashValue64)
                present[key] = nil
                keys.swapAt(i, keys.count - 1)
                keys.removeLast()
                removed.append(key)
                removals += 1
                #expect(table.find(key, hash: key.hashValue64) == nil)
            } else {
                let key = Self.randomKey(&rng)
                if present[key] != nil { continue }
                var flow = template
                flow.key = key
                flow.firstSeen = UInt64(operations)
                let slot = table.insert(flow, hash: key.hashValue64)
                present[key] = slot
                keys.append(key)
            }
            if operations % 10_000 == 0 { #expect(table.count == present.count) }
        }
        #expect(removals > 25_000)
        #expect(table.count == present.count)
        #expect(present.count > 30_000)
        var misses = 0
        for (key, slot) in present {
            let found = table.find(key, hash: key.hashValue64)
            if found != slot || table[slot].key != key { misses += 1 }
        }
        #expect(misses == 0)
        var ghosts = 0
        for key in removed where present[key] == nil {
            if table.find(key, hash: key.hashValue64) != nil { ghosts += 1 }
        }
        #expect(ghosts == 0)
    }

    @Test func activityListYieldsFlowsLeastRecentlyTouchedFirst() {
        var rng = SplitMix64(seed: 7)
        let template = Self.templateFlow()
        var table = FlowTable(initialCapacity: 4)
        var lastActivity: [FlowKey: Int] = [:]
        var keys: [FlowKey] = []
        for step in 0..<20_000 {
            let r = rng.next() % 10
            if r < 2 && !keys.isEmpty {
                let i = Int(rng.next() % UInt64(keys.count))
                let key = keys[i]
                table.remove(slot: table.find(key, hash: key.hashValue64)!, hash: key.hashValue64)
                lastActivity[key] = nil
                keys.swapAt(i, keys.count - 1)
                keys.removeLast()
            } else if r < 5 && !keys.isEmpty {
                let key = keys[Int(rng.next() % UInt64(keys.count))]
                table.touch(table.find(key, hash: key.hashValue64)!)
                lastActivity[key] = step
            } else {
                let key = Self.randomKey(&rng)
                if lastActivity[key] != nil { continue }
                var flow = template
                flow.key = key
                _ = table.insert(flow, hash: key.hashValue64)
                lastActivity[key] = step
                keys.append(key)
            }
        }
        // Draining each shard from its oldest end must visit its flows in increasing order of last activity.
        var drained = 0
        var outOfOrder = 0
        for shard in 0..<FlowTable.shardCount {
            var previous = -1
            while let slot = table.oldestSlot(inShard: shard) {
                let key = table[slot].key
                guard let step = lastActivity[key] else {
                    Issue.record("oldest slot holds a key that is not in the table")
                    return
                }
                #expect(FlowTable.shard(of: key.hashValue64) == shard)
                if step <= previous { outOfOrder += 1 }
                previous = step
                table.remove(slot: slot, hash: key.hashValue64)
                drained += 1
            }
            #expect(table.count(inShard: shard) == 0)
        }
        #expect(outOfOrder == 0)
        #expect(drained == lastActivity.count)
        #expect(table.count == 0)
    }

    @Test func freedSlotsAreReused() {
        let template = Self.templateFlow()
        var table = FlowTable(initialCapacity: 16)
        var first = template
        first.key = FlowKey(packet(0, "10.0.0.1", 1, "10.0.0.2", 2))
        var second = template
        second.key = FlowKey(packet(0, "10.0.0.1", 3, "10.0.0.2", 4))
        let s1 = table.insert(first, hash: first.key.hashValue64)
        table.remove(slot: s1, hash: first.key.hashValue64)
        let s2 = table.insert(second, hash: second.key.hashValue64)
        #expect(s2 == s1)
        #expect(table.count == 1)
        #expect(table.find(first.key, hash: first.key.hashValue64) == nil)
        #expect(table.find(second.key, hash: second.key.hashValue64) == s2)
    }
}
