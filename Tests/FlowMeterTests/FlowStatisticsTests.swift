import FlowFeatures
import FlowMeter
import FlowPacket
import FlowTestSupport
import Testing

@Suite("Flow counters, statistics and SPLT")
struct FlowStatisticsTests {
    let client = "192.168.0.10"
    let server = "93.184.216.34"

    /// Five packets: (time, from client?, raw size, flags).
    var handshake: [DecodedPacket] {
        [
            packet(1000, client, 51000, server, 443, flags: TCPFlags.syn, size: 58),
            packet(1010, server, 443, client, 51000, flags: TCPFlags.syn | TCPFlags.ack, size: 60),
            packet(1030, client, 51000, server, 443, flags: TCPFlags.ack, size: 54),
            packet(1100, client, 51000, server, 443, flags: TCPFlags.psh | TCPFlags.ack, size: 180),
            packet(1350, server, 443, client, 51000, flags: TCPFlags.fin | TCPFlags.ack, size: 60),
        ]
    }

    func meteredHandshake(accountingMode: UInt8 = 0, splt: Int = 0) -> MeterHarness {
        var h = MeterHarness(accountingMode: accountingMode, statistics: true, splt: splt)
        for p in handshake { h.feed(p) }
        h.flush()
        return h
    }

    @Test func countersAndTimesPerDirection() {
        let f = meteredHandshake().flows[0]
        #expect(f.packets == 5)
        #expect(f.bytes == 412)
        #expect(f.firstSeen == 1000)
        #expect(f.lastSeen == 1350)
        #expect(f.duration == 350)
        #expect(f.src2dstPackets == 3)
        #expect(f.src2dstBytes == 292)
        #expect(f.src2dstFirstSeen == 1000)
        #expect(f.src2dstLastSeen == 1100)
        #expect(f.src2dstDuration == 100)
        #expect(f.dst2srcPackets == 2)
        #expect(f.dst2srcBytes == 120)
        #expect(f.dst2srcFirstSeen == 1010)
        #expect(f.dst2srcLastSeen == 1350)
        #expect(f.dst2srcDuration == 340)
    }

    @Test func packetSizeStatisticsFollowWelfordExactly() {
        let f = meteredHandshake().flows[0]
        let all = welford([58, 60, 54, 180, 60])
        let bi = f.bidirectionalStatistics
        #expect(bi.minSize == 54)
        #expect(bi.maxSize == 180)
        #expect(bi.meanSize == all.mean)
        #expect(abs(bi.meanSize - 82.4) < 1e-12)
        #expect(bi.sizeStandardDeviation(count: 5) == sampleStandardDeviation(m2: all.m2, n: 5))
        #expect(abs(bi.sizeStandardDeviation(count: 5) - (11931.2 / 4).squareRoot()) < 1e-9)

        let forward = welford([58, 54, 180])
        let s2d = f.src2dstStatistics
        #expect(s2d.minSize == 54)
        #expect(s2d.maxSize == 180)
        #expect(s2d.meanSize == forward.mean)
        #expect(s2d.sizeStandardDeviation(count: 3) == sampleStandardDeviation(m2: forward.m2, n: 3))
        #expect(abs(s2d.meanSize - 292.0 / 3) < 1e-12)

        let d2s = f.dst2srcStatistics
        #expect(d2s.minSize == 60)
        #expect(d2s.maxSize == 60)
        #expect(d2s.meanSize == 60)
        #expect(d2s.sizeStandardDeviation(count: 2) == 0)
    }

    @Test func interArrivalStatisticsSkipTheFirstPacket() {
        let f = meteredHandshake().flows[0]
        let bi = f.bidirectionalStatistics
        let gaps = welford([10, 20, 70, 250])
        #expect(bi.minPiat == 10)
        #expect(bi.maxPiat == 250)
        #expect(bi.meanPiat == gaps.mean)
        #expect(bi.meanPiat == 87.5)
        #expect(bi.piatStandardDeviation(count: 5) == sampleStandardDeviation(m2: gaps.m2, n: 4))
        #expect(abs(bi.piatStandardDeviation(count: 5) - 12425.0.squareRoot()) < 1e-9)

        let s2d = f.src2dstStatistics
        #expect(s2d.minPiat == 30)
        #expect(s2d.maxPiat == 70)
        #expect(s2d.meanPiat == 50)
        #expect(s2d.piatStandardDeviation(count: 3) == 800.0.squareRoot())

        // Two packets give one gap: no standard deviation yet.
        let d2s = f.dst2srcStatistics
        #expect(d2s.minPiat == 340)
        #expect(d2s.maxPiat == 340)
        #expect(d2s.meanPiat == 340)
        #expect(d2s.piatStandardDeviation(count: 2) == 0)
    }

    @Test func piatStandardDeviationNeedsThreePackets() {
        var h = MeterHarness(statistics: true)
        h.feed(packet(0, client, 1, server, 2, proto: 17))
        h.feed(packet(100, client, 1, server, 2, proto: 17))
        h.flush()
        let two = h.flows[0].bidirectionalStatistics
        #expect(two.minPiat == 100)
        #expect(two.meanPiat == 100)
        #expect(two.piatStandardDeviation(count: 2) == 0)

        var h3 = MeterHarness(statistics: true)
        for t: UInt64 in [0, 100, 300] { h3.feed(packet(t, client, 1, server, 2, proto: 17)) }
        h3.flush()
        let three = h3.flows[0].bidirectionalStatistics
        #expect(three.minPiat == 100)
        #expect(three.maxPiat == 200)
        #expect(three.meanPiat == 150)
        #expect(three.piatStandardDeviation(count: 3) == 5000.0.squareRoot())
    }

    @Test func tcpFlagCountersPerDirection() {
        let f = meteredHandshake().flows[0]
        func columns(_ s: DirectionalStatistics) -> [UInt32] { (0..<8).map { s.flagCount(columnIndex: $0) } }
        // Column order: syn, cwr, ece, urg, ack, psh, rst, fin.
        #expect(columns(f.bidirectionalStatistics) == [2, 0, 0, 0, 4, 1, 0, 1])
        #expect(columns(f.src2dstStatistics) == [1, 0, 0, 0, 2, 1, 0, 0])
        #expect(columns(f.dst2srcStatistics) == [1, 0, 0, 0, 2, 0, 0, 1])
        // Bit order: fin, syn, rst, psh, ack, urg, ece, cwr.
        #expect(f.bidirectionalStatistics.flagCounts == SIMD8<UInt32>(1, 2, 0, 1, 4, 0, 0, 0))
    }

    @Test func everyFlagBitIsCounted() {
        var h = MeterHarness(statistics: true)
        h.feed(packet(0, client, 1, server, 2, flags: 0xFF))
        h.feed(packet(1, client, 1, server, 2, flags: TCPFlags.urg | TCPFlags.ece | TCPFlags.cwr | TCPFlags.rst))
        h.flush()
        let s = h.flows[0].bidirectionalStatistics
        #expect((0..<8).map { s.flagCount(columnIndex: $0) } == [1, 2, 2, 2, 1, 1, 2, 1])
    }

    @Test func emptyReverseDirectionReportsZeros() {
        var h = MeterHarness(statistics: true)
        for t: UInt64 in [5000, 5010, 5030] {
            h.feed(packet(t, client, 51000, server, 443, flags: TCPFlags.ack, size: 100))
        }
        h.flush()
        let f = h.flows[0]
        #expect(f.dst2srcPackets == 0)
        #expect(f.dst2srcBytes == 0)
        #expect(f.dst2srcFirstSeen == 0)
        #expect(f.dst2srcLastSeen == 0)
        #expect(f.dst2srcDuration == 0)
        let d = f.dst2srcStatistics
        #expect(d.minSize == 0 && d.maxSize == 0 && d.meanSize == 0)
        #expect(d.sizeStandardDeviation(count: 0) == 0)
        #expect(d.minPiat == 0 && d.maxPiat == 0 && d.meanPiat == 0)
        #expect(d.piatStandardDeviation(count: 0) == 0)
        #expect(d.flagCounts == .zero)
        #expect(f.src2dstStatistics.flagCount(columnIndex: 4) == 3)
    }

    @Test func singlePacketFlowHasNoInterArrivalTime() {
        var h = MeterHarness(statistics: true)
        h.feed(packet(5000, client, 51000, server, 443, size: 77))
        h.flush()
        let s = h.flows[0].bidirectionalStatistics
        #expect(s.minSize == 77 && s.maxSize == 77 && s.meanSize == 77)
        #expect(s.sizeStandardDeviation(count: 1) == 0)
        #expect(s.minPiat == 0 && s.maxPiat == 0 && s.meanPiat == 0)
        #expect(s.piatStandardDeviation(count: 1) == 0)
    }

    @Test func statisticsOffLeavesStatisticsEmpty() {
        var h = MeterHarness(statistics: false)
        for p in handshake { h.feed(p) }
        h.flush()
        let f = h.flows[0]
        #expect(f.bytes == 412)
        #expect(f.statistics == nil)  // no statistics plugin, no statistics state
    }

    @Test func spltIsPaddedWithMinusOneAndStartsWithZeroPiat() {
        var h = MeterHarness(splt: 5)
        h.feed(packet(1000, client, 51000, server, 443, size: 100))
        h.feed(packet(1010, server, 443, client, 51000, size: 200))
        h.feed(packet(1060, client, 51000, server, 443, size: 300))
        h.flush()
        let e = h.exporter.exported[0]
        #expect(e.directions == [0, 1, 0, -1, -1])
        #expect(e.sizes == [100, 200, 300, -1, -1])
        #expect(e.piats == [0, 10, 50, -1, -1])
    }

    @Test func spltKeepsOnlyTheFirstNPackets() {
        let h = meteredHandshake(splt: 3)
        let e = h.exporter.exported[0]
        #expect(e.directions == [0, 1, 0])
        #expect(e.sizes == [58, 60, 54])
        #expect(e.piats == [0, 10, 20])
    }

    @Test func spltUsesTheAccountingModeSize() {
        let h = meteredHandshake(accountingMode: 1, splt: 6)
        let e = h.exporter.exported[0]
        #expect(e.sizes == [44, 46, 40, 166, 46, -1])
        #expect(e.directions == [0, 1, 0, 0, 1, -1])
        #expect(e.piats == [0, 10, 20, 70, 250, -1])
    }

    @Test func spltOfAFlowInAReusedSlotStartsClean() {
        var h = MeterHarness(idle: 1000, splt: 3)
        h.feed(packet(0, client, 1, server, 2, size: 70))
        h.feed(packet(10, server, 2, client, 1, size: 80))
        h.feed(packet(20, client, 1, server, 2, size: 90))
        h.feed(packet(5000, server, 2, client, 1, size: 99))  // idle: the old flow leaves, a new one starts
        h.flush()
        #expect(h.exporter.exported.count == 2)
        #expect(h.exporter.exported[0].sizes == [70, 80, 90])
        let fresh = h.exporter.exported[1]
        #expect(fresh.directions == [0, -1, -1])
        #expect(fresh.sizes == [99, -1, -1])
        #expect(fresh.piats == [0, -1, -1])
    }

    @Test(arguments: [(UInt8(0), UInt64(412)), (1, 342), (2, 242), (3, 142)])
    func accountingModeChoosesWhichSizeIsCounted(_ mode: UInt8, _ bytes: UInt64) {
        // Raw sizes 58, 60, 54, 180, 60; IP = raw - 14; transport = raw - 34; payload = raw - 54.
        let f = meteredHandshake(accountingMode: mode).flows[0]
        #expect(f.bytes == bytes)
        #expect(f.src2dstBytes + f.dst2srcBytes == bytes)
        let offset: UInt16 = [0, 14, 34, 54][Int(mode)]
        #expect(f.bidirectionalStatistics.maxSize == 180 - offset)
        #expect(f.bidirectionalStatistics.minSize == 54 - offset)
    }

    @Test func accountingModeSizeSelection() {
        var p = DecodedPacket()
        p.rawSize = 100
        p.ipSize = 86
        p.transportSize = 66
        p.payloadSize = 46
        #expect((0...3).map { p.size(accountingMode: UInt8($0)) } == [100, 86, 66, 46])
    }
}
