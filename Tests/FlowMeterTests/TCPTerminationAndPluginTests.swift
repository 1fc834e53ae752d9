import FlowMeter
import FlowPacket
import FlowTestSupport
import Testing

@Suite("TCP-aware expiry and plugin-requested expiry")
struct TCPTerminationAndPluginTests {
    let a = "10.0.0.1"
    let b = "10.0.0.2"
    typealias F = TCPFlags

    /// A, then B, close; A's last ACK ends the flow with it; a late retransmission starts a new flow.
    @Test func flowEndsAtTheLastAckAfterFinInBothDirections() {
        var h = MeterHarness(tcpTermination: true)
        h.feed(packet(1000, a, 4000, b, 80, flags: F.syn))
        h.feed(packet(1001, b, 80, a, 4000, flags: F.syn | F.ack))
        h.feed(packet(1002, a, 4000, b, 80, flags: F.ack))
        h.feed(packet(1003, a, 4000, b, 80, flags: F.fin | F.ack))
        h.feed(packet(1004, b, 80, a, 4000, flags: F.ack))  // ACK of the first FIN: not the end
        #expect(h.flows.isEmpty)
        h.feed(packet(1005, b, 80, a, 4000, flags: F.fin | F.ack))
        #expect(h.flows.isEmpty)
        h.feed(packet(1006, a, 4000, b, 80, flags: F.ack))  // the last ACK
        #expect(h.flows.count == 1)
        #expect(h.flows[0].packets == 7)
        #expect(h.flows[0].expirationReason == .tcpFin)
        #expect(h.flows[0].expirationReason.expirationID == 3)
        h.feed(packet(1007, a, 4000, b, 80, flags: F.ack))
        h.flush()
        #expect(h.flows.count == 2)
        #expect(h.flows[1].packets == 1)
        #expect(h.flows[1].firstSeen == 1007)
        #expect(h.flows[1].expirationReason == .endOfStream)
    }

    @Test func serverClosingFirstNeedsTheClientsLastAck() {
        var h = MeterHarness(tcpTermination: true)
        h.feed(packet(1000, a, 4000, b, 80, flags: F.syn))
        h.feed(packet(1001, b, 80, a, 4000, flags: F.fin | F.ack))
        h.feed(packet(1002, a, 4000, b, 80, flags: F.fin | F.ack))  // second FIN, from src
        h.feed(packet(1003, a, 4000, b, 80, flags: F.ack))  // same side again: not the last ACK
        #expect(h.flows.isEmpty)
        h.feed(packet(1004, b, 80, a, 4000, flags: F.ack))
        #expect(h.flows.count == 1)
        #expect(h.flows[0].packets == 5)
        #expect(h.flows[0].expirationReason == .tcpFin)
    }

    @Test func resetEndsTheFlowWithThePacket() {
        var h = MeterHarness(tcpTermination: true)
        h.feed(packet(1000, a, 4000, b, 80, flags: F.syn))
        h.feed(packet(1001, b, 80, a, 4000, flags: F.rst | F.ack))
        #expect(h.flows.count == 1)
        #expect(h.flows[0].packets == 2)
        #expect(h.flows[0].expirationReason == .tcpRst)
        h.feed(packet(1002, a, 4000, b, 80, flags: F.rst))  // a lone RST is a one-packet flow
        #expect(h.flows.count == 2)
        #expect(h.flows[1].packets == 1)
    }

    @Test func withoutTheOptionFinAndRstDoNotEndFlows() {
        var h = MeterHarness()
        h.feed(packet(1000, a, 4000, b, 80, flags: F.fin))
        h.feed(packet(1001, b, 80, a, 4000, flags: F.fin | F.ack))
        h.feed(packet(1002, a, 4000, b, 80, flags: F.ack))
        h.feed(packet(1003, b, 80, a, 4000, flags: F.rst))
        #expect(h.flows.isEmpty)
        h.flush()
        #expect(h.flows.count == 1)
        #expect(h.flows[0].packets == 4)
    }

    @Test func udpFlowsIgnoreTCPTermination() {
        var h = MeterHarness(tcpTermination: true)
        h.feed(packet(1000, a, 53, b, 53, proto: 17, flags: 0))
        h.feed(packet(1001, b, 53, a, 53, proto: 17, flags: 0))
        #expect(h.flows.isEmpty)
    }

    /// NFStream's FlowSlicer: expire every `limit` packets (expiration_id -1), the packet included.
    struct FlowSlicer: FeaturePlugin {
        let limit: UInt64
        var name: String { "slicer" }
        var columns: [FeatureColumn] { [.init("packets_seen", .integer, "packets the plugin saw")] }
        func makeState() -> UInt64 { 0 }
        func flowStarted(_ state: inout UInt64, flow: borrowing Flow, packet: borrowing PacketContext)
            -> PluginAction
        {
            state = 1
            return flow.packets >= limit ? .expire : .keep
        }
        func packetObserved(_ state: inout UInt64, flow: borrowing Flow, packet: borrowing PacketContext)
            -> PluginAction
        {
            state += 1
            return flow.packets >= limit ? .expire : .keep
        }
        func write<Sink: FlowFieldSink>(_ state: borrowing UInt64, flow: borrowing Flow, to sink: inout Sink) {
            sink.appendUnsigned(state)
        }
    }

    @Test func pluginCanCutAFlowEveryNPacketsLikeNFStreamsFlowSlicer() {
        // NFStream's test: 28 packets with limit 4 give 7 flows; limit 1 gives 28.
        for (limit, expected) in [(UInt64(4), 7), (1, 28)] {
            var h = MeterHarness(plugins: [FlowSlicer(limit: limit)])
            for i in 0..<28 {
                let forward = i % 3 != 1
                h.feed(forward ? packet(UInt64(1000 + i), a, 4000, b, 443) : packet(UInt64(1000 + i), b, 443, a, 4000))
            }
            h.flush()
            #expect(h.flows.count == expected)
            #expect(h.flows.allSatisfy { $0.packets == limit })
            #expect(h.flows.allSatisfy { $0.expirationReason == .plugin && $0.expirationReason.expirationID == -1 })
        }
    }

    /// A plugin that expires the flow *before* a packet that carries a SYN after the first one.
    struct NewConnectionSplitter: FeaturePlugin {
        var name: String { "splitter" }
        var columns: [FeatureColumn] { [] }
        func makeState() -> Bool { false }
        func packetArriving(_ state: inout Bool, flow: borrowing Flow, packet: borrowing PacketContext)
            -> PluginAction
        {
            packet.packet.tcpFlags == TCPFlags.syn ? .expire : .keep
        }
        func write<Sink: FlowFieldSink>(_ state: borrowing Bool, flow: borrowing Flow, to sink: inout Sink) {}
    }

    @Test func pluginCanExpireAFlowWithoutTheArrivingPacket() {
        var h = MeterHarness(plugins: [NewConnectionSplitter()])
        h.feed(packet(1000, a, 4000, b, 80, flags: F.syn))
        h.feed(packet(1001, b, 80, a, 4000, flags: F.syn | F.ack))
        h.feed(packet(1002, a, 4000, b, 80, flags: F.ack))
        h.feed(packet(1003, a, 4000, b, 80, flags: F.syn))  // port reuse: a new connection
        #expect(h.flows.count == 1)
        #expect(h.flows[0].packets == 3)
        #expect(h.flows[0].expirationReason == .plugin)
        h.flush()
        #expect(h.flows.count == 2)
        #expect(h.flows[1].packets == 1)
        #expect(h.flows[1].firstSeen == 1003)
    }
}
