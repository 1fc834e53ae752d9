import FlowCapture
import FlowMeter
import FlowPacket
import FlowStreamer
import FlowWriters

/// `flowmeter packets`: one row per packet, joined to the flow rows `convert` writes with the same options by
/// `flow_id`. Two passes over the inputs: the first meters them (flows, timeouts and every plugin that can end a
/// flow, exactly as `convert`) and records for each packet the flow it joined and its direction, and for each
/// flow its row id (and label); the second reads the inputs again and writes the packet rows. So the inputs must
/// be files (not standard input), and memory holds five bytes per packet.
public enum PacketTable {
    /// The columns of a packet row (`id` is the packet's number among the rows).
    public static func schema(timeUnit: TimeUnit, labels: Bool) -> FlowSchema {
        var c: [FeatureColumn] = [
            .init("id", .integer, "Packet number (0-based, among the packets metered)"),
            .init("timestamp_\(timeUnit.suffix)", .integer, "Capture time stamp, \(timeUnit.suffix) since the epoch"),
            .init("flow_id", .integer, "id of the packet's flow in convert's output with the same options"),
            .init("direction", .integer, "0 src→dst, 1 dst→src (the flow's src is its first packet's sender)"),
            .init("src_mac", .text, "Source MAC"), .init("dst_mac", .text, "Destination MAC"),
            .init("ip_version", .integer, "4 or 6"),
            .init("src_ip", .text, "Source address"), .init("dst_ip", .text, "Destination address"),
            .init("protocol", .integer, "IP protocol number"),
            .init("protocol_name", .text, "tcp, udp, icmp, icmpv6, … (empty for others)"),
            .init("src_port", .integer, "Source port (0 without ports)"),
            .init("dst_port", .integer, "Destination port (0 without ports)"),
            .init("ttl", .integer, "IPv4 TTL or IPv6 hop limit"),
            .init("frame_length", .integer, "Length of the frame on the wire"),
            .init("ip_length", .integer, "IP length from the header (IPv6: 40 + payload length)"),
            .init("transport_length", .integer, "Transport header and payload bytes"),
            .init("payload_length", .integer, "Transport payload bytes"),
            .init(
                "tcp_flags", .integer, "TCP flags byte (FIN 1, SYN 2, RST 4, PSH 8, ACK 16, URG 32, ECE 64, CWR 128)"),
            .init("tcp_window", .integer, "TCP window (-1: not TCP)"),
            .init("tcp_seq", .integer, "TCP sequence number (-1: not TCP or not captured)"),
            .init("tcp_ack", .integer, "TCP acknowledgement number (-1: not TCP or not captured)"),
            .init("ip_checksum", .integer, "IPv4 header checksum (-1: IPv6)"),
            .init("transport_checksum", .integer, "TCP, UDP, ICMP or ICMPv6 checksum (-1: none or not captured)"),
            .init("udp_length", .integer, "UDP length field (-1: not UDP)"),
            .init("vlan_id", .integer, "Outermost VLAN id (0 none)"),
            .init("tunnel_id", .integer, TunnelKind.legend),
        ]
        if labels { c.append(.init("label", .text, "The label of the packet's flow (--labels)")) }
        return FlowSchema(columns: c)
    }

    /// What the first pass learns: per packet its flow's serial number and direction, per serial the flow's row id
    /// and label.
    public final class FlowMap: @unchecked Sendable {  // filled by the one meter thread of the first pass
        var serials: [UInt32] = []
        var directions: [UInt8] = []
        var nextSerial: UInt32 = 0
        var ids: [UInt64] = []
        var labels: [String] = []
        /// An empty map.
        public init() {}
    }

    /// The first pass's plugin (last in plugin order): numbers flows as they start and notes every packet's flow.
    /// Its hidden column carries the serial to the row, where ``IdentityWriter`` reads it.
    public struct Recorder: FeaturePlugin {
        /// The serial number of the flow.
        public struct State: Sendable { var serial: UInt32 = 0 }
        let map: FlowMap
        /// A recorder that fills `map`.
        public init(map: FlowMap) { self.map = map }
        /// `packet-flows`.
        public var name: String { "packet-flows" }
        /// One hidden column, `_flow_serial`.
        public var columns: [FeatureColumn] { [.init("_flow_serial", .integer, "internal")] }
        /// Serial 0, set when the flow starts.
        public func makeState() -> State { State() }
        /// Gives the flow the next serial and records its first packet (direction 0).
        public func flowStarted(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext)
            -> PluginAction
        {
            state.serial = map.nextSerial
            map.nextSerial &+= 1
            map.serials.append(state.serial)
            map.directions.append(0)
            return .keep
        }
        /// Records the packet's flow serial and direction.
        public func packetObserved(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext)
            -> PluginAction
        {
            map.serials.append(state.serial)
            map.directions.append(packet.direction)
            return .keep
        }
        /// Writes the flow's serial.
        public func write<Sink: FlowFieldSink>(_ state: borrowing State, flow: borrowing Flow, to sink: inout Sink) {
            sink.appendUnsigned(UInt64(state.serial))
        }
    }

    /// The first pass's writer: keeps each flow's row id (and label) by serial; writes nothing.
    public final class IdentityWriter: FlowWriter {
        let map: FlowMap
        var serialColumn = -1
        var labelColumn = -1
        /// A writer that fills `map`.
        public init(map: FlowMap) { self.map = map }
        /// Finds the `_flow_serial` and `label` columns.
        public func begin(schema: FlowSchema) throws {
            let names = Array(schema.columnNames.dropFirst())
            serialColumn = names.lastIndex(of: "_flow_serial") ?? -1
            labelColumn = names.firstIndex(of: "label") ?? -1
        }
        /// Stores the row's id (and label) under its flow serial.
        public func write(_ row: FlowRow) throws {
            var column = 0
            var serial = -1
            var label = ""
            row.record.forEachValue { value in
                if column == serialColumn, case .unsigned(let s) = value { serial = Int(s) }
                if column == labelColumn, case .text(let t) = value { label = String(decoding: t, as: UTF8.self) }
                column += 1
            }
            guard serial >= 0 else { return }
            if map.ids.count <= serial {
                map.ids.append(contentsOf: repeatElement(UInt64.max, count: serial + 1 - map.ids.count))
                if labelColumn >= 0 {
                    map.labels.append(contentsOf: repeatElement("", count: serial + 1 - map.labels.count))
                }
            }
            map.ids[serial] = row.id
            if labelColumn >= 0 { map.labels[serial] = label }
        }
        /// Nothing to write.
        public func finish() throws {}
        /// Nothing to remove.
        public func abandon() {}
    }

    /// What the second pass did.
    public struct Report {
        /// Packet rows written.
        public var rows: UInt64 = 0
        /// Records the decoder skipped (not IP, truncated …), by `DecodeOutcome`.
        public var skipped: [UInt64] = Array(repeating: 0, count: DecodeOutcome.allCases.count)
    }

    /// The second pass was interrupted (SIGINT/SIGTERM): the output is abandoned.
    public struct Interrupted: Error, CustomStringConvertible {
        /// The message the CLI prints.
        public var description: String { "interrupted: no packet table written" }
    }

    /// The second reading of the inputs gave other packets than the first (an input changed between the passes).
    public struct Mismatch: Error, CustomStringConvertible {
        /// The message the CLI prints.
        public var description: String {
            "the second reading of the inputs does not match the first (did an input change while it was read?)"
        }
    }

    /// The second pass: reads `inputs` again and writes one row per metered packet to `writer` (begun here).
    public static func writePackets(
        inputs: [String], configuration: StreamerConfiguration, map: FlowMap, writer: FlowWriter, labels: Bool
    ) throws -> Report {
        let unit = configuration.meter.timeUnit
        try writer.begin(schema: schema(timeUnit: unit, labels: labels))
        var report = Report()
        var record = FlowRecordBuffer(capacity: 1 << 12)
        var packet = DecodedPacket()
        var index = 0
        for path in inputs {
            guard let handle = try? PcapHandle.openOffline(path: path, nanoseconds: unit == .nanoseconds) else {
                continue
            }
            if let bpf = configuration.bpfFilter { try handle.setFilter(bpf) }
            guard handle.linkType.isSupported else {
                // Not metered either: every record is a skip of its own kind.
                while case .packet = handle.next() {
                    report.skipped[Int(DecodeOutcome.unsupportedLinkType.rawValue)] &+= 1
                }
                continue
            }
            let decoder = PacketDecoder(linkType: handle.linkType, decodeTunnels: configuration.meter.decodeTunnels)
            reading: while true {
                switch handle.next() {
                case .packet(let captured):
                    if index & 4095 == 0 && interruptRequested.load(ordering: .relaxed) { throw Interrupted() }
                    let outcome = decoder.decode(captured.bytes, wireLength: captured.wireLength, into: &packet)
                    guard outcome == .decoded else {
                        report.skipped[Int(outcome.rawValue)] &+= 1
                        continue
                    }
                    guard index < map.serials.count else { throw Mismatch() }
                    let serial = Int(map.serials[index])
                    let flowID = serial < map.ids.count ? map.ids[serial] : UInt64.max
                    guard flowID != UInt64.max else { throw Mismatch() }
                    record.removeAll()
                    record.beginRecord()
                    encode(
                        &record, packet: packet, bytes: captured.bytes,
                        time: unit.time(seconds: captured.seconds, nanoseconds: captured.nanoseconds),
                        flowID: flowID, direction: map.directions[index])
                    if labels { record.appendText(serial < map.labels.count ? map.labels[serial] : "") }
                    let range = record.endRecord()
                    try writer.write(
                        FlowRow(
                            id: UInt64(index),
                            record: FlowRecord(bytes: UnsafeRawBufferPointer(rebasing: record.bytes[range]))))
                    index += 1
                    report.rows &+= 1
                case .endOfFile, .failed, .timeout:
                    break reading
                }
            }
        }
        guard index == map.serials.count else { throw Mismatch() }
        return report
    }

    /// Big-endian integer of `width` bytes at `offset`, or -1 when the capture does not hold it.
    @inline(__always)
    static func field(_ bytes: UnsafeRawBufferPointer, _ offset: Int, _ width: Int) -> Int64 {
        guard offset >= 0, offset + width <= bytes.count else { return -1 }
        var v: Int64 = 0
        for i in 0..<width { v = v << 8 | Int64(bytes[offset + i]) }
        return v
    }

    static func encode(
        _ r: inout FlowRecordBuffer, packet p: DecodedPacket, bytes: UnsafeRawBufferPointer, time: UInt64,
        flowID: UInt64, direction: UInt8
    ) {
        r.appendUnsigned(time)
        r.appendUnsigned(flowID)
        r.appendUnsigned(UInt64(direction))
        r.appendMAC(p.sourceMAC, ouiOnly: false)
        r.appendMAC(p.destinationMAC, ouiOnly: false)
        r.appendUnsigned(UInt64(p.ipVersion))
        r.appendAddress(p.source)
        r.appendAddress(p.destination)
        r.appendUnsigned(UInt64(p.ipProtocol))
        IPProtocolName.utf8[Int(p.ipProtocol)].withUnsafeBytes { r.appendUTF8($0) }
        r.appendUnsigned(UInt64(p.sourcePort))
        r.appendUnsigned(UInt64(p.destinationPort))
        let ip = Int(p.ipOffset)
        r.appendSigned(field(bytes, ip + (p.ipVersion == 4 ? 8 : 7), 1))
        r.appendUnsigned(UInt64(p.rawSize))
        r.appendUnsigned(UInt64(p.ipSize))
        r.appendUnsigned(UInt64(p.transportSize))
        r.appendUnsigned(UInt64(p.payloadSize))
        let tcp = p.ipProtocol == 6
        let udp = p.ipProtocol == 17
        r.appendUnsigned(UInt64(p.tcpFlags))
        r.appendSigned(tcp ? Int64(p.tcpWindow) : -1)
        // The transport header ends where the payload starts.
        let transport = Int(p.payloadOffset) - (Int(p.transportSize) - Int(p.payloadSize))
        let hasTransport = p.transportSize > 0 && transport > ip
        r.appendSigned(tcp && hasTransport ? field(bytes, transport + 4, 4) : -1)
        r.appendSigned(tcp && hasTransport ? field(bytes, transport + 8, 4) : -1)
        r.appendSigned(p.ipVersion == 4 ? field(bytes, ip + 10, 2) : -1)
        let checksumOffset: Int? =
            !hasTransport ? nil : tcp ? 16 : udp ? 6 : (p.ipProtocol == 1 || p.ipProtocol == 58) ? 2 : nil
        r.appendSigned(checksumOffset.map { field(bytes, transport + $0, 2) } ?? -1)
        r.appendSigned(udp && hasTransport ? field(bytes, transport + 4, 2) : -1)
        r.appendUnsigned(UInt64(p.vlanID))
        r.appendUnsigned(UInt64(p.tunnelID))
    }
}
