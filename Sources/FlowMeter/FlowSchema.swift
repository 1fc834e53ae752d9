import FlowPacket

/// The ordered columns of a run, known before the first row (NFStream's order, §5 of the semantics).
public struct FlowSchema: Sendable, Equatable {
    /// Every column, `id` first.
    public var columns: [FeatureColumn]

    /// A schema of exactly `columns`.
    public init(columns: [FeatureColumn]) { self.columns = columns }

    /// The column names in order (the CSV header).
    public var columnNames: [String] { columns.map(\.name) }

    /// The core columns for a meter configuration, then every plugin's columns in plugin order.
    public init(configuration c: MeterConfiguration, plugins: [any FeaturePlugin]) {
        self.init(configuration: c)
        columns += plugins.flatMap(\.columns)
    }

    /// The core columns for a meter configuration.
    public init(configuration c: MeterConfiguration) {
        var cols: [FeatureColumn] = [
            .init("id", .integer, "Flow number in output order, from 0"),
            .init(
                "expiration_id", .integer,
                "0 idle or end of input, 1 active timeout, 2 table full, 3 TCP termination, -1 plugin"),
            .init("src_ip", .text, "Source IP (sender of the first packet)"),
            .init("src_mac", .text, "Source MAC of the first packet"),
            .init("src_oui", .text, "First three bytes of src_mac"),
            .init("src_port", .integer, "Source TCP/UDP port (0 otherwise)"),
            .init("dst_ip", .text, "Destination IP"),
            .init("dst_mac", .text, "Destination MAC of the first packet"),
            .init("dst_oui", .text, "First three bytes of dst_mac"),
            .init("dst_port", .integer, "Destination TCP/UDP port (0 otherwise)"),
            .init("protocol", .integer, "IP protocol number"),
            .init("ip_version", .integer, "4 or 6"),
            .init("vlan_id", .integer, "VID of the innermost VLAN tag (0 untagged)"),
        ]
        if c.tcpTermination {
            cols.insert(
                .init(
                    "expiration_reason", .text,
                    "Why the flow ended: idle, active, end_of_stream, plugin, tcp_fin, tcp_rst, table_full"), at: 2)
        }
        if c.decodeTunnels {
            cols.append(.init("tunnel_id", .integer, TunnelKind.legend))
        }
        let unit = c.timeUnit.suffix
        for d in ["bidirectional", "src2dst", "dst2src"] {
            let what = d == "bidirectional" ? "both directions" : d
            cols.append(
                .init("\(d)_first_seen_\(unit)", .integer, "First packet time, \(unit) since the epoch (\(what))"))
            cols.append(
                .init("\(d)_last_seen_\(unit)", .integer, "Last packet time, \(unit) since the epoch (\(what))"))
            cols.append(.init("\(d)_duration_\(unit)", .integer, "last_seen - first_seen in \(unit) (\(what))"))
            cols.append(.init("\(d)_packets", .integer, "Packets (\(what))"))
            cols.append(.init("\(d)_bytes", .integer, "Bytes under the accounting mode (\(what))"))
        }
        self.columns = cols
    }

}

extension Flow {
    /// Writes the core columns of this flow (all but `id`) in schema order.
    @inlinable
    public func writeColumns<S: FlowFieldSink>(to sink: inout S, configuration c: MeterConfiguration) {
        sink.appendSigned(Int64(expirationReason.expirationID))
        if c.tcpTermination { sink.appendText(expirationReason.name) }
        sink.appendAddress(source)
        sink.appendMAC(sourceMAC, ouiOnly: false)
        sink.appendMAC(sourceMAC, ouiOnly: true)
        sink.appendUnsigned(UInt64(sourcePort))
        sink.appendAddress(destination)
        sink.appendMAC(destinationMAC, ouiOnly: false)
        sink.appendMAC(destinationMAC, ouiOnly: true)
        sink.appendUnsigned(UInt64(destinationPort))
        sink.appendUnsigned(UInt64(ipProtocol))
        sink.appendUnsigned(UInt64(ipVersion))
        sink.appendUnsigned(UInt64(vlanID))
        if c.decodeTunnels { sink.appendUnsigned(UInt64(tunnelID)) }
        sink.appendUnsigned(firstSeen)
        sink.appendUnsigned(lastSeen)
        sink.appendUnsigned(duration)
        sink.appendUnsigned(packets)
        sink.appendUnsigned(bytes)
        sink.appendUnsigned(src2dstFirstSeen)
        sink.appendUnsigned(src2dstLastSeen)
        sink.appendUnsigned(src2dstDuration)
        sink.appendUnsigned(src2dstPackets)
        sink.appendUnsigned(src2dstBytes)
        sink.appendUnsigned(dst2srcFirstSeen)
        sink.appendUnsigned(dst2srcLastSeen)
        sink.appendUnsigned(dst2srcDuration)
        sink.appendUnsigned(dst2srcPackets)
        sink.appendUnsigned(dst2srcBytes)
    }
}
