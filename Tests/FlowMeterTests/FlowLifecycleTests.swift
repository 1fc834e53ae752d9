import FlowMeter
import FlowPacket
import FlowTestSupport
import Testing

@Suite("Flow identity and expiry")
struct FlowLifecycleTests {
    let a = "10.0.0.1"
    let b = "10.0.0.2"

    @Test func firstPacketSenderIsTheSourceEvenForASynAck() {
        var h = MeterHarness()
        var synAck = packet(1000, b, 80, a, 5000, flags: TCPFlags.syn | TCPFlags.ack)
        synAck.sourceMAC = B.mac("02:00:00:00:00:0b")
        synAck.destinationMAC = B.mac("02:00:00:00:00:0a")
        var ack = packet(1001, a, 5000, b, 80, flags: TCPFlags.ack)
        ack.sourceMAC = B.mac("02:00:00:00:00:0a")
        ack.destinationMAC = B.mac("02:00:00:00:00:0b")
        h.feed(synAck)
        h.feed(ack)
        h.feed(packet(1002, b, 80, a, 5000, flags: TCPFlags.psh | TCPFlags.ack))
        h.flush()
        #expect(h.flows.count == 1)
        let f = h.flows[0]
        #expect(f.source == B.address(b))
        #expect(f.sourcePort == 80)
        #expect(f.destination == B.address(a))
        #expect(f.destinationPort == 5000)
        #expect(f.sourceMAC == B.mac("02:00:00:00:00:0b"))
        #expect(f.destinationMAC == B.mac("02:00:00:00:00:0a"))
        #expect(f.packets == 3)
        #expect(f.src2dstPackets == 2)
        #expect(f.dst2srcPackets == 1)
        #expect(f.src2dstFirstSeen == 1000)
        #expect(f.src2dstLastSeen == 1002)
        #expect(f.dst2srcFirstSeen == 1001)
        #expect(f.dst2srcLastSeen == 1001)
        #expect(f.firstSeen == 1000)
        #expect(f.lastSeen == 1002)
        #expect(f.duration == 2)
        #expect(f.ipProtocol == 6)
        #expect(f.ipVersion == 4)
    }

    @Test func flowBetweenIdenticalEndpointsCountsEveryPacketAsSourceToDestination() {
        var h = MeterHarness()
        h.feed(packet(1000, a, 7, a, 7, proto: 17))
        h.feed(packet(1001, a, 7, a, 7, proto: 17))
        h.flush()
        #expect(h.flows.count == 1)
        #expect(h.flows[0].src2dstPackets == 2)
        #expect(h.flows[0].dst2srcPackets == 0)
    }

    @Test func directionIsDecidedByPortsThenAddresses() {
        var h = MeterHarness()
        h.feed(packet(1000, a, 1000, b, 1000, proto: 17))
        h.feed(packet(1001, b, 1000, a, 1000, proto: 17))  // same ports, swapped addresses
        h.flush()
        #expect(h.flows.count == 1)
        let f = h.flows[0]
        #expect(f.flow.direction(of: packet(0, a, 1000, b, 1000, proto: 17)) == 0)
        #expect(f.flow.direction(of: packet(0, b, 1000, a, 1000, proto: 17)) == 1)
        #expect(f.src2dstPackets == 1)
        #expect(f.dst2srcPackets == 1)
    }

    @Test func packetExactlyIdleTimeoutAfterLastSeenStartsNewFlow() {
        var h = MeterHarness(idle: 1000)
        h.feed(packet(10_000, a, 40000, b, 443))
        h.feed(packet(10_500, b, 443, a, 40000))
        #expect(h.flows.isEmpty)
        h.feed(packet(11_500, b, 443, a, 40000))
        #expect(h.flows.count == 1)
        let old = h.flows[0]
        #expect(old.expirationReason == .idle)
        #expect(old.expirationReason.expirationID == 0)
        #expect(old.packets == 2)
        #expect(old.firstSeen == 10_000)
        #expect(old.lastSeen == 10_500)
        #expect(h.meter.statistics.activeFlows == 1)
        h.flush()
        #expect(h.flows.count == 2)
        let new = h.flows[1]
        #expect(new.packets == 1)
        #expect(new.firstSeen == 11_500)
        #expect(new.source == B.address(b))
        #expect(new.sourcePort == 443)
        #expect(new.expirationReason == .endOfStream)
        #expect(new.expirationReason.expirationID == 0)
    }

    @Test func packetOneMillisecondBeforeIdleTimeoutContinuesTheFlow() {
        var h = MeterHarness(idle: 1000)
        h.feed(packet(10_000, a, 40000, b, 443))
        h.feed(packet(10_999, b, 443, a, 40000))
        h.flush()
        #expect(h.flows.count == 1)
        #expect(h.flows[0].packets == 2)
        #expect(h.flows[0].expirationReason == .endOfStream)
    }

    @Test func idleScanExpiresAFlowIdleForExactlyTheTimeout() {
        var h = MeterHarness(idle: 1000)
        h.feed(packet(10_000, a, 1, b, 1))
        h.feed(packet(10_990, a, 2, b, 2))  // scans; flow 1 idle for 990 ms
        #expect(h.flows.isEmpty)
        h.feed(packet(11_000, a, 3, b, 3))  // scans; flow 1 idle for 1000 ms
        #expect(h.flows.count == 1)
        #expect(h.flows[0].sourcePort == 1)
        #expect(h.flows[0].expirationReason == .idle)
        #expect(h.flows[0].lastSeen == 10_000)
    }

    @Test func idleFlowsLeaveOnlyOnTheTenMillisecondScan() {
        var h = MeterHarness(idle: 1000)
        h.feed(packet(10_000, a, 1, b, 1))
        h.feed(packet(10_995, a, 2, b, 2))  // scan at 10 995: flow 1 idle 995 ms
        h.feed(packet(11_000, a, 2, b, 2))  // 5 ms since the last scan: no scan, although flow 1 is idle
        h.feed(packet(11_004, a, 2, b, 2))  // 9 ms: still no scan
        #expect(h.flows.isEmpty)
        h.feed(packet(11_005, a, 2, b, 2))  // 10 ms: scan
        #expect(h.flows.count == 1)
        #expect(h.flows[0].sourcePort == 1)
        #expect(h.flows[0].expirationReason == .idle)
    }

    @Test func activeTimeoutSplitsAFlowAtExactlyFirstSeenPlusTimeout() {
        var h = MeterHarness(active: 5000)
        for s in 0..<5 { h.feed(packet(UInt64(s) * 1000, a, 40000, b, 443)) }
        #expect(h.flows.isEmpty)
        h.feed(packet(5000, a, 40000, b, 443))
        #expect(h.flows.count == 1)
        let first = h.flows[0]
        #expect(first.packets == 5)
        #expect(first.expirationReason == .active)
        #expect(first.expirationReason.expirationID == 1)
        #expect(first.firstSeen == 0)
        #expect(first.lastSeen == 4000)
        h.flush()
        #expect(h.flows.count == 2)
        #expect(h.flows[1].packets == 1)
        #expect(h.flows[1].firstSeen == 5000)
        #expect(h.flows[1].expirationReason == .endOfStream)
    }

    @Test func packetOneMillisecondBeforeActiveTimeoutStaysInTheFlow() {
        var h = MeterHarness(active: 5000)
        for s in 0..<5 { h.feed(packet(UInt64(s) * 1000, a, 40000, b, 443)) }
        h.feed(packet(4999, a, 40000, b, 443))
        h.flush()
        #expect(h.flows.count == 1)
        #expect(h.flows[0].packets == 6)
    }

    @Test func idleIsTestedBeforeActive() {
        var h = MeterHarness(idle: 1000, active: 5000)
        h.feed(packet(0, a, 40000, b, 443))
        h.feed(packet(6000, a, 40000, b, 443))
        #expect(h.flows.count == 1)
        #expect(h.flows[0].expirationReason == .idle)
    }

    @Test func idleFlowLeavesWhileAnOlderFlowIsKeptBusy() {
        var h = MeterHarness(idle: 2000)
        h.feed(packet(1000, a, 1111, b, 80))  // flow A, created first
        h.feed(packet(1500, a, 2222, b, 80))  // flow B
        var t: UInt64 = 2000
        while t < 3500 {
            h.feed(packet(t, a, 1111, b, 80))
            t += 500
        }
        #expect(h.flows.isEmpty)
        h.feed(packet(3500, a, 1111, b, 80))  // B idle for exactly 2000 ms: the scan removes it
        #expect(h.flows.count == 1)
        #expect(h.flows[0].sourcePort == 2222)
        #expect(h.flows[0].expirationReason == .idle)
        #expect(h.meter.statistics.activeFlows == 1)
        while t < 6000 {
            t += 500
            h.feed(packet(t, a, 1111, b, 80))
        }
        h.flush()
        #expect(h.flows.count == 2)
        #expect(h.flows[1].sourcePort == 1111)
        #expect(h.flows[1].packets == 10)
        #expect(h.flows[1].expirationReason == .endOfStream)
    }

    @Test func idleScanExportsIdleFlowsLeastRecentlyActiveFirst() {
        var h = MeterHarness(idle: 1000)
        h.feed(packet(100, a, 1, b, 9))
        h.feed(packet(200, a, 2, b, 9))
        h.feed(packet(300, a, 3, b, 9))
        h.feed(packet(400, b, 9, a, 1))  // flow 1 becomes the most recently active
        h.feed(packet(5000, a, 4, b, 9))
        #expect(h.flows.map(\.sourcePort) == [2, 3, 1])
        #expect(h.flows.allSatisfy { $0.expirationReason == .idle })
        #expect(h.meter.statistics.activeFlows == 1)
    }

    @Test func endOfStreamFlushGoesLeastRecentlyActiveFirst() {
        var h = MeterHarness()
        h.feed(packet(1000, a, 1, b, 9))  // A
        h.feed(packet(1010, a, 2, b, 9))  // B
        h.feed(packet(1020, a, 3, b, 9))  // C
        h.feed(packet(1030, a, 1, b, 9))  // A again
        h.feed(packet(1040, b, 9, a, 2))  // B again
        h.flush()
        #expect(h.flows.map(\.sourcePort) == [3, 1, 2])
        #expect(h.flows.allSatisfy { $0.expirationReason == .endOfStream && $0.expirationReason.expirationID == 0 })
        #expect(h.meter.statistics.activeFlows == 0)
        #expect(h.meter.table.count == 0)
    }

    @Test func packetGoingBackInTimeIsRestampedToTheClock() {
        var h = MeterHarness(statistics: true, splt: 3)
        h.feed(packet(2000, a, 40000, b, 443))
        let late = h.feed(packet(1000, b, 443, a, 40000))
        #expect(late.time == 2000)
        #expect(h.meter.clock == 2000)
        let other = h.feed(packet(1500, a, 1, b, 2))
        #expect(other.time == 2000)
        h.feed(packet(2500, a, 40000, b, 443))
        h.flush()
        #expect(h.flows.count == 2)
        let f = h.flows[1]
        #expect(f.sourcePort == 40000)
        #expect(f.firstSeen == 2000)
        #expect(f.lastSeen == 2500)
        #expect(f.dst2srcFirstSeen == 2000)
        #expect(f.bidirectionalStatistics.minPiat == 0)
        #expect(f.bidirectionalStatistics.maxPiat == 500)
        #expect(h.exporter.exported[1].piats == [0, 0, 500])
        #expect(h.flows[0].firstSeen == 2000)
        #expect(h.flows[0].sourcePort == 1)
    }

    @Test func vlanAndTunnelIDsSeparateFlows() {
        var h = MeterHarness()
        h.feed(packet(1000, a, 5000, b, 53, proto: 17))
        h.feed(packet(1001, a, 5000, b, 53, proto: 17, vlan: 10))
        h.feed(packet(1002, a, 5000, b, 53, proto: 17, vlan: 20))
        h.feed(packet(1003, a, 5000, b, 53, proto: 17, tunnel: 1))
        h.feed(packet(1004, b, 53, a, 5000, proto: 17, vlan: 10))
        h.feed(packet(1005, a, 5000, b, 53, proto: 17, vlan: 10, tunnel: 1))
        h.flush()
        #expect(h.flows.count == 5)
        let vlan10 = h.flows.filter { $0.vlanID == 10 && $0.tunnelID == 0 }
        #expect(vlan10.count == 1)
        #expect(vlan10.first?.packets == 2)
        #expect(vlan10.first?.dst2srcPackets == 1)
        #expect(h.flows.filter { $0.tunnelID == 1 }.count == 2)
    }

    @Test func ipv4AndIPv4CompatibleIPv6AddressesAreDifferentFlows() {
        var h = MeterHarness()
        h.feed(packet(1000, "1.2.3.4", 1, "5.6.7.8", 2, proto: 17))
        h.feed(packet(1001, "::1.2.3.4", 1, "::5.6.7.8", 2, proto: 17))
        h.flush()
        #expect(h.flows.count == 2)
        #expect(h.flows.map(\.ipVersion).sorted() == [4, 6])
    }

    @Test func icmpEchoIdentifiersAreIgnoredSoOneExchangeIsOneFlow() {
        var h = MeterHarness()
        let decoder = PacketDecoder(linkType: .ethernet)
        var t: UInt64 = 1000
        for id: UInt16 in [1, 2] {
            for (type, src, dst) in [(UInt8(8), a, b), (UInt8(0), b, a)] {
                let frame = B.ethernet(
                    type: EtherType.ipv4,
                    B.ipv4(
                        src: src, dst: dst, protocol: IPProtocol.icmp,
                        B.icmp(type: type, identifier: id, sequence: 1, B.payload(56))))
                var p = DecodedPacket()
                let outcome = frame.withUnsafeBytes {
                    decoder.decode($0, wireLength: UInt32(frame.count), into: &p)
                }
                #expect(outcome == .decoded)
                p.time = t
                t += 10
                h.feed(p)
            }
        }
        h.flush()
        #expect(h.flows.count == 1)
        let f = h.flows[0]
        #expect(f.packets == 4)
        #expect(f.src2dstPackets == 2)
        #expect(f.dst2srcPackets == 2)
        #expect(f.sourcePort == 0)
        #expect(f.destinationPort == 0)
        #expect(f.ipProtocol == 1)
        #expect(f.bytes == 4 * 98)
    }

    @Test func tcpFinAndRstDoNotEndAFlow() {
        var h = MeterHarness()
        h.feed(packet(1000, a, 40000, b, 80, flags: TCPFlags.syn))
        h.feed(packet(1001, a, 40000, b, 80, flags: TCPFlags.fin | TCPFlags.ack))
        h.feed(packet(1002, b, 80, a, 40000, flags: TCPFlags.rst))
        h.feed(packet(1003, a, 40000, b, 80, flags: TCPFlags.syn))
        #expect(h.flows.isEmpty)
        h.flush()
        #expect(h.flows.count == 1)
        #expect(h.flows[0].packets == 4)
    }

    @Test func advanceClockExpiresIdleFlowsOnTheScanTick() {
        var h = MeterHarness(idle: 1000)
        h.feed(packet(1000, a, 1, b, 2))
        h.meter.advanceClock(to: 1999, eventIndex: 0, exporter: h.exporter)  // scans; idle 999 ms
        h.meter.advanceClock(to: 2000, eventIndex: 0, exporter: h.exporter)  // 1 ms since the last scan: no scan
        #expect(h.flows.isEmpty)
        h.meter.advanceClock(to: 500, eventIndex: 0, exporter: h.exporter)  // never moves the clock back
        #expect(h.meter.clock == 2000)
        h.meter.advanceClock(to: 2009, eventIndex: 0, exporter: h.exporter)
        #expect(h.flows.count == 1)
        #expect(h.flows[0].expirationReason == .idle)
    }

    @Test func meterCountsPacketsAndFlowsAndRemembersPacketIndexes() {
        var h = MeterHarness(idle: 1000)
        h.feed(packet(1000, a, 1, b, 2))  // index 0, flow 1
        h.feed(packet(1001, a, 3, b, 4))  // index 1, flow 2
        h.feed(packet(1002, b, 2, a, 1))  // index 2, flow 1
        h.feed(packet(3000, a, 5, b, 6))  // index 3, flow 3; the scan expires flows 2 and 1
        #expect(h.flows.map(\.sourcePort) == [3, 1])
        #expect(h.flows[1].firstPacketIndex == 0)
        #expect(h.flows[1].lastPacketIndex == 2)
        #expect(h.flows[0].firstPacketIndex == 1)
        #expect(h.flows[0].lastPacketIndex == 1)
        let s = h.meter.statistics
        #expect(s.packets == 4)
        #expect(s.flowsCreated == 3)
        #expect(s.flowsExpired == 2)
        #expect(s.activeFlows == 1)
        #expect(s.peakActiveFlows == 3)  // flow 3 is created before the scan
        h.flush()
        #expect(h.flows[2].firstPacketIndex == 3)
        #expect(h.meter.statistics.flowsExpired == 3)
    }
}
