import FlowFeatures
import FlowMeter
import FlowPacket
import FlowTestSupport
import Testing

typealias F = TCPFlags

/// Every value below is computed by hand from the packets of the test (times in ms, columns in µs).
@Suite("CICFlowMeter feature set")
struct CICFlowMeterTests {
    let c = "10.0.0.1"
    let s = "10.0.0.2"

    /// The column names of the CIC-IDS2017 CSVs (TrafficLabelling files without Label; the MachineLearningCVE
    /// files are the 78 from Destination Port on, without Label), leading spaces removed.
    static let cicIDS2017Columns = [
        "Flow ID", "Source IP", "Source Port", "Destination IP", "Destination Port", "Protocol", "Timestamp",
        "Flow Duration", "Total Fwd Packets", "Total Backward Packets", "Total Length of Fwd Packets",
        "Total Length of Bwd Packets", "Fwd Packet Length Max", "Fwd Packet Length Min", "Fwd Packet Length Mean",
        "Fwd Packet Length Std", "Bwd Packet Length Max", "Bwd Packet Length Min", "Bwd Packet Length Mean",
        "Bwd Packet Length Std", "Flow Bytes/s", "Flow Packets/s", "Flow IAT Mean", "Flow IAT Std", "Flow IAT Max",
        "Flow IAT Min", "Fwd IAT Total", "Fwd IAT Mean", "Fwd IAT Std", "Fwd IAT Max", "Fwd IAT Min", "Bwd IAT Total",
        "Bwd IAT Mean", "Bwd IAT Std", "Bwd IAT Max", "Bwd IAT Min", "Fwd PSH Flags", "Bwd PSH Flags", "Fwd URG Flags",
        "Bwd URG Flags", "Fwd Header Length", "Bwd Header Length", "Fwd Packets/s", "Bwd Packets/s",
        "Min Packet Length", "Max Packet Length", "Packet Length Mean", "Packet Length Std", "Packet Length Variance",
        "FIN Flag Count", "SYN Flag Count", "RST Flag Count", "PSH Flag Count", "ACK Flag Count", "URG Flag Count",
        "CWE Flag Count", "ECE Flag Count", "Down/Up Ratio", "Average Packet Size", "Avg Fwd Segment Size",
        "Avg Bwd Segment Size", "Fwd Header Length.1", "Fwd Avg Bytes/Bulk", "Fwd Avg Packets/Bulk",
        "Fwd Avg Bulk Rate", "Bwd Avg Bytes/Bulk", "Bwd Avg Packets/Bulk", "Bwd Avg Bulk Rate", "Subflow Fwd Packets",
        "Subflow Fwd Bytes", "Subflow Bwd Packets", "Subflow Bwd Bytes", "Init_Win_bytes_forward",
        "Init_Win_bytes_backward", "act_data_pkt_fwd", "min_seg_size_forward", "Active Mean", "Active Std",
        "Active Max", "Active Min", "Idle Mean", "Idle Std", "Idle Max", "Idle Min",
    ]

    @Test func columnsAreTheCICIDS2017Columns() throws {
        #expect(CICFlowMeterPlugin.columnNames == Self.cicIDS2017Columns)
        #expect(CICFlowMeterPlugin.columnNames.count == 84)
        // MachineLearningCVE: Destination Port and the 77 features after Timestamp.
        #expect((["Destination Port"] + Self.cicIDS2017Columns.dropFirst(7)).count == 78)
        let plugins = try BuiltinFeatures.plugins(named: ["cic"], spltLength: 0)
        #expect(plugins.count == 1)
        #expect(plugins.first?.name == "cic")
        #expect(BuiltinFeatures.names.contains("cic"))
        #expect(BuiltinFeatures.summaries["cic"] != nil)
    }

    /// Handshake, one request and one response, FIN from both sides, last ACK.
    func handshakeFlow() -> [DecodedPacket] {
        [
            tcp(t0 + 0, c, 40000, s, 80, flags: F.syn, window: 29200, header: 40),
            tcp(t0 + 1, s, 80, c, 40000, flags: F.syn | F.ack, window: 28960, header: 40),
            tcp(t0 + 2, c, 40000, s, 80, flags: F.ack, window: 229, header: 32),
            tcp(t0 + 3, c, 40000, s, 80, flags: F.psh | F.ack, payload: 100, window: 229, header: 32),
            tcp(t0 + 5, s, 80, c, 40000, flags: F.ack, window: 227, header: 32),
            tcp(t0 + 8, s, 80, c, 40000, flags: F.psh | F.ack, payload: 300, window: 227, header: 32),
            tcp(t0 + 9, c, 40000, s, 80, flags: F.ack | F.urg, window: 229, header: 32),
            tcp(t0 + 12, c, 40000, s, 80, flags: F.fin | F.ack, window: 229, header: 32),
            tcp(t0 + 13, s, 80, c, 40000, flags: F.fin | F.ack, window: 250, header: 32),
            tcp(t0 + 15, c, 40000, s, 80, flags: F.ack, window: 229, header: 32),
        ]
    }

    @Test func handshakeDataAndFinFlow() throws {
        var h = CICHarness()
        for p in handshakeFlow() { h.feed(p) }
        // The last ACK after both FINs ends the flow with it (CICFlowMeter ended it at the first FIN).
        #expect(h.rows.count == 1)
        let row = try #require(h.rows.first)
        #expect(row.flow.packets == 10)
        #expect(row.flow.expirationReason == .plugin)

        // Identifiers.
        #expect(row.text("Flow ID") == "10.0.0.1-10.0.0.2-40000-80-6")
        #expect(row.text("Source IP") == "10.0.0.1")
        #expect(row.text("Destination IP") == "10.0.0.2")
        #expect(row.text("Timestamp") == "2017-07-14 02:40:00.000")
        expectColumns(row, ["Source Port": 40000, "Destination Port": 80, "Protocol": 6])

        // Volume: 6 forward packets (payloads 0 0 100 0 0 0), 4 backward (0 0 300 0), 15 ms.
        expectColumns(
            row,
            [
                "Flow Duration": 15_000, "Total Fwd Packets": 6, "Total Backward Packets": 4,
                "Total Length of Fwd Packets": 100, "Total Length of Bwd Packets": 300,
            ])
        // Packet lengths: forward sample variance (10000 - 100²/6)/5 = 5000/3; backward (90000 - 300²/4)/3 = 22500.
        expectColumns(
            row,
            [
                "Fwd Packet Length Max": 100, "Fwd Packet Length Min": 0, "Fwd Packet Length Mean": 100.0 / 6,
                "Fwd Packet Length Std": (5000.0 / 3).squareRoot(), "Bwd Packet Length Max": 300,
                "Bwd Packet Length Min": 0, "Bwd Packet Length Mean": 75, "Bwd Packet Length Std": 150,
            ])
        // Every packet counted once: 10 payloads summing to 400, squares to 100000: variance (100000-16000)/9.
        expectColumns(
            row,
            [
                "Min Packet Length": 0, "Max Packet Length": 300, "Packet Length Mean": 40,
                "Packet Length Std": (84000.0 / 9).squareRoot(), "Packet Length Variance": 84000.0 / 9,
                "Average Packet Size": 40, "Avg Fwd Segment Size": 100.0 / 6, "Avg Bwd Segment Size": 75,
            ])
        // Rates over 0.015 s.
        expectColumns(
            row,
            [
                "Flow Bytes/s": 400 / 0.015, "Flow Packets/s": 10 / 0.015, "Fwd Packets/s": 6 / 0.015,
                "Bwd Packets/s": 4 / 0.015,
            ])
        // Inter-arrival times (µs): flow gaps 1 1 1 2 3 1 3 1 2 ms, forward 2 1 6 3 3, backward 4 3 5.
        expectColumns(
            row,
            [
                "Flow IAT Mean": 15_000.0 / 9, "Flow IAT Std": 750_000.0.squareRoot(), "Flow IAT Max": 3000,
                "Flow IAT Min": 1000, "Fwd IAT Total": 15_000, "Fwd IAT Mean": 3000,
                "Fwd IAT Std": 3_500_000.0.squareRoot(), "Fwd IAT Max": 6000, "Fwd IAT Min": 1000,
                "Bwd IAT Total": 12_000, "Bwd IAT Mean": 4000, "Bwd IAT Std": 1000, "Bwd IAT Max": 5000,
                "Bwd IAT Min": 3000,
            ])
        // Flags: PSH and URG counted on every packet of each direction (CICFlowMeter: first packet only).
        expectColumns(
            row,
            [
                "Fwd PSH Flags": 1, "Bwd PSH Flags": 1, "Fwd URG Flags": 1, "Bwd URG Flags": 0, "FIN Flag Count": 2,
                "SYN Flag Count": 2, "RST Flag Count": 0, "PSH Flag Count": 2, "ACK Flag Count": 9,
                "URG Flag Count": 1, "CWE Flag Count": 0, "ECE Flag Count": 0,
            ])
        // Headers (L4): forward 40 + 5×32, backward 40 + 3×32.
        expectColumns(
            row,
            [
                "Fwd Header Length": 200, "Bwd Header Length": 136, "Fwd Header Length.1": 200,
                "min_seg_size_forward": 32,
            ])
        // Down/Up as a float: 4/6 (CICFlowMeter's integer division gives 0).
        expectColumns(row, ["Down/Up Ratio": 4.0 / 6])
        // No bulk (one payload packet per direction), one subflow (no gap over 1 s).
        expectColumns(
            row,
            [
                "Fwd Avg Bytes/Bulk": 0, "Fwd Avg Packets/Bulk": 0, "Fwd Avg Bulk Rate": 0, "Bwd Avg Bytes/Bulk": 0,
                "Bwd Avg Packets/Bulk": 0, "Bwd Avg Bulk Rate": 0, "Subflow Fwd Packets": 6, "Subflow Fwd Bytes": 100,
                "Subflow Bwd Packets": 4, "Subflow Bwd Bytes": 300,
            ])
        // Windows of the first packet of each direction (the last backward window, 250, is not used);
        // the data packet is the only forward one with payload.
        expectColumns(row, ["Init_Win_bytes_forward": 29200, "Init_Win_bytes_backward": 28960, "act_data_pkt_fwd": 1])
        // One active period of 15 ms, no idle period.
        expectColumns(
            row,
            [
                "Active Mean": 15_000, "Active Std": 0, "Active Max": 15_000, "Active Min": 15_000, "Idle Mean": 0,
                "Idle Std": 0, "Idle Max": 0, "Idle Min": 0,
            ])
    }

    @Test func packetsAfterTheLastAckStartANewFlow() {
        var h = CICHarness()
        for p in handshakeFlow() { h.feed(p) }
        h.feed(tcp(t0 + 20, c, 40000, s, 80, flags: F.ack))
        h.flush()
        #expect(h.rows.count == 2)
        #expect(h.rows[1].flow.packets == 1)
        #expect(h.rows[1].flow.expirationReason == .endOfStream)
    }

    @Test func withoutTCPTerminationTheFlowGoesOn() {
        var options = CICFlowMeterPlugin.Options()
        options.tcpTermination = false
        var h = CICHarness(options: options)
        for p in handshakeFlow() { h.feed(p) }
        h.feed(tcp(t0 + 20, c, 40000, s, 80, flags: F.ack))
        h.flush()
        #expect(h.rows.count == 1)
        #expect(h.rows[0].flow.packets == 11)
    }

    @Test func resetEndsTheFlow() {
        var h = CICHarness()
        h.feed(tcp(t0, c, 40001, s, 81, flags: F.syn), tcp(t0 + 1, s, 81, c, 40001, flags: F.rst | F.ack))
        #expect(h.rows.count == 1)
        #expect(h.rows[0].flow.packets == 2)
        if h.rows.count == 1 { expectColumns(h.rows[0], ["RST Flag Count": 1, "Init_Win_bytes_backward": 1000]) }
        h.feed(tcp(t0 + 2, c, 40001, s, 81, flags: F.syn))
        h.flush()
        #expect(h.rows.count == 2)
    }

    /// CICFlowMeter's flow timeout: 120 s from the first packet, strictly more; the late packet starts a new flow.
    @Test func flowTimeoutOf120SecondsFromTheFirstPacket() {
        var h = CICHarness(idleTimeout: 1_000_000)
        h.feed(
            udp(t0, c, 5000, s, 6000, payload: 1), udp(t0 + 60_000, c, 5000, s, 6000, payload: 1),
            udp(t0 + 120_000, c, 5000, s, 6000, payload: 1), udp(t0 + 120_001, c, 5000, s, 6000, payload: 1))
        h.flush()
        #expect(h.rows.map(\.flow.packets) == [3, 1])
        #expect(h.rows.first?.flow.expirationReason == .plugin)
    }

    /// One packet: duration 0, so every rate is 0 (CICFlowMeter divides by 0: Infinity or NaN).
    @Test func onePacketFlowHasFiniteRates() throws {
        var h = CICHarness()
        h.feed(udp(t0 + 123, c, 5353, "10.0.0.9", 53, payload: 40))
        h.flush()
        let row = try #require(h.rows.first)
        for (name, value) in row.columns {
            if let n = value.number { #expect(n.isFinite, "\(name) = \(n)") }
        }
        #expect(row.text("Flow ID") == "10.0.0.1-10.0.0.9-5353-53-17")
        #expect(row.text("Timestamp") == "2017-07-14 02:40:00.123")
        expectColumns(
            row,
            [
                "Flow Duration": 0, "Flow Bytes/s": 0, "Flow Packets/s": 0, "Fwd Packets/s": 0, "Bwd Packets/s": 0,
                "Total Fwd Packets": 1, "Total Backward Packets": 0, "Total Length of Fwd Packets": 40,
                "Fwd Packet Length Max": 40, "Fwd Packet Length Min": 40, "Fwd Packet Length Mean": 40,
                "Fwd Packet Length Std": 0, "Bwd Packet Length Max": 0, "Bwd Packet Length Mean": 0,
                // The first packet counted once: mean 40 (CICFlowMeter: Average Packet Size 80).
                "Min Packet Length": 40, "Max Packet Length": 40, "Packet Length Mean": 40, "Packet Length Std": 0,
                "Packet Length Variance": 0, "Average Packet Size": 40, "Flow IAT Mean": 0, "Flow IAT Max": 0,
                "Fwd IAT Total": 0, "Fwd Header Length": 8, "Bwd Header Length": 0, "Down/Up Ratio": 0,
                "Init_Win_bytes_forward": -1, "Init_Win_bytes_backward": -1, "act_data_pkt_fwd": 1,
                "min_seg_size_forward": 8, "Subflow Fwd Packets": 1, "Subflow Fwd Bytes": 40, "Active Mean": 0,
                "Active Max": 0, "Idle Max": 0,
            ])
    }

    /// Forward bulk: 6 payload packets within 1 s of each other with no backward payload in between, then a
    /// backward payload breaks the candidate, 3 more (too few), then a gap over 1 s restarts it.
    @Test func forwardBulkTransfer() throws {
        var h = CICHarness()
        var packets: [DecodedPacket] = []
        for t: UInt64 in [0, 10, 20, 30, 40] {
            packets.append(tcp(t0 + t, c, 40002, s, 8080, flags: F.ack, payload: 1000))
        }
        packets.append(tcp(t0 + 50, s, 8080, c, 40002, flags: F.ack))  // no payload: does not break the bulk
        packets.append(tcp(t0 + 60, c, 40002, s, 8080, flags: F.ack, payload: 1000))
        packets.append(tcp(t0 + 70, s, 8080, c, 40002, flags: F.psh | F.ack, payload: 10))  // breaks it
        for t: UInt64 in [80, 90, 100, 1200] {
            packets.append(tcp(t0 + t, c, 40002, s, 8080, flags: F.ack, payload: 500))
        }
        for p in packets { h.feed(p) }
        h.flush()
        let row = try #require(h.rows.first)
        // One bulk of 6 packets, 6000 bytes, from t=0 to t=60 ms: 100000 B/s.
        expectColumns(
            row,
            [
                "Fwd Avg Bytes/Bulk": 6000, "Fwd Avg Packets/Bulk": 6, "Fwd Avg Bulk Rate": 100_000,
                "Bwd Avg Bytes/Bulk": 0, "Bwd Avg Packets/Bulk": 0, "Bwd Avg Bulk Rate": 0,
            ])
        // 10 forward packets (8000 bytes), 2 backward (10 bytes); the 1.1 s gap makes 2 subflows.
        expectColumns(
            row,
            [
                "Total Fwd Packets": 10, "Total Length of Fwd Packets": 8000, "Total Backward Packets": 2,
                "Total Length of Bwd Packets": 10, "Subflow Fwd Packets": 5, "Subflow Fwd Bytes": 4000,
                "Subflow Bwd Packets": 1, "Subflow Bwd Bytes": 5, "act_data_pkt_fwd": 10,
            ])
    }

    @Test func backwardBulkTransfer() throws {
        var h = CICHarness()
        h.feed(tcp(t0, c, 40003, s, 8080, flags: F.psh | F.ack, payload: 20))
        for (i, t) in [1, 201, 401, 601, 801].enumerated() {
            h.feed(tcp(t0 + UInt64(t), s, 8080, c, 40003, flags: F.ack, payload: UInt16(100 * (i + 1))))
        }
        h.flush()
        let row = try #require(h.rows.first)
        // Backward bulk of 5 packets (100..500 bytes = 1500) over 800 ms: 1875 B/s.
        expectColumns(
            row,
            [
                "Bwd Avg Bytes/Bulk": 1500, "Bwd Avg Packets/Bulk": 5, "Bwd Avg Bulk Rate": 1875,
                "Fwd Avg Bytes/Bulk": 0, "Fwd Avg Packets/Bulk": 0, "Fwd Avg Bulk Rate": 0,
            ])
    }

    /// Init_Win_bytes_backward is the first backward window; Down/Up is a float (3/2 = 1.5, not 1).
    @Test func initialWindowsAndDownUpRatio() throws {
        var h = CICHarness()
        h.feed(
            tcp(t0, c, 40004, s, 443, flags: F.syn, window: 100),
            tcp(t0 + 1, s, 443, c, 40004, flags: F.syn | F.ack, window: 200),
            tcp(t0 + 2, c, 40004, s, 443, flags: F.ack, window: 101),
            tcp(t0 + 3, s, 443, c, 40004, flags: F.ack, payload: 10, window: 201),
            tcp(t0 + 4, s, 443, c, 40004, flags: F.ack, payload: 10, window: 203))
        h.flush()
        let row = try #require(h.rows.first)
        expectColumns(
            row,
            [
                "Init_Win_bytes_forward": 100, "Init_Win_bytes_backward": 200, "Down/Up Ratio": 1.5,
                "Total Fwd Packets": 2, "Total Backward Packets": 3,
            ])
    }

    /// Active and idle periods with the 5 s activity timeout: active 2 s, idle 8 s, active 1 s, idle 9 s, then a
    /// last lone packet (an active period of 0, not counted, as in CICFlowMeter).
    @Test func activeAndIdlePeriods() throws {
        var h = CICHarness()
        for t: UInt64 in [0, 1000, 2000, 10_000, 10_500, 11_000, 20_000] {
            h.feed(udp(t0 + t, c, 7000, s, 7001, payload: 10))
        }
        h.flush()
        let row = try #require(h.rows.first)
        let spread = 500_000.0.squareRoot() * 1000  // sample std of {1, 2} s and of {8, 9} s, in µs
        expectColumns(
            row,
            [
                "Active Mean": 1_500_000, "Active Std": spread, "Active Max": 2_000_000, "Active Min": 1_000_000,
                "Idle Mean": 8_500_000, "Idle Std": spread, "Idle Max": 9_000_000, "Idle Min": 8_000_000,
                // Gaps over 1 s: 8 s and 9 s (1 s exactly is not over): 3 subflows of 7 packets.
                "Subflow Fwd Packets": 7.0 / 3, "Subflow Fwd Bytes": 70.0 / 3, "Flow Duration": 20_000_000,
            ])
    }

    /// CICFlowMeter orders a flow ID's endpoints by Java's signed bytes, so 192.168.x comes before 104.x.
    @Test func flowIDOrder() {
        let a = PacketBuilder.address("104.16.207.165")
        let b = PacketBuilder.address("192.168.10.5")
        #expect(
            CICFormat.flowID(source: a, sourcePort: 443, destination: b, destinationPort: 54865, protocol: 6)
                == "192.168.10.5-104.16.207.165-54865-443-6")
        #expect(
            CICFormat.flowID(source: b, sourcePort: 54865, destination: a, destinationPort: 443, protocol: 6)
                == "192.168.10.5-104.16.207.165-54865-443-6")
        let v6a = PacketBuilder.address("2001:db8::1")
        let v6b = PacketBuilder.address("fe80::1")  // 0xfe is negative as a signed byte: first
        #expect(
            CICFormat.flowID(source: v6a, sourcePort: 1, destination: v6b, destinationPort: 2, protocol: 17)
                == "fe80::1-2001:db8::1-2-1-17")
    }

    @Test func timestampsAreUTCWith24HourClock() {
        #expect(CICFormat.timestamp(milliseconds: 0) == "1970-01-01 00:00:00.000")
        // 2017-07-07 15:59:12.345 UTC (an afternoon: CICFlowMeter wrote 03:59:12 without AM/PM).
        #expect(CICFormat.timestamp(milliseconds: 1_499_443_152_345) == "2017-07-07 15:59:12.345")
        #expect(CICFormat.timestamp(milliseconds: 951_782_400_000) == "2000-02-29 00:00:00.000")
    }

    /// IPv6 flows use the same units as IPv4 ones (CICFlowMeter stamped IPv6 packets in ms, IPv4 in µs).
    @Test func ipv6FlowHasMicrosecondDuration() throws {
        var h = CICHarness()
        h.feed(
            tcp(t0, "2001:db8::1", 50000, "2001:db8::2", 443, flags: F.syn, window: 64800, header: 40),
            tcp(t0 + 5, "2001:db8::2", 443, "2001:db8::1", 50000, flags: F.syn | F.ack, window: 64260, header: 40))
        h.flush()
        let row = try #require(h.rows.first)
        #expect(row.text("Flow ID") == "2001:db8::1-2001:db8::2-50000-443-6")
        expectColumns(
            row,
            [
                "Flow Duration": 5000, "Flow IAT Mean": 5000, "SYN Flag Count": 2, "ACK Flag Count": 1,
                "Init_Win_bytes_forward": 64800, "Init_Win_bytes_backward": 64260,
            ])
    }

    /// States are reused from flow to flow: a second flow in the same slot starts clean.
    @Test func reusedStateStartsClean() throws {
        var h = CICHarness()
        for p in handshakeFlow() { h.feed(p) }
        h.feed(udp(t0 + 100, c, 9, s, 9, payload: 3))
        h.flush()
        #expect(h.rows.count == 2)
        let row = try #require(h.rows.last)
        expectColumns(
            row,
            [
                "Total Fwd Packets": 1, "Fwd Header Length": 8, "SYN Flag Count": 0, "ACK Flag Count": 0,
                "Init_Win_bytes_forward": -1, "Fwd PSH Flags": 0, "Total Length of Fwd Packets": 3,
            ])
    }

    /// A plugin of another module that delegates every hook to the CIC plugin writes exactly the CIC plugin's
    /// columns: the meter runs a user's plugin through the same path as a built-in one.
    @Test func aUsersPluginDelegatingToCICWritesTheSameColumns() {
        struct Wrapped: FeaturePlugin {
            let inner = CICFlowMeterPlugin()
            var name: String { "wrapped" }
            var columns: [FeatureColumn] { inner.columns }
            func makeState() -> CICFlowMeterPlugin.State { inner.makeState() }
            typealias S = CICFlowMeterPlugin.State
            func flowStarted(_ state: inout S, flow: borrowing Flow, packet: borrowing PacketContext) -> PluginAction {
                inner.flowStarted(&state, flow: flow, packet: packet)
            }
            func packetArriving(_ state: inout S, flow: borrowing Flow, packet: borrowing PacketContext)
                -> PluginAction
            {
                inner.packetArriving(&state, flow: flow, packet: packet)
            }
            func packetObserved(_ state: inout S, flow: borrowing Flow, packet: borrowing PacketContext)
                -> PluginAction
            {
                inner.packetObserved(&state, flow: flow, packet: packet)
            }
            func write<Sink: FlowFieldSink>(_ state: borrowing S, flow: borrowing Flow, to sink: inout Sink) {
                inner.write(state, flow: flow, to: &sink)
            }
        }
        var builtin = CICHarness()
        var wrapped = CICHarness()
        wrapped.meter = Meter(configuration: MeterConfiguration(), plugins: [Wrapped()])
        for p in handshakeFlow() {
            builtin.feed(p)
            wrapped.feed(p)
        }
        builtin.flush()
        wrapped.flush()
        #expect(builtin.rows.count == wrapped.rows.count)
        for (a, b) in zip(builtin.rows, wrapped.rows) {
            #expect(a.columns == b.columns)
            #expect(a.flow.packets == b.flow.packets)
        }
    }
}
