import FlowPacket

/// The value type of a column.
public enum ColumnType: String, Sendable {
    case integer, float, text, list, boolean
}

/// One output column: its name, type and a one-line description.
public struct FeatureColumn: Sendable, Equatable {
    /// The column name as written in headers (`src2dst_packets`, `splt_direction` …).
    public var name: String
    /// The value type, which picks the column's Parquet and IPFIX encodings.
    public var type: ColumnType
    /// One-line description, as `flowmeter features` lists it.
    public var summary: String
    /// A column named `name` of type `type`, described by `summary`.
    public init(_ name: String, _ type: ColumnType, _ summary: String) {
        self.name = name
        self.type = type
        self.summary = summary
    }
}

/// Where a row's values go, in schema order: the CSV formatter, the typed record a meter hands to the output stage
/// (``FlowRecordBuffer``), or a sink of your own.
public protocol FlowFieldSink {
    mutating func appendUnsigned(_ value: UInt64)
    mutating func appendSigned(_ value: Int64)
    mutating func appendDouble(_ value: Double)
    mutating func appendAddress(_ address: IPAddress)
    mutating func appendMAC(_ mac: MACAddress, ouiOnly: Bool)
    mutating func appendText(_ text: String)
    /// Text given as UTF-8 bytes, valid only during the call (default: `appendText` with a `String` made of them).
    mutating func appendUTF8(_ utf8: UnsafeRawBufferPointer)
    /// A list of integers (SPLT and the like), written as Python prints a list: `[1, 2, -1]`. The array forms are
    /// what plugins call (default: the generic form); the generic form takes any collection, e.g. a list read back
    /// from a ``FlowRecord``.
    mutating func appendList(_ values: [Int8])
    mutating func appendList(_ values: [Int32])
    mutating func appendList(_ values: [Int64])
    mutating func appendList<Values: Collection>(_ values: Values)
    where Values.Element: FixedWidthInteger & SignedInteger
}

extension FlowFieldSink {
    /// Default: `appendText` with a `String` decoded from the bytes (invalid UTF-8 repaired).
    public mutating func appendUTF8(_ utf8: UnsafeRawBufferPointer) {
        appendText(String(decoding: utf8, as: UTF8.self))
    }
    // Inlinable, so a conforming sink gets them specialised for its own generic `appendList`.
    /// Default: the generic `appendList` over the array's buffer.
    @inlinable public mutating func appendList(_ values: [Int8]) { values.withUnsafeBufferPointer { appendList($0) } }
    /// Default: the generic `appendList` over the array's buffer.
    @inlinable public mutating func appendList(_ values: [Int32]) { values.withUnsafeBufferPointer { appendList($0) } }
    /// Default: the generic `appendList` over the array's buffer.
    @inlinable public mutating func appendList(_ values: [Int64]) { values.withUnsafeBufferPointer { appendList($0) } }
}

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
