import FlowMeter
import FlowPacket

/// The CICFlowMeter feature set of the CIC-IDS2017 CSVs (`--features cic`): the flow identifiers (`Flow ID`,
/// `Source IP`, …, `Timestamp`) and the 77 features that follow `Destination Port` in the MachineLearningCVE
/// files, under their CSV names (leading spaces removed, the duplicated `Fwd Header Length` written as
/// `Fwd Header Length.1`, as pandas names it). 84 columns.
///
/// Definitions are CICFlowMeter's, with its documented bugs fixed (Engelen et al. 2021, Lanvin et al. 2022, and
/// CICFlowMeter's source): see `Plugins/FlowFeatures/CIC.md` for every column, its unit and every difference.
/// Lengths are L4 payload bytes; header lengths are L4 header bytes (TCP data offset, 8 for UDP and ICMP);
/// times are microseconds computed from the meter's millisecond packet times (so multiples of 1000). With another
/// `--time-unit` the plugin converts the meter's times to milliseconds first, so its columns do not depend on it.
///
/// The plugin also draws CICFlowMeter's flow boundaries (each can be turned off in `Options`): a flow ends
/// 120 s after its first packet (the next packet starts a new flow), and a TCP flow ends at a RST or at the
/// ACK that answers the second FIN (CICFlowMeter ended it at the first FIN). Such flows leave with
/// `expiration_id` -1 (asked by a plugin).
public struct CICFlowMeterPlugin: FeaturePlugin {
    /// CICFlowMeter's flow boundaries (flow timeout, TCP termination) and its activity timeout.
    public struct Options: Sendable, Equatable {
        /// A flow ends when a packet arrives more than this long after the flow's first packet; that packet starts
        /// a new flow (CICFlowMeter's "flow timeout", 120 s). 0 turns it off.
        public var flowTimeoutMilliseconds: UInt64 = 120_000
        /// A gap longer than this between packets ends an active period and counts as idle time (CICFlowMeter's
        /// "activity timeout", 5 s).
        public var activityTimeoutMilliseconds: UInt64 = 5_000
        /// End TCP flows at a RST (with it) or at the ACK that answers the second FIN (with it).
        public var tcpTermination = true
        /// The defaults: 120 s flow timeout, 5 s activity timeout, TCP termination on.
        public init() {}
    }

    /// Per-flow state: a few running summaries and counters, fixed size (no allocation per flow).
    public struct State: Sendable, Equatable {
        /// L4 payload bytes of forward (src→dst) and backward packets.
        public var forwardLength = CICRunningStatistics()
        /// L4 payload bytes of backward (dst→src) packets.
        public var backwardLength = CICRunningStatistics()
        /// Inter-arrival times in µs: between any two consecutive packets, within each direction.
        public var flowIAT = CICRunningStatistics()
        /// Inter-arrival times (µs) of forward packets.
        public var forwardIAT = CICRunningStatistics()
        /// Inter-arrival times (µs) of backward packets.
        public var backwardIAT = CICRunningStatistics()
        /// Completed active and idle periods in µs (the open active period is added when the flow is written).
        public var active = CICRunningStatistics()
        /// Completed idle periods (µs): gaps longer than the activity timeout.
        public var idle = CICRunningStatistics()
        /// Bulk detection of forward packets.
        public var forwardBulk = CICBulkState()
        /// Bulk detection of backward packets.
        public var backwardBulk = CICBulkState()
        /// Times (ms) of the latest packet of each direction and the bounds of the open active period.
        public var forwardLastSeen: UInt64 = 0
        /// Time (ms) of the latest backward packet.
        public var backwardLastSeen: UInt64 = 0
        /// Start (ms) of the open active period.
        public var activeStart: UInt64 = 0
        /// Time (ms) of the open active period's latest packet.
        public var activeEnd: UInt64 = 0
        /// Sums of L4 header lengths, and the smallest forward one.
        public var forwardHeaderBytes: UInt64 = 0
        /// Sum of the backward packets' L4 header lengths (`Bwd Header Length`).
        public var backwardHeaderBytes: UInt64 = 0
        /// Smallest forward L4 header length (`min_seg_size_forward`).
        public var minimumForwardHeader: UInt64 = 0
        /// Forward packets with at least one payload byte.
        public var forwardDataPackets: UInt64 = 0
        /// Subflows: 1 + the gaps of more than 1 s between consecutive packets.
        public var subflows: UInt64 = 1
        /// Packets with each TCP flag, by flag bit (FIN, SYN, RST, PSH, ACK, URG, ECE, CWR).
        public var flagCounts: SIMD8<UInt32> = .zero
        /// Forward packets with PSH set (`Fwd PSH Flags`).
        public var forwardPSH: UInt32 = 0
        /// Backward packets with PSH set (`Bwd PSH Flags`).
        public var backwardPSH: UInt32 = 0
        /// Forward packets with URG set (`Fwd URG Flags`).
        public var forwardURG: UInt32 = 0
        /// Backward packets with URG set (`Bwd URG Flags`).
        public var backwardURG: UInt32 = 0
        /// TCP window field of the first packet of each direction (-1: none, or not TCP).
        public var initialWindowForward: Int32 = -1
        /// TCP window of the first backward packet (`Init_Win_bytes_backward`; -1 none or not TCP).
        public var initialWindowBackward: Int32 = -1
        /// FIN bookkeeping for `tcpTermination`: bit 0 forward FIN, bit 1 backward FIN, bit 2 the second FIN was
        /// backward (so the closing ACK is forward).
        public var finState: UInt8 = 0

        /// The state before the flow's first packet.
        public init() {}

        /// The flow's first packet (forward).
        @inlinable
        public mutating func start(time t: UInt64, payload: UInt64, header: UInt64, flags: UInt8, window: Int32) {
            forwardLength.add(Double(payload))
            forwardHeaderBytes = header
            minimumForwardHeader = header
            if payload > 0 { forwardDataPackets = 1 }
            forwardLastSeen = t
            activeStart = t
            activeEnd = t
            countFlags(flags, direction: 0)
            initialWindowForward = window
            forwardBulk.add(
                payload: payload, time: t, otherHasLast: backwardBulk.hasLast, otherLast: backwardBulk.last)
        }

        /// A later packet: `gap` ms after the flow's previous packet, in `direction` (0 forward).
        @inlinable
        public mutating func add(
            time t: UInt64, gap: UInt64, direction: UInt8, payload: UInt64, header: UInt64, flags: UInt8,
            window: Int32, activityTimeout: UInt64
        ) {
            if t &- activeEnd > activityTimeout {
                if activeEnd > activeStart { active.add(Double(activeEnd &- activeStart) * 1000) }
                idle.add(Double(t &- activeEnd) * 1000)
                activeStart = t
            }
            activeEnd = t
            if gap > 1000 { subflows &+= 1 }
            flowIAT.add(Double(gap) * 1000)
            countFlags(flags, direction: direction)
            if direction == 0 {
                forwardBulk.add(
                    payload: payload, time: t, otherHasLast: backwardBulk.hasLast, otherLast: backwardBulk.last)
                forwardIAT.add(Double(t &- forwardLastSeen) * 1000)
                forwardLastSeen = t
                forwardLength.add(Double(payload))
                forwardHeaderBytes &+= header
                if header < minimumForwardHeader { minimumForwardHeader = header }
                if payload > 0 { forwardDataPackets &+= 1 }
            } else {
                backwardBulk.add(
                    payload: payload, time: t, otherHasLast: forwardBulk.hasLast, otherLast: forwardBulk.last)
                if backwardLength.count > 0 {
                    backwardIAT.add(Double(t &- backwardLastSeen) * 1000)
                } else {
                    initialWindowBackward = window
                }
                backwardLastSeen = t
                backwardLength.add(Double(payload))
                backwardHeaderBytes &+= header
            }
        }

        @inlinable
        mutating func countFlags(_ flags: UInt8, direction: UInt8) {
            var f = flags
            while f != 0 {
                flagCounts[f.trailingZeroBitCount] &+= 1
                f &= f &- 1
            }
            let psh: UInt32 = flags & DecodedPacket.TCPFlag.psh != 0 ? 1 : 0
            let urg: UInt32 = flags & DecodedPacket.TCPFlag.urg != 0 ? 1 : 0
            if direction == 0 {
                forwardPSH &+= psh
                forwardURG &+= urg
            } else {
                backwardPSH &+= psh
                backwardURG &+= urg
            }
        }

        /// Whether this TCP packet (already counted) ends the connection: a RST, or, once both sides have sent a
        /// FIN, an ACK from the side that did not send the second FIN.
        @inlinable
        public mutating func terminates(flags: UInt8, direction: UInt8) -> Bool {
            if flags & DecodedPacket.TCPFlag.rst != 0 { return true }
            if finState & 0b11 == 0b11 {
                let closingDirection: UInt8 = finState & 0b100 != 0 ? 0 : 1
                return direction == closingDirection && flags & DecodedPacket.TCPFlag.ack != 0
            }
            if flags & DecodedPacket.TCPFlag.fin != 0 {
                var next = finState | (direction == 0 ? 0b01 : 0b10)
                if next & 0b11 == 0b11 && direction == 1 { next |= 0b100 }
                finState = next
            }
            return false
        }

        /// Active periods including the open one (what the `Active` columns summarise).
        @inlinable
        public var activeIncludingOpenPeriod: CICRunningStatistics {
            var a = active
            if activeEnd > activeStart { a.add(Double(activeEnd &- activeStart) * 1000) }
            return a
        }
    }

    /// Flow boundaries and activity timeout.
    public let options: Options
    /// The meter's time unit (packet and flow times arrive in its ticks).
    public let timeUnit: TimeUnit
    @usableFromInline let ticksPerMillisecond: UInt64

    /// The plugin with `options`, for a meter whose times are in `timeUnit` (converted to ms).
    public init(options: Options = Options(), timeUnit: TimeUnit = .milliseconds) {
        self.options = options
        self.timeUnit = timeUnit
        ticksPerMillisecond = timeUnit.ticksPerMillisecond
    }

    /// A time of the meter's unit in milliseconds, the plugin's unit.
    @inlinable @inline(__always)
    func ms(_ ticks: UInt64) -> UInt64 { ticksPerMillisecond == 1 ? ticks : ticks / ticksPerMillisecond }

    /// `cic`.
    public var name: String { "cic" }

    /// Empty summaries and counters.
    public func makeState() -> State { State() }

    /// The column names, in order.
    public static let columnNames: [String] = columnList.map(\.name)

    /// The 84 columns, under the CIC-IDS2017 CSV names.
    public var columns: [FeatureColumn] { Self.columnList }

    static let columnList: [FeatureColumn] = {
        var c: [FeatureColumn] = []
        func add(_ name: String, _ type: ColumnType, _ summary: String) { c.append(FeatureColumn(name, type, summary)) }
        add(
            "Flow ID", .text,
            "CICFlowMeter's flow identifier IP-IP-port-port-protocol (endpoints in CICFlowMeter's order)")
        add("Source IP", .text, "Sender of the flow's first packet")
        add("Source Port", .integer, "Its TCP/UDP port (0 otherwise)")
        add("Destination IP", .text, "Receiver of the flow's first packet")
        add("Destination Port", .integer, "Its TCP/UDP port (0 otherwise)")
        add("Protocol", .integer, "IP protocol number")
        add("Timestamp", .text, "First packet time, UTC, YYYY-MM-DD hh:mm:ss.mmm (24-hour clock)")
        add("Flow Duration", .integer, "Last minus first packet time, µs (ms precision)")
        add("Total Fwd Packets", .integer, "Packets src→dst")
        add("Total Backward Packets", .integer, "Packets dst→src")
        add("Total Length of Fwd Packets", .integer, "L4 payload bytes src→dst")
        add("Total Length of Bwd Packets", .integer, "L4 payload bytes dst→src")
        for (d, what) in [("Fwd", "src→dst"), ("Bwd", "dst→src")] {
            add("\(d) Packet Length Max", .integer, "Largest L4 payload of a \(what) packet, bytes")
            add("\(d) Packet Length Min", .integer, "Smallest L4 payload of a \(what) packet, bytes")
            add("\(d) Packet Length Mean", .float, "Mean L4 payload of \(what) packets, bytes")
            add(
                "\(d) Packet Length Std", .float,
                "Sample standard deviation of the L4 payload of \(what) packets, bytes")
        }
        add(
            "Flow Bytes/s", .float,
            "Payload bytes (both directions) per second of Flow Duration; 0 when the duration is 0")
        add("Flow Packets/s", .float, "Packets per second of Flow Duration; 0 when the duration is 0")
        add("Flow IAT Mean", .float, "Mean time between consecutive packets, µs")
        add("Flow IAT Std", .float, "Sample standard deviation of the time between consecutive packets, µs")
        add("Flow IAT Max", .integer, "Longest time between consecutive packets, µs")
        add("Flow IAT Min", .integer, "Shortest time between consecutive packets, µs")
        for (d, what) in [("Fwd", "src→dst"), ("Bwd", "dst→src")] {
            add("\(d) IAT Total", .integer, "Sum of the times between consecutive \(what) packets, µs")
            add("\(d) IAT Mean", .float, "Mean time between consecutive \(what) packets, µs")
            add("\(d) IAT Std", .float, "Sample standard deviation of the time between consecutive \(what) packets, µs")
            add("\(d) IAT Max", .integer, "Longest time between consecutive \(what) packets, µs")
            add("\(d) IAT Min", .integer, "Shortest time between consecutive \(what) packets, µs")
        }
        add("Fwd PSH Flags", .integer, "src→dst packets with PSH")
        add("Bwd PSH Flags", .integer, "dst→src packets with PSH")
        add("Fwd URG Flags", .integer, "src→dst packets with URG")
        add("Bwd URG Flags", .integer, "dst→src packets with URG")
        add("Fwd Header Length", .integer, "Sum of the L4 header lengths of src→dst packets, bytes")
        add("Bwd Header Length", .integer, "Sum of the L4 header lengths of dst→src packets, bytes")
        add("Fwd Packets/s", .float, "src→dst packets per second of Flow Duration; 0 when the duration is 0")
        add("Bwd Packets/s", .float, "dst→src packets per second of Flow Duration; 0 when the duration is 0")
        add("Min Packet Length", .integer, "Smallest L4 payload of a packet, bytes")
        add("Max Packet Length", .integer, "Largest L4 payload of a packet, bytes")
        add("Packet Length Mean", .float, "Mean L4 payload per packet, bytes")
        add("Packet Length Std", .float, "Sample standard deviation of the L4 payload per packet, bytes")
        add("Packet Length Variance", .float, "Sample variance of the L4 payload per packet, bytes²")
        for flag in ["FIN", "SYN", "RST", "PSH", "ACK", "URG"] {
            add("\(flag) Flag Count", .integer, "Packets with TCP \(flag), both directions")
        }
        add("CWE Flag Count", .integer, "Packets with TCP CWR, both directions (CIC-IDS2017's name)")
        add("ECE Flag Count", .integer, "Packets with TCP ECE, both directions")
        add("Down/Up Ratio", .float, "Total Backward Packets / Total Fwd Packets")
        add("Average Packet Size", .float, "L4 payload bytes per packet (both directions)")
        add("Avg Fwd Segment Size", .float, "L4 payload bytes per src→dst packet")
        add("Avg Bwd Segment Size", .float, "L4 payload bytes per dst→src packet (0 without one)")
        add("Fwd Header Length.1", .integer, "Fwd Header Length again (CIC-IDS2017 repeats it)")
        for (d, what) in [("Fwd", "src→dst"), ("Bwd", "dst→src")] {
            add("\(d) Avg Bytes/Bulk", .float, "Payload bytes per \(what) bulk (≥4 payload packets, gaps ≤1 s)")
            add("\(d) Avg Packets/Bulk", .float, "Packets per \(what) bulk")
            add("\(d) Avg Bulk Rate", .float, "\(what) bulk payload bytes per second of bulk duration")
        }
        add("Subflow Fwd Packets", .float, "Total Fwd Packets / subflows (subflows split at gaps > 1 s)")
        add("Subflow Fwd Bytes", .float, "Total Length of Fwd Packets / subflows")
        add("Subflow Bwd Packets", .float, "Total Backward Packets / subflows")
        add("Subflow Bwd Bytes", .float, "Total Length of Bwd Packets / subflows")
        add("Init_Win_bytes_forward", .integer, "TCP window field of the first src→dst packet (-1 not TCP)")
        add("Init_Win_bytes_backward", .integer, "TCP window field of the first dst→src packet (-1 none or not TCP)")
        add("act_data_pkt_fwd", .integer, "src→dst packets with at least 1 byte of L4 payload")
        add("min_seg_size_forward", .integer, "Smallest L4 header length of a src→dst packet, bytes")
        for (kind, what) in [
            ("Active", "active periods (runs of packets ≤5 s apart)"), ("Idle", "idle periods (gaps > 5 s)"),
        ] {
            add("\(kind) Mean", .float, "Mean of the \(what), µs")
            add("\(kind) Std", .float, "Sample standard deviation of the \(what), µs")
            add("\(kind) Max", .integer, "Longest of the \(what), µs")
            add("\(kind) Min", .integer, "Shortest of the \(what), µs")
        }
        return c
    }()

    // MARK: Hooks

    /// The L4 header length of a packet: TCP data offset (capped at the segment), 8 for UDP/ICMP, else 0.
    @inlinable
    static func headerLength(_ p: borrowing DecodedPacket) -> UInt64 {
        UInt64(p.transportSize &- p.payloadSize)
    }

    @inlinable
    static func window(_ p: borrowing DecodedPacket) -> Int32 {
        p.ipProtocol == 6 ? Int32(p.tcpWindow) : -1
    }

    /// Counts the first (forward) packet; with `tcpTermination`, a RST ends the flow at once.
    @inlinable @inline(__always)
    public func flowStarted(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext)
        -> PluginAction
    {
        let p = packet.packet
        state.start(
            time: ms(p.time), payload: UInt64(p.payloadSize), header: Self.headerLength(p),
            flags: p.tcpFlags, window: Self.window(p))
        if options.tcpTermination && p.ipProtocol == 6 && state.terminates(flags: p.tcpFlags, direction: 0) {
            return .expire
        }
        return .keep
    }

    /// Ends the flow before this packet when it comes more than the flow timeout after the first one.
    @inlinable @inline(__always)
    public func packetArriving(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext)
        -> PluginAction
    {
        let timeout = options.flowTimeoutMilliseconds
        if timeout == 0 { return .keep }
        let age = ms(packet.packet.time) &- ms(flow.firstSeen)
        return age > timeout ? .expire : .keep
    }

    /// Counts the packet; with `tcpTermination`, ends the flow at a RST or the ACK that answers the second FIN.
    @inlinable @inline(__always)
    public func packetObserved(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext)
        -> PluginAction
    {
        let p = packet.packet
        let direction = packet.direction
        state.add(
            time: ms(p.time), gap: ms(p.time) &- ms(p.time &- packet.deltaTime), direction: direction,
            payload: UInt64(p.payloadSize), header: Self.headerLength(p), flags: p.tcpFlags, window: Self.window(p),
            activityTimeout: options.activityTimeoutMilliseconds)
        if options.tcpTermination && p.ipProtocol == 6 && state.terminates(flags: p.tcpFlags, direction: direction) {
            return .expire
        }
        return .keep
    }

    // MARK: Columns

    /// Writes the 84 columns from the state and the flow's identity and times.
    @inlinable
    public func write<Sink: FlowFieldSink>(_ state: borrowing State, flow: borrowing Flow, to sink: inout Sink) {
        Self.write(
            state, source: flow.source, sourcePort: flow.sourcePort, destination: flow.destination,
            destinationPort: flow.destinationPort, protocol: flow.ipProtocol, firstSeen: ms(flow.firstSeen),
            lastSeen: ms(flow.lastSeen), to: &sink)
    }

    /// Writes the columns from the state and the flow's identity and times (ms).
    public static func write<Sink: FlowFieldSink>(
        _ s: borrowing State, source: IPAddress, sourcePort: UInt16, destination: IPAddress, destinationPort: UInt16,
        protocol proto: UInt8, firstSeen: UInt64, lastSeen: UInt64, to sink: inout Sink
    ) {
        func integer(_ x: Double) { sink.appendUnsigned(UInt64(x)) }
        func summary(_ x: CICRunningStatistics) {
            integer(x.maximum)
            integer(x.minimum)
            sink.appendDouble(x.mean)
            sink.appendDouble(x.standardDeviation)
        }
        func timing(_ x: CICRunningStatistics) {
            sink.appendDouble(x.mean)
            sink.appendDouble(x.standardDeviation)
            integer(x.maximum)
            integer(x.minimum)
        }
        sink.appendText(
            CICFormat.flowID(
                source: source, sourcePort: sourcePort, destination: destination, destinationPort: destinationPort,
                protocol: proto))
        sink.appendAddress(source)
        sink.appendUnsigned(UInt64(sourcePort))
        sink.appendAddress(destination)
        sink.appendUnsigned(UInt64(destinationPort))
        sink.appendUnsigned(UInt64(proto))
        sink.appendText(CICFormat.timestamp(milliseconds: firstSeen))

        let durationMicroseconds = (lastSeen &- firstSeen) &* 1000
        let seconds = Double(durationMicroseconds) / 1_000_000
        func perSecond(_ x: Double) -> Double { durationMicroseconds > 0 ? x / seconds : 0 }
        let forward = s.forwardLength
        let backward = s.backwardLength
        let all = forward.merged(with: backward)
        let forwardPackets = Double(forward.count)
        let backwardPackets = Double(backward.count)

        sink.appendUnsigned(durationMicroseconds)
        sink.appendUnsigned(forward.count)
        sink.appendUnsigned(backward.count)
        integer(forward.sum)
        integer(backward.sum)
        summary(forward)
        summary(backward)
        sink.appendDouble(perSecond(all.sum))
        sink.appendDouble(perSecond(Double(all.count)))
        timing(s.flowIAT)
        integer(s.forwardIAT.sum)
        timing(s.forwardIAT)
        integer(s.backwardIAT.sum)
        timing(s.backwardIAT)
        sink.appendUnsigned(UInt64(s.forwardPSH))
        sink.appendUnsigned(UInt64(s.backwardPSH))
        sink.appendUnsigned(UInt64(s.forwardURG))
        sink.appendUnsigned(UInt64(s.backwardURG))
        sink.appendUnsigned(s.forwardHeaderBytes)
        sink.appendUnsigned(s.backwardHeaderBytes)
        sink.appendDouble(perSecond(forwardPackets))
        sink.appendDouble(perSecond(backwardPackets))
        integer(all.minimum)
        integer(all.maximum)
        sink.appendDouble(all.mean)
        sink.appendDouble(all.standardDeviation)
        sink.appendDouble(all.variance)
        // FIN SYN RST PSH ACK URG by flag bit 0...5, then CWR (bit 7) and ECE (bit 6).
        for bit in 0..<6 { sink.appendUnsigned(UInt64(s.flagCounts[bit])) }
        sink.appendUnsigned(UInt64(s.flagCounts[7]))
        sink.appendUnsigned(UInt64(s.flagCounts[6]))
        sink.appendDouble(forward.count > 0 ? backwardPackets / forwardPackets : 0)
        sink.appendDouble(all.count > 0 ? all.sum / Double(all.count) : 0)
        sink.appendDouble(forward.count > 0 ? forward.sum / forwardPackets : 0)
        sink.appendDouble(backward.count > 0 ? backward.sum / backwardPackets : 0)
        sink.appendUnsigned(s.forwardHeaderBytes)
        sink.appendDouble(s.forwardBulk.averageBytes)
        sink.appendDouble(s.forwardBulk.averagePackets)
        sink.appendDouble(s.forwardBulk.rate)
        sink.appendDouble(s.backwardBulk.averageBytes)
        sink.appendDouble(s.backwardBulk.averagePackets)
        sink.appendDouble(s.backwardBulk.rate)
        let subflows = Double(s.subflows)
        sink.appendDouble(forwardPackets / subflows)
        sink.appendDouble(forward.sum / subflows)
        sink.appendDouble(backwardPackets / subflows)
        sink.appendDouble(backward.sum / subflows)
        sink.appendSigned(Int64(s.initialWindowForward))
        sink.appendSigned(Int64(s.initialWindowBackward))
        sink.appendUnsigned(s.forwardDataPackets)
        sink.appendUnsigned(s.minimumForwardHeader)
        timing(s.activeIncludingOpenPeriod)
        timing(s.idle)
    }
}
